import numpy as np

from sklearn_dc import KCenterGreedy, RandomSubset


def covering_radius(X, y, X_res, y_res):
    """Largest distance from a record to its nearest kept record of its class."""
    radius = 0.0
    for label in np.unique(y):
        members, kept = X[y == label], X_res[y_res == label]
        gaps = np.linalg.norm(members[:, None] - kept[None], axis=2).min(axis=1)
        radius = max(radius, gaps.max())
    return radius


def test_covers_each_class_better_than_random(three_class_table):
    X, y = three_class_table
    greedy = covering_radius(
        X, y, *KCenterGreedy(n_per_class=8, random_state=0).fit_resample(X, y)
    )
    random = [
        covering_radius(
            X, y, *RandomSubset(n_per_class=8, random_state=s).fit_resample(X, y)
        )
        for s in range(10)
    ]
    assert greedy < min(random)


def test_second_choice_is_the_farthest_record():
    X = np.array([[0.0], [1.0], [2.0], [10.0], [0.0], [5.0], [6.0], [7.0]])
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    condenser = KCenterGreedy(n_per_class=2, random_state=0)
    condenser.fit_resample(X, y)
    first, second = condenser.sample_indices_[:2]
    assert second == np.argmax(np.abs(X[:4, 0] - X[first, 0]))
