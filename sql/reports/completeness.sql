-- data_completeness of the kabupaten/kota of province $province_bps_code in IPLM year $year, BPS-code order.
SELECT * EXCLUDE (year, kemendagri_code, province_bps_code)
FROM data_completeness WHERE year = $year AND province_bps_code = $province_bps_code ORDER BY bps_code;
