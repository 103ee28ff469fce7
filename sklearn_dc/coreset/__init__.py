"""Coreset baselines (real records, chosen) and prototypes (k-means centres)."""

from ._herding import Herding
from ._kcenter_greedy import KCenterGreedy
from ._kmeans_centroids import KMeansCentroids
from ._random_subset import RandomSubset

__all__ = ["Herding", "KCenterGreedy", "KMeansCentroids", "RandomSubset"]
