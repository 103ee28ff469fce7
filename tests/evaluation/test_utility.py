import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_dc import Herding, KMeansCentroids, RandomSubset
from sklearn_dc.evaluation import default_learners, evaluate_condensers, utility_table


@pytest.fixture(scope="module")
def cancer_split():
    X, y = load_breast_cancer(return_X_y=True)
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


def test_protocol_scores_methods_beside_both_references(cancer_split):
    X_train, X_test, y_train, y_test = cancer_split
    results = evaluate_condensers(
        {"k-means": KMeansCentroids(n_init=1)},
        X_train,
        y_train,
        X_test,
        y_test,
        budgets=[2, 20],
        learners={"lr": LogisticRegression(max_iter=500)},
        n_seeds=3,
        preprocessor=StandardScaler(),
    )
    assert (
        results["method"].tolist()
        == ["full data"] + ["RandomSubset"] * 2 + ["k-means"] * 2
    )
    assert results["n_per_class"].tolist() == [None, 2, 20, 2, 20]
    assert results["n_records"].tolist() == [len(y_train), 4, 40, 4, 40]
    np.testing.assert_allclose(results["compression"], len(y_train) / results.n_records)
    assert (results["scoring"] == "roc_auc").all()
    full = results.loc[results.method == "full data", "score_mean"].item()
    assert full > 0.98  # a standardised logistic regression on all the data
    assert results["score_std"].iloc[1:].notna().all()


def test_random_subset_is_not_added_twice(cancer_split):
    X_train, X_test, y_train, y_test = cancer_split
    results = evaluate_condensers(
        {"random": RandomSubset(), "herding": Herding()},
        X_train,
        y_train,
        X_test,
        y_test,
        budgets=[5],
        learners={"lr": LogisticRegression(max_iter=500)},
        n_seeds=2,
        preprocessor=StandardScaler(),
    )
    assert results["method"].tolist() == ["full data", "random", "herding"]


def test_multiclass_uses_accuracy_and_table_has_one_row_per_run(digits_split):
    X_train, y_train, X_test, y_test = digits_split
    results = evaluate_condensers(
        {"herding": Herding()},
        X_train,
        y_train,
        X_test,
        y_test,
        budgets=[1, 5],
        learners={"lr": LogisticRegression(max_iter=500)},
        n_seeds=2,
    )
    assert (results["scoring"] == "accuracy").all()
    table = utility_table(results)
    assert table.index.tolist() == [
        ("all", "full data"),
        ("1", "RandomSubset"),
        ("1", "herding"),
        ("5", "RandomSubset"),
        ("5", "herding"),
    ]
    assert table.loc[("5", "herding"), "records"] == "50"
    assert table.loc[("all", "full data"), "lr"].count("±") == 1


def test_time_series_get_series_learners_and_a_plot(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from sklearn_dc.evaluation import plot_utility
    from sklearn_dc.nn import NetClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3, 12))
    y = np.repeat([0, 1], 60)
    X[y == 1, 0] += 1.0
    learners = default_learners(ndim=3)
    assert {"TCN", "GRU", "LSTM", "Transformer"} <= set(learners)
    learners = {
        "logistic regression": learners["logistic regression"],
        "TCN": NetClassifier("tcn", max_epochs=5),
    }
    results = evaluate_condensers(
        {"herding": Herding()},
        X[::2],
        y[::2],
        X[1::2],
        y[1::2],
        budgets=[2, 10],
        learners=learners,
        n_seeds=2,
    )
    assert set(results["learner"]) == {"logistic regression", "TCN"}
    assert (results["fit_seconds"] > 0).all()
    # The series learner got each run's seed: seeds differ, so scores vary.
    tcn = results[(results.learner == "TCN") & (results.method == "full data")]
    assert tcn["score_std"].item() > 0
    table = utility_table(results)
    assert {"mean", "learner fit s"} <= set(table.columns)
    ax = plot_utility(results)
    assert len(ax.get_lines()) == 3  # RandomSubset, herding, full data
    ax.figure.savefig(tmp_path / "utility.png")


def test_no_default_learners_for_other_shapes():
    with pytest.raises(ValueError, match="pass learners="):
        default_learners(ndim=4)


def test_sizes_speedups_and_parallel_runs_agree(cancer_split):
    X_train, X_test, y_train, y_test = cancer_split
    kwargs = dict(
        budgets=[3],
        learners={"lr": LogisticRegression(max_iter=500)},
        n_seeds=2,
        preprocessor=StandardScaler(),
    )
    X32 = X_train.astype(np.float32)
    serial = evaluate_condensers(
        {"herding": Herding()}, X32, y_train, X_test, y_test, **kwargs
    )
    parallel = evaluate_condensers(
        {"herding": Herding()}, X32, y_train, X_test, y_test, n_jobs=2, **kwargs
    )
    np.testing.assert_array_equal(serial.score_mean, parallel.score_mean)
    # float32 records of 30 features: 120 bytes each.
    assert serial["n_bytes"].tolist() == [120 * len(y_train), 720, 720]
    assert serial.loc[0, "fit_speedup"] == pytest.approx(1.0)
    assert (serial["fit_speedup"] > 0).all()
    table = utility_table(serial)
    assert table.loc[("3", "herding"), "bytes"] == "720 B"
    assert table.loc[("all", "full data"), "fit speed-up"] == "1x"
