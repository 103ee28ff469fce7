import numpy as np

from sklearn_dc import Herding, RandomSubset


def test_first_choice_is_the_record_nearest_the_class_mean(three_class_table):
    X, y = three_class_table
    condenser = Herding(n_per_class=1)
    condenser.fit_resample(X, y)
    for label, index in zip(condenser.classes_, condenser.sample_indices_, strict=True):
        members = np.flatnonzero(y == label)
        distances = np.linalg.norm(X[members] - X[members].mean(axis=0), axis=1)
        assert index == members[np.argmin(distances)]


def test_mean_of_chosen_records_tracks_the_class_mean(three_class_table):
    X, y = three_class_table

    def mean_gap(X_res, y_res):
        return sum(
            np.linalg.norm(X_res[y_res == c].mean(0) - X[y == c].mean(0))
            for c in np.unique(y)
        )

    herded = mean_gap(*Herding(n_per_class=10).fit_resample(X, y))
    random = [
        mean_gap(*RandomSubset(n_per_class=10, random_state=s).fit_resample(X, y))
        for s in range(10)
    ]
    assert herded < 0.25 * np.mean(random)


def test_never_picks_a_record_twice():
    X = np.zeros((6, 2))  # every candidate ties
    y = np.repeat([0, 1], 3)
    condenser = Herding(n_per_class=3)
    condenser.fit_resample(X, y)
    assert sorted(condenser.sample_indices_) == list(range(6))
