"""K-center greedy: records that cover each class."""

import numpy as np

from ..base import _shared_docstrings
from ._base import BaseCoreset


@_shared_docstrings
class KCenterGreedy(BaseCoreset):
    """Choose records that cover each class (greedy k-center).

    For each class, start from a random record, then repeatedly add the record
    farthest (Euclidean distance, in input space) from every record chosen so
    far: the 2-approximation of the minimax facility location problem used as a
    coreset by Sener & Savarese (ICLR 2018). It favours the edges of a class and
    its outliers. Put a scaler before it: distances are taken on the raw
    features.

    Parameters
    ----------
    {n_per_class}

    {random_state}
        Picks the first record of each class.

    Attributes
    ----------
    {fitted_attributes}

    sample_indices_ : ndarray of shape (n_condensed,)
        Positions in ``X`` of the records kept, in the order they were chosen.

    See Also
    --------
    Herding : Records whose running mean tracks the class mean.
    RandomSubset : Random records, the baseline.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_dc import KCenterGreedy
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> condenser = KCenterGreedy(n_per_class=3, random_state=0)
    >>> X_small, y_small = condenser.fit_resample(X, y)
    >>> X_small.shape
    (6, 30)
    """

    def __init__(self, *, n_per_class=10, random_state=None):
        super().__init__(n_per_class=n_per_class, random_state=random_state)

    def _select_class(self, X_class, n_select, rng):
        chosen = np.empty(n_select, dtype=np.intp)
        chosen[0] = rng.integers(len(X_class))
        # Squared distance of every record to its nearest chosen record.
        nearest = np.sum((X_class - X_class[chosen[0]]) ** 2, axis=1)
        for step in range(1, n_select):
            chosen[step] = int(np.argmax(nearest))
            new = np.sum((X_class - X_class[chosen[step]]) ** 2, axis=1)
            np.minimum(nearest, new, out=nearest)
        return chosen
