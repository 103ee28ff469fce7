"""NetClassifier: a scikit-learn classifier over the package's networks."""

import numpy as np
import pytest
import torch
from imblearn.pipeline import make_pipeline
from sklearn.model_selection import cross_val_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_dc import RandomSubset
from sklearn_dc.nn import NetClassifier

EXPECTED_FAILED_CHECKS = {}


@parametrize_with_checks(
    [NetClassifier("mlp", module_params={"hidden": (16,)}, random_state=0)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def series(n=80, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3, 16)).astype(np.float32)
    y = np.repeat(["survived", "died"], n // 2)
    X[y == "died", 1] += 1.0
    return X, y


@pytest.mark.parametrize("module", ["tcn", "gru", "lstm", "transformer"])
def test_series_networks_learn_and_keep_labels(module):
    X, y = series()
    clf = NetClassifier(module, max_epochs=30, random_state=0).fit(X, y)
    assert clf.classes_.tolist() == ["died", "survived"]
    assert set(clf.predict(X)) <= {"died", "survived"}
    X_test, y_test = series(seed=1)
    assert clf.score(X_test, y_test) > 0.8
    np.testing.assert_allclose(clf.predict_proba(X_test).sum(axis=1), 1, rtol=1e-5)


def test_same_seed_same_model_and_global_rng_untouched():
    X, y = series()
    torch.manual_seed(7)
    expected = torch.rand(2)
    torch.manual_seed(7)
    first = NetClassifier("tcn", max_epochs=3, random_state=0).fit(X, y)
    assert torch.equal(torch.rand(2), expected)
    again = NetClassifier("tcn", max_epochs=3, random_state=0).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X), again.predict_proba(X))


def test_tiny_training_sets_get_enough_steps():
    X, y = series(n=8)
    clf = NetClassifier("gru", random_state=0).fit(X, y)
    # 8 records are one batch: 500 steps need 500 epochs.
    assert len(clf.net_.history) == 500


def test_class_weight_reaches_the_loss():
    X, y = series()
    keep = np.r_[0:40, 40:45]  # 40 survived, 5 died
    clf = NetClassifier("gru", class_weight="balanced", max_epochs=1, random_state=0)
    clf.fit(X[keep], y[keep])
    weight = clf.net_.criterion_.weight
    assert weight[0] / weight[1] == pytest.approx(40 / 5)


def test_in_a_pipeline_after_a_condenser():
    X, y = series(n=120)
    pipe = make_pipeline(
        RandomSubset(n_per_class=20, random_state=0),
        NetClassifier("tcn", max_epochs=30, random_state=0),
    )
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.mean() > 0.7


def test_nan_is_refused():
    X, y = series()
    X[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        NetClassifier("tcn").fit(X, y)
