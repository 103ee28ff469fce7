import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from sklearn_dc.evaluation import evaluate_condensed, utility_table


@pytest.fixture
def mixed_split():
    rng = np.random.default_rng(0)
    n = 240
    age = rng.normal(65, 10, n)
    sex = rng.choice(["female", "male"], n)
    y = np.where((age - 65) / 10 + (sex == "male") + rng.normal(0, 0.5, n) > 0.5, 1, 0)
    X = pd.DataFrame({"age": age, "sex": sex})
    return X.iloc[:160], y[:160], X.iloc[160:], y[160:]


def test_condensed_table_beside_both_references(mixed_split):
    X_train, y_train, X_test, y_test = mixed_split
    # A "condensed file": real rows, 4 per class.
    rows = np.r_[np.flatnonzero(y_train == 0)[:4], np.flatnonzero(y_train == 1)[:4]]
    results = evaluate_condensed(
        X_train.iloc[rows],
        y_train[rows],
        X_test,
        y_test,
        X_train=X_train,
        y_train=y_train,
        n_seeds=2,
        name="shared.csv",
    )
    assert list(dict.fromkeys(results.method)) == [
        "full data",
        "shared.csv",
        "RandomSubset",
    ]
    assert set(results.learner) == {"logistic regression", "gradient boosting", "MLP"}
    assert results.loc[results.method == "shared.csv", "n_per_class"].eq(4).all()
    assert results.loc[results.method == "RandomSubset", "n_records"].eq(8).all()
    full = results[(results.method == "full data") & (results.learner == "MLP")]
    assert full.score_mean.item() > 0.8 and full.compression.item() == 1
    table = utility_table(results)
    assert ("4", "RandomSubset") in table.index and table["condense s"].eq("").all()


def test_without_references_and_with_arrays(mixed_split):
    X_train, y_train, X_test, y_test = mixed_split
    X = X_train[["age"]].to_numpy()
    results = evaluate_condensed(
        X[:20], y_train[:20], X_test[["age"]].to_numpy(), y_test, n_seeds=1,
        learners={"lr": LogisticRegression()},
    )  # fmt: skip
    assert results.method.tolist() == ["condensed"]
    assert np.isnan(results.compression.item())
    assert results.n_bytes.item() == 20 * 8


def test_bad_sets_are_refused(mixed_split):
    X_train, y_train, X_test, y_test = mixed_split
    one_class = np.flatnonzero(y_train == 1)[:5]
    with pytest.raises(ValueError, match="at least two condensed classes"):
        evaluate_condensed(X_train.iloc[one_class], y_train[one_class], X_test, y_test)
    with pytest.raises(ValueError, match="both X_train and y_train"):
        evaluate_condensed(X_train, y_train, X_test, y_test, X_train=X_train)
