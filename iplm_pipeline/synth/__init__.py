"""Synthetic raw data for the IPLM pipeline, and the figures the pipeline must compute from it.

What is real and what is not:
- REAL: the region table (vendored `iplm_pipeline/reference/regions.csv`: codes and names)
  and the methodology (METHODOLOGY.md). `generate_country` uses nothing else that is real.
- SYNTHETIC: every BPS value, every library row and every "published" figure written by
  `generate_country`. The published table is computed by `reference`, a plain calculator
  independent of the pipeline, from the clean inputs (the library rows the contract keeps).
  The bundled sample (`scripts/build_sample.py`, `data/raw/README.md`) adds a handful of
  real published figures on top; it says which.

The files follow the raw-file contract (SOURCES.md) and include, when `messy`, the messy
cases the contract says the pipeline must handle. The same seed and arguments give
byte-identical files.
"""

from iplm_pipeline.synth.generate import AreaExpectation, SynthFile, SynthSummary, generate_country
from iplm_pipeline.synth.reference import Inputs, Score, iplm_from_uplm, pool, score, uplm

__all__ = ["AreaExpectation", "Inputs", "Score", "SynthFile", "SynthSummary", "generate_country",
           "iplm_from_uplm", "pool", "score", "uplm"]
