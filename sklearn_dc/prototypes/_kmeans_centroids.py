"""Per-class k-means centres."""

from numbers import Integral

from sklearn.cluster import KMeans
from sklearn.utils._param_validation import Interval

from ..base import MAX_SEED, _shared_docstrings
from ._base import BasePrototypes


def kmeans_centres(X_class, n_centres, seed, n_init=3):
    """The k-means centres of one class (a shared helper: also DM's init)."""
    if n_centres == len(X_class):
        return X_class.copy()
    kmeans = KMeans(n_clusters=n_centres, n_init=n_init, random_state=seed)
    return kmeans.fit(X_class).cluster_centers_


@_shared_docstrings
class KMeansCentroids(BasePrototypes):
    """Replace each class by the centres of its k-means clusters.

    For each class, :class:`sklearn.cluster.KMeans` with ``n_per_class_[c]``
    clusters is fitted on that class's records and its centres become the
    condensed records. The centres are averages of real records, not records
    themselves. This is imbalanced-learn's
    :class:`~imblearn.under_sampling.ClusterCentroids` with a condensation
    budget for every class. Put a scaler before it.

    Parameters
    ----------
    {n_per_class}

    n_init : int, default=3
        Number of k-means runs with different centroid seeds per class; the
        best in inertia is kept.

    {random_state}

    Attributes
    ----------
    {fitted_attributes}

    See Also
    --------
    imblearn.under_sampling.ClusterCentroids : The under-sampling counterpart.
    DistributionMatching : Can start from these centres (``init="kmeans"``).

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_dc import KMeansCentroids
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> condenser = KMeansCentroids(n_per_class=2, random_state=0)
    >>> X_small, y_small = condenser.fit_resample(X, y)
    >>> X_small.shape, y_small.tolist()
    ((4, 30), [0, 0, 1, 1])
    """

    _parameter_constraints: dict = {
        **BasePrototypes._parameter_constraints,
        "n_init": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, n_per_class=10, n_init=3, random_state=None):
        super().__init__(n_per_class=n_per_class, random_state=random_state)
        self.n_init = n_init

    def _prototypes_class(self, X_class, n_prototypes, rng):
        seed = int(rng.integers(MAX_SEED))
        return kmeans_centres(X_class, n_prototypes, seed, n_init=self.n_init)
