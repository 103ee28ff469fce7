"""Prototypes: records computed from real ones without learning (k-means centres).

The prototype-generation family, beside the coresets (prototype selection), as
imbalanced-learn separates ``_prototype_generation`` from
``_prototype_selection``.
"""

from ._kmeans_centroids import KMeansCentroids

__all__ = ["KMeansCentroids"]
