"""Coreset baselines: real records, chosen per class."""

from ._herding import Herding
from ._kcenter_greedy import KCenterGreedy
from ._random_subset import RandomSubset

__all__ = ["Herding", "KCenterGreedy", "RandomSubset"]
