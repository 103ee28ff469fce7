"""The condensation protocol: learners trained on condensed data, tested on real.

The names are imported on first use (PEP 562): the protocol's defaults import
every condenser, and with them torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

# Public name -> the private module that defines it.
_LAZY = {
    "PeakMemory": "_memory",
    "condensation_report": "_html_report",
    "default_condensers": "_utility",
    "default_learners": "_utility",
    "evaluate_condensed": "_condensed",
    "evaluate_condensers": "_utility",
    "mixed_table_encoder": "_condensed",
    "plot_utility": "_plot",
    "table_learners": "_condensed",
    "utility_table": "_utility",
}

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

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
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


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
