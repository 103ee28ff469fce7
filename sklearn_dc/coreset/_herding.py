"""Herding: greedy matching of the class mean with real records."""

import numpy as np

from ..base import _shared_docstrings
from ._base import BaseCoreset


@_shared_docstrings
class Herding(BaseCoreset):
    """Choose records whose running mean tracks the class mean (herding).

    For each class, records are added one at a time; each step adds the record
    that brings the mean of the chosen records closest (Euclidean distance, in
    input space) to the mean of the whole class. It is the coreset counterpart of
    distribution matching with an identity embedding, as used in Welling (2009)
    and in the iCaRL exemplar selection. Put a scaler before it: distances are
    taken on the raw features.

    Parameters
    ----------
    {n_per_class}

    {random_state}
        Herding itself is deterministic (ties go to the first record); the
        parameter is kept for a uniform API.

    Attributes
    ----------
    {fitted_attributes}

    sample_indices_ : ndarray of shape (n_condensed,)
        Positions in ``X`` of the records kept, in the order they were chosen.

    See Also
    --------
    RandomSubset : Random records, the baseline.
    DistributionMatching : Learns synthetic records matching the class mean
        embedding under random networks.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_dc import Herding
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> X_small, y_small = Herding(n_per_class=3).fit_resample(X, y)
    >>> X_small.shape
    (6, 30)
    """

    def __init__(self, *, n_per_class=10, random_state=None):
        super().__init__(n_per_class=n_per_class, random_state=random_state)

    def _select_class(self, X_class, n_select, rng):
        return herding_order(X_class, n_select)


def herding_order(X_class, n_select):
    """Positions of ``n_select`` rows of ``X_class`` (2-D), chosen by herding.

    Each step adds the row that brings the mean of the chosen rows closest to
    the mean of all rows; ties go to the first row.
    """
    target = X_class.mean(axis=0)
    running_sum = np.zeros_like(target)
    available = np.ones(len(X_class), dtype=bool)
    chosen = np.empty(n_select, dtype=np.intp)
    for step in range(n_select):
        # Distance from the class mean of the mean after adding each candidate.
        means = (running_sum + X_class) / (step + 1)
        gaps = np.einsum("ij,ij->i", means - target, means - target)
        gaps[~available] = np.inf
        best = int(np.argmin(gaps))
        chosen[step] = best
        available[best] = False
        running_sum += X_class[best]
    return chosen
