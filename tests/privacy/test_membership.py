"""Membership-inference attacks: copies are caught, fresh records are not."""

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression
from sklearn.metrics import roc_auc_score
from sklearn.svm import LinearSVC

from sklearn_dc.privacy import (
    MembershipInferenceResult,
    classifier_attack,
    distance_attack,
)
from sklearn_dc.privacy._membership import _delong


def test_distance_attack_identifies_every_member_of_a_copied_set(sets):
    X_train, _, X_holdout, _ = sets
    result = distance_attack(X_train, X_train, X_holdout)
    assert isinstance(result, MembershipInferenceResult)
    assert result.attack == "distance"
    assert result.auc == 1.0
    assert (result.ci_low, result.ci_high) == (1.0, 1.0)
    assert result.tpr_at_low_fpr == 1.0
    assert result.scores.shape == (len(X_train) + len(X_holdout),)
    assert result.is_member.tolist() == [True] * len(X_train) + [False] * len(X_holdout)
    assert (result.scores[: len(X_train)] == 0).all()  # minus the distance
    assert result.fold is None


@pytest.mark.parametrize("with_labels", [True, False])
def test_classifier_attack_identifies_members_of_a_copied_set(sets, with_labels):
    X_train, y_train, X_holdout, y_holdout = sets
    labels = (y_train, y_train, y_holdout) if with_labels else (None,) * 3
    result = classifier_attack(
        X_train,
        labels[0],
        X_train,
        labels[1],
        X_holdout,
        labels[2],
        random_state=0,
    )
    assert result.attack == "classifier"
    assert result.auc > 0.9
    assert result.ci_low > 0.8
    assert result.tpr_at_low_fpr > 0.5
    assert sorted(np.unique(result.fold)) == [0, 1]


def test_partial_copies_show_at_low_false_positive_rate(sets):
    # 20 of 200 members copied: the AUC barely moves, but the copied members
    # are flagged before any non-member.
    X_train, _, X_holdout, _ = sets
    result = distance_attack(X_train[:20], X_train, X_holdout)
    assert 0.5 < result.auc < 0.6
    assert result.tpr_at_low_fpr >= 0.1
    assert result.low_fpr == 0.01


def test_attacks_find_nothing_in_a_fresh_set(sets, fresh):
    X_train, y_train, X_holdout, y_holdout = sets
    X_fresh, y_fresh = fresh
    for result in [
        distance_attack(X_fresh, X_train, X_holdout),
        classifier_attack(
            X_fresh, y_fresh, X_train, y_train, X_holdout, y_holdout, random_state=0
        ),
    ]:
        assert abs(result.auc - 0.5) < 0.08, result
        assert result.ci_low < 0.5 < result.ci_high, result
        assert result.tpr_at_low_fpr < 0.1


def test_delong_matches_its_definition_on_tied_scores():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 6, size=70).astype(float)
    is_member = rng.random(70) < 0.4
    auc, variance = _delong(scores, is_member)
    assert auc == pytest.approx(roc_auc_score(is_member, scores))
    # DeLong et al. (1988): structural components from the Mann-Whitney kernel.
    pos, neg = scores[is_member], scores[~is_member]
    kernel = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = kernel.mean(axis=1), kernel.mean(axis=0)
    expected = v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg)
    assert variance == pytest.approx(expected)


def test_interval_level_follows_confidence(sets, fresh):
    X_train, _, X_holdout, _ = sets
    wide = distance_attack(fresh[0], X_train, X_holdout, confidence=0.99)
    narrow = distance_attack(fresh[0], X_train, X_holdout, confidence=0.5)
    assert wide.auc == narrow.auc
    assert wide.ci_low < narrow.ci_low < narrow.auc < narrow.ci_high < wide.ci_high
    ratio = (wide.ci_high - wide.ci_low) / (narrow.ci_high - narrow.ci_low)
    assert ratio == pytest.approx(2.5758 / 0.6745, rel=1e-3)


def test_classifier_attack_is_deterministic_with_random_state(sets, fresh):
    X_train, y_train, X_holdout, y_holdout = sets
    args = (fresh[0], fresh[1], X_train, y_train, X_holdout, y_holdout)
    first = classifier_attack(*args, random_state=0)
    again = classifier_attack(*args, random_state=0)
    other = classifier_attack(*args, random_state=1)
    np.testing.assert_array_equal(first.scores, again.scores)
    np.testing.assert_array_equal(first.fold, again.fold)
    assert first.auc == again.auc
    assert not np.array_equal(first.fold, other.fold)


def test_classifier_attack_takes_any_scoring_classifier(sets):
    X_train, y_train, X_holdout, y_holdout = sets
    args = (X_train[:50], y_train[:50], X_train, y_train, X_holdout, y_holdout)
    forest = RandomForestClassifier(n_estimators=20)
    by_forest = classifier_attack(*args, estimator=forest, cv=3, random_state=0)
    again = classifier_attack(*args, estimator=forest, cv=3, random_state=0)
    assert by_forest.auc == again.auc  # the forest was seeded
    assert sorted(np.unique(by_forest.fold)) == [0, 1, 2]
    assert forest.get_params()["random_state"] is None  # cloned, not changed
    by_svm = classifier_attack(*args, estimator=LinearSVC(), random_state=0)
    assert by_svm.auc > 0.5
    with pytest.raises(ValueError, match="predict_proba nor decision_function"):
        classifier_attack(*args, estimator=LinearRegression())


def test_labels_are_all_or_nothing(sets):
    X_train, y_train, X_holdout, y_holdout = sets
    with pytest.raises(ValueError, match="all three sets"):
        classifier_attack(X_train, None, X_train, y_train, X_holdout, y_holdout)
    with pytest.raises(ValueError, match="one label per record"):
        classifier_attack(X_train, y_train, X_train, y_train[:-1], X_holdout, y_holdout)


def test_attacks_need_enough_records_on_both_sides(sets):
    X_train, _, X_holdout, _ = sets
    with pytest.raises(ValueError, match="at least 2 records"):
        distance_attack(X_train, X_train, X_holdout[:1])
    with pytest.raises(ValueError, match="at least 10 records.*X_holdout has 9"):
        classifier_attack(X_train, None, X_train, None, X_holdout[:9], None, cv=5)
    with pytest.raises(ValueError, match="cv must be an integer >= 2"):
        classifier_attack(X_train, None, X_train, None, X_holdout, None, cv=1)
    with pytest.raises(ValueError, match="confidence must be in"):
        distance_attack(X_train, X_train, X_holdout, confidence=95)
    with pytest.raises(ValueError, match="low_fpr must be in"):
        distance_attack(X_train, X_train, X_holdout, low_fpr=0)


def test_classifier_attack_copes_with_a_class_missing_from_the_synthetic_set(sets):
    X_train, y_train, X_holdout, y_holdout = sets
    only_positive = X_train[y_train][:10]
    result = classifier_attack(
        only_positive,
        np.ones(10, dtype=bool),
        X_train,
        y_train,
        X_holdout,
        y_holdout,
        random_state=0,
    )
    assert np.isfinite(result.scores).all()
    assert result.tpr_at_low_fpr > 0  # the 10 copies stand out
