"""Values that cannot be right, in one place with their thresholds.

A value outside these bounds is not an outlier to report next to the index but a reading
error (a `Ribu` label over persons, `93.330` thousands read as 93 330 000 people, a
published `0,285` read as 285): the table that holds it is refused with the cell named.
"""

from __future__ import annotations

# A kabupaten/kota has between 1 000 people (none has fewer; Kab. Tana Tidung ~ 30 000) and
# 20 million (Kab. Bogor, the largest, ~ 5,6 million).
REGENCY_POPULATION = (1_000, 20_000_000)
# Counts per kabupaten/kota of the other BPS indicators: never negative, and below these
# ceilings (Kab. Bogor: ~ 440 villages, ~ 5 000 schools, ~ 1,1 million pupils).
REGENCY_COUNT_CEILING = {
    "desa_kelurahan": 5_000, "sekolah": 50_000, "murid": 10_000_000, "guru": 1_000_000,
    "perguruan_tinggi": 5_000, "mahasiswa": 5_000_000, "dosen": 500_000,
}


def check_bps_value(indicator: str, value: float, multiplier: int = 1) -> str | None:
    """Why a regency's BPS value cannot be right, or None."""
    if value < 0:
        return "a negative count"
    if indicator == "penduduk":
        low, high = REGENCY_POPULATION
        if value > high:
            return (f"more than {high:,} people in one kabupaten/kota"
                    + (": the values look like persons under a 'Ribu' label" if multiplier != 1 else ""))
        if value < low:
            return (f"fewer than {low:,} people in one kabupaten/kota"
                    + ("" if multiplier != 1 else ": a table in thousands without a 'Ribu' label?"))
        return None
    ceiling = REGENCY_COUNT_CEILING.get(indicator)
    if ceiling is not None and value > ceiling:
        return f"more than {ceiling:,} in one kabupaten/kota"
    return None
