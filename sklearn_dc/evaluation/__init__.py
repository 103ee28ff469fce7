"""The condensation protocol: learners trained on condensed data, tested on real."""

from ._utility import default_learners, evaluate_condensers, utility_table

__all__ = ["default_learners", "evaluate_condensers", "utility_table"]
