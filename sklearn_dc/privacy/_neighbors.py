"""Nearest-neighbour search with exact distances for copies."""

from __future__ import annotations

import numpy as np
from scipy.stats import norm
from sklearn.neighbors import NearestNeighbors

from ._validation import _find_copies

# Rows x neighbours x features held at once when distances are recomputed.
_CHUNK_VALUES = 2**22


def _neighbors(
    X_query: np.ndarray, X_ref: np.ndarray, n_neighbors: int, metric
) -> tuple[np.ndarray, np.ndarray]:
    """Distances and indices of the ``n_neighbors`` nearest rows of ``X_ref``.

    Both arrays have shape ``(len(X_query), n_neighbors)``, nearest first.
    Two corrections make copies measurable:

    - brute-force Euclidean search computes ``|x|^2 - 2 x.y + |y|^2``, which is
      inexact for nearly identical rows; the Euclidean distances to the
      neighbours found are recomputed directly from the differences;
    - a query row identical to a reference row (for any metric) has that row
      as its nearest neighbour at distance exactly 0.
    """
    n_neighbors = min(n_neighbors, len(X_ref))
    nn = NearestNeighbors(n_neighbors=n_neighbors, metric=metric).fit(X_ref)
    dist, ind = nn.kneighbors(X_query)
    if nn.effective_metric_ == "euclidean":
        dist = _euclidean_to(X_query, X_ref, ind)
        order = np.argsort(dist, axis=1, kind="stable")
        dist = np.take_along_axis(dist, order, axis=1)
        ind = np.take_along_axis(ind, order, axis=1)
    copies = _find_copies(X_query, X_ref)
    for row in np.flatnonzero(copies >= 0):
        j = copies[row]
        if dist[row, 0] == 0 and np.array_equal(X_ref[ind[row, 0]], X_ref[j]):
            continue
        others = [(d, i) for d, i in zip(dist[row], ind[row], strict=True) if i != j]
        kept = [(0.0, j), *others][:n_neighbors]
        dist[row] = [d for d, _ in kept]
        ind[row] = [i for _, i in kept]
    return dist, ind


def _euclidean_to(X_query, X_ref, ind):
    """Euclidean distances from each query row to the reference rows ``ind``."""
    n_neighbors, n_features = ind.shape[1], X_query.shape[1]
    step = max(1, _CHUNK_VALUES // max(1, n_neighbors * n_features))
    dist = np.empty(ind.shape, dtype=np.float64)
    for start in range(0, len(X_query), step):
        rows = slice(start, start + step)
        diff = X_ref[ind[rows]] - X_query[rows, None, :]
        dist[rows] = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
    return dist


def _wilson_interval(share: float, n: int, confidence: float) -> tuple[float, float]:
    """Wilson score interval of a proportion observed on ``n`` trials."""
    z = norm.ppf(0.5 + confidence / 2)
    centre = (share + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(share * (1 - share) / n + z**2 / (4 * n**2))
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def _check_confidence(confidence: float) -> None:
    _check_fraction(confidence, "confidence", "0.95")


def _check_fraction(value, name: str, example: str) -> None:
    if not 0 < value < 1:
        raise ValueError(f"{name} must be in (0, 1), e.g. {example}; got {value!r}.")
