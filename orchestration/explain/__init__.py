"""`scorecard explain`: how one published KPI value came to be (DESIGN §9, docs/explain.md).

Everything comes from the serving file: the ★ tables of schema `scorecard` (the KPI's
definition, value, target rule, metric totals and per-member split) and the lineage the
pipeline publishes beside them in schema `provenance` (each metric value per source and
account, and the landing batches whose rows were used; decision 54). The only other thing read
is whether each batch's landing file is still there.
"""

from orchestration.explain.collect import (
    GRAINS,
    ExplainError,
    NoSuchPeriod,
    NothingPublished,
    UnknownKpi,
    explain,
)
from orchestration.explain.render import render

__all__ = [
    "GRAINS",
    "ExplainError",
    "NoSuchPeriod",
    "NothingPublished",
    "UnknownKpi",
    "explain",
    "render",
]
