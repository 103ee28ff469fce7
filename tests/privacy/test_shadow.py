"""Shadow-model (LiRA) audit: copies leak, input-blind condensers do not."""

import warnings

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from sklearn.linear_model import LogisticRegression
from sklearn.utils import check_random_state

from sklearn_dc import RandomSubset
from sklearn_dc.base import BaseCondenser
from sklearn_dc.privacy import shadow_audit
from sklearn_dc.privacy._shadow import (
    SCORES,
    _draw_members,
    _epsilon_bound,
    _lira,
)


class NoiseCondenser(BaseCondenser):
    """Returns Gaussian noise drawn from its seed alone: it cannot leak."""

    def _fit_resample(self, X, y):
        budget = self._budget()
        rng = check_random_state(self.random_state)
        records = rng.normal(size=(budget.sum(), *X.shape[1:]))
        return records, np.repeat(np.arange(len(budget)), budget)


class RenamingCondenser(RandomSubset):
    """Changes a parameter in __init__, which sklearn's clone refuses."""

    def __init__(self, *, n_per_class=10, random_state=None):
        super().__init__(n_per_class=n_per_class + 1, random_state=random_state)


def pool(n=80, n_features=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    return X, np.repeat([0, 1], n // 2)


def online_combined(audit):
    return audit.query("score == 'combined' and lira == 'online'").iloc[0]


@pytest.fixture(scope="module")
def subset_audit():
    X, y = pool()
    return shadow_audit(
        RandomSubset(n_per_class=10), X, y, n_shadows=16, random_state=0
    )


def test_copied_records_are_exposed(subset_audit):
    # Each shadow copies 10 of its 20 members per class: half of the members
    # sit at distance 0 from a synthetic record.
    combined = online_combined(subset_audit)
    assert combined["auc"] > 0.65
    assert combined["auc_low"] > 0.55
    # Copies are identified with certainty: at 0.1% FPR, about the copied half.
    assert combined["tpr_at_0.1%_fpr"] > 0.3
    distance = subset_audit.query("score == 'distance (same class)'")
    assert (distance["auc"] > 0.65).all()


def test_condenser_blind_to_its_input_does_not_leak():
    X, y = pool()
    audit = shadow_audit(
        NoiseCondenser(n_per_class=5), X, y, n_shadows=16, random_state=0
    )
    combined = audit[audit["score"] == "combined"]
    assert (combined["auc_low"] < 0.5).all() and (combined["auc_high"] > 0.5).all()
    assert np.allclose(audit["auc"], 0.5, atol=0.08)
    assert (audit["tpr_at_1%_fpr"] < 0.06).all()


def test_layout_and_attrs(subset_audit):
    audit = subset_audit
    assert audit.columns.tolist() == [
        "score",
        "lira",
        "auc",
        "auc_low",
        "auc_high",
        "tpr_at_1%_fpr",
        "tpr_at_0.1%_fpr",
    ]
    names = [*SCORES, "combined"]
    assert audit["score"].tolist() == names + names
    assert audit["lira"].tolist() == ["online"] * 6 + ["offline"] * 6
    values = audit.drop(columns=["score", "lira"])
    assert ((values >= 0) & (values <= 1)).all().all()
    assert (audit["auc_low"] <= audit["auc"]).all()
    assert (audit["auc"] <= audit["auc_high"]).all()
    assert (audit["tpr_at_0.1%_fpr"] <= audit["tpr_at_1%_fpr"]).all()
    attrs = audit.attrs
    assert set(attrs) == {"n_shadows", "n_records", "condenser", "seconds"}
    assert (attrs["n_shadows"], attrs["n_records"]) == (16, 80)
    assert attrs["condenser"] == "RandomSubset"
    assert attrs["seconds"] > 0


def test_reproducible_with_an_integer_seed(subset_audit):
    X, y = pool()
    again = shadow_audit(
        RandomSubset(n_per_class=10), X, y, n_shadows=16, random_state=0
    )
    assert_frame_equal(again, subset_audit)
    other = shadow_audit(
        RandomSubset(n_per_class=10), X, y, n_shadows=16, random_state=1
    )
    assert not np.array_equal(other["auc"], subset_audit["auc"])


def test_parallel_shadows_give_the_same_audit():
    X, y = pool(n=40)
    condenser = RandomSubset(n_per_class=5)
    serial = shadow_audit(condenser, X, y, n_shadows=8, random_state=3, n_jobs=1)
    parallel = shadow_audit(condenser, X, y, n_shadows=8, random_state=3, n_jobs=2)
    assert_frame_equal(serial, parallel)


def test_caller_data_untouched_and_containers_accepted():
    X, y = pool(n=60)
    labels = np.where(y == 1, "died", "survived").astype(object)
    X_before, labels_before = X.copy(), labels.copy()
    condenser = RandomSubset(n_per_class=4, random_state=123)
    audit = shadow_audit(condenser, X, labels, n_shadows=8, random_state=0)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(labels, labels_before)
    assert condenser.random_state == 123 and not hasattr(condenser, "classes_")
    # A DataFrame and a Series are the same pool.
    frame = pd.DataFrame(X, columns=[f"f{k}" for k in range(X.shape[1])])
    same = shadow_audit(
        condenser, frame, pd.Series(labels), n_shadows=8, random_state=0
    )
    assert_frame_equal(audit, same)


def test_records_of_more_dimensions_are_flattened_for_the_scores():
    # RandomSubset picks the same rows whatever their shape, so the scores,
    # computed on flattened records, are the same.
    X, y = pool(n=40, n_features=6)
    condenser = RandomSubset(n_per_class=4)
    flat = shadow_audit(condenser, X, y, n_shadows=8, random_state=0)
    series = shadow_audit(
        condenser, X.reshape(40, 2, 3), y, n_shadows=8, random_state=0
    )
    assert_frame_equal(flat, series)


def test_three_classes_and_no_warnings_from_the_fits():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = np.repeat(["a", "b", "c"], 20)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # A budget of 15 exceeds the 10 members per class: a BudgetWarning in
        # every shadow, silenced.
        audit = shadow_audit(
            RandomSubset(n_per_class=15), X, y, n_shadows=9, random_state=0
        )
    assert online_combined(audit)["auc"] > 0.6


def test_members_are_stratified_halves_in_complementary_pairs():
    codes = np.repeat([0, 1], [9, 12])
    inside = _draw_members(codes, 2, 9, np.random.RandomState(0))
    for row in inside:
        assert row[codes == 0].sum() in (4, 5) and row[codes == 1].sum() == 6
    np.testing.assert_array_equal(inside[1::2], ~inside[:-1:2])
    assert (inside[:8].sum(axis=0) == 4).all()


def test_lira_statistics_leave_the_target_pair_out():
    rng = np.random.default_rng(0)
    inside = _draw_members(np.repeat([0, 1], 5), 2, 10, np.random.RandomState(1))
    scores = rng.normal(size=(5, 10, 10)) + 2.0 * inside
    online, offline = _lira(scores, inside)
    k, t, i = 2, 3, 7
    z = (scores[k] - scores[k].mean()) / scores[k].std()
    others = ~np.isin(np.arange(10), [2, 3])  # the target and its partner
    was_in = z[others & inside[:, i], i]
    was_out = z[others & ~inside[:, i], i]
    s = z[t, i]

    def log_normal(sample):
        mu, sd = sample.mean(), sample.std(ddof=1)
        return -0.5 * ((s - mu) / sd) ** 2 - np.log(sd)

    assert online[k, t, i] == pytest.approx(log_normal(was_in) - log_normal(was_out))
    expected = (s - was_out.mean()) / was_out.std(ddof=1)
    assert offline[k, t, i] == pytest.approx(expected)


def test_epsilon_bound():
    # A perfect attack on many trials bounds epsilon well above 0; a
    # coin-flip attack bounds nothing.
    perfect = _epsilon_bound(
        np.array(1000), np.array(0), np.array(0), np.array(1000), 1e-5, 0.95
    )
    assert 5 < perfect < np.log(1000)
    chance = _epsilon_bound(
        np.array(500), np.array(500), np.array(500), np.array(500), 1e-5, 0.95
    )
    assert chance == 0


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(X=np.zeros((18, 3)), y=np.repeat([0, 1], 9)), "at least 20 records"),
        (dict(y=np.r_[np.zeros(37), np.ones(3)]), "at least 4 records"),
        (dict(y=np.zeros(40)), "single class"),
        (dict(y=np.repeat([0, 1], 10)), "labels but X has"),
        (dict(y=np.r_[np.repeat([0.0, 1.0], 19), np.nan, 1.0]), "missing labels"),
        (dict(X=np.full((40, 3), np.nan)), "NaN"),
        (dict(n_shadows=4), "n_shadows must be an integer >= 8"),
        (dict(n_shadows=16.0), "n_shadows must be an integer >= 8"),
        (dict(n_shadows=True), "n_shadows must be an integer >= 8"),
        (dict(condenser=LogisticRegression()), "has no fit_resample"),
        (dict(condenser=RandomSubset), "cannot be cloned"),
        (dict(condenser=RenamingCondenser()), "cannot be cloned"),
    ],
)
def test_bad_input_is_refused(change, message):
    X, y = pool(n=40, n_features=3)
    arguments = dict(condenser=RandomSubset(n_per_class=3), X=X, y=y, n_shadows=8)
    arguments.update(change)
    with pytest.raises(ValueError, match=message):
        shadow_audit(**arguments)


def test_private_condenser_gets_an_empirical_epsilon():
    pytest.importorskip("opacus")
    from sklearn_dc.matching import PrivateDistributionMatching

    X, y = pool(n=40, n_features=4)
    condenser = PrivateDistributionMatching(
        n_per_class=2,
        epsilon=2.0,
        n_iter=5,
        batch_real=8,
        classes=[0, 1],
        n_samples=len(X),
    )
    audit = shadow_audit(condenser, X, y, n_shadows=8, random_state=0)
    attrs = audit.attrs
    assert attrs["condenser"] == "PrivateDistributionMatching"
    assert 0 < attrs["epsilon"] <= 2.0
    assert attrs["delta"] == 1e-5
    # A lower bound from 160 tests of an attack on epsilon 2: far from 2.
    assert 0 <= attrs["empirical_epsilon"] < 2.0
    # The noise is secret (not seeded), so allow for chance: 8 targets of 40.
    assert abs(online_combined(audit)["auc"] - 0.5) < 0.15
