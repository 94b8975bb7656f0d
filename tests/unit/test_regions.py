"""The one region lookup: exact, scoped, loud (SOURCES.md §4)."""

import pytest

from iplm_pipeline.errors import Location, RegionError
from iplm_pipeline.regions import RegionLookup, load_regions


@pytest.fixture(scope="module")
def regions() -> RegionLookup:
    return load_regions()


def test_reference_table_is_complete(regions):
    assert len(regions.provinces) == 38
    assert len(regions.regencies) == 514
    # BPS and Kemendagri codes differ; they are never derived from each other.
    assert regions.by_kemendagri["53.01"].bps_code == "5303"
    assert sum(r.bps_code != r.kemendagri_code.replace(".", "") for r in regions.regencies) == 199


@pytest.mark.parametrize(("text", "name"), [
    ("Kupang", "Kabupaten Kupang"),
    ("Kab. Kupang", "Kabupaten Kupang"),
    ("KABUPATEN KUPANG", "Kabupaten Kupang"),
    ("Kota Kupang", "Kota Kupang"),
    ("KOTA KUPANG", "Kota Kupang"),
    ("Kab. Sabu Raijua", "Kabupaten Sabu Raijua"),
    ("Sabu Raijua", "Kabupaten Sabu Raijua"),
])
def test_kupang_and_kota_kupang_never_meet(regions, text, name):
    ntt = regions.by_kemendagri["53"]
    assert regions.resolve(text, where="t.csv", level="regency", province=ntt).name == name


def test_unknown_name_error_names_file_row_and_text(regions):
    with pytest.raises(RegionError) as err:
        regions.resolve("Kupang Raya", where=Location("bps/penduduk/ntt.csv", None, 7, "Kabupaten/Kota"),
                        level="regency", province=regions.by_kemendagri["53"])
    message = str(err.value)
    assert "bps/penduduk/ntt.csv, row 7, column 'Kabupaten/Kota'" in message
    assert "'Kupang Raya'" in message and "region_aliases.csv" in message


def test_ambiguous_name_is_an_error_not_a_guess(regions):
    with pytest.raises(RegionError, match="ambiguous region name 'Gorontalo'"):
        regions.resolve("Gorontalo", where="t.csv")
    assert regions.resolve("Provinsi Gorontalo", where="t.csv").level == "province"
    assert regions.resolve("Gorontalo", where="t.csv", level="regency").kemendagri_code == "75.01"


def test_scope_keeps_names_in_their_province(regions):
    jatim = regions.by_kemendagri["35"]
    with pytest.raises(RegionError, match="unknown regency name 'Kupang' in Provinsi Jawa Timur"):
        regions.resolve("Kupang", where="t.csv", level="regency", province=jatim)


def test_pre_2023_papua_table_finds_regencies_now_in_new_provinces(regions):
    papua = regions.by_kemendagri["91"]
    merauke = regions.resolve("Merauke", where="t.csv", level="regency", province=papua)
    assert (merauke.kemendagri_code, merauke.bps_code) == ("93.01", "9501")


def test_npp_prefix_is_the_kemendagri_code(regions):
    assert regions.regency_from_npp("5320032S0000014").bps_code == "5320"
    assert regions.regency_from_npp("5301032S0000014").bps_code == "5303"  # Kupang: codes differ
    assert regions.regency_from_npp("9999032S0000014") is None
    assert regions.regency_from_npp("5300032S0000014") is None  # a province, not a regency


def test_source_aliases_map_a_spelling(tmp_path):
    import shutil

    from iplm_pipeline.regions import REFERENCE_DIR

    for name in ("regions.csv", "papua_renumbering.csv"):
        shutil.copy(REFERENCE_DIR / name, tmp_path / name)
    (tmp_path / "region_aliases.csv").write_text(
        "source,text,kemendagri_code,note\nbps,Kab Sabu,53.20,short form in one BPS download\n")
    lookup = load_regions.__wrapped__(tmp_path)
    assert lookup.resolve("Kab Sabu", where="t", source="bps").name == "Kabupaten Sabu Raijua"
    with pytest.raises(RegionError):
        lookup.resolve("Kab Sabu", where="t", source="terbitan")
