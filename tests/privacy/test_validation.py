"""Bad input is refused with a message that says what to do."""

import warnings

import numpy as np
import pandas as pd
import pytest

from sklearn_dc.privacy import (
    HoldoutOverlapWarning,
    count_copies,
    distance_attack,
    distance_to_closest_record,
    privacy_report,
)


def test_feature_counts_must_match(sets):
    X_train, _, X_holdout, _ = sets
    with pytest.raises(ValueError, match=r"X_train has records of shape \(5,\) but"):
        distance_to_closest_record(X_train[:, :4], X_train, X_holdout)
    with pytest.raises(ValueError, match="X_holdout has records of shape"):
        distance_attack(X_train, X_train, X_holdout[:, :3])


def test_record_shapes_must_match(sets):
    X_train, _, X_holdout, _ = sets
    series = np.zeros((10, 5, 2))
    with pytest.raises(ValueError, match=r"shape \(5,\) but X_synthetic.*\(5, 2\)"):
        distance_to_closest_record(series, X_train, X_holdout)
    with pytest.raises(ValueError, match=r"same layout"):
        count_copies(series, np.zeros((20, 2, 5)))


def test_empty_sets_are_refused(sets):
    X_train, _, X_holdout, _ = sets
    with pytest.raises(ValueError, match="X_synthetic is empty"):
        distance_to_closest_record(X_train[:0], X_train, X_holdout)
    with pytest.raises(ValueError, match="X_holdout is empty"):
        distance_attack(X_train, X_train, np.empty((0, 5)))
    with pytest.raises(ValueError, match="no values"):
        count_copies(np.empty((3, 0)), np.empty((3, 0)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_missing_and_infinite_values_are_refused(sets, bad):
    X_train, _, X_holdout, _ = sets
    X_bad = X_train.copy()
    X_bad[3, 2] = bad
    with pytest.raises(ValueError, match="X_train contains NaN or infinity.*impute"):
        distance_to_closest_record(X_train[:5], X_bad, X_holdout)
    frame = pd.DataFrame(X_bad)
    with pytest.raises(ValueError, match="X_synthetic contains NaN"):
        count_copies(frame, X_train)


def test_non_numeric_and_misaligned_dataframes_are_refused(sets):
    X_train, _, X_holdout, _ = sets
    frame = pd.DataFrame(X_train, columns=list("abcde"))
    text = frame.assign(e=["x"] * len(frame))
    with pytest.raises(ValueError, match=r"non-numeric columns: \{'e': .*encode"):
        count_copies(text, frame)
    shuffled = frame[list("edcba")]
    with pytest.raises(ValueError, match=r"reorder with X_train\[X_synthetic"):
        count_copies(frame, shuffled)
    renamed = frame.set_axis(list("vwxyz"), axis=1)
    with pytest.raises(ValueError, match="different columns"):
        distance_to_closest_record(frame, frame, renamed)


def test_one_dimensional_and_missing_sets_are_refused(sets):
    X_train, _, X_holdout, _ = sets
    with pytest.raises(ValueError, match="must be 2-D.*reshape"):
        distance_to_closest_record(X_train[0], X_train, X_holdout)
    with pytest.raises(ValueError, match="X_holdout is None"):
        distance_attack(X_train, X_train, None)


def test_holdout_records_found_in_training_raise_a_warning(sets):
    X_train, y_train, X_holdout, y_holdout = sets
    leaky = np.vstack([X_holdout[:-3], X_train[:3]])
    with pytest.warns(HoldoutOverlapWarning, match="3 of 200 holdout records"):
        distance_to_closest_record(X_train[:10], X_train, leaky)
    # -0.0 and 0.0 are the same value.
    train = np.array([[-0.0, 0.0], [7.0, 7.0], [8.0, 8.0]])
    holdout = np.array([[0.0, -0.0], [1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with pytest.warns(HoldoutOverlapWarning, match="1 of 4"):
        distance_attack(train[1:], train, holdout)
    with pytest.warns(HoldoutOverlapWarning) as record:
        privacy_report(
            X_train, y_train, X_train, y_train, leaky, y_holdout, random_state=0
        )
    assert len(record) == 1  # once per call, from the caller's line
    assert record[0].filename == __file__


def test_clean_splits_raise_no_warning(sets):
    X_train, _, X_holdout, _ = sets
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        distance_to_closest_record(X_train[:10], X_train, X_holdout)


def test_bad_options_are_refused(sets):
    X_train, _, X_holdout, _ = sets
    with pytest.raises(ValueError, match="threshold must be a distance >= 0"):
        count_copies(X_train, X_train, threshold=-1.0)
    with pytest.raises(ValueError, match="quantile must be in"):
        count_copies(X_train, X_train, quantile=5)
    with pytest.raises(ValueError, match="Pass threshold= explicitly"):
        count_copies(X_train, X_train[:1])
    with pytest.raises(ValueError, match="y_synthetic has 3 labels"):
        privacy_report(X_train, [0, 1, 0], X_train, [0] * 200, X_holdout, [0] * 200)
