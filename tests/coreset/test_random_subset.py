import numpy as np

from sklearn_dc import RandomSubset


def test_returns_distinct_real_rows_of_each_class(three_class_table):
    X, y = three_class_table
    condenser = RandomSubset(n_per_class=7, random_state=0)
    X_res, y_res = condenser.fit_resample(X, y)
    indices = condenser.sample_indices_
    assert len(set(indices)) == len(indices) == 21
    np.testing.assert_array_equal(X_res, X[indices])
    np.testing.assert_array_equal(y_res, y[indices])


def test_draws_are_spread_over_the_class():
    # Over many seeds every record of a class gets picked: no positional bias.
    X = np.arange(20, dtype=float).reshape(-1, 1)
    y = np.repeat([0, 1], 10)
    picked = set()
    for seed in range(50):
        X_res, _ = RandomSubset(n_per_class=2, random_state=seed).fit_resample(X, y)
        picked |= set(X_res.ravel())
    assert picked == set(X.ravel())
