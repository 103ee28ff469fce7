"""Random subset: the bar every condenser must clear."""

from ..base import _shared_docstrings
from ._base import BaseCoreset


@_shared_docstrings
class RandomSubset(BaseCoreset):
    """Keep a random subset of real records of each class.

    The reference every condensation method is measured against: a learned
    condensed set is only worth making if it beats random records of the same
    size.

    Parameters
    ----------
    {n_per_class}

    {random_state}

    Attributes
    ----------
    {fitted_attributes}

    sample_indices_ : ndarray of shape (n_condensed,)
        Positions in ``X`` of the records kept.

    See Also
    --------
    Herding : Records whose running mean tracks the class mean.
    KCenterGreedy : Records that cover the class in input space.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn_dc import RandomSubset
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> condenser = RandomSubset(n_per_class=5, random_state=0)
    >>> X_small, y_small = condenser.fit_resample(X, y)
    >>> X_small.shape, y_small.tolist()
    ((10, 30), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    """

    def __init__(self, *, n_per_class=10, random_state=None):
        super().__init__(n_per_class=n_per_class, random_state=random_state)

    _reads_records = False

    def _select_class(self, X_class, n_select, rng):
        return rng.choice(len(X_class), size=n_select, replace=False)
