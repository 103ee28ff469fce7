"""Imputation and scaling of 3-D clinical time series (sklearn_dc.preprocessing)."""

import warnings

import numpy as np
import pytest
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils import estimator_checks, get_tags
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_dc import RandomSubset
from sklearn_dc.preprocessing import (
    ChannelStandardScaler,
    SeriesSummary,
    TimeSeriesImputer,
)

nan = np.nan


def _flatten(X):
    return X.reshape(len(X), -1)


def _reference_forward_fill(X):
    """Loop over every stay and channel: the obvious, slow forward fill."""
    out = X.copy()
    for stay in range(X.shape[0]):
        for channel in range(X.shape[1]):
            last = nan
            for step in range(X.shape[2]):
                if np.isnan(out[stay, channel, step]):
                    out[stay, channel, step] = last
                else:
                    last = out[stay, channel, step]
    return out


def _clinical_series(n_stays=80, n_channels=3, n_timepoints=12, seed=0):
    """Random stays with 30 % missing values; channel 0 carries the label."""
    rng = np.random.default_rng(seed)
    y = np.arange(n_stays) % 2
    X = rng.normal(size=(n_stays, n_channels, n_timepoints))
    X[y == 1, 0] += 1.5
    X[rng.random(X.shape) < 0.3] = nan
    return X, y


# --- TimeSeriesImputer ---------------------------------------------------------


def test_forward_fill_stays_within_its_stay_and_channel():
    train = np.stack([np.full((2, 4), 100.0), np.full((2, 4), 200.0)], axis=1)
    X = np.array(
        [
            [[1.0, nan, nan, 4.0], [nan, 7.0, nan, nan]],
            [[nan, nan, 5.0, nan], [nan, nan, nan, nan]],
        ]
    )
    out = TimeSeriesImputer().fit(train).transform(X)
    expected = np.array(
        [
            # The last observation is carried forward; the leading gap gets the
            # training median of its own channel.
            [[1.0, 1.0, 1.0, 4.0], [200.0, 7.0, 7.0, 7.0]],
            # Not 4.0 (previous stay) nor 7.0 (other channel): nothing crosses.
            [[100.0, 100.0, 5.0, 5.0], [200.0, 200.0, 200.0, 200.0]],
        ]
    )
    np.testing.assert_array_equal(out, expected)


def test_forward_fill_matches_a_loop_over_stays():
    X, _ = _clinical_series(n_stays=30, n_channels=4, n_timepoints=20, seed=1)
    imputer = TimeSeriesImputer(strategy="constant", fill_value=-99.0)
    expected = _reference_forward_fill(X)
    expected[np.isnan(expected)] = -99.0
    np.testing.assert_array_equal(imputer.fit_transform(X), expected)


def test_statistics_come_from_the_training_data_only():
    train = np.array([[[1.0, 2.0, 3.0]], [[4.0, 5.0, nan]]])
    test = np.array([[[nan, 1000.0, nan]], [[nan, nan, 2000.0]]])
    imputer = TimeSeriesImputer().fit(train)
    # Median of the forward-filled training values {1, 2, 3, 4, 5, 5}.
    np.testing.assert_array_equal(imputer.statistics_, [3.5])
    np.testing.assert_array_equal(
        imputer.transform(test),
        [[[3.5, 1000.0, 1000.0]], [[3.5, 3.5, 2000.0]]],
    )


def test_statistic_is_computed_after_the_forward_fill():
    # Raw observations {0, 5, 6, 7, 8, 9} have median 6.5; forward-filled, the
    # first stay holds five zeros and the median falls to 2.5.
    X = np.array([[[0.0, nan, nan, nan, nan]], [[5.0, 6.0, 7.0, 8.0, 9.0]]])
    assert TimeSeriesImputer().fit(X).statistics_[0] == 2.5
    assert TimeSeriesImputer(forward_fill=False).fit(X).statistics_[0] == 6.5


def test_without_forward_fill_every_gap_gets_the_statistic():
    X = np.array([[[1.0, nan, 3.0, nan]], [[nan, 2.0, nan, 4.0]]])
    out = TimeSeriesImputer(forward_fill=False, strategy="mean").fit_transform(X)
    np.testing.assert_array_equal(out, [[[1.0, 2.5, 3.0, 2.5]], [[2.5, 2.0, 2.5, 4.0]]])


@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent", "constant"])
def test_statistics_agree_with_simple_imputer(strategy):
    X, _ = _clinical_series(seed=2)
    X = np.round(X)  # repeated values, so that most_frequent is meaningful
    imputer = TimeSeriesImputer(
        forward_fill=False, strategy=strategy, fill_value=-1.0
    ).fit(X)
    table = X.transpose(0, 2, 1).reshape(-1, X.shape[1])
    reference = SimpleImputer(strategy=strategy, fill_value=-1.0).fit(table)
    assert imputer.statistics_.dtype == np.float64
    np.testing.assert_allclose(
        imputer.statistics_, reference.statistics_.astype(np.float64)
    )


def test_indicator_marks_the_original_observations():
    X, _ = _clinical_series(seed=3)
    imputer = TimeSeriesImputer(add_indicator=True).fit(X)
    out = imputer.transform(X)
    n_channels = X.shape[1]
    assert out.shape == (X.shape[0], 2 * n_channels, X.shape[2])
    np.testing.assert_array_equal(out[:, n_channels:], ~np.isnan(X))
    np.testing.assert_array_equal(
        out[:, :n_channels], TimeSeriesImputer().fit(X).transform(X)
    )
    assert not np.isnan(out).any()


def test_all_missing_training_channel_warns_and_is_kept():
    X, _ = _clinical_series(seed=4)
    X[:, 1] = nan
    with pytest.warns(UserWarning, match=r"Channels \[1\] have no observed value"):
        imputer = TimeSeriesImputer().fit(X)
    assert imputer.statistics_.shape == (3,)
    out = imputer.transform(X)
    assert out.shape == X.shape
    assert not np.isnan(out).any()
    np.testing.assert_array_equal(out[:, 1], 0.0)
    # A test stay that does measure the channel is forward-filled as usual.
    test = np.full((1, 3, 4), nan)
    test[0, 1, 1] = 42.0
    np.testing.assert_array_equal(
        imputer.transform(test)[0, 1], [0.0, 42.0, 42.0, 42.0]
    )


# --- ChannelStandardScaler ---------------------------------------------------


def _scaled_channels(seed=5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 3, 10))
    return (
        X * np.array([1.0, 50.0, 0.1])[:, None] + np.array([0.0, 120.0, -3.0])[:, None]
    )


def test_scaler_gives_each_channel_zero_mean_and_unit_std():
    X = _scaled_channels()
    out = ChannelStandardScaler().fit_transform(X)
    np.testing.assert_allclose(out.mean(axis=(0, 2)), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=(0, 2)), 1.0)


def test_scaler_applies_the_training_statistics_to_new_data():
    train, test = _scaled_channels(seed=6), _scaled_channels(seed=7)
    scaler = ChannelStandardScaler().fit(train)
    np.testing.assert_allclose(scaler.mean_, train.mean(axis=(0, 2)))
    np.testing.assert_allclose(scaler.scale_, train.std(axis=(0, 2)))
    expected = (test - train.mean(axis=(0, 2))[:, None]) / train.std(axis=(0, 2))[
        :, None
    ]
    np.testing.assert_allclose(scaler.transform(test), expected)


@pytest.mark.parametrize(
    "with_mean, with_std", [(True, True), (True, False), (False, True), (False, False)]
)
def test_scaler_round_trips_and_agrees_with_standard_scaler(with_mean, with_std):
    X = _scaled_channels()
    X[:, 2] = 7.0  # a constant channel is only centred
    scaler = ChannelStandardScaler(with_mean=with_mean, with_std=with_std).fit(X)
    out = scaler.transform(X)
    table = X.transpose(0, 2, 1).reshape(-1, 3)
    reference = StandardScaler(with_mean=with_mean, with_std=with_std).fit(table)
    np.testing.assert_allclose(
        out.transpose(0, 2, 1).reshape(-1, 3), reference.transform(table)
    )
    np.testing.assert_allclose(scaler.inverse_transform(out), X)


def test_scaler_refuses_missing_values_and_names_the_imputer():
    X = _scaled_channels()
    X[0, 0, 0] = nan
    with pytest.raises(ValueError, match="contains NaN.*TimeSeriesImputer"):
        ChannelStandardScaler().fit(X)
    scaler = ChannelStandardScaler().fit(_scaled_channels())
    with pytest.raises(ValueError, match="TimeSeriesImputer"):
        scaler.transform(X)
    X[0, 0, 0] = np.inf
    with pytest.raises(ValueError, match="contains infinity"):
        scaler.transform(X)


# --- both ----------------------------------------------------------------------

TRANSFORMERS = [TimeSeriesImputer(add_indicator=True), ChannelStandardScaler()]
ids = lambda est: type(est).__name__  # noqa: E731


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=ids)
def test_input_is_never_modified(transformer):
    X = _scaled_channels()
    X[X > 130] = nan  # channel 1 has gaps
    if isinstance(transformer, ChannelStandardScaler):
        X = TimeSeriesImputer().fit_transform(X)
    before = X.copy()
    out = clone(transformer).fit_transform(X)
    np.testing.assert_array_equal(X, before)
    assert not np.shares_memory(out, X)


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=ids)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_floating_dtype_is_preserved(transformer, dtype):
    X, _ = _clinical_series()
    if isinstance(transformer, ChannelStandardScaler):
        X = TimeSeriesImputer().fit_transform(X)
    X = X.astype(dtype)
    est = clone(transformer).fit(X)
    assert est.transform(X).dtype == dtype
    if hasattr(est, "inverse_transform"):
        assert est.inverse_transform(est.transform(X)).dtype == dtype
    # Integers are converted to float64.
    assert est.transform(np.ones((2, 3, 12), dtype=np.int64)).dtype == np.float64


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=ids)
def test_fitted_attributes_and_tags(transformer):
    X = _scaled_channels()
    est = clone(transformer).fit(X)
    assert est.n_channels_ == est.n_features_in_ == 3
    tags = get_tags(est)
    assert tags.input_tags.three_d_array
    assert not tags.input_tags.two_d_array
    assert tags.input_tags.allow_nan == isinstance(est, TimeSeriesImputer)


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=ids)
@pytest.mark.parametrize("shape", [(20, 3), (20, 3, 10, 2), (5,)])
def test_wrong_rank_is_refused_with_the_expected_shape(transformer, shape):
    X = np.ones(shape)
    expected = (
        r"expects a 3-D array of shape \(n_stays, n_channels, n_timepoints\); "
        rf"got a {len(shape)}-D input of shape \({shape[0]},"
    )
    with pytest.raises(ValueError, match=expected):
        clone(transformer).fit(X)
    # At transform time too, before any feature-count message.
    est = clone(transformer).fit(np.ones((4, 3, 10)))
    with pytest.raises(ValueError, match=expected):
        est.transform(X)


def test_a_table_is_pointed_to_the_2d_tools():
    with pytest.raises(ValueError, match=r"sklearn\.impute\.SimpleImputer"):
        TimeSeriesImputer().fit(np.ones((20, 3)))
    with pytest.raises(ValueError, match=r"sklearn\.preprocessing\.StandardScaler"):
        ChannelStandardScaler().fit(np.ones((20, 3)))


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=ids)
def test_wrong_number_of_channels_is_refused(transformer):
    est = clone(transformer).fit(np.ones((4, 2, 10)))
    with pytest.raises(ValueError, match="X has 3 channels.*fitted on 2 channels"):
        est.transform(np.ones((4, 3, 10)))


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=ids)
def test_transform_before_fit_raises(transformer):
    with pytest.raises(NotFittedError):
        clone(transformer).transform(np.ones((4, 3, 10)))


@pytest.mark.parametrize(
    "transformer",
    [
        TimeSeriesImputer(strategy="mode"),
        TimeSeriesImputer(forward_fill="yes"),
        TimeSeriesImputer(fill_value="zero"),
        ChannelStandardScaler(with_std=None),
    ],
    ids=repr,
)
def test_invalid_parameters_are_refused(transformer):
    with pytest.raises(InvalidParameterError):
        transformer.fit(np.ones((4, 3, 10)))


# sklearn's common checks skip estimators that do not take 2-D input; these are
# the API checks that need no data.
API_CHECKS = [
    "check_no_attributes_set_in_init",
    "check_get_params_invariance",
    "check_set_params",
    "check_parameters_default_constructible",
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_mixin_order",
    "check_param_validation",
]


@pytest.mark.parametrize("check", API_CHECKS)
@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=ids)
def test_sklearn_api_checks(transformer, check):
    getattr(estimator_checks, check)(type(transformer).__name__, clone(transformer))


# --- pipelines -------------------------------------------------------------------


def test_cross_validated_pipeline_learns_from_series_with_gaps():
    X, y = _clinical_series()
    pipe = make_pipeline(
        TimeSeriesImputer(add_indicator=True),
        ChannelStandardScaler(),
        FunctionTransformer(_flatten),
        LogisticRegression(max_iter=500),
    )
    cv = StratifiedKFold(n_splits=4, shuffle=True, random_state=0)
    scores = cross_val_score(pipe, X, y, cv=cv, scoring="roc_auc")
    assert np.isfinite(scores).all()
    # Channel 0 is shifted by 1.5 std for class 1: easy to separate.
    assert scores.mean() > 0.8


def test_imblearn_pipeline_with_a_condenser():
    X, y = _clinical_series()
    pipe = Pipeline(
        [
            ("impute", TimeSeriesImputer()),
            ("scale", ChannelStandardScaler()),
            ("condense", RandomSubset(n_per_class=10, random_state=0)),
            ("flatten", FunctionTransformer(_flatten)),
            ("clf", LogisticRegression()),
        ]
    )
    pipe.fit(X, y)
    # The condenser received imputed, scaled 3-D stays and kept 10 per class;
    # predict bypasses it and sees every stay.
    assert pipe.named_steps["condense"].n_per_class_ == {0: 10, 1: 10}
    assert pipe.named_steps["clf"].n_features_in_ == 3 * 12
    assert pipe.predict(X).shape == (len(X),)
    scores = cross_val_score(pipe, X, y, cv=3)
    assert np.isfinite(scores).all()


# --------------------------------------------------------------------------
# SeriesSummary


def test_series_summary_computes_each_statistic_per_channel():
    X = np.array(
        [
            [[1.0, 2.0, 3.0, 6.0], [4.0, np.nan, 2.0, np.nan]],
            [[0.0, 0.0, 0.0, 0.0], [np.nan, np.nan, np.nan, np.nan]],
        ]
    )
    summary = SeriesSummary(statistics=("mean", "std", "min", "max", "last"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an all-NaN channel must not warn
        table = summary.fit_transform(X)
    assert table.shape == (2, 10)
    np.testing.assert_allclose(
        table[0], [3, 3, np.std([1, 2, 3, 6]), 1, 1, 2, 6, 4, 6, 2]
    )
    np.testing.assert_allclose(table[1, ::2], 0)
    assert np.isnan(table[1, 1::2]).all()


def test_series_summary_slope_finds_the_trend():
    t = np.arange(24, dtype=float)
    X = np.stack([np.stack([2.0 * t + 1, -0.5 * t, np.ones(24)])])
    slopes = SeriesSummary(statistics=("slope",)).fit_transform(X)
    np.testing.assert_allclose(slopes, [[2.0, -0.5, 0.0]], atol=1e-12)


def test_series_summary_feeds_a_tabular_learner():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3, 12))
    y = np.repeat([0, 1], 40)
    X[y == 1, 2] += 1.5
    pipe = make_pipeline(SeriesSummary(), LogisticRegression())
    assert cross_val_score(pipe, X, y, cv=3).mean() > 0.9


def test_series_summary_refuses_unknown_statistics_and_tables():
    with pytest.raises(ValueError, match="Unknown statistics \\['median'\\]"):
        SeriesSummary(statistics=("median",)).fit(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="3-D"):
        SeriesSummary().fit(np.zeros((2, 3)))
