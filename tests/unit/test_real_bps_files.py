"""The real BPS downloads (tests/fixtures/real/bps/, see PROVENANCE.md) through `iplm inspect`.

Every number visible in each file comes out unchanged (after the file's own `Ribu` multiplier),
or the file is refused with a message naming it. The expected numbers below are the files'
cells copied out as text (by the csv module and openpyxl, not by the code under test).
"""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from iplm_pipeline.cli import main

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "bps"
NATIONAL = REAL / "Jumlah Penduduk menurut Kabupaten_Kota dan Kelompok Umur, 2022 (excerpt).csv"
BANTEN_2020 = REAL / "Penduduk, Laju Pertumbuhan Penduduk, Distribusi Persentase Penduduk Kepadatan Penduduk, Rasio Jenis Kelamin Penduduk Menurut Kabupaten_Kota di Provinsi Banten, 2020.csv"
BANTEN_2025 = REAL / "Penduduk, Laju Pertumbuhan Penduduk, Distribusi Persentase Penduduk Kepadatan Penduduk, Rasio Jenis Kelamin Penduduk Menurut Kabupaten_Kota di Provinsi Banten, 2025.csv"
JABAR_CSV = REAL / "Persentase Penduduk Miskin Menurut Kabupaten_Kota di Jawa Barat, 2024.csv"
JABAR_XLSX = next(REAL.glob("*.xlsx"))

NATIONAL_COLUMNS = ["TOTAL", "0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
                    "50-54", "55-59", "60-64", "65-69", "70-74", "75+"]
NATIONAL_CELLS = """
D I YOGYAKARTA|3712568|242733|247055|254584|262048|270041|269352|268564|266648|268817|262817|252121|230460|197452|157402|115927|146547
Kulon Progo|440684|29392|29002|29939|30837|31044|30976|30085|29655|30315|29713|29611|28390|24705|19995|15613|21412
Bantul|1000799|68376|69336|70857|70730|69628|71008|75358|76016|75158|70995|67212|62398|53075|39476|27539|33637
Gunung Kidul|749707|46228|45938|48126|49794|50007|51578|50517|49187|49920|51897|52804|48249|43269|37629|30646|43918
Sleman|1145854|76178|79182|80852|82759|87723|85837|84863|84810|86614|83775|77582|67733|56042|43979|31231|36694
Kota Yogyakarta|375524|22559|23597|24810|27928|31639|29953|27741|26980|26810|26437|24912|23690|20361|16323|10898|10886
NUSA TENGGARA TIMUR|5481790|564664|542375|506603|477726|480948|470141|422508|376734|340301|302190|262679|221933|179255|136259|95360|102114
Sumba Barat|149804|18757|15136|14612|14204|13958|13082|11628|9787|8639|7541|6138|4827|3922|3050|2136|2387
Sumba Timur|251702|29343|28140|24004|19981|20492|21381|19081|16973|15426|13661|11426|9418|7675|6225|4356|4120
Kupang|373259|32041|29329|30872|34055|35310|33650|32354|28824|24413|21037|17983|16261|13860|10050|6658|6562
Timor Tengah Selatan|467732|41758|43062|47680|44247|39245|37704|32676|29744|28186|25867|23660|21262|18180|13712|9728|11021
Timor Tengah Utara|267146|26675|27540|24767|24263|22804|21655|19080|17387|16032|13963|13185|11689|9504|7148|5174|6280
Belu|226307|22859|20903|20289|20651|20761|21709|20298|16328|12827|10880|9971|8571|7272|5526|3662|3800
Alor|218059|24162|23697|20850|17786|17735|18407|17203|14862|12810|11717|10277|8435|7261|5448|3532|3877
Lembata|139436|15664|15394|13376|10831|10445|10055|9058|8860|8694|7881|6890|5821|5008|4348|3372|3739
Flores Timur|284122|27548|26392|23330|23222|24596|24308|21061|18274|17191|16614|15122|12904|10657|8776|6687|7440
Sikka|330429|35954|32995|28280|26227|27565|26515|23554|21439|20393|19042|16229|14544|12608|10356|7435|7293
Ende|275785|20911|24492|24250|23040|24259|23623|21382|19792|18551|17042|15163|13114|10670|8083|5554|5859
Ngada|169383|14684|15637|14935|15112|15707|14087|11800|11298|11433|10281|8526|7119|5860|4591|3481|4832
Manggarai|323054|34217|34112|31452|30346|31452|27648|22890|20263|18645|17446|15941|13348|9817|6878|4496|4103
Rote Ndao|148084|16800|16487|14249|12549|11290|11297|11696|10867|9464|7402|5848|5243|4389|3808|3108|3587
Manggarai Barat|265613|31640|28210|26044|24656|24878|23162|19426|17270|15404|13821|12595|9908|7033|4919|3331|3316
Sumba Tengah|88706|11851|9568|8902|8121|7631|7217|6545|5782|5050|4447|3618|2875|2316|1807|1370|1606
Sumba Barat Daya|315427|39916|41751|38381|29821|27858|24991|21652|19112|17066|15386|12390|9379|6884|4919|3183|2738
Nagekeo|163745|14720|15266|14019|13657|14112|13833|11993|11319|11152|9979|8569|6944|5768|4789|3495|4130
Manggarai Timur|285374|28497|30208|27835|26087|26203|23882|20099|18867|18279|16699|14858|12295|8810|5707|3605|3443
Sabu Raijua|91877|11164|10648|9228|7756|7490|7731|7116|5936|5023|4373|3638|2936|2485|2233|1811|2309
Malaka|188493|17412|16387|18007|17806|17457|17066|13736|11326|10531|9754|9176|8179|6851|5553|4153|5099
Kota Kupang|458253|48091|37021|31241|33308|39700|47138|48180|42424|35092|27357|21476|16861|12425|8333|5033|4573
INDONESIA|275719905|22368498|22011584|22091433|22157846|22475875|22436617|22033925|21216014|20271060|18712533|16490919|13950035|11046782|8175840|5239388|5041556
"""
BANTEN_COLUMNS = ["Jumlah Penduduk (Ribu)", "Laju Pertumbuhan Penduduk per Tahun", "Persentase Penduduk",
                  "Kepadatan Penduduk per km persegi (Km2)", "Rasio Jenis Kelamin Penduduk"]
BANTEN_2020_CELLS = """
Pandeglang|1272.7|0.99|10.69|463|105.5
Lebak|1386.8|1.38|11.65|405|106.1
Tangerang|3245.6|1.32|27.26|3208|104.8
Serang|1622.6|1.42|13.63|936|104.7
Kota Tangerang|1895.5|0.51|15.92|12314|102.4
Kota Cilegon|434.9|1.46|3.65|2478|103.2
Kota Serang|692.1|1.76|5.81|2595|104.7
Kota Tangerang Selatan|1354.4|0.47|11.38|9201|100.3
Banten|11904.6|1.1|100|1232|104
"""
BANTEN_2025_CELLS = """
Pandeglang|1338.4|1.07|10.67|483|104.9
Lebak|1463.8|1.14|11.68|442|105.6
Tangerang|3435.2|1.2|27.4|3342|104
Serang|1720.3|1.24|13.72|1170|104.1
Kota Tangerang|1971.7|0.83|15.73|11055|101.4
Kota Cilegon|460.4|1.21|3.67|2833|102.5
Kota Serang|745.6|1.58|5.95|2805|104.1
Kota Tangerang Selatan|1402.2|0.73|11.18|8505|99.3
Banten|12537.4|1.1|100|1341|103.3
"""
JABAR_CSV_COLUMNS = ["Persentase Penduduk Miskin Menurut Kabupaten/Kota di Jawa Barat (Persen)"]
JABAR_CSV_CELLS = """
Provinsi Jawa Barat|7.46
Bogor|7.05
Sukabumi|6.87
Cianjur|10.14
Bandung|6.19
Garut|9.68
Tasikmalaya|10.23
Ciamis|7.39
Kuningan|11.88
Cirebon|11
Majalengka|10.82
Sumedang|9.1
Indramayu|11.93
Subang|9.49
Purwakarta|8.41
Karawang|7.86
Bekasi|4.8
Bandung Barat|10.49
Pangandaran|8.75
Kota Bogor|6.53
Kota Sukabumi|7.2
Kota Bandung|3.87
Kota Cirebon|9.02
Kota Bekasi|4.01
Kota Depok|2.34
Kota Cimahi|4.39
Kota Tasikmalaya|11.1
Kota Banjar|5.85
"""
JABAR_XLSX_COLUMNS = ['Garis Kemiskinan - Maret (Rp)', 'Garis Kemiskinan - September (Rp)', 'Jumlah Penduduk Miskin - Maret (ribu) (Ribu)', 'Jumlah Penduduk Miskin - September (ribu) (Ribu)', 'Persentase Penduduk Miskin - Maret', 'Persentase Penduduk Miskin - September']
JABAR_XLSX_CELLS = """
Bogor|513512|...|446.79|...|7.05|...
Sukabumi|416751|...|175.93|...|6.87|...
Cianjur|466509|...|239.3|...|10.14|...
Bandung|455636|...|239.87|...|6.19|...
Garut|393464|...|259.32|...|9.68|...
Tasikmalaya|400148|...|186.75|...|10.23|...
Ciamis|467497|...|90.79|...|7.39|...
Kuningan|420867|...|131.83|...|11.88|...
Cirebon|475046|...|245.92|...|11|...
Majalengka|547912|...|134.58|...|10.82|...
Sumedang|422714|...|108.89|...|9.1|...
Indramayu|560159|...|212.14|...|11.93|...
Subang|434161|...|152.56|...|9.49|...
Purwakarta|467948|...|81.44|...|8.41|...
Karawang|597345|...|187.77|...|7.86|...
Bekasi|674924|...|204.54|...|4.8|...
Bandung Barat|455325|...|179.7|...|10.49|...
Pangandaran|470068|...|35.95|...|8.75|...
Kota Bogor|699861|...|73.93|...|6.53|...
Kota Sukabumi|678258|...|24.1|...|7.2|...
Kota Bandung|614707|...|101.1|...|3.87|...
Kota Cirebon|545592|...|29.17|...|9.02|...
Kota Bekasi|842927|...|128.84|...|4.01|...
Kota Depok|843893|...|62.6|...|2.34|...
Kota Cimahi|612567|...|27|...|4.39|...
Kota Tasikmalaya|565377|...|76.71|...|11.1|...
Kota Banjar|430590|...|11.16|...|5.85|...
Jawa Barat|524052|535509|3848.67|3668.35|7.46|7.08
"""


def cells(text: str) -> list[list[str]]:
    return [line.split("|") for line in text.strip().splitlines()]


def inspect(capsys, path: Path, *args: str) -> tuple[int, dict | None, str]:
    code = main(["inspect", str(path), "--source", "bps", *args, "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


def expected(text: str, column: int, multiplier: int) -> dict[str, Decimal | None]:
    out = {}
    for row in cells(text):
        cell = row[column + 1] if column + 1 < len(row) else ""
        out[row[0]] = None if cell in ("", "...") else Decimal(cell) * multiplier
    return out


CASES = [
    *[(NATIONAL, NATIONAL_CELLS, i, c, 1) for i, c in enumerate(NATIONAL_COLUMNS)],
    *[(path, text, i, c, 1000 if "Ribu" in c else 1)
      for path, text in ((BANTEN_2020, BANTEN_2020_CELLS), (BANTEN_2025, BANTEN_2025_CELLS))
      for i, c in enumerate(BANTEN_COLUMNS)],
    (JABAR_CSV, JABAR_CSV_CELLS, 0, JABAR_CSV_COLUMNS[0], 1),
    *[(JABAR_XLSX, JABAR_XLSX_CELLS, i, c, 1000 if "(Ribu)" in c else 1) for i, c in enumerate(JABAR_XLSX_COLUMNS)],
]


@pytest.mark.parametrize(("path", "text", "index", "column", "multiplier"), CASES,
                         ids=[f"{p.name[:20]}-{c[:30]}" for p, _, _, c, _ in CASES])
def test_every_visible_number_comes_out_unchanged(capsys, path, text, index, column, multiplier):
    code, found, err = inspect(capsys, path, "--column", column)
    assert code == 0, err
    got = {r["region_text"]: r["value"] for r in found["rows"]}
    want = expected(text, index, multiplier)
    assert got.keys() == want.keys()
    for region, value in want.items():
        assert (got[region] is None) == (value is None), region
        if value is not None:
            assert Decimal(str(got[region])) == value, (region, got[region], value)


def test_population_is_the_total_column_of_the_national_table(capsys):
    code, found, err = inspect(capsys, NATIONAL, "--indicator", "penduduk")
    assert code == 0, err
    by_name = {r["region_text"]: r for r in found["rows"]}
    assert by_name["Sabu Raijua"]["value"] == 91877 and by_name["Sabu Raijua"]["bps_code"] == "5320"
    assert by_name["Sikka"]["value"] == 330429 and by_name["Kupang"]["bps_code"] == "5303"
    assert by_name["Kota Kupang"]["bps_code"] == "5371" and by_name["Gunung Kidul"]["kemendagri_code"] == "34.03"
    assert by_name["NUSA TENGGARA TIMUR"]["is_aggregate"] and by_name["NUSA TENGGARA TIMUR"]["bps_code"] == "53"
    assert by_name["D I YOGYAKARTA"]["is_aggregate"] and by_name["INDONESIA"]["is_aggregate"]
    assert {r["year"] for r in found["rows"]} == {2022}
    assert found["columns"][0]["header"].endswith("TOTAL / 2022")
    assert "national table (2 province blocks)" in found["layout"]


@pytest.mark.parametrize("path", [BANTEN_2020, BANTEN_2025])
def test_banten_population_is_thousands_with_a_decimal_point_year_from_the_file_name(capsys, path):
    code, found, err = inspect(capsys, path, "--indicator", "penduduk")
    assert code == 0, err
    column = found["columns"][0]
    assert column["header"] == "Jumlah Penduduk (Ribu)" and column["unit_multiplier"] == 1000
    assert column["year_from"] == "file name" and column["decimal_convention"].startswith("decimal point")
    assert found["rows_read"] == found["rows_kept"] + found["rows_quarantined"]
    assert [q["reason"] for q in found["quarantined"]] == ["footnote"] * found["rows_quarantined"]
    assert {r["region_text"] for r in found["rows"] if r["is_aggregate"]} == {"Banten"}


@pytest.mark.parametrize("path", [JABAR_CSV, JABAR_XLSX])
def test_poverty_tables_are_not_the_population(capsys, path):
    code, found, err = inspect(capsys, path, "--indicator", "penduduk")
    assert code == 2 and found is None
    assert path.name in err and "no column is penduduk" in err and "Traceback" not in err


def test_the_province_row_may_come_first(capsys):
    code, found, err = inspect(capsys, JABAR_CSV, "--column", JABAR_CSV_COLUMNS[0])
    assert code == 0, err
    first = min(found["rows"], key=lambda r: r["row_number"])
    assert first["region_text"] == "Provinsi Jawa Barat" and first["is_aggregate"] and first["bps_code"] == "32"
    assert found["layout"].startswith("dynamic-table export (header block of 3 rows)")


def test_a_table_by_age_group_is_not_a_regency_table(tmp_path, capsys):
    path = tmp_path / "Penduduk Menurut Kelompok Umur dan Jenis Kelamin, 2023.csv"
    path.write_text("Kelompok Umur,Laki-laki,Perempuan,Jumlah\n0-4,100,90,190\n5-9,80,85,165\n", encoding="utf-8")
    code, _, err = inspect(capsys, path, "--indicator", "penduduk")
    assert code == 2 and path.name in err and "not a table by kabupaten/kota" in err
