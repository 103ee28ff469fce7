"""save_condensed / load_condensed: records, data card, hash check."""

import json
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import make_classification

import sklearn_dc
from sklearn_dc import KMeansCentroids
from sklearn_dc.io import card_path, load_condensed, make_data_card, save_condensed
from sklearn_dc.matching import PrivateDistributionMatching
from sklearn_dc.tabular import TabularCondenser

from .test_tabular import make_table


@pytest.fixture(autouse=True)
def one_thread():
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)


@pytest.fixture(scope="module")
def condensed():
    """A decoded condensed table, its labels, the wrapper and the source."""
    X, y = make_table()
    wrapper = TabularCondenser(KMeansCentroids(n_per_class=5, n_init=1, random_state=3))
    X_small, y_small = wrapper.fit_resample(X, y)
    return X_small, y_small, wrapper, X, y


def mixed_frame():
    """Every dtype the card restores, with missing values and odd strings."""
    return pd.DataFrame(
        {
            "f": [0.1, np.nan, 1 / 3, 1e-300],
            "f32": np.array([0.1, 0.2, 0.3, 1e6], dtype="float32"),
            "i": [1, 2, 3, -(2**62)],
            "I": pd.array([1, None, 3, 4], dtype="Int64"),
            "b": [True, False, True, True],
            "B": pd.array([True, None, False, True], dtype="boolean"),
            "cs": pd.Categorical(
                ["a", "NA", None, "01"], categories=["a", "NA", "01", "z"]
            ),
            "ci": pd.Categorical([1, 2, 1, 2]),
            "co": pd.Categorical(
                ["lo", "hi", "lo", "hi"], categories=["lo", "hi"], ordered=True
            ),
            "s": pd.Series(["x", None, "01", "a,b"], dtype="str"),
            "o": pd.Series(["x", None, "01", 'say "hi"'], dtype=object),
        }
    )


def test_csv_round_trip_keeps_values_columns_dtypes_and_card(tmp_path, condensed):
    X_small, y_small, wrapper, X, y = condensed
    card = make_data_card(wrapper, X, y, description="synthetic ward table")
    path = tmp_path / "ward.csv"
    written = save_condensed(path, X_small, y_small, card, target_name="outcome")
    assert card_path(path).is_file()
    assert "records" not in card  # the caller's card is not modified
    loaded = load_condensed(path)
    pd.testing.assert_frame_equal(loaded.data, X_small)
    pd.testing.assert_series_equal(loaded.target, y_small.rename("outcome"))
    assert loaded.card == written
    assert json.loads(card_path(path).read_text()) == written
    header = path.read_text().splitlines()[0].split(",")
    assert header == [*X_small.columns, "outcome"]


def test_every_dtype_round_trips_through_csv(tmp_path):
    X = mixed_frame()
    y = np.array([0, 1, 1, 0])
    save_condensed(tmp_path / "all.csv", X, y)
    X_back, y_back = load_condensed(tmp_path / "all.csv", return_X_y=True)
    pd.testing.assert_frame_equal(X_back, X, check_exact=True)
    assert y_back.tolist() == [0, 1, 1, 0] and y_back.dtype == np.int64


def test_array_input_gets_numbered_columns(tmp_path):
    X = np.arange(6, dtype=np.float32).reshape(3, 2)
    save_condensed(tmp_path / "a.csv", X, ["a", "b", "a"])
    X_back, y_back = load_condensed(tmp_path / "a.csv", return_X_y=True)
    assert list(X_back.columns) == ["x0", "x1"]
    np.testing.assert_array_equal(X_back.to_numpy(), X)
    assert y_back.tolist() == ["a", "b", "a"]


def test_tampered_records_are_refused(tmp_path, condensed):
    X_small, y_small, *_ = condensed
    path = tmp_path / "ward.csv"
    save_condensed(path, X_small, y_small)
    text = path.read_text()
    lines = text.splitlines()
    lines[1] = lines[1].replace("died", "lived")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match="has changed since it was written"):
        load_condensed(path)


def test_overwrite_is_refused_without_the_flag(tmp_path, condensed):
    X_small, y_small, *_ = condensed
    path = tmp_path / "ward.csv"
    save_condensed(path, X_small, y_small)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save_condensed(path, X_small.iloc[:2], y_small.iloc[:2])
    assert len(load_condensed(path).data) == len(X_small)
    # A card left alone beside a missing records file also blocks.
    path.unlink()
    with pytest.raises(FileExistsError, match="card.json"):
        save_condensed(path, X_small, y_small)
    save_condensed(path, X_small.iloc[:2], y_small.iloc[:2], overwrite=True)
    assert len(load_condensed(path).data) == 2


def test_parquet_round_trip(tmp_path, condensed):
    pytest.importorskip("pyarrow")
    X_small, y_small, wrapper, *_ = condensed
    path = tmp_path / "ward.parquet"
    card = save_condensed(path, X_small, y_small, wrapper)
    assert card["records"]["format"] == "parquet"
    X_back, y_back = load_condensed(path, return_X_y=True)
    pd.testing.assert_frame_equal(X_back, X_small)
    assert y_back.tolist() == y_small.tolist()
    save_condensed(tmp_path / "all.parquet", mixed_frame(), [0, 1, 1, 0])
    X_back, _ = load_condensed(tmp_path / "all.parquet", return_X_y=True)
    pd.testing.assert_frame_equal(X_back, mixed_frame())


def test_parquet_without_pyarrow_says_what_to_do(tmp_path, condensed, monkeypatch):
    X_small, y_small, *_ = condensed
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow fails
    with pytest.raises(ImportError, match="pip install pyarrow.*\\.csv"):
        save_condensed(tmp_path / "ward.parquet", X_small, y_small)
    assert not (tmp_path / "ward.parquet").exists()


def test_card_records_the_method_counts_and_version(tmp_path, condensed):
    X_small, y_small, wrapper, X, y = condensed
    card = save_condensed(
        tmp_path / "ward.csv", X_small, y_small, make_data_card(wrapper, X, y)
    )
    assert card["sklearn_dc_version"] == sklearn_dc.__version__
    assert card["method"]["name"] == "TabularCondenser"
    assert card["method"]["condenser"] == "KMeansCentroids"
    inner = card["method"]["params"]["condenser"]
    assert inner == {
        "class": "KMeansCentroids",
        "params": {"n_init": 1, "n_per_class": 5, "random_state": 3},
    }
    assert card["method"]["schema"]["ward"] == "categorical"
    assert card["seed"] == 3
    assert card["budget_per_class"] == {"died": 5, "lived": 5}
    assert card["records"]["n_rows"] == 10
    assert card["records"]["n_rows_per_class"] == {"died": 5, "lived": 5}
    assert card["source"]["n_rows"] == len(X)
    assert card["source"]["n_rows_per_class"] == y.value_counts().to_dict()
    assert card["differential_privacy"] is None
    assert card["created"].endswith("+00:00")


def test_card_records_epsilon_of_a_private_condenser(tmp_path):
    X, y = make_classification(n_samples=200, n_features=5, random_state=0)
    condenser = PrivateDistributionMatching(
        n_per_class=3, n_iter=5, batch_real=32, epsilon=10.0, random_state=0
    )
    X_syn, y_syn = condenser.fit_resample(X, y)
    card = save_condensed(tmp_path / "dp.csv", X_syn, y_syn, condenser)
    dp = card["differential_privacy"]
    assert dp["epsilon"] == pytest.approx(condenser.epsilon_)
    assert 0 < dp["epsilon"] <= 10.0
    assert dp["delta"] == 1e-5
    assert card["method"]["name"] == "PrivateDistributionMatching"
    assert card["method"]["params"]["epsilon"] == 10.0


def test_card_keeps_utility_and_privacy_figures():
    utility = pd.DataFrame({"learner": ["logreg", "mlp"], "roc_auc": [0.8, np.nan]})
    card = make_data_card(utility=utility, privacy={"mia_auc": np.float64(0.52)})
    assert card["utility"] == [
        {"learner": "logreg", "roc_auc": 0.8},
        {"learner": "mlp", "roc_auc": None},
    ]
    assert card["privacy"] == {"mia_auc": 0.52}
    json.dumps(card, allow_nan=False)


def test_source_hash_follows_the_content(tmp_path):
    X, y = make_table(n=50)
    first = make_data_card(X_source=X, y_source=y)["source"]["sha256"]
    assert make_data_card(X_source=X.copy(), y_source=y)["source"]["sha256"] == first
    changed = X.copy()
    changed.loc[3, "visits"] += 1
    assert make_data_card(X_source=changed, y_source=y)["source"]["sha256"] != first
    file = tmp_path / "source.csv"
    X.to_csv(file)
    source = make_data_card(X_source=file)["source"]
    assert source["file"] == "source.csv" and len(source["sha256"]) == 64


def test_bad_paths_and_names_are_refused(tmp_path, condensed):
    X_small, y_small, *_ = condensed
    with pytest.raises(ValueError, match=r"end the path in \.csv or \.parquet"):
        save_condensed(tmp_path / "ward.xlsx", X_small, y_small)
    with pytest.raises(ValueError, match="already has a column named 'ward'"):
        save_condensed(tmp_path / "ward.csv", X_small, y_small, target_name="ward")
    with pytest.raises(ValueError, match="different lengths"):
        save_condensed(tmp_path / "ward.csv", X_small, y_small.iloc[:3])
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_condensed(tmp_path / "nothing.csv")
    save_condensed(tmp_path / "ward.csv", X_small, y_small)
    card_path(tmp_path / "ward.csv").unlink()
    with pytest.raises(FileNotFoundError, match="data card"):
        load_condensed(tmp_path / "ward.csv")


def test_card_refuses_figures_that_are_not_tables():
    def utility_table():
        return pd.DataFrame({"score": [0.8]})

    with pytest.raises(TypeError, match=r"utility must be a DataFrame.*utility_table"):
        make_data_card(utility=utility_table)
    with pytest.raises(TypeError, match="privacy must be a DataFrame"):
        make_data_card(privacy="leaks nothing")
    with pytest.raises(TypeError, match="description must be a str"):
        make_data_card(description=42)
    card = make_data_card(utility=utility_table(), privacy={"AUC": 0.5})
    assert card["utility"] == [{"score": 0.8}] and card["privacy"] == {"AUC": 0.5}
