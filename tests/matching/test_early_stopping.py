"""``early_stopping``: the records a learner scores best are returned, and runs stop."""

import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.pipeline import make_pipeline
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_dc import DistributionMatching
from sklearn_dc.matching._base import ResumableMatching
from sklearn_dc.preprocessing import SeriesSummary

from .._helpers import ctrl_c_during
from .._instances import all_condensers

RESUMABLE = [c for c in all_condensers() if isinstance(c, ResumableMatching)]


@pytest.mark.parametrize("condenser", RESUMABLE, ids=lambda c: type(c).__name__)
def test_returns_the_records_of_the_best_check(condenser, table):
    X, y = table
    scores = iter([0.2, 0.9, 0.5, 0.4, 0.95, 0.1, 0.3, 0.9])

    def scripted(estimator, X_val, y_val):
        return next(scores)

    es = clone(condenser).set_params(
        n_iter=20, early_stopping=True, validation_scoring=scripted, n_iter_no_change=3
    )
    X_es, y_es = es.fit_resample(X, y)
    # Checks every 20 // 20 = 1 iteration: the fifth scored best, and the
    # run went on for 3 more checks without beating it.
    assert es.best_iteration_ == 5 and es.n_iter_ == 5 + 3
    np.testing.assert_array_equal(es.validation_scores_[:, 0], np.arange(1, 9))
    assert es.loss_history_.shape == (8,)
    # The records returned are those of a plain fit of 5 iterations.
    plain = clone(condenser).set_params(n_iter=5, early_stopping=False)
    X_5, y_5 = plain.fit_resample(X, y)
    np.testing.assert_array_equal(X_es, X_5)
    np.testing.assert_array_equal(y_es, y_5)


def test_checks_train_the_estimator_on_the_records_and_score_real_ones(table):
    X, y = table
    seen = []

    def spy(estimator, X_val, y_val):
        seen.append((estimator, X_val, y_val))
        return 0.0

    condenser = DistributionMatching(
        n_per_class=3,
        n_iter=40,
        batch_real=16,
        early_stopping=True,
        validation_estimator=DecisionTreeClassifier(random_state=0),
        validation_scoring=spy,
        n_iter_no_change=2,
        random_state=0,
    )
    X_syn, y_syn = condenser.fit_resample(X, y)
    # 40 // 20 = 2 iterations between checks; the first is never beaten.
    assert condenser.n_iter_ == 6 and condenser.best_iteration_ == 2
    estimator, X_val, y_val = seen[-1]
    assert isinstance(estimator, DecisionTreeClassifier)
    assert estimator.tree_.n_node_samples[0] == len(X_syn)  # fitted on 9 records
    # Scored on real records: every class whole (at most 4 * batch_real = 64).
    assert len(X_val) == 3 * 64
    rows = {row.tobytes() for row in X}
    assert all(row.tobytes() in rows for row in X_val)
    np.testing.assert_array_equal(np.bincount(y_val), [64, 64, 64])


def test_default_estimator_takes_series_flattened_and_picks_moved_records():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 60)
    X = rng.normal(size=(120, 3, 10)).astype(np.float32)
    X[y == 1, 0] += 1.0
    condenser = DistributionMatching(
        n_per_class=2, n_iter=40, batch_real=32, early_stopping=True, random_state=0
    )
    X_syn, _ = condenser.fit_resample(X, y)
    assert X_syn.shape == (4, 3, 10)
    assert condenser.best_iteration_ >= 2  # never the starting records
    scores = condenser.validation_scores_[:, 1]
    assert (
        condenser.best_iteration_ == condenser.validation_scores_[np.argmax(scores), 0]
    )


class _ShapeRecorder(ClassifierMixin, BaseEstimator):
    """Predicts the first class; keeps the shapes it was fitted on."""

    shapes: list = []

    def fit(self, X, y):
        self.shapes.append(np.shape(X))
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def test_given_estimator_gets_series_in_their_shape():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 30)
    X = rng.normal(size=(60, 2, 8)).astype(np.float32)
    condenser = DistributionMatching(
        n_per_class=2,
        n_iter=4,
        batch_real=16,
        early_stopping=True,
        validation_estimator=_ShapeRecorder(),
        random_state=0,
    )
    _ShapeRecorder.shapes.clear()
    condenser.fit_resample(X, y)
    assert _ShapeRecorder.shapes == [(4, 2, 8)] * 4
    assert condenser.validation_scores_.shape == (4, 2)
    # Every check scores 0.5 (one class of two right): the first is kept.
    assert condenser.best_iteration_ == 1


def test_pipeline_with_summaries_is_a_validation_estimator():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 30)
    X = rng.normal(size=(60, 2, 8)).astype(np.float32)
    X[y == 1] += 1.0
    estimator = make_pipeline(SeriesSummary(), DecisionTreeClassifier(random_state=0))
    condenser = DistributionMatching(
        n_per_class=2,
        n_iter=4,
        batch_real=16,
        early_stopping=True,
        validation_estimator=estimator,
        random_state=0,
    )
    condenser.fit_resample(X, y)
    assert (condenser.validation_scores_[:, 1] > 0.5).all()


def _stays(n=120, channels=3, hours=10):
    """Two classes of series whose first channel differs in level."""
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], n // 2)
    X = rng.normal(size=(n, channels, hours)).astype(np.float32)
    X[y == 1, 0] += 1.0
    return X, y


def test_dm_auto_checks_series_with_boosting_on_summaries_by_roc_auc():
    X, y = _stays()
    settings = dict(n_per_class=3, n_iter=40, batch_real=32, random_state=0)
    auto = DistributionMatching(**settings)
    assert auto.early_stopping == "auto"
    X_auto, _ = auto.fit_resample(X, y)
    # The preset, spelt out: the same checks, scores and records.
    explicit = DistributionMatching(
        **settings,
        early_stopping=True,
        validation_estimator=make_pipeline(
            SeriesSummary(), GradientBoostingClassifier(random_state=0)
        ),
        validation_scoring="roc_auc",
    )
    X_explicit, _ = explicit.fit_resample(X, y)
    np.testing.assert_array_equal(auto.validation_scores_, explicit.validation_scores_)
    np.testing.assert_array_equal(X_auto, X_explicit)
    # Logistic regression on the flattened series (the default of
    # early_stopping=True) scores the same records otherwise.
    flattened = DistributionMatching(**settings, early_stopping=True)
    flattened.fit_resample(X, y)
    assert not np.array_equal(
        flattened.validation_scores_[:, 1], auto.validation_scores_[:, 1]
    )


def test_dm_auto_leaves_tables_to_run_every_iteration(table):
    X, y = table
    condenser = DistributionMatching(n_per_class=2, n_iter=6, random_state=0)
    condenser.fit_resample(X, y)
    assert condenser.best_iteration_ is None and condenser.n_iter_ == 6


def test_dm_auto_takes_the_users_estimator_and_score():
    X, y = _stays(n=60)
    _ShapeRecorder.shapes.clear()
    condenser = DistributionMatching(
        n_per_class=2,
        n_iter=4,
        batch_real=16,
        validation_estimator=_ShapeRecorder(),
        validation_scoring=lambda estimator, X_val, y_val: 0.25,
        random_state=0,
    )
    condenser.fit_resample(X, y)
    assert _ShapeRecorder.shapes == [(4, 3, 10)] * 4
    np.testing.assert_array_equal(condenser.validation_scores_[:, 1], 0.25)


def test_refit_without_early_stopping_clears_its_attributes(table):
    X, y = table
    condenser = DistributionMatching(
        n_per_class=2, n_iter=4, batch_real=16, early_stopping=True, random_state=0
    )
    condenser.fit_resample(X, y)
    assert condenser.best_iteration_ is not None
    condenser.set_params(early_stopping=False).fit_resample(X, y)
    assert condenser.best_iteration_ is None and condenser.validation_scores_ is None


def test_bad_validation_settings_are_refused(table):
    X, y = table
    with pytest.raises(InvalidParameterError, match="validation_scoring"):
        DistributionMatching(validation_scoring="no such score").fit_resample(X, y)
    with pytest.raises(InvalidParameterError, match="validation_estimator"):
        DistributionMatching(validation_estimator="logistic").fit_resample(X, y)
    with pytest.raises(InvalidParameterError, match="n_iter_no_change"):
        DistributionMatching(n_iter_no_change=0).fit_resample(X, y)
    with pytest.raises(InvalidParameterError, match="early_stopping"):
        DistributionMatching(early_stopping="yes").fit_resample(X, y)


def test_ctrl_c_resume_with_early_stopping_equals_uninterrupted_run(table, tmp_path):
    X, y = table
    settings = dict(
        n_per_class=2,
        n_iter=40,
        batch_real=16,
        random_state=0,
        early_stopping=True,
        n_iter_no_change=100,
    )
    full = DistributionMatching(**settings)
    X_full, _ = full.fit_resample(X, y)
    path = tmp_path / "run.pt"
    condenser = DistributionMatching(**settings, checkpoint=path, checkpoint_every=8)
    with ctrl_c_during(30):
        with pytest.warns(UserWarning, match="interrupted"):
            condenser.fit_resample(X, y)
    assert torch.load(path, weights_only=True)["early_stopping"]["scores"]
    X_res, _ = condenser.fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X_full)
    assert condenser.best_iteration_ == full.best_iteration_
    np.testing.assert_array_equal(condenser.validation_scores_, full.validation_scores_)


def test_a_run_that_stopped_early_resumes_to_its_end(table, tmp_path):
    X, y = table
    settings = dict(
        n_per_class=2,
        n_iter=100,
        batch_real=16,
        random_state=0,
        early_stopping=True,
        validation_scoring=lambda estimator, X_val, y_val: 0.0,  # never beaten
        n_iter_no_change=2,
    )
    path = tmp_path / "run.pt"
    condenser = DistributionMatching(**settings, checkpoint=path)
    X_first, _ = condenser.fit_resample(X, y)
    assert condenser.n_iter_ == 15 and condenser.best_iteration_ == 5
    assert torch.load(path, weights_only=True)["step"] == 15
    X_again, _ = condenser.fit_resample(X, y)
    assert condenser.n_iter_ == 15 and condenser.best_iteration_ == 5
    np.testing.assert_array_equal(X_again, X_first)
