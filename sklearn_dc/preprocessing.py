"""Preprocessing for clinical multivariate time series (3-D arrays).

The transformers here take a stack of ICU stays as a float array of shape
``(n_stays, n_channels, n_timepoints)`` (the aeon / torch ``Conv1d`` order), with
NaN wherever a variable was not measured. They learn from the training split in
``fit`` and apply what they learnt to any split in ``transform``, so they go
before a condenser in a scikit-learn or imbalanced-learn ``Pipeline`` and under
cross-validation without leaking test data into training.

- :class:`TimeSeriesImputer`: carry the last observation forward within each
  stay, fill the rest with per-channel training statistics, optionally append
  observation masks.
- :class:`ChannelStandardScaler`: standardise each channel with its training
  mean and standard deviation over stays and time.
- :class:`SeriesSummary`: per-channel statistics over time, a table for
  tabular learners.
"""

from __future__ import annotations

import warnings
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._compat import _fit_context

__all__ = ["ChannelStandardScaler", "SeriesSummary", "TimeSeriesImputer"]


def _validate_series(estimator, X, *, reset, ensure_all_finite, table_hint):
    """``validate_data`` for a stack of series, with errors that name the shape."""
    name = type(estimator).__name__
    # Checked before validate_data, whose messages speak of "features": on a 2-D
    # table it would report a feature-count mismatch instead of the wrong rank.
    shape = np.shape(X)
    if len(shape) != 3:
        raise ValueError(
            f"{name} expects a 3-D array of shape (n_stays, n_channels, "
            f"n_timepoints); got a {len(shape)}-D input of shape {shape}. "
            f"{table_hint}"
        )
    if not reset and shape[1] != estimator.n_channels_:
        raise ValueError(
            f"X has {shape[1]} channels (shape {shape}), but {name} was fitted on "
            f"{estimator.n_channels_} channels."
        )
    return validate_data(
        estimator,
        X,
        reset=reset,
        allow_nd=True,
        ensure_all_finite=ensure_all_finite,
        dtype=[np.float64, np.float32],
    )


def _to_table(X):
    """``(n, c, t)`` -> ``(n * t, c)``: one row per stay and time point."""
    return X.transpose(0, 2, 1).reshape(-1, X.shape[1])


def _per_channel(values, dtype):
    """Per-channel values shaped to broadcast against ``(n, c, t)``."""
    return np.asarray(values, dtype=dtype)[np.newaxis, :, np.newaxis]


def _forward_fill(X, missing):
    """Carry the last observation forward along time, within each stay and channel.

    Leading gaps (before the first observation) stay NaN.
    """
    n_timepoints = X.shape[2]
    # Smallest integer type that holds a time index: for 48 hourly points the
    # index array is one byte per value instead of eight.
    steps = np.arange(n_timepoints, dtype=np.min_scalar_type(max(n_timepoints - 1, 0)))
    last_seen = np.where(missing, 0, steps)
    np.maximum.accumulate(last_seen, axis=2, out=last_seen)
    return np.take_along_axis(X, last_seen, axis=2)


class TimeSeriesImputer(TransformerMixin, BaseEstimator):
    """Impute missing values of multivariate time series, stay by stay.

    Each channel of each stay is first forward-filled: a missing value takes the
    last value observed before it in the same stay and channel (never one from
    another stay or channel). What is still missing -- the time points before a
    channel's first observation, and channels never measured during a stay -- is
    filled with a per-channel statistic learnt from the training data by
    :class:`sklearn.impute.SimpleImputer`. With ``forward_fill=True`` the
    statistic is computed on the forward-filled training data, so that it
    describes the values the model sees.

    Parameters
    ----------
    forward_fill : bool, default=True
        Whether to carry the last observation forward within each stay before
        filling the remaining gaps with the training statistic.

    strategy : {"median", "mean", "most_frequent", "constant"}, default="median"
        The per-channel statistic, computed over all stays and time points of
        the training data (as in :class:`~sklearn.impute.SimpleImputer`).

    fill_value : float, default=None
        The value used with ``strategy="constant"`` (0 when ``None``); ignored
        by the other strategies.

    add_indicator : bool, default=False
        Whether to append, for each input channel, a mask channel that is 1
        where the input was observed and 0 where it was missing (before any
        filling). The output then has ``2 * n_channels`` channels: the imputed
        values followed by the masks, in channel order.

    Attributes
    ----------
    statistics_ : ndarray of shape (n_channels,), dtype float64
        The per-channel fill value learnt in ``fit``. A channel with no
        observation in the training data gets 0 (or ``fill_value`` for
        ``strategy="constant"``).

    n_channels_ : int
        Number of channels seen during ``fit``.

    n_features_in_ : int
        Same as ``n_channels_`` (the second dimension of ``X``).

    See Also
    --------
    sklearn.impute.SimpleImputer : The same statistics for a 2-D table.
    ChannelStandardScaler : Standardise each channel; put it after this imputer.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dc.preprocessing import TimeSeriesImputer
    >>> X = np.array([[[np.nan, 1.0, np.nan, 3.0]],
    ...               [[2.0, np.nan, np.nan, np.nan]]])  # 2 stays, 1 channel
    >>> imputer = TimeSeriesImputer().fit(X)
    >>> imputer.statistics_  # median of the forward-filled training values
    array([2.])
    >>> imputer.transform(X)
    array([[[2., 1., 1., 3.]],
           [[2., 2., 2., 2.]]])
    >>> TimeSeriesImputer(add_indicator=True).fit_transform(X)[0]
    array([[2., 1., 1., 3.],
           [0., 1., 0., 1.]])
    """

    _parameter_constraints: dict = {
        "forward_fill": ["boolean"],
        "strategy": [StrOptions({"mean", "median", "most_frequent", "constant"})],
        "fill_value": [Real, None],
        "add_indicator": ["boolean"],
    }

    def __init__(
        self,
        *,
        forward_fill=True,
        strategy="median",
        fill_value=None,
        add_indicator=False,
    ):
        self.forward_fill = forward_fill
        self.strategy = strategy
        self.fill_value = fill_value
        self.add_indicator = add_indicator

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None) -> TimeSeriesImputer:
        """Learn the per-channel fill values from the training data.

        Parameters
        ----------
        X : array-like of shape (n_stays, n_channels, n_timepoints)
            Training series, with NaN for values not measured.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted imputer.
        """
        X = self._validate(X, reset=True)
        self.n_channels_ = X.shape[1]
        missing = np.isnan(X)
        if self.forward_fill:
            X = _forward_fill(X, missing)
        # keep_empty_features: SimpleImputer would otherwise drop a channel that
        # is never observed, and the output would lose a channel.
        imputer = SimpleImputer(
            strategy=self.strategy,
            fill_value=self.fill_value,
            keep_empty_features=True,
        ).fit(_to_table(X))
        # float64 whatever the strategy: "constant" gives an object array.
        self.statistics_ = imputer.statistics_.astype(np.float64)
        empty = np.flatnonzero(missing.all(axis=(0, 2)))
        if empty.size and self.strategy != "constant":
            warnings.warn(
                f"Channels {empty.tolist()} have no observed value in the training "
                f"data, so no {self.strategy} can be learnt for them; they are "
                "filled with 0.",
                UserWarning,
                stacklevel=3,
            )
        return self

    def transform(self, X):
        """Forward-fill each stay, then fill what is left with the statistics.

        Parameters
        ----------
        X : array-like of shape (n_stays, n_channels, n_timepoints)
            Series to impute, with NaN for values not measured. Not modified.

        Returns
        -------
        X_imputed : ndarray of shape (n_stays, n_channels_out, n_timepoints)
            The imputed series, in the floating dtype of ``X``, without NaN.
            ``n_channels_out`` is ``2 * n_channels`` with ``add_indicator=True``
            (values, then masks) and ``n_channels`` otherwise.
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        missing = np.isnan(X)
        filled = _forward_fill(X, missing) if self.forward_fill else X
        filled = np.where(
            np.isnan(filled), _per_channel(self.statistics_, X.dtype), filled
        )
        if self.add_indicator:
            observed = (~missing).astype(X.dtype)
            filled = np.concatenate([filled, observed], axis=1)
        return filled

    def _validate(self, X, *, reset):
        return _validate_series(
            self,
            X,
            reset=reset,
            ensure_all_finite="allow-nan",
            table_hint="For a table (n_samples, n_features) use "
            "sklearn.impute.SimpleImputer.",
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class ChannelStandardScaler(TransformerMixin, BaseEstimator):
    """Standardise each channel of multivariate time series.

    Every channel is centred and scaled with the mean and standard deviation of
    its training values over all stays and time points, as learnt by
    :class:`sklearn.preprocessing.StandardScaler` on the data laid out as one row
    per stay and time point. A constant channel is only centred (its scale is 1).
    Missing values are refused: put :class:`TimeSeriesImputer` first.

    Parameters
    ----------
    with_mean : bool, default=True
        Whether to subtract each channel's training mean.

    with_std : bool, default=True
        Whether to divide each channel by its training standard deviation.

    Attributes
    ----------
    mean_ : ndarray of shape (n_channels,) or None
        Per-channel training mean; ``None`` when ``with_mean=False`` and
        ``with_std=False``.

    var_ : ndarray of shape (n_channels,) or None
        Per-channel training variance; ``None`` when ``with_std=False``.

    scale_ : ndarray of shape (n_channels,) or None
        Per-channel divisor (the standard deviation, 1 for a constant channel);
        ``None`` when ``with_std=False``.

    n_channels_ : int
        Number of channels seen during ``fit``.

    n_features_in_ : int
        Same as ``n_channels_`` (the second dimension of ``X``).

    See Also
    --------
    sklearn.preprocessing.StandardScaler : The same scaling for a 2-D table.
    TimeSeriesImputer : Fill missing values; put it before this scaler.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dc.preprocessing import ChannelStandardScaler
    >>> X = np.array([[[1.0, 2.0, 3.0], [10.0, 10.0, 10.0]],
    ...               [[4.0, 5.0, 6.0], [20.0, 20.0, 20.0]]])  # 2 stays, 2 channels
    >>> scaler = ChannelStandardScaler().fit(X)
    >>> scaler.mean_
    array([ 3.5, 15. ])
    >>> X_scaled = scaler.transform(X)
    >>> X_scaled.mean(axis=(0, 2)).round(6), X_scaled.std(axis=(0, 2)).round(6)
    (array([0., 0.]), array([1., 1.]))
    >>> np.allclose(scaler.inverse_transform(X_scaled), X)
    True
    """

    _parameter_constraints: dict = {
        "with_mean": ["boolean"],
        "with_std": ["boolean"],
    }

    def __init__(self, *, with_mean=True, with_std=True):
        self.with_mean = with_mean
        self.with_std = with_std

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None) -> ChannelStandardScaler:
        """Learn the per-channel mean and standard deviation.

        Parameters
        ----------
        X : array-like of shape (n_stays, n_channels, n_timepoints)
            Training series, without missing values.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted scaler.
        """
        X = self._validate(X, reset=True)
        self.n_channels_ = X.shape[1]
        scaler = StandardScaler(with_mean=self.with_mean, with_std=self.with_std)
        scaler.fit(_to_table(X))
        self.mean_ = scaler.mean_
        self.var_ = scaler.var_
        self.scale_ = scaler.scale_
        return self

    def transform(self, X):
        """Centre and scale each channel with the training statistics.

        Parameters
        ----------
        X : array-like of shape (n_stays, n_channels, n_timepoints)
            Series to scale, without missing values. Not modified.

        Returns
        -------
        X_scaled : ndarray of shape (n_stays, n_channels, n_timepoints)
            The scaled series, in the floating dtype of ``X``.
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        X_scaled = X.copy()
        if self.with_mean:
            X_scaled -= _per_channel(self.mean_, X.dtype)
        if self.with_std:
            X_scaled /= _per_channel(self.scale_, X.dtype)
        return X_scaled

    def inverse_transform(self, X):
        """Undo the scaling: back to the units of the training data.

        Parameters
        ----------
        X : array-like of shape (n_stays, n_channels, n_timepoints)
            Scaled series. Not modified.

        Returns
        -------
        X_original : ndarray of shape (n_stays, n_channels, n_timepoints)
            The series in original units, in the floating dtype of ``X``.
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        X_original = X.copy()
        if self.with_std:
            X_original *= _per_channel(self.scale_, X.dtype)
        if self.with_mean:
            X_original += _per_channel(self.mean_, X.dtype)
        return X_original

    def _validate(self, X, *, reset):
        X = _validate_series(
            self,
            X,
            reset=reset,
            ensure_all_finite=False,
            table_hint="For a table (n_samples, n_features) use "
            "sklearn.preprocessing.StandardScaler.",
        )
        # Checked here rather than by validate_data, to name the fix.
        if np.isfinite(X).all():
            return X
        if np.isnan(X).any():
            raise ValueError(
                f"Input X contains NaN. {type(self).__name__} cannot scale missing "
                "values: put sklearn_dc.preprocessing.TimeSeriesImputer before it "
                "in the pipeline."
            )
        raise ValueError(
            f"Input X contains infinity. {type(self).__name__} needs finite "
            "values: replace or clip infinite values before scaling."
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


_SUMMARIES = {
    "mean": lambda X: np.nanmean(X, axis=2),
    "std": lambda X: np.nanstd(X, axis=2),
    "min": lambda X: np.nanmin(X, axis=2),
    "max": lambda X: np.nanmax(X, axis=2),
    "last": lambda X: _forward_fill(X, np.isnan(X))[:, :, -1],
    "slope": lambda X: _slope(X),
}


def _slope(X):
    """Least-squares slope of each channel over time (per time step)."""
    t = np.arange(X.shape[2], dtype=X.dtype)
    t = t - t.mean()
    return (X * t).sum(axis=2) / (t**2).sum() if len(t) > 1 else X[:, :, 0] * 0


class SeriesSummary(TransformerMixin, BaseEstimator):
    """Summarise each channel of each stay over time: a table for any learner.

    Turns ``(n_stays, n_channels, n_timepoints)`` into ``(n_stays, n_channels *
    len(statistics))`` so that tabular learners (logistic regression, gradient
    boosting) can be trained on time series, condensed or real. Statistics
    ignore NaN (a channel never measured gives NaN, which
    ``HistGradientBoostingClassifier`` accepts); ``"slope"`` needs complete
    series, so put :class:`TimeSeriesImputer` first when using it. Stateless.

    Parameters
    ----------
    statistics : tuple of str, default=("mean", "std", "min", "max", "last")
        Among ``"mean"``, ``"std"``, ``"min"``, ``"max"``, ``"last"`` (last
        observed value) and ``"slope"`` (least-squares trend per time step).

    Attributes
    ----------
    n_channels_ : int
        Number of channels seen during fit.
    n_features_in_ : int
        Same as ``n_channels_``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dc.preprocessing import SeriesSummary
    >>> X = np.array([[[1.0, 2.0, 3.0], [5.0, np.nan, 4.0]]])
    >>> SeriesSummary(statistics=("mean", "last", "slope")).fit_transform(X)
    array([[2. , 4.5, 3. , 4. , 1. , nan]])
    """

    _parameter_constraints: dict = {"statistics": [tuple, list]}

    def __init__(self, statistics=("mean", "std", "min", "max", "last")):
        self.statistics = statistics

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None) -> SeriesSummary:
        """Check the statistics and record the number of channels."""
        unknown = [s for s in self.statistics if s not in _SUMMARIES]
        if unknown or not self.statistics:
            raise ValueError(
                f"Unknown statistics {unknown}; choose among {list(_SUMMARIES)}."
            )
        self.n_channels_ = self._validate(X, reset=True).shape[1]
        return self

    def transform(self, X):
        """Per-channel statistics, grouped by statistic (all means first)."""
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        with warnings.catch_warnings():
            # A channel never measured in a stay is a NaN summary, on purpose.
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.concatenate([_SUMMARIES[s](X) for s in self.statistics], axis=1)

    def _validate(self, X, *, reset):
        return _validate_series(
            self, X, reset=reset, ensure_all_finite="allow-nan", table_hint=""
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags
