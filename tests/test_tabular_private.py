"""TabularCondenser with a DP condenser: nothing private escapes the guarantee."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from sklearn_dc import PrivateDistributionMatching
from sklearn_dc.io import make_data_card
from sklearn_dc.privacy._table_release import _numeric_bins, release_table_statistics
from sklearn_dc.tabular import SchemaWarning, TabularCondenser

pytest.importorskip("opacus")


@pytest.fixture(scope="module")
def patients():
    """800 patients: ages with no value on the grid, counts, a flag, wards."""
    rng = np.random.default_rng(0)
    n = 800
    X = pd.DataFrame(
        {
            "age": rng.uniform(18.37, 94.61, n),
            "visits": rng.poisson(3, n),
            "smoker": rng.integers(0, 2, n).astype(bool),
            "ward": rng.choice(["icu", "med", "surg"], n).astype(object),
        }
    )
    X.loc[rng.choice(n, 80, replace=False), "age"] = np.nan
    X.loc[7, "ward"] = "a rare ward"  # one patient's level
    y = pd.Series(np.where(X["visits"] + rng.normal(0, 1, n) > 3, "died", "lived"))
    return X, y


def private(**params):
    settings = dict(n_per_class=10, epsilon=4.0, n_iter=30, random_state=0)
    return PrivateDistributionMatching(**(settings | params))


def test_nothing_private_reaches_the_output(patients):
    X, y = patients
    wrapper = TabularCondenser(private())
    X_small, y_small = wrapper.fit_resample(X, y)
    assert X_small.shape == (20, 4) and sorted(set(y_small)) == ["died", "lived"]
    # Decoded ages are clipped to a privately released range on the public
    # grid, never to the private minimum or maximum.
    ages = X_small["age"].dropna().to_numpy()
    assert not np.isin(ages, [X["age"].min(), X["age"].max()]).any()
    low, high = wrapper.privacy_["preprocessing"]["released"]["age"]["range"]
    assert low != X["age"].min() and high != X["age"].max()
    assert ((ages >= low) & (ages <= high)).all()
    # A level held by one patient is not released (partition selection).
    wards = wrapper.privacy_["preprocessing"]["released"]["ward"]["categories"]
    assert "a rare ward" not in wards and set(X_small["ward"]) <= set(wards)
    # The label set was released too; the budget adds up.
    budget = wrapper.privacy_
    assert budget["neighbouring"] == "replace-one"
    # A fifth of epsilon (opacus's search stops within 0.01 below it).
    assert 0.78 <= budget["preprocessing"]["epsilon"] <= 0.8
    assert budget["epsilon"] == pytest.approx(
        budget["preprocessing"]["epsilon"] + budget["matching"]["epsilon"]
    )
    assert 3.8 < wrapper.epsilon_ <= 4.0 and wrapper.delta_ <= 1e-5
    # Booleans are binary by dtype: public, nothing to release.
    assert budget["preprocessing"]["public"]["smoker"] == ["centre", "range", "scale"]
    assert set(budget["preprocessing"]["released"]) == {"age", "visits", "ward"}


def test_statistics_come_from_noise_not_from_the_data(patients):
    X, y = patients
    ranges = set()
    for _ in range(5):
        condenser = private(n_iter=1, epsilon=2.0, classes=["died", "lived"])
        wrapper = TabularCondenser(condenser)
        wrapper.fit_resample(X, y)
        released = wrapper.privacy_["preprocessing"]["released"]["age"]
        ranges.add((*released["range"], released["centre"]))
    assert len(ranges) > 1  # fresh secret noise in every release


def test_a_public_schema_costs_nothing(patients):
    X, y = patients
    schema = {
        "columns": {
            "age": {"kind": "continuous", "range": [18, 100]},
            "visits": {"kind": "integer", "range": [0, 20]},
            "ward": {"kind": "categorical", "categories": ["icu", "med", "surg"]},
        },
        "classes": ["died", "lived"],
    }
    wrapper = TabularCondenser(private(), schema=schema)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X_small, _ = wrapper.fit_resample(X, y)
    budget = wrapper.privacy_
    assert budget["preprocessing"]["epsilon"] == 0.0
    assert budget["preprocessing"]["released"] == {}
    assert budget["matching"]["epsilon"] == pytest.approx(wrapper.epsilon_)
    assert 3.9 < wrapper.epsilon_ <= 4.0
    ages = X_small["age"].dropna()
    assert ages.between(18, 100).all()
    # The card carries the schema, so the release can seed the next one.
    card = json.loads(json.dumps(make_data_card(wrapper, X, y)))
    assert card["schema"]["columns"]["age"]["range"] == [18.0, 100.0]
    assert card["schema"]["classes"] == ["died", "lived"]
    assert card["seed"] is None
    assert card["differential_privacy"]["reproducible"] is False
    again = TabularCondenser(private(), schema=card).fit(X, y)
    again.fit_resample(X, y)
    assert again.privacy_["preprocessing"]["epsilon"] == 0.0


def test_public_n_gives_the_add_remove_guarantee(patients):
    X, y = patients
    wrapper = TabularCondenser(private(n_samples=1000, classes=["died", "lived"]))
    wrapper.fit_resample(X, y)
    assert wrapper.privacy_["neighbouring"] == "add/remove"
    assert wrapper.privacy_["preprocessing"]["neighbouring"] == "add/remove"


@pytest.mark.parametrize(
    "params, schema, match",
    [
        ({"preprocessing_epsilon": 4.0}, None, "shares must sum to epsilon"),
        ({}, {"columns": {"nope": "continuous"}}, r"\['nope'\] are not in X"),
        ({}, {"columns": {"age": {"kind": "continuous", "range": [5, 1]}}}, "low"),
        ({}, {"columns": {"ward": "continuous"}}, "declared continuous"),
        ({}, {"columns": {}, "classes": ["died"]}, "at least 2 class labels"),
        ({}, "no/such/schema.json", "does not exist"),
    ],
)
def test_bad_budgets_and_schemas_are_refused(patients, params, schema, match):
    X, y = patients
    wrapper = TabularCondenser(private(), schema=schema, **params)
    with pytest.raises(ValueError, match=match):
        wrapper.fit_resample(X, y)


def test_a_public_class_list_missing_a_class_is_refused(patients):
    X, y = patients
    schema = {"columns": {}, "classes": ["died", "moved"]}
    with pytest.raises(ValueError, match=r"labels \['lived'\] that are not in"):
        TabularCondenser(private(), schema=schema).fit_resample(X, y)


def test_a_column_nothing_clears_the_noise_of_is_dropped(patients):
    X, y = patients
    X = X.assign(rare=np.where(np.arange(len(X)) < 3, "x", None))
    with pytest.warns(SchemaWarning, match="'rare' is dropped"):
        wrapper = TabularCondenser(private())
        X_small, _ = wrapper.fit_resample(X, y)
    assert "rare" not in X_small.columns
    assert wrapper.privacy_["preprocessing"]["dropped"] == {
        "rare": "nothing cleared the noise"
    }


def test_numeric_grid_does_not_depend_on_the_data():
    values = np.array([np.nan, 0.0, 1.0, 1.4, -1.0, 1e-9, 3e15, -3e15])
    bins = _numeric_bins(values)
    centre = 120  # the zero bin
    assert bins[0] == -1 and bins[1] == centre and bins[5] == centre
    assert bins[2] == bins[3] == centre + 41 and bins[4] == centre - 41
    assert bins[6] == 2 * centre and bins[7] == 0  # clamped to the end bins


def test_the_release_noise_matches_the_calibration():
    from sklearn_dc.privacy._accounting import calibrate

    frame = pd.DataFrame({"a": np.full(5000, 3.0), "b": np.full(5000, 7.0)})
    _, accounting = release_table_statistics(
        frame, {"a": False, "b": False}, [], epsilon=1.0, delta=1e-6,
        relation="add/remove",
    )  # fmt: skip
    assert accounting["noise_std"] == pytest.approx(
        calibrate(1.0, 1e-6, 1.0, 1) * np.sqrt(2)
    )
    assert 0.97 < accounting["epsilon"] <= 1.0 and accounting["delta"] == 1e-6


def test_a_schema_also_guides_a_non_private_condenser(patients):
    from sklearn_dc import KMeansCentroids

    X, y = patients
    schema = {"columns": {"age": {"kind": "continuous", "range": [30, 60]}}}
    wrapper = TabularCondenser(
        KMeansCentroids(n_per_class=5, n_init=1, random_state=0),
        schema=schema,
        categorical=["visits"],
    )
    X_small, _ = wrapper.fit_resample(X, y)
    assert wrapper.schema_["visits"] == "categorical"
    assert X_small["age"].dropna().between(30, 60).all()
    with pytest.raises(ValueError, match="declared both"):
        TabularCondenser(
            schema={"columns": {"visits": "integer"}}, categorical=["visits"]
        ).fit(X, y)
