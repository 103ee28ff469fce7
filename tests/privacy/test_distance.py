"""Distances to closest records, the distance ratio and copies: known answers."""

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist

from sklearn_dc.privacy import (
    count_copies,
    dcr_summary,
    distance_to_closest_record,
    nearest_neighbor_distance_ratio,
)

from ._sets import gaussian_sets


def test_copies_sit_at_distance_zero_from_their_training_record(sets, fresh):
    X_train, _, X_holdout, _ = sets
    X_synthetic = np.vstack([X_train[:30], fresh[0][:10]])
    dcr = distance_to_closest_record(X_synthetic, X_train, X_holdout)
    assert list(dcr.columns) == [
        "dcr_train",
        "dcr_holdout",
        "closer_to",
        "train_index",
        "holdout_index",
        "nndr",
    ]
    assert (dcr["dcr_train"].iloc[:30] == 0).all()
    assert (dcr["dcr_train"].iloc[30:] > 0).all()
    assert dcr["train_index"].iloc[:30].tolist() == list(range(30))
    assert (dcr["closer_to"].iloc[:30] == "train").all()
    assert (dcr["nndr"].iloc[:30] == 0).all()
    assert (dcr["dcr_holdout"] > 0).all()
    summary = dcr_summary(dcr)
    assert summary["dcr_train_min"] == 0
    assert summary["share_ci_low"] > 0.6  # 30 of 40 rows are copies

    copies = count_copies(X_synthetic, X_train)
    assert copies.n_exact == 30
    assert copies.exact.tolist() == [True] * 30 + [False] * 10
    assert copies.n_near >= 30
    np.testing.assert_array_equal(copies.dcr, dcr["dcr_train"])


def test_dcr_is_the_brute_force_minimum(sets, fresh):
    X_train, _, X_holdout, _ = sets
    X_synthetic = fresh[0]
    for metric, name in [("euclidean", "euclidean"), ("manhattan", "cityblock")]:
        dcr = distance_to_closest_record(X_synthetic, X_train, X_holdout, metric=metric)
        to_train = cdist(X_synthetic, X_train, metric=name)
        np.testing.assert_allclose(dcr["dcr_train"], to_train.min(axis=1))
        np.testing.assert_array_equal(dcr["train_index"], to_train.argmin(axis=1))
        to_holdout = cdist(X_synthetic, X_holdout, metric=name).min(axis=1)
        np.testing.assert_allclose(dcr["dcr_holdout"], to_holdout)


def test_copies_of_large_high_dimensional_records_are_exactly_zero():
    # Brute-force Euclidean search computes |x|^2 - 2x.y + |y|^2, which does
    # not give 0 for identical records with large values; copies must.
    rng = np.random.default_rng(0)
    X_train = 1e6 + rng.normal(size=(100, 60))
    X_holdout = 1e6 + rng.normal(size=(100, 60))
    X_synthetic = np.vstack([X_train[:5], X_train[5:8] + 1e-3])
    dcr = distance_to_closest_record(X_synthetic, X_train, X_holdout)
    assert (dcr["dcr_train"].iloc[:5] == 0).all()
    np.testing.assert_allclose(dcr["dcr_train"].iloc[5:], 1e-3 * np.sqrt(60), rtol=1e-6)


def test_fresh_records_are_as_close_to_holdout_as_to_train(sets, fresh):
    X_train, _, X_holdout, _ = sets
    summary = dcr_summary(distance_to_closest_record(fresh[0], X_train, X_holdout))
    assert summary["expected_share"] == 0.5
    assert abs(summary["share_closer_to_train"] - 0.5) < 0.1
    assert summary["share_ci_low"] < 0.5 < summary["share_ci_high"]
    ratio = summary["dcr_train_median"] / summary["dcr_holdout_median"]
    assert 0.8 < ratio < 1.25


def test_expected_share_follows_the_sizes_of_the_real_sets():
    # With 3 training records per holdout record, a fresh record's closest
    # real record is a training record 3 times in 4.
    X_train, _, X_holdout, _ = gaussian_sets(1, n_train=600, n_holdout=200)
    fresh = np.random.default_rng(2).normal(size=(400, X_train.shape[1]))
    summary = dcr_summary(distance_to_closest_record(fresh, X_train, X_holdout))
    assert summary["expected_share"] == 0.75
    assert summary["share_ci_low"] < 0.75 < summary["share_ci_high"]
    assert abs(summary["share_closer_to_train"] - 0.75) < 0.06


def test_ties_count_one_half():
    X_train, X_holdout = np.array([[0.0], [4.0]]), np.array([[2.0], [9.0]])
    dcr = distance_to_closest_record([[1.0], [3.5]], X_train, X_holdout)
    assert dcr["closer_to"].tolist() == ["tie", "train"]
    assert dcr_summary(dcr)["share_closer_to_train"] == 0.75


def test_wilson_interval_has_its_textbook_value():
    dcr = pd.DataFrame(
        {"dcr_train": 1.0, "dcr_holdout": 1.0, "closer_to": ["train", "holdout"] * 50}
    )
    dcr.attrs.update(n_train=10, n_holdout=10)
    summary = dcr_summary(dcr)
    assert round(summary["share_ci_low"], 4) == 0.4038
    assert round(summary["share_ci_high"], 4) == 0.5962


def test_dcr_summary_refuses_a_hand_made_frame():
    frame = pd.DataFrame({"dcr_train": [1.0], "dcr_holdout": [2.0]})
    with pytest.raises(ValueError, match="distance_to_closest_record"):
        dcr_summary(frame)


def test_distance_ratio_known_values():
    X_train = np.array([[0.0], [1.0], [10.0]])
    ratio = nearest_neighbor_distance_ratio([[0.1], [0.5], [1.0], [4.0]], X_train)
    np.testing.assert_allclose(ratio, [0.1 / 0.9, 1.0, 0.0, 3.0 / 4.0])
    with pytest.raises(ValueError, match="at least 2 training records"):
        nearest_neighbor_distance_ratio([[0.0]], [[1.0]])


def test_near_copy_threshold_is_a_quantile_of_training_neighbour_distances(sets):
    X_train = sets[0]
    pairwise = cdist(X_train, X_train)
    np.fill_diagonal(pairwise, np.inf)
    expected = np.quantile(pairwise.min(axis=1), 0.05)

    X_synthetic = np.vstack([X_train[:3], X_train[3:8] + 1e-6])
    copies = count_copies(X_synthetic, X_train, quantile=0.05)
    assert copies.threshold == pytest.approx(expected)
    assert copies.n_exact == 3
    assert copies.n_near == 8
    assert copies.expected_near == pytest.approx(0.05 * 8)

    strict = count_copies(X_synthetic, X_train, threshold=0.0)
    assert (strict.n_exact, strict.n_near) == (3, 3)
    assert np.isnan(strict.expected_near)


def test_fresh_records_are_near_copies_about_as_often_as_chance():
    X_train, _, _, _ = gaussian_sets(3, n_train=500)
    fresh = np.random.default_rng(4).normal(size=(500, X_train.shape[1]))
    copies = count_copies(fresh, X_train)  # quantile 0.01: about 5 by chance
    assert copies.n_exact == 0
    assert copies.expected_near == 5
    assert copies.n_near <= 15


def test_large_training_sets_sample_the_reference_with_random_state():
    X_train = np.random.default_rng(0).normal(size=(2500, 3))
    first = count_copies(X_train[:5], X_train, random_state=0)
    again = count_copies(X_train[:5], X_train, random_state=0)
    assert first.threshold == again.threshold
    assert first.n_exact == 5


@pytest.mark.parametrize("shape", [(2, 6), (1, 3, 4)], ids=["3-D", "4-D"])
def test_records_of_several_dimensions_are_flattened(shape):
    X_train, _, X_holdout, _ = gaussian_sets(5, n_features=12)
    rng = np.random.default_rng(6)
    X_synthetic = np.vstack([X_train[:4], rng.normal(size=(6, 12))])
    flat = distance_to_closest_record(X_synthetic, X_train, X_holdout)
    nd = distance_to_closest_record(
        X_synthetic.reshape(-1, *shape),
        X_train.reshape(-1, *shape),
        X_holdout.reshape(-1, *shape),
    )
    pd.testing.assert_frame_equal(nd, flat)
    copies = count_copies(X_synthetic.reshape(-1, *shape), X_train.reshape(-1, *shape))
    assert copies.n_exact == 4


def test_dataframes_are_accepted_and_keep_the_synthetic_index(sets):
    X_train, _, X_holdout, _ = sets
    columns = [f"f{i}" for i in range(X_train.shape[1])]
    X_synthetic = pd.DataFrame(X_train[:5], columns=columns, index=list("abcde"))
    dcr = distance_to_closest_record(
        X_synthetic,
        pd.DataFrame(X_train, columns=columns),
        pd.DataFrame(X_holdout, columns=columns),
    )
    assert dcr.index.tolist() == list("abcde")
    assert (dcr["dcr_train"] == 0).all()
    assert dcr.attrs["n_train"] == len(X_train)


def test_float32_and_integer_records_are_measured_in_float64():
    X_train = np.arange(12, dtype=np.int64).reshape(6, 2)
    X_holdout = X_train + 100
    dcr = distance_to_closest_record(X_train[:2].astype(np.float32), X_train, X_holdout)
    assert dcr["dcr_train"].dtype == np.float64
    assert (dcr["dcr_train"] == 0).all()


def test_copies_rounded_to_float32_still_count(sets):
    X_train = sets[0]
    rounded = X_train[:6].astype(np.float32)  # what a float32 condenser returns
    assert not np.array_equal(rounded.astype(np.float64), X_train[:6])
    assert count_copies(rounded, X_train).n_exact == 6
