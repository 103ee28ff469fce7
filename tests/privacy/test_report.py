"""The privacy report and the DCR plot."""

import numpy as np
import pandas as pd
import pytest

from sklearn_dc import privacy
from sklearn_dc.privacy import distance_to_closest_record, plot_dcr, privacy_report

from ._sets import gaussian_sets

NAMES = [
    "exact copies",
    "near copies",
    "median DCR to train",
    "median DCR to holdout",
    "share closer to train",
    "median NNDR",
    "membership AUC (distance)",
    "TPR at low FPR (distance)",
    "membership AUC (classifier)",
    "TPR at low FPR (classifier)",
]


def test_public_names_are_exported():
    for name in privacy.__all__:
        assert hasattr(privacy, name)


def test_report_of_a_copied_set_flags_every_metric(sets):
    X_train, y_train, X_holdout, y_holdout = sets
    report = privacy_report(
        X_train, y_train, X_train, y_train, X_holdout, y_holdout, random_state=0
    )
    assert list(report.columns) == [
        "name",
        "value",
        "ci_low",
        "ci_high",
        "expected",
        "note",
    ]
    assert report["name"].tolist() == NAMES
    values = report.set_index("name")["value"]
    assert values["exact copies"] == len(X_train)
    assert values["near copies"] == len(X_train)
    assert values["median DCR to train"] == 0
    assert values["median DCR to holdout"] > 0
    assert values["share closer to train"] == 1
    assert values["median NNDR"] == 0
    assert values["membership AUC (distance)"] == 1
    assert values["membership AUC (classifier)"] > 0.9
    assert report["note"].str.len().gt(10).all()


def test_report_of_a_fresh_set_matches_expectations(sets, fresh):
    X_train, y_train, X_holdout, y_holdout = sets
    report = privacy_report(
        *fresh, X_train, y_train, X_holdout, y_holdout, random_state=0
    ).set_index("name")
    assert report.loc["exact copies", "value"] == 0
    assert report.loc["exact copies", "expected"] == 0
    assert report.loc["near copies", "expected"] == pytest.approx(0.01 * 200)
    for name in [
        "share closer to train",
        "membership AUC (distance)",
        "membership AUC (classifier)",
    ]:
        row = report.loc[name]
        assert row.ci_low < row.expected < row.ci_high, name
        assert row.expected == 0.5
    nndr = report.loc["median NNDR"]
    assert abs(nndr.value - nndr.expected) < 0.1
    assert report.loc["TPR at low FPR (distance)", "expected"] == 0.01
    assert np.isnan(report.loc["exact copies", "ci_low"])


def test_report_is_deterministic_and_leaves_inputs_alone(sets, fresh):
    X_train, y_train, X_holdout, y_holdout = sets
    arrays = [*fresh, X_train, y_train, X_holdout, y_holdout]
    before = [a.copy() for a in arrays]
    for a in arrays:
        a.flags.writeable = False  # any write in place would raise
    first = privacy_report(*arrays, random_state=0)
    again = privacy_report(*arrays, random_state=0)
    pd.testing.assert_frame_equal(first, again)
    for a, b in zip(arrays, before, strict=True):
        np.testing.assert_array_equal(a, b)
        a.flags.writeable = True


def test_report_accepts_dataframes_and_works_without_labels(sets):
    X_train, y_train, X_holdout, y_holdout = sets
    columns = [f"lab_{i}" for i in range(X_train.shape[1])]
    frames = [pd.DataFrame(X, columns=columns) for X in (X_train, X_holdout)]
    series = [pd.Series(y, name="died") for y in (y_train, y_holdout)]
    X_synthetic = frames[0].iloc[:30].copy()
    snapshot = X_synthetic.copy()
    report = privacy_report(
        X_synthetic, series[0].iloc[:30], frames[0], series[0], frames[1], series[1]
    ).set_index("name")
    assert report.loc["exact copies", "value"] == 30
    pd.testing.assert_frame_equal(X_synthetic, snapshot)
    unlabelled = privacy_report(
        X_synthetic, None, frames[0], None, frames[1], None, random_state=0
    )
    assert unlabelled["name"].tolist() == NAMES


def test_report_of_time_series_equals_that_of_flattened_records():
    rng = np.random.default_rng(0)
    X_train, X_holdout = rng.normal(size=(2, 80, 3, 8))
    y_train, y_holdout = rng.random((2, 80)) > 0.5
    X_synthetic, y_synthetic = X_train[:10], y_train[:10]
    series = privacy_report(
        X_synthetic,
        y_synthetic,
        X_train,
        y_train,
        X_holdout,
        y_holdout,
        random_state=0,
    )
    flat = privacy_report(
        X_synthetic.reshape(10, -1),
        y_synthetic,
        X_train.reshape(80, -1),
        y_train,
        X_holdout.reshape(80, -1),
        y_holdout,
        random_state=0,
    )
    pd.testing.assert_frame_equal(series, flat)
    assert series.set_index("name").loc["exact copies", "value"] == 10


def test_plot_dcr_draws_both_histograms(sets):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X_train, _, X_holdout, _ = sets
    dcr = distance_to_closest_record(X_train[:40], X_train, X_holdout)
    fig, ax = plt.subplots()
    assert plot_dcr(dcr, ax=ax, bins=10) is ax
    assert len(ax.patches) == 20  # two histograms of ten bars
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "synthetic to train",
        "synthetic to holdout",
    ]
    plt.close(fig)
    with pytest.raises(ValueError, match="distance_to_closest_record"):
        plot_dcr(pd.DataFrame({"x": [1.0]}))


def test_shadow_audit_is_an_opt_in_row():
    from sklearn_dc import RandomSubset

    X_train, y_train, X_holdout, y_holdout = gaussian_sets(n_train=40, n_holdout=40)
    condenser = RandomSubset(n_per_class=8)
    X_syn, y_syn = condenser.fit_resample(X_train, y_train)
    args = (X_syn, y_syn, X_train, y_train, X_holdout, y_holdout)
    plain = privacy_report(*args, random_state=0)
    audited = privacy_report(
        *args, random_state=0, shadow_condenser=condenser, n_shadows=8
    ).set_index("name")
    assert len(audited) == len(plain) + 2
    row = audited.loc["membership AUC (shadow models)"]
    # A subset of real records leaks membership to shadow models.
    assert row["value"] > 0.6 and row["ci_low"] <= row["value"] <= row["ci_high"]
    assert audited.loc["TPR at 0.1% FPR (shadow models)", "expected"] == 0.001
    with pytest.raises(ValueError, match="needs the labels"):
        privacy_report(
            X_syn, None, X_train, None, X_holdout, None, shadow_condenser=condenser
        )
