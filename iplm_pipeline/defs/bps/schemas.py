"""Pandera contract for a staged BPS value row (staging.bps), checked once before it is written.

The reader refuses a table with a located error for anything a user can fix (a cell that is no
number, an implausible population); this schema holds what the reader promises downstream, so
a reader bug can never write a row that breaks it.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from iplm_pipeline.errors import IplmError
from iplm_pipeline.methodology import BPS_INDICATORS as INDICATORS

BPS_VALUE_SCHEMA = pa.DataFrameSchema(
    name="bps_value_row",
    columns={
        "indicator": pa.Column(str, pa.Check.isin(INDICATORS)),
        "bps_code": pa.Column(str, pa.Check.str_matches(r"^(\d{2}|\d{4})$")),
        "province_bps_code": pa.Column(str, pa.Check.str_matches(r"^\d{2}$")),
        "bps_period": pa.Column(str, pa.Check.str_matches(r"^(19|20)\d{2}(/(19|20)\d{2})?$")),
        "value": pa.Column(float, pa.Check.ge(0), nullable=True, coerce=True),
        "value_status": pa.Column(str, pa.Check.isin(["number", "nihil", "missing", "corrected"])),
        "unit_multiplier": pa.Column(int, pa.Check.isin([1, 1000]), coerce=True),
        "is_aggregate": pa.Column(bool),
    },
    checks=[pa.Check(lambda df: df["value"].isna() == (df["value_status"] == "missing"),
                     name="missing_has_no_value", element_wise=False)],
)


def validate_bps_values(values: pd.DataFrame) -> pd.DataFrame:
    try:
        return BPS_VALUE_SCHEMA.validate(values, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.head(5).to_string(index=False)
        raise IplmError(f"BPS rows broke the staging contract (a reader bug, please report it with the "
                        f"files):\n{cases}") from None
