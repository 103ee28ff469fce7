"""The condensation protocol: learners trained on condensed data, tested on real."""

from ._condensed import evaluate_condensed, mixed_table_encoder, table_learners
from ._html_report import condensation_report
from ._memory import PeakMemory
from ._plot import plot_utility
from ._utility import (
    default_condensers,
    default_learners,
    evaluate_condensers,
    utility_table,
)

__all__ = [
    "PeakMemory",
    "condensation_report",
    "default_condensers",
    "default_learners",
    "evaluate_condensed",
    "evaluate_condensers",
    "mixed_table_encoder",
    "plot_utility",
    "table_learners",
    "utility_table",
]
