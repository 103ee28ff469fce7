import numpy as np
from imblearn.under_sampling import ClusterCentroids
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs

from sklearn_dc import KMeansCentroids


def sorted_rows(a):
    return a[np.lexsort(a.T[::-1])]


def test_agrees_with_imblearn_cluster_centroids():
    # Three well separated blobs per class: both must recover the blob centres.
    centres = np.array([[0, 0], [10, 0], [0, 10], [30, 30], [40, 30], [30, 40]])
    X, blob = make_blobs(
        n_samples=600, centers=centres, cluster_std=0.5, random_state=0
    )
    y = (blob >= 3).astype(int)
    ours, y_ours = KMeansCentroids(
        n_per_class=3, n_init=5, random_state=0
    ).fit_resample(X, y)
    imblearn = ClusterCentroids(
        sampling_strategy={0: 3, 1: 3},
        estimator=KMeans(n_clusters=3, n_init=5, random_state=0),
        voting="soft",
    )
    theirs, y_theirs = imblearn.fit_resample(X, y)
    for label in (0, 1):
        np.testing.assert_allclose(
            sorted_rows(ours[y_ours == label]),
            sorted_rows(theirs[y_theirs == label]),
            atol=1e-6,
        )


def test_centres_are_new_records_not_copies(three_class_table):
    X, y = three_class_table
    X_res, _ = KMeansCentroids(n_per_class=5, random_state=0).fit_resample(X, y)
    distances = np.linalg.norm(X_res[:, None] - X[None], axis=2).min(axis=1)
    assert np.all(distances > 1e-8)


def test_one_centre_is_the_class_mean(three_class_table):
    X, y = three_class_table
    X_res, y_res = KMeansCentroids(n_per_class=1, random_state=0).fit_resample(X, y)
    for label in range(3):
        np.testing.assert_allclose(X_res[label], X[y == label].mean(axis=0))
