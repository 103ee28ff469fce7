"""The condenser contract shared by every method: budgets, containers, errors."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_dc import DistributionMatching, Herding, KMeansCentroids, RandomSubset
from sklearn_dc.base import BudgetWarning, RealRecordsWarning

from ._instances import all_condensers

CONDENSERS = all_condensers()
IDS = [type(c).__name__ for c in CONDENSERS]
# The DP condenser's noise is secret (seeded by the operating system), so it
# does not repeat; its own tests check what random_state still fixes.
REPRODUCIBLE = [c for c in CONDENSERS if not hasattr(c, "epsilon")]


@pytest.mark.parametrize("condenser", CONDENSERS, ids=IDS)
def test_rows_grouped_by_class_with_budget(condenser, three_class_table):
    X, y = three_class_table
    X_res, y_res = clone(condenser).set_params(n_per_class=4).fit_resample(X, y)
    assert X_res.shape == (12, X.shape[1])
    assert y_res.tolist() == [0] * 4 + [1] * 4 + [2] * 4


@pytest.mark.parametrize(
    "condenser", REPRODUCIBLE, ids=[type(c).__name__ for c in REPRODUCIBLE]
)
def test_same_seed_same_output_other_seed_other_output(condenser, three_class_table):
    X, y = three_class_table
    first = clone(condenser).set_params(random_state=1).fit_resample(X, y)[0]
    again = clone(condenser).set_params(random_state=1).fit_resample(X, y)[0]
    other = clone(condenser).set_params(random_state=2).fit_resample(X, y)[0]
    np.testing.assert_array_equal(first, again)
    if not isinstance(condenser, Herding):  # herding draws nothing at random
        assert not np.array_equal(first, other)


@pytest.mark.parametrize("condenser", CONDENSERS, ids=IDS)
def test_input_never_modified(condenser, three_class_table):
    X, y = three_class_table
    X_frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    y_series = pd.Series(y, name="outcome")
    X_copy, frame_copy, y_copy = X.copy(), X_frame.copy(), y.copy()
    clone(condenser).fit_resample(X, y)
    clone(condenser).fit_resample(X_frame, y_series)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)
    pd.testing.assert_frame_equal(X_frame, frame_copy)


@pytest.mark.parametrize("condenser", CONDENSERS, ids=IDS)
def test_containers_and_dtypes_follow_the_input(condenser, three_class_table):
    X, y = three_class_table
    labels = np.array(["alive", "dead", "transferred"], dtype=object)[y]
    X32 = X.astype(np.float32)
    X_res, y_res = clone(condenser).set_params(n_per_class=3).fit_resample(X32, labels)
    assert isinstance(X_res, np.ndarray) and X_res.dtype == np.float32
    assert y_res.dtype == object
    assert y_res.tolist() == ["alive"] * 3 + ["dead"] * 3 + ["transferred"] * 3

    columns = [f"lab_{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X32, columns=columns)
    target = pd.Series(pd.Categorical(labels), name="status")
    condenser = clone(condenser).set_params(n_per_class=3)
    X_res, y_res = condenser.fit_resample(frame, target)
    assert list(X_res.columns) == columns
    assert (X_res.dtypes == np.float32).all()
    assert y_res.name == "status" and y_res.dtype == "category"
    assert (X_res.index == y_res.index).all()
    assert list(condenser.feature_names_in_) == columns
    assert condenser.n_per_class_ == {"alive": 3, "dead": 3, "transferred": 3}


@pytest.mark.parametrize("condenser", CONDENSERS, ids=IDS)
def test_sparse_input_is_densified(condenser, three_class_table):
    X, y = three_class_table
    X_res, _ = clone(condenser).fit_resample(sparse.csr_matrix(X), y)
    assert sparse.issparse(X_res)
    if condenser in REPRODUCIBLE:
        X_dense, _ = clone(condenser).fit_resample(X, y)
        np.testing.assert_allclose(X_res.toarray(), X_dense)


@pytest.mark.parametrize(
    "condenser",
    [c for c in CONDENSERS if not isinstance(c, DistributionMatching)],
    ids=lambda c: type(c).__name__,
)
def test_coresets_and_prototypes_keep_nd_records(condenser):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3, 8))  # (n, channels, timepoints)
    y = np.repeat([0, 1], 20)
    X_res, y_res = clone(condenser).set_params(n_per_class=2).fit_resample(X, y)
    assert X_res.shape == (4, 3, 8)


def test_budget_as_fraction_and_dict(three_class_table):
    X, y = three_class_table
    counts = np.bincount(y)
    condenser = RandomSubset(n_per_class=0.1, random_state=0).fit(X, y)
    assert condenser.n_per_class_ == {
        c: int(np.rint(0.1 * n)) for c, n in enumerate(counts)
    }
    condenser = RandomSubset(n_per_class={0: 5, 1: 2, 2: 1}).fit(X, y)
    assert condenser.n_per_class_ == {0: 5, 1: 2, 2: 1}
    assert condenser.sampling_strategy_ == condenser.n_per_class_
    # A tiny fraction still keeps one record of every class.
    assert RandomSubset(n_per_class=1e-6).fit(X, y).n_per_class_ == {0: 1, 1: 1, 2: 1}


def test_budget_larger_than_class_is_capped_with_warning(three_class_table):
    X, y = three_class_table
    counts = np.bincount(y)
    with pytest.warns(BudgetWarning, match="capped at the class size"):
        condenser = KMeansCentroids(n_per_class=10_000, n_init=1, random_state=0)
        X_res, y_res = condenser.fit_resample(X, y)
    assert condenser.n_per_class_ == dict(enumerate(counts.tolist()))
    assert len(y_res) == len(y)


@pytest.mark.parametrize("budget", [0, -3, 1.5, 0.0, "ten", None])
def test_invalid_budget_values_are_refused(budget, three_class_table):
    X, y = three_class_table
    with pytest.raises(InvalidParameterError, match="n_per_class"):
        RandomSubset(n_per_class=budget).fit_resample(X, y)


@pytest.mark.parametrize(
    "budget, message",
    [
        ({0: 1, 1: 1, 2: 1, 7: 1}, r"not in y: \[7\]"),
        ({0: 1, 1: 1}, r"every class; missing: \[2\]"),
        ({0: 1, 1: 0, 2: 1}, "integers >= 1"),
        ({0: 1, 1: 2.5, 2: 1}, "integers >= 1"),
    ],
)
def test_invalid_budget_dicts_are_explained(budget, message, three_class_table):
    X, y = three_class_table
    with pytest.raises(ValueError, match=message):
        RandomSubset(n_per_class=budget).fit_resample(X, y)


@pytest.mark.parametrize("condenser", CONDENSERS, ids=IDS)
@pytest.mark.parametrize(
    "bad, fix", [(np.nan, "NaN.*SimpleImputer"), (np.inf, "infinity.*np.clip")]
)
def test_nan_and_inf_name_the_fix(condenser, bad, fix, three_class_table):
    X, y = three_class_table
    X = X.copy()
    X[3, 2] = bad
    with pytest.raises(ValueError, match=fix):
        clone(condenser).fit_resample(X, y)


def test_nan_in_time_series_points_to_the_series_imputer():
    X = np.random.default_rng(0).normal(size=(20, 3, 8))
    X[0, 1, 2] = np.nan
    with pytest.raises(ValueError, match="TimeSeriesImputer"):
        RandomSubset(n_per_class=2).fit_resample(X, np.repeat([0, 1], 10))


def test_one_class_is_refused():
    X = np.random.default_rng(0).normal(size=(10, 3))
    with pytest.raises(ValueError, match="at least 2 classes"):
        DistributionMatching(n_iter=1).fit_resample(X, np.ones(10))


def test_non_numeric_columns_are_named():
    frame = pd.DataFrame({"age": [70.0, 64.0, 81.0, 55.0], "sex": list("FMFM")})
    with pytest.raises(ValueError, match=r"not numeric: \{'sex'.*OneHotEncoder"):
        RandomSubset(n_per_class=1).fit_resample(frame, [0, 1, 0, 1])
    strings = np.array([["a", "b"], ["c", "d"], ["e", "f"], ["g", "h"]])
    with pytest.raises(ValueError, match="needs numeric X.*OneHotEncoder"):
        RandomSubset(n_per_class=1).fit_resample(strings, [0, 1, 0, 1])


def test_continuous_target_is_refused():
    X = np.random.default_rng(0).normal(size=(10, 3))
    with pytest.raises(ValueError, match="Unknown label type"):
        RandomSubset(n_per_class=1).fit_resample(X, np.linspace(0, 1, 10))


def test_fit_sets_budget_without_condensing(three_class_table):
    X, y = three_class_table
    condenser = DistributionMatching(n_per_class=2).fit(X, y)
    assert condenser.n_per_class_ == {0: 2, 1: 2, 2: 2}
    assert not hasattr(condenser, "loss_history_")


def test_real_records_in_the_output_are_flagged(three_class_table):
    from sklearn_dc.base import RealRecordsWarning

    X, y = three_class_table
    with pytest.warns(RealRecordsWarning, match="n_iter=0, init='real'"):
        DistributionMatching(n_iter=0, n_per_class=2).fit_resample(X, y)
    with pytest.warns(RealRecordsWarning, match="budget of classes \\[2\\]"):
        KMeansCentroids(n_per_class={0: 2, 1: 2, 2: int((y == 2).sum())}).fit_resample(
            X, y
        )
    single = np.where(np.arange(len(y)) == 0, 3, y)
    with pytest.warns(RealRecordsWarning, match="Classes \\[3\\] have a single"):
        DistributionMatching(n_iter=2, n_per_class=1).fit_resample(X, single)


@pytest.fixture
def nine_to_one():
    X, y = make_classification(
        n_samples=400, n_features=5, weights=[0.9], flip_y=0, random_state=0
    )
    return X, y


def test_majority_condenses_the_majority_and_keeps_the_minority(nine_to_one):
    X, y = nine_to_one
    n_minority = int((y == 1).sum())
    condenser = KMeansCentroids(n_per_class="majority", random_state=0)
    X_res, y_res = condenser.fit_resample(X, y)
    assert condenser.kept_classes_ == [1]
    assert condenser.n_per_class_ == {0: n_minority, 1: n_minority}
    assert y_res.tolist() == [0] * n_minority + [1] * n_minority
    # The minority's real rows, unchanged and in order; the majority summarised
    # by centres (a singleton cluster's centre is its record).
    np.testing.assert_array_equal(X_res[y_res == 1], X[y == 1])
    majority_rows = {tuple(row) for row in X[y == 0]}
    copies = sum(tuple(row) in majority_rows for row in X_res[y_res == 0])
    assert copies < n_minority / 4


@pytest.mark.parametrize(
    "strategy, condensed",
    [
        ("majority", [0]),
        ("not minority", [0, 1]),
        ("auto", [0, 1]),
        ("not majority", [1, 2]),
        ("all", [0, 1, 2]),
    ],
)
def test_strategy_words_follow_imbalanced_learn(strategy, condensed, three_class_table):
    X, y = three_class_table
    counts = np.bincount(y)  # classes 0 > 1 > 2 in size
    condenser = RandomSubset(n_per_class=strategy, random_state=0)
    X_res, y_res = condenser.fit_resample(X, y)
    expected = {c: int(counts.min() if c in condensed else counts[c]) for c in range(3)}
    assert condenser.n_per_class_ == expected
    assert condenser.kept_classes_ == [c for c in range(3) if c not in condensed]
    assert np.bincount(y_res).tolist() == list(expected.values())
    # sample_indices_ point into the caller's data, grouped by class.
    np.testing.assert_array_equal(X_res, X[condenser.sample_indices_])
    np.testing.assert_array_equal(y_res, y[condenser.sample_indices_])
    assert (np.diff(y_res) >= 0).all()


@pytest.mark.parametrize(
    "budget, kept",
    [({"a": 4, "b": "all", "c": 0.5}, ["b"]), ({"a": 4, "b": None, "c": 1.0}, ["b"])],
)
def test_dict_budgets_keep_classes_whole_or_take_fractions(
    budget, kept, three_class_table
):
    X, y = three_class_table
    X_frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    y_series = pd.Series(np.array(["a", "b", "c"])[y], name="outcome")
    sizes = y_series.value_counts().to_dict()
    condenser = KMeansCentroids(n_per_class=budget, n_init=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RealRecordsWarning)  # 1.0: whole class
        X_res, y_res = condenser.fit_resample(X_frame, y_series)
    # "all" / None: the class as it is; a fraction: of that class.
    assert condenser.n_per_class_ == {
        "a": 4,
        "b": sizes["b"],
        "c": int(np.rint(budget["c"] * sizes["c"])),
    }
    assert condenser.kept_classes_ == kept
    assert y_res.value_counts().to_dict() == condenser.n_per_class_
    assert list(X_res.columns) == list(X_frame.columns) and y_res.name == "outcome"
    pd.testing.assert_frame_equal(
        X_res[y_res == "b"].reset_index(drop=True),
        X_frame[y_series == "b"].reset_index(drop=True),
    )


def test_matching_condensers_keep_classes_whole(nine_to_one):
    X, y = nine_to_one
    condenser = DistributionMatching(n_per_class={0: 5, 1: "all"}, n_iter=3)
    X_res, y_res = condenser.set_params(random_state=0).fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [5, int((y == 1).sum())]
    np.testing.assert_allclose(X_res[y_res == 1], X[y == 1])
    assert condenser.classes_.tolist() == [0, 1]
    assert condenser.loss_history_.shape == (3,)


def test_budgets_that_keep_every_class_or_read_private_sizes_are_refused(
    three_class_table,
):
    from sklearn_dc import PrivateDistributionMatching

    X, y = three_class_table
    with pytest.raises(ValueError, match="keeps every class whole"):
        RandomSubset(n_per_class={0: "all", 1: None, 2: "all"}).fit_resample(X, y)
    with pytest.raises(ValueError, match="integers >= 1, fractions"):
        RandomSubset(n_per_class={0: 2, 1: "half", 2: True}).fit_resample(X, y)
    private = PrivateDistributionMatching(n_per_class={0: 2, 1: "all", 2: 2})
    with pytest.raises(ValueError, match="read the private class sizes"):
        private.fit(X, y)
    with pytest.raises(ValueError, match="n_per_class"):
        private.set_params(n_per_class="majority").fit(X, y)


def test_strategy_words_keep_their_meaning_inside_cross_validation(nine_to_one):
    from imblearn.pipeline import make_pipeline
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_validate

    X, y = nine_to_one
    seen = []

    class Spy(LogisticRegression):
        def fit(self, X, y):
            seen.append(np.bincount(y).tolist())
            return super().fit(X, y)

    pipe = make_pipeline(KMeansCentroids(n_per_class="majority", n_init=1), Spy())
    cross_validate(pipe, X, y, cv=4)
    # In every fold the majority is shrunk to that fold's minority size.
    assert len(seen) == 4 and all(a == b for a, b in seen)
