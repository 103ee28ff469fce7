"""NetClassifier: a scikit-learn classifier over the package's networks."""

import warnings

import numpy as np
import pytest
import torch
from imblearn.pipeline import make_pipeline
from sklearn.model_selection import cross_val_score
from sklearn.utils._param_validation import InvalidParameterError
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


def noise(n, n_features=20, seed=0):
    """Labels barely related to the records: a big net overfits them at once."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features)).astype(np.float32)
    y = np.tile([0, 1], n // 2)
    X[:, 0] += 0.5 * y
    return X, y


BIG_MLP = {"module": "mlp", "module_params": {"hidden": (256, 256)}}


def test_early_stopping_stops_when_the_validation_loss_rises():
    X, y = noise(200)
    clf = NetClassifier(
        **BIG_MLP, early_stopping=True, max_epochs=100, n_iter_no_change=5, lr=3e-3
    )
    clf.set_params(random_state=0).fit(X, y)
    assert clf.early_stopping_
    assert clf.n_epochs_ == len(clf.net_.history) < 100
    valid_loss = clf.net_.history[:, "valid_loss"]
    best = int(np.argmin(valid_loss))
    assert best == clf.n_epochs_ - 1 - 5  # stopped 5 epochs after the best one
    # The kept weights are the best epoch's: 20 stratified validation records.
    assert clf.net_.history[:, "valid_loss"][-1] > valid_loss[best]
    train, valid = clf.net_.get_split_datasets(X, y)
    assert len(valid) == 20 and np.bincount(y[valid.indices]).tolist() == [10, 10]
    logits = clf.net_.forward(valid)
    loss = torch.nn.functional.cross_entropy(logits, torch.as_tensor(y[valid.indices]))
    assert loss.item() == pytest.approx(valid_loss[best], rel=1e-4)


def test_early_stopping_is_reproducible():
    X, y = noise(200)
    params = {**BIG_MLP, "early_stopping": True, "max_epochs": 30}
    first = NetClassifier(**params, random_state=0).fit(X, y)
    again = NetClassifier(**params, random_state=0).fit(X, y)
    assert first.n_epochs_ == again.n_epochs_
    np.testing.assert_array_equal(
        first.net_.history[:, "valid_loss"], again.net_.history[:, "valid_loss"]
    )
    np.testing.assert_array_equal(first.predict_proba(X), again.predict_proba(X))
    other = NetClassifier(**params, random_state=1).fit(X, y)
    valid = [c.net_.get_split_datasets(X, y)[1].indices for c in (first, other)]
    assert not np.array_equal(np.sort(valid[0]), np.sort(valid[1]))


@pytest.mark.parametrize(("n", "expected"), [(998, False), (1000, True)])
def test_auto_early_stopping_from_1000_records(n, expected):
    X, y = noise(n, n_features=3)
    clf = NetClassifier("mlp", module_params={"hidden": (4,)}, max_epochs=1)
    clf.set_params(random_state=0).fit(X, y)
    assert clf.early_stopping_ is expected
    assert ("valid_loss" in clf.net_.history[-1]) is expected
    assert clf.n_epochs_ == 1


def test_early_stopping_trains_up_to_200_epochs_by_default():
    X, y = noise(1000, n_features=3)
    X[:, 0] -= 0.5 * y  # pure noise: the validation loss stops improving at once
    clf = NetClassifier(**BIG_MLP, n_iter_no_change=2, random_state=0).fit(X, y)
    assert clf.early_stopping_
    assert clf.net_.max_epochs == 200
    assert clf.n_epochs_ < 200


def test_early_stopping_off_keeps_the_fixed_epochs():
    X, y = noise(1000, n_features=3)
    clf = NetClassifier("mlp", module_params={"hidden": (4,)}, early_stopping=False)
    clf.set_params(max_epochs=2, random_state=0).fit(X, y)
    assert not clf.early_stopping_
    assert clf.net_.train_split is None
    assert clf.n_epochs_ == 2


@pytest.mark.parametrize(
    "params",
    [
        {"early_stopping": "yes"},
        {"early_stopping": None},
        {"validation_fraction": 0.0},
        {"validation_fraction": 1.0},
        {"n_iter_no_change": 0},
        {"n_iter_no_change": 2.5},
    ],
)
def test_early_stopping_parameters_are_validated(params):
    X, y = noise(40, n_features=3)
    with pytest.raises(InvalidParameterError):
        NetClassifier("mlp", **params).fit(X, y)


def test_classes_too_small_for_the_validation_split_fall_back():
    X, y = noise(100, n_features=3)
    y[:45:2] = 2  # class 2 has 23 records: 2 in a validation tenth
    y[1:45:2] = 3  # class 3 too
    y[2] = 4  # class 4 has 1 record: no stratified split at all
    clf = NetClassifier("mlp", early_stopping=True, max_epochs=2, random_state=0)
    with pytest.warns(UserWarning, match="without early stopping"):
        clf.fit(X, y)
    assert not clf.early_stopping_
    assert clf.n_epochs_ == 2
    # A class with 10 records has 1 in a validation tenth: too few as well.
    X, y = noise(1000, n_features=3)
    y[:20:2] = 2
    clf.set_params(early_stopping="auto")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "auto" falls back silently
        clf.fit(X, y)
    assert not clf.early_stopping_
    assert clf.predict(X[:5]).shape == (5,)
