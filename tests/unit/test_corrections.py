"""corrections.csv: values in plain notation only, so `1.250` cannot mean two numbers."""

import pytest

from iplm_pipeline.corrections import CorrectionError, load_corrections

HEADER = "source,year,area,field,original,corrected,reason\n"


def test_plain_values_and_empty_as_missing(tmp_path):
    (tmp_path / "corrections.csv").write_text(HEADER + "terbitan,2024,53,uplm1,0.4189,,printed value withdrawn\n")
    (c,) = load_corrections(tmp_path)
    assert (c.original, c.corrected, c.line) == (0.4189, None, 2)


def test_ambiguous_grouped_value_is_refused(tmp_path):
    (tmp_path / "corrections.csv").write_text(HEADER + "bps,2022,5320,penduduk,1.250,1.300,x\n")
    with pytest.raises(CorrectionError, match="line 2: '1.250' is ambiguous"):
        load_corrections(tmp_path)


def test_a_line_with_extra_cells_is_refused_not_shifted(tmp_path):
    (tmp_path / "corrections.csv").write_text(HEADER + "bps,2022,5320,penduduk,93,33,93330,x\n")
    with pytest.raises(CorrectionError, match="line 2: expected the 7 columns"):
        load_corrections(tmp_path)
