-- Grain: one row per raw library row (the registered text frame library_raw, key row_id), typed
-- per SOURCES.md §2, with the flags the Pandera schema (defs/perpustakaan/schemas.py) checks and
-- the row's provenance. Needs sql/staging/macros.sql, the regions table, and regency_names
-- (Kabupaten/Kota texts resolved by the region lookup).
CREATE OR REPLACE TEMP TABLE library_typed AS
WITH t AS (
    SELECT row_id, source_file, sheet, row_number, file_order * 10000000 + row_number AS read_order,
           -- invisible characters (NBSP, zero-width spaces, BOM, soft hyphen) removed anywhere, then
           -- trimmed and upper-cased; any other character (a Unicode digit) makes it npp_malformed
           upper(trim(regexp_replace(npp, '[\x{00A0}\x{00AD}\x{200B}-\x{200F}\x{2060}\x{FEFF}]', '', 'g'),
                      ' \t\r\n')) AS npp,
           trim(no) AS no, trim(name) AS name,
           lower(regexp_replace(trim(library_type_raw), '\s+', ' ', 'g')) AS type_key,
           trim(library_type_raw) AS type_text, trim(subtype) AS subtype, trim(province_name) AS province_name,
           trim(regency_name) AS regency_name, trim(district_name) AS district_name,
           id_compact(collection_titles) AS c_titles, id_compact(collections) AS c_collections,
           id_compact(librarians) AS c_librarians, id_compact(technicians) AS c_technicians,
           id_compact(staff_total) AS c_staff_total,
           id_compact(visits_per_day) AS c_visits, id_compact(members) AS c_members,
           id_compact(participation) AS c_participation,
           lower(trim(snp_raw)) AS snp_key, trim(updated_at_raw) AS updated_text
    FROM library_raw
), parsed AS (
    SELECT *,
           id_number(c_titles) AS collection_titles, id_number(c_collections) AS collections,
           id_number(c_librarians) AS librarians, id_number(c_technicians) AS technicians,
           id_number(c_staff_total) AS staff_total,
           id_number(c_visits) AS visits_per_day, id_number(c_members) AS members,
           id_number(c_participation) AS participation, id_date(updated_text) AS updated_at,
           regexp_full_match(npp, '[0-9]{7}[A-Z][0-9]{7}') AS npp_well_formed
    FROM t
)
SELECT t.row_id, t.source_file, t.sheet, t.row_number, t.read_order,
       nullif(t.npp, '') AS npp,
       nullif(t.name, '') AS name,
       CASE t.type_key WHEN 'umum' THEN 'Umum' WHEN 'sekolah' THEN 'Sekolah'
                       WHEN 'perguruan tinggi' THEN 'Perguruan Tinggi' WHEN 'khusus' THEN 'Khusus' END AS library_type,
       t.type_text,
       nullif(t.subtype, '') AS subtype,
       nullif(t.province_name, '') AS province_name,
       nullif(t.regency_name, '') AS regency_name,
       nullif(t.district_name, '') AS district_name,
       t.collection_titles, t.collections, t.librarians, t.technicians, t.staff_total, t.visits_per_day,
       t.members, t.participation,
       CASE WHEN list_contains(['ya', 'y'], t.snp_key) THEN true
            WHEN list_contains(['tidak', 't'], t.snp_key) THEN false END AS snp,
       t.updated_at, t.updated_text,
       id_date_is_number(t.updated_text) AS date_is_number,
       id_number_invalid(t.c_titles, t.collection_titles) AS invalid_collection_titles,
       id_number_invalid(t.c_collections, t.collections) AS invalid_collections,
       id_number_invalid(t.c_librarians, t.librarians) AS invalid_librarians,
       id_number_invalid(t.c_technicians, t.technicians) AS invalid_technicians,
       id_number_invalid(t.c_staff_total, t.staff_total) AS invalid_staff_total,
       id_number_invalid(t.c_visits, t.visits_per_day) AS invalid_visits_per_day,
       id_number_invalid(t.c_members, t.members) AS invalid_members,
       id_number_invalid(t.c_participation, t.participation) AS invalid_participation,
       t.snp_key <> '' AND NOT list_contains(['ya', 'y', 'tidak', 't'], t.snp_key) AS invalid_snp,
       t.updated_text <> '' AND t.updated_at IS NULL AND NOT id_date_is_number(t.updated_text)
           AS invalid_updated_at,
       -- a footer (Jumlah, Total) carries no valid NPP
       NOT t.npp_well_formed
           AND (regexp_matches(t.no, '^\s*(jumlah|total|grand total|sub ?total)\b', 'i')
                OR regexp_matches(t.npp, '^\s*(jumlah|total|grand total|sub ?total)\b', 'i')
                OR regexp_matches(t.name, '^\s*(jumlah|total|grand total|sub ?total)\b', 'i')) AS is_footer,
       -- the library's regency: the NPP's first four digits are the Kemendagri code without its dot
       r.kemendagri_code, r.bps_code,
       n.kemendagri_code AS text_region_code,
       CASE WHEN nullif(t.regency_name, '') IS NULL THEN 'empty'
            WHEN n.kemendagri_code IS NULL THEN 'unknown_text'
            WHEN n.kemendagri_code IS DISTINCT FROM r.kemendagri_code THEN 'other_regency'
            ELSE 'agrees' END AS text_region_status
FROM parsed AS t
LEFT JOIN regions r
       ON r.level = 'regency' AND r.kemendagri_code = substr(t.npp, 1, 2) || '.' || substr(t.npp, 3, 2)
LEFT JOIN regency_names n ON n.text = t.regency_name;
