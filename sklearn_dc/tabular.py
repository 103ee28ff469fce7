"""Condense a mixed-type table and hand back a table of the same shape."""

from __future__ import annotations

import os
import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd
from imblearn.base import BaseSampler
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

from ._compat import _fit_context
from ._public_encoding import PublicNumericEncoder, complete_numeric, load_schema
from .privacy._table_release import release_table_statistics

__all__ = ["SchemaWarning", "TabularCondenser"]

_KINDS = ("categorical", "binary", "integer", "continuous")
# A column needs at least this many rows before "a different value on every
# row" is taken as the mark of a record identifier.
_ID_MIN_ROWS = 20
# Text that reads as a date, with an optional time of day.
_DATE_TEXT = r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?"
# The encoder's branches and the column kinds each takes.
_BRANCHES = (
    ("categorical", ("categorical",)),
    ("binary", ("binary",)),
    ("numeric", ("integer", "continuous")),
)
# The label's column name in the private release of the class list.
_LABEL = "__label__"


class SchemaWarning(UserWarning):
    """A column of the table was dropped or treated specially."""


class TabularCondenser(BaseSampler):
    """Condense a mixed-type DataFrame and decode it back to the same table.

    The sharing workflow: a hospital condenses its patient table and hands the
    result to someone else, who expects a table with the *same columns, dtypes,
    categories and ranges* as the original. The wrapper

    1. detects the kind of every column (or is told): ``categorical``,
       ``binary`` (0/1 or booleans), ``integer`` (integral values) or
       ``continuous``; see *Schema detection* below;
    2. encodes the table with scikit-learn's own transformers in a
       :class:`~sklearn.compose.ColumnTransformer`: categorical columns go
       through :class:`~sklearn.preprocessing.OneHotEncoder` (0/1 columns, not
       scaled); binary and numeric columns through
       :class:`~sklearn.impute.SimpleImputer` (most frequent value for
       binaries, median for numbers) and
       :class:`~sklearn.preprocessing.StandardScaler`;
    3. runs the wrapped condenser on the encoded matrix;
    4. decodes its rows back to the original table (see *Decoding*).

    It is itself an imbalanced-learn sampler (``fit_resample`` only, no
    ``transform``), so it can open an :class:`imblearn.pipeline.Pipeline`
    whose next steps encode the decoded table the way the model needs.

    Parameters
    ----------
    condenser : condenser instance, default=None
        The condenser run on the encoded matrix (cloned at fit). ``None``
        means :class:`~sklearn_dc.DistributionMatching` with its defaults. Its
        budget (``n_per_class``) and seed (``random_state``) are its own: set
        them on it, e.g. ``TabularCondenser(KMeansCentroids(n_per_class=5))``.

    categorical : list of str, default=None
        Columns to treat as categorical, whatever their dtype (a numeric
        column declared categorical comes back with values from its observed
        set only).

    binary : list of str, default=None
        Columns holding 0/1 values or booleans.

    integer : list of str, default=None
        Numeric columns whose values are whole numbers.

    continuous : list of str, default=None
        Numeric columns of real values. Columns not named in any of the four
        lists are detected; a declared column is never dropped as an
        identifier nor refused as free text.

    missing_category : bool, default=True
        Keep missingness as information. A categorical column's missing value
        becomes a level of its own (decoded back to a missing value); a
        binary or numeric column with missing values gets a missing-value
        indicator (``SimpleImputer(add_indicator=True)``), and a decoded
        value is set missing where its indicator, back on the 0/1 scale,
        exceeds 0.5. With ``False`` missing values are imputed (most frequent
        level, most frequent binary value, median) and the output has none.

    drop_id_columns : bool, default=True
        What to do with columns that look like record identifiers (see
        *Schema detection*). Identifiers cannot be synthesised: a condensed
        record belongs to nobody. ``True`` drops them with a
        :class:`SchemaWarning`. ``False`` keeps the column, in its place and
        dtype, filled with *new* identifiers that occur nowhere in the source
        (integers continue after the largest source identifier; strings are
        ``"syn-0"``, ``"syn-1"``, ...), so the rows can be told apart but
        never linked to a patient.

    max_categories : int, default=50
        A text column with more distinct values than this (and not an
        identifier) is taken as free text and refused; declare it in
        ``categorical`` to encode it anyway.

    schema : dict, str or path, default=None
        Public facts about the table: a dict ``{"columns": {name: entry},
        "classes": [...]}`` or the path of a JSON file holding one (or the
        data card of a public reference set, whose ``schema`` entry is
        used). An entry gives a column's ``kind`` and, optionally, its
        ``range`` ``[low, high]``, ``centre`` and ``scale`` (numbers) or
        ``categories`` (categorical). Kinds act like the four lists above
        (a kind given in both must agree) and ranges bound the decoded values.
        With a differentially private condenser, ranges, centres, scales and
        categories are used in place of anything read from the data, and
        cost no privacy budget (see *Differential privacy*).

    preprocessing_epsilon : float, default=None
        With a differentially private condenser only: the share of its
        ``epsilon`` spent on releasing what the encoder needs and the schema
        does not give (ranges, centres and scales of numeric columns, levels
        of categorical ones, the class list). ``None`` spends a fifth of
        ``epsilon`` when anything must be released, nothing otherwise. The
        condenser spends the rest.

    Attributes
    ----------
    schema_ : dict
        ``{column: kind}`` for every input column, in input order; kinds are
        ``"categorical"``, ``"binary"``, ``"integer"``, ``"continuous"``,
        ``"id"`` (an identifier) and ``"empty"`` (all values missing).

    dropped_columns_ : dict
        ``{column: reason}`` for the input columns left out of the output.

    encoder_ : sklearn.compose.ColumnTransformer
        The fitted encoder (imputers, one-hot encoder and scalers).

    condenser_ : condenser instance
        The fitted inner condenser.

    X_encoded_ : ndarray of shape (n_condensed, n_encoded_features)
        The condensed records in the encoded space, before decoding (set by
        :meth:`fit_resample`); their labels are the ``y`` it returned.

    classes_ : ndarray of shape (n_classes,)
        The class labels (from the inner condenser).

    n_per_class_ : dict
        The budget used, ``{class_label: n_records}`` (from the inner
        condenser).

    n_features_in_ : int
        Number of columns of the input table.

    epsilon_, delta_ : float
        With a differentially private condenser: the whole release's
        guarantee, preprocessing and condensation composed (their sum), under
        ``privacy_["neighbouring"]``.

    privacy_ : dict
        With a differentially private condenser: how the budget was spent.
        ``neighbouring``, ``epsilon`` and ``delta`` (the totals);
        ``matching`` (the condenser's ``epsilon`` and ``delta``);
        ``preprocessing``: ``public`` (statistics taken from the schema or
        from the column's kind), ``released`` (statistics released under
        differential privacy, by column), ``dropped`` (columns for which
        nothing cleared the noise), and the ``epsilon``, ``delta`` and
        mechanism of that release; ``statistics``: the range, centre and
        scale or the categories the encoder used for each column (public or
        released), which the data card writes as its ``schema``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        The input column names.

    See Also
    --------
    sklearn_dc.io.save_condensed : Write the decoded table with a data card.

    Notes
    -----
    **Schema detection** (for columns not declared): a column with no
    observed value is dropped with a :class:`SchemaWarning`. Datetime,
    timedelta and period columns are refused (convert them to numbers first,
    e.g. days since an origin). Booleans, and numeric columns whose observed
    values are within {0, 1}, are ``binary``. Other numeric columns are
    ``integer`` when every observed value is a whole number (the dtype may
    stay float) and ``continuous`` otherwise. ``category`` columns are
    ``categorical``. Text (object / string) columns are ``categorical``
    unless they have more than ``max_categories`` distinct values (free
    text: refused). An integer-dtype or text column with a different value on
    every row, no missing value, at least 20 rows and, for text, no spaces,
    is an identifier (``"id"``).

    **Decoding**: a categorical value is the level of the largest entry of
    its one-hot block (so only levels observed at fit time, or a missing
    value, appear); a binary value is thresholded at 0.5 after undoing the
    scaling; an integer value is rounded; every numeric value is clipped to
    the range observed at fit time. Columns come back in input order with
    their input dtypes (categories keep their full category list; integer
    columns stay integer, booleans boolean), minus the dropped columns.

    The caller's DataFrame is never modified. The decoded records are
    synthetic but not private by construction; measure leakage before
    sharing them (:mod:`sklearn_dc.privacy`).

    **Differential privacy**: with a differentially private condenser
    (:class:`~sklearn_dc.PrivateDistributionMatching`), nothing fitted on the
    private table reaches the output unless it was released under
    differential privacy and paid for in ``epsilon_``, or given as public.
    Column kinds come from the declarations, the ``schema`` or the dtype
    alone (booleans binary, integers integer, floats continuous, text and
    ``category`` columns categorical), never from the values: identifiers
    are not detected (drop them), nor free text or empty columns. Every
    statistic the schema does not give is released by one Gaussian mechanism
    on per-column histograms over a fixed grid (numbers) or the observed
    levels with partition selection (text), costing
    ``preprocessing_epsilon``; the encoder is built from the noisy counts,
    so the output's ranges, scales and categories are noisy and coarse
    (numeric ranges end on the grid: powers of the square root of 2), and a
    level or a value range too rare to clear the noise is left out. Numeric
    columns get a missing-value indicator each, whether or not they have
    missing values. The class list is the schema's or the condenser's
    ``classes`` when given, else released in the same way (records of a
    class left out are dropped). The number of records is public unless the
    condenser is given ``n_samples`` (see its Notes), and the neighbouring
    relation of the guarantee follows.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklearn_dc import KMeansCentroids
    >>> from sklearn_dc.tabular import TabularCondenser
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({
    ...     "age": rng.normal(60, 10, 200).round(1),
    ...     "n_visits": rng.poisson(3, 200),
    ...     "smoker": rng.integers(0, 2, 200),
    ...     "ward": pd.Categorical(rng.choice(["icu", "med", "surg"], 200)),
    ... })
    >>> y = rng.integers(0, 2, 200)
    >>> wrapper = TabularCondenser(KMeansCentroids(n_per_class=3, random_state=0))
    >>> X_small, y_small = wrapper.fit_resample(X, y)
    >>> wrapper.schema_  # doctest: +NORMALIZE_WHITESPACE
    {'age': 'continuous', 'n_visits': 'integer', 'smoker': 'binary',
     'ward': 'categorical'}
    >>> X_small.shape, y_small.tolist()
    ((6, 4), [0, 0, 0, 1, 1, 1])
    >>> bool((X_small.dtypes == X.dtypes).all())
    True
    >>> set(X_small["ward"]) <= {"icu", "med", "surg"}
    True
    """

    _sampling_type = "bypass"

    _parameter_constraints: dict = {
        "condenser": [HasMethods(["fit_resample"]), None],
        "categorical": ["array-like", None],
        "binary": ["array-like", None],
        "integer": ["array-like", None],
        "continuous": ["array-like", None],
        "missing_category": ["boolean"],
        "drop_id_columns": ["boolean"],
        "max_categories": [Interval(Integral, 2, None, closed="left")],
        "schema": [dict, str, os.PathLike, None],
        "preprocessing_epsilon": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(
        self,
        condenser=None,
        *,
        categorical=None,
        binary=None,
        integer=None,
        continuous=None,
        missing_category=True,
        drop_id_columns=True,
        max_categories=50,
        schema=None,
        preprocessing_epsilon=None,
    ):
        # BaseSampler.__init__ would set `sampling_strategy`, which is not a
        # parameter here: the budget belongs to the wrapped condenser.
        self.condenser = condenser
        self.categorical = categorical
        self.binary = binary
        self.integer = integer
        self.continuous = continuous
        self.missing_category = missing_category
        self.drop_id_columns = drop_id_columns
        self.max_categories = max_categories
        self.schema = schema
        self.preprocessing_epsilon = preprocessing_epsilon

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: pd.DataFrame, y=None) -> TabularCondenser:
        """Detect the schema and fit the encoder (no condensation).

        Use :meth:`fit_resample` to condense.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_samples, n_columns)
            The mixed-type table.
        y : array-like of shape (n_samples,), default=None
            Ignored here; present for API consistency.

        Returns
        -------
        self : TabularCondenser
            The wrapper, with ``schema_`` and ``encoder_`` fitted.
        """
        self._fit_encoder(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_resample(self, X: pd.DataFrame, y):
        """Encode, condense and decode a mixed-type table.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_samples, n_columns)
            The mixed-type table (numbers with NaN, integers, 0/1 fields,
            categories, text labels). It is not modified.
        y : array-like of shape (n_samples,)
            Class labels (numbers or strings).

        Returns
        -------
        X_condensed : pandas.DataFrame of shape (n_condensed, n_kept_columns)
            The condensed table: the input columns (minus the dropped ones) in
            input order and dtypes, grouped by class in ``classes_`` order,
            with a fresh ``RangeIndex``.
        y_condensed : array-like of shape (n_condensed,)
            Their labels, with the container, dtype and values of ``y`` (a
            Series gets a fresh ``RangeIndex``).
        """
        return self._fit_resample(X, y)

    def _fit_resample(self, X, y):
        condenser = self.condenser
        if condenser is None:
            from .matching import DistributionMatching

            condenser = DistributionMatching()
        for name in ("epsilon_", "delta_", "privacy_"):
            self.__dict__.pop(name, None)
        if getattr(condenser, "_differentially_private", False):
            encoded, y, self.condenser_, *accounts = self._fit_private_encoder(
                X, y, condenser
            )
        else:
            encoded = self._fit_encoder(X, y)
            self.condenser_ = clone(condenser)
        X_res, y_res = self.condenser_.fit_resample(encoded, y)
        X_res = np.asarray(X_res, dtype=np.float64)
        for name in ("classes_", "n_per_class_"):
            if hasattr(self.condenser_, name):
                setattr(self, name, getattr(self.condenser_, name))
        if getattr(condenser, "_differentially_private", False):
            self._account(*accounts)
        self.X_encoded_ = X_res
        if isinstance(y_res, pd.Series | pd.DataFrame):
            y_res = y_res.reset_index(drop=True)
        return self.decode(X_res), y_res

    def encode(self, X: pd.DataFrame) -> np.ndarray:
        """Encode a table with the fitted encoder.

        Use it to put a real test table in the space of :attr:`X_encoded_`.

        Parameters
        ----------
        X : pandas.DataFrame
            A table with (at least) the columns encoded at fit time.

        Returns
        -------
        X_encoded : ndarray of shape (n_samples, n_encoded_features)
            The encoded records.
        """
        check_is_fitted(self, "encoder_")
        _check_frame(X, type(self).__name__)
        missing = [c for c in self._encoded_columns if c not in X.columns]
        if missing:
            raise ValueError(
                f"X lacks the columns {missing}, which were encoded at fit time."
            )
        return self.encoder_.transform(self._prepare(X))

    def decode(self, X_encoded) -> pd.DataFrame:
        """Decode rows of the encoded space back to the original table.

        Parameters
        ----------
        X_encoded : array-like of shape (n_samples, n_encoded_features)
            Rows in the space of :meth:`encode` (e.g. condensed records).

        Returns
        -------
        X_decoded : pandas.DataFrame of shape (n_samples, n_kept_columns)
            The rows as a table with the input columns (minus the dropped
            ones), dtypes, observed categories and ranges.
        """
        check_is_fitted(self, "encoder_")
        X_encoded = np.asarray(X_encoded, dtype=np.float64)
        n_out = len(X_encoded)
        n_expected = sum(
            s.stop - s.start for s in self.encoder_.output_indices_.values()
        )
        if X_encoded.ndim != 2 or X_encoded.shape[1] != n_expected:
            raise ValueError(
                f"X_encoded must have shape (n_samples, {n_expected}); got "
                f"{X_encoded.shape}."
            )
        values = {}
        for branch, columns in self._branches.items():
            block = X_encoded[:, self.encoder_.output_indices_[branch]]
            step = self.encoder_.named_transformers_[branch]
            if branch == "categorical":
                values.update(self._decode_categorical(step, block, columns))
            else:
                values.update(self._decode_numeric(step, block, columns))
        out = {}
        for column, kind in self.schema_.items():
            if column in self.dropped_columns_:
                continue
            if kind == "id":
                out[column] = _new_identifiers(self._id_values[column], n_out)
            else:
                out[column] = _cast(values[column], self._dtypes[column])
        return pd.DataFrame(out, index=pd.RangeIndex(n_out))

    # -- fitting ---------------------------------------------------------

    def _fit_encoder(self, X, y):
        """Detect the schema, fit the encoder, return the encoded matrix."""
        _check_frame(X, type(self).__name__)
        if y is not None and len(y) != len(X):
            raise ValueError(f"X and y have different lengths ({len(X)} and {len(y)}).")
        self.n_features_in_ = X.shape[1]
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.schema_, self.dropped_columns_ = self._detect_schema(X)
        self._dtypes = {c: X[c].dtype for c in X.columns}
        self._id_values = {c: X[c] for c, k in self.schema_.items() if k == "id"}
        self._encoded_columns = [c for c, k in self.schema_.items() if k in _KINDS]
        if not self._encoded_columns:
            raise ValueError(
                "No column of X is left to condense (all were dropped as "
                f"identifiers or empty: {self.dropped_columns_})."
            )
        prepared = self._prepare(X)
        numeric = [c for c in self._encoded_columns if self.schema_[c] != "categorical"]
        observed = prepared[numeric]
        self._ranges = {
            c: (float(observed[c].min()), float(observed[c].max())) for c in numeric
        }
        for column, entry in load_schema(self.schema)["columns"].items():
            if "range" in entry and column in self._ranges:
                self._ranges[column] = tuple(entry["range"])
        self._branches = self._branch_columns()
        transformers = [
            (branch, self._make_branch(branch), columns)
            for branch, columns in self._branches.items()
        ]
        self.encoder_ = ColumnTransformer(
            transformers, remainder="drop", sparse_threshold=0
        )
        return self.encoder_.fit_transform(prepared)

    def _fit_private_encoder(self, X, y, condenser):
        """Encode with public or privately released statistics only.

        Returns the encoded matrix, the labels kept, the condenser (a clone
        with its share of the budget and the class list), the preprocessing
        entry of ``privacy_`` and the statistics the encoder was built from.
        """
        name = type(self).__name__
        _check_frame(X, name)
        if y is None or len(y) != len(X):
            raise ValueError("X and y must have the same number of rows.")
        public = load_schema(self.schema)
        self.n_features_in_ = X.shape[1]
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.schema_ = self._private_kinds(X)
        self.dropped_columns_, self._id_values = {}, {}
        self._dtypes = {c: X[c].dtype for c in X.columns}
        self._encoded_columns = list(self.schema_)
        prepared = self._prepare(X)

        classes = condenser.classes
        if classes is None:
            classes = public["classes"]
        stats, public_stats, to_release = {}, {}, {"numeric": {}, "text": []}
        for column, kind in self.schema_.items():
            entry = public["columns"].get(column, {})
            if kind == "categorical" and "categories" in entry:
                stats[column] = {"categories": list(entry["categories"])}
            elif kind == "categorical":
                to_release["text"].append(column)
            elif kind == "binary" or "range" in entry:
                stats[column] = complete_numeric(dict(entry), kind)
            else:
                to_release["numeric"][column] = kind == "integer"
            if column in stats:
                public_stats[column] = sorted(set(stats[column]) - {"kind"})
        if classes is None:
            to_release["text"].append(_LABEL)
            prepared[_LABEL] = np.asarray(y, dtype=object)

        total_epsilon, total_delta = float(condenser.epsilon), float(condenser.delta)
        relation = "replace-one" if condenser.n_samples is None else "add/remove"
        preprocessing = {
            "public": public_stats,
            "released": {},
            "dropped": {},
            "epsilon": 0.0,
            "delta": 0.0,
            "clipping": "values outside a column's range are clipped to it",
        }
        if to_release["numeric"] or to_release["text"]:
            share = self.preprocessing_epsilon
            share = total_epsilon / 5 if share is None else float(share)
            if share >= total_epsilon:
                raise ValueError(
                    f"preprocessing_epsilon={share} leaves nothing of the "
                    f"condenser's epsilon={total_epsilon} for condensation; the "
                    "shares must sum to epsilon. Give a smaller "
                    "preprocessing_epsilon, or public ranges and categories in "
                    "schema= so that less needs releasing."
                )
            released, accounting = release_table_statistics(
                prepared,
                to_release["numeric"],
                to_release["text"],
                epsilon=share,
                delta=total_delta / 2,
                relation=relation,
            )
            preprocessing.update(accounting)
            if classes is None:
                if _LABEL not in released or len(released[_LABEL]["categories"]) < 2:
                    raise ValueError(
                        "Fewer than 2 classes cleared the noise of the private "
                        "release of the class list. Give the classes publicly "
                        '(the condenser\'s classes=, or "classes" in schema=), '
                        "or a larger epsilon."
                    )
                classes = released.pop(_LABEL)["categories"]
            for column in [*to_release["numeric"], *to_release["text"]]:
                if column == _LABEL:
                    continue
                if column not in released:
                    preprocessing["dropped"][column] = "nothing cleared the noise"
                    continue
                entry = preprocessing["released"][column] = released[column]
                if "categories" in entry and entry["missing"] and self.missing_category:
                    # Missing values are a level of their own in the encoder.
                    entry = {**entry, "categories": [*entry["categories"], np.nan]}
                stats[column] = entry
        for column, reason in preprocessing["dropped"].items():
            self.schema_[column] = "empty"
            self.dropped_columns_[column] = reason
            warnings.warn(
                f"Column {column!r} is dropped: no value of it cleared the noise "
                "of the private release of its statistics. Give its range or "
                "categories in schema= to keep it.",
                SchemaWarning,
                stacklevel=5,
            )
        self._encoded_columns = [c for c in self._encoded_columns if c in stats]
        if not self._encoded_columns:
            raise ValueError(
                "No column of X is left to condense: nothing cleared the noise. "
                "Give public ranges and categories in schema=, or a larger "
                "preprocessing_epsilon."
            )
        self._ranges = {
            c: tuple(stats[c]["range"])
            for c in self._encoded_columns
            if "range" in stats[c]
        }
        self.encoder_ = self._public_encoder(stats)
        # Records of classes the release left out are dropped; a public class
        # list is checked by the condenser, which refuses labels outside it.
        kept = np.ones(len(X), dtype=bool)
        if _LABEL in to_release["text"]:
            labels = np.asarray(y, dtype=object)
            kept = np.isin(labels, np.asarray(classes, dtype=object))
        encoded = self.encoder_.fit_transform(prepared[kept])
        budget = {
            "epsilon": total_epsilon - preprocessing["epsilon"],
            "delta": total_delta - preprocessing["delta"],
        }
        inner = clone(condenser).set_params(classes=list(classes), **budget)
        statistics = {c: stats[c] for c in self._encoded_columns}
        return encoded, _take(y, kept), inner, preprocessing, statistics

    def _private_kinds(self, X):
        """Column kinds from declarations, the schema or the dtype alone."""
        declared = self._declared(X)
        kinds = {}
        for column in X.columns:
            series = X[column]
            kind = declared.get(column)
            if kind is None:
                if _is_datetime_like(series):
                    raise ValueError(
                        f"Column {column!r} holds dates or times ({series.dtype}); "
                        "convert it to numbers first, or drop it."
                    )
                kind = _kind_of_dtype(series.dtype)
            if kind != "categorical" and not (
                pd.api.types.is_numeric_dtype(series.dtype)
                or pd.api.types.is_bool_dtype(series.dtype)
            ):
                raise ValueError(
                    f"Column {column!r} is declared {kind} but holds "
                    f"{series.dtype} values; declare it categorical, or convert "
                    "it to numbers."
                )
            kinds[column] = kind
        return kinds

    def _branch_columns(self):
        """``{branch: columns}`` of the encoder, for the branches with columns."""
        branches = {}
        for branch, kinds in _BRANCHES:
            columns = [c for c in self._encoded_columns if self.schema_[c] in kinds]
            if columns:
                branches[branch] = columns
        return branches

    def _public_encoder(self, stats):
        """A ColumnTransformer built from ``stats``; its fit learns nothing."""
        self._branches = self._branch_columns()
        transformers = []
        for branch, columns in self._branches.items():
            if branch == "categorical":
                step = OneHotEncoder(
                    categories=[stats[c]["categories"] for c in columns],
                    handle_unknown="ignore",
                    sparse_output=False,
                )
            else:
                ranges = np.array([stats[c]["range"] for c in columns], dtype=float)
                step = PublicNumericEncoder(
                    low=ranges[:, 0],
                    high=ranges[:, 1],
                    centre=np.array([stats[c]["centre"] for c in columns]),
                    scale=np.array([stats[c]["scale"] for c in columns]),
                    add_indicator=self.missing_category,
                )
            transformers.append((branch, step, columns))
        return ColumnTransformer(transformers, remainder="drop", sparse_threshold=0)

    def _account(self, preprocessing, statistics):
        """Compose the preprocessing release with the condenser's."""
        inner = self.condenser_
        self.epsilon_ = preprocessing["epsilon"] + inner.epsilon_
        self.delta_ = preprocessing["delta"] + inner.delta_
        self.privacy_ = {
            "neighbouring": inner.neighbouring_,
            "epsilon": self.epsilon_,
            "delta": self.delta_,
            "matching": {"epsilon": inner.epsilon_, "delta": inner.delta_},
            "preprocessing": preprocessing,
            "statistics": {
                column: {
                    key: [v for v in value if not pd.isna(v)]
                    if key == "categories"
                    else value
                    for key, value in entry.items()
                    if key in ("range", "centre", "scale", "categories")
                }
                for column, entry in statistics.items()
            },
        }

    def _make_branch(self, branch):
        if branch == "categorical":
            onehot = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
            if self.missing_category:
                # OneHotEncoder keeps a missing value as a category of its own.
                return onehot
            return Pipeline(
                [
                    ("impute", SimpleImputer(strategy="most_frequent")),
                    ("onehot", onehot),
                ]
            )
        strategy = "most_frequent" if branch == "binary" else "median"
        return Pipeline(
            [
                (
                    "impute",
                    SimpleImputer(
                        strategy=strategy, add_indicator=self.missing_category
                    ),
                ),
                ("scale", StandardScaler()),
            ]
        )

    def _declared(self, X):
        """``{column: kind}`` from the four lists and ``schema``, checked on X."""
        declared = {
            column: entry["kind"]
            for column, entry in load_schema(self.schema)["columns"].items()
        }
        for kind in _KINDS:
            names = getattr(self, kind)
            for name in [] if names is None else list(names):
                if name in declared and declared[name] != kind:
                    raise ValueError(
                        f"Column {name!r} is declared both {declared[name]} and "
                        f"{kind} (in the kind lists or schema=); keep one."
                    )
                declared[name] = kind
        unknown = [c for c in declared if c not in X.columns]
        if unknown:
            raise ValueError(
                f"Declared columns {unknown} are not in X. Its columns are "
                f"{list(X.columns)}."
            )
        return declared

    def _detect_schema(self, X):
        declared = self._declared(X)
        schema, dropped = {}, {}
        for column in X.columns:
            series = X[column]
            # A declared column is what its declaration says, even dates as text.
            if _is_datetime_like(series, text=column not in declared):
                raise ValueError(
                    f"Column {column!r} holds dates or times "
                    f"({series.dtype}), which cannot be condensed. Convert it to "
                    "numbers first, e.g. days since an origin: "
                    f"(X[{column!r}] - pd.Timestamp('2000-01-01')).dt.days, or "
                    "drop it."
                )
            if series.isna().all():
                schema[column] = "empty"
                dropped[column] = "all values missing"
                warnings.warn(
                    f"Column {column!r} has no observed value; it is dropped "
                    "from the condensed table.",
                    SchemaWarning,
                    stacklevel=6,
                )
                continue
            if column in declared:
                kind = declared[column]
                _check_declared(series, column, kind)
            else:
                kind = self._detect_column(series, column)
            schema[column] = kind
            if kind == "id" and self.drop_id_columns:
                dropped[column] = "record identifier"
                warnings.warn(
                    f"Column {column!r} looks like a record identifier (a "
                    "different value on every row); it is dropped: identifiers "
                    "cannot be synthesised. Pass drop_id_columns=False to keep "
                    "it filled with new identifiers, or declare its kind (e.g. "
                    f"{_suggested_kind(X[column])}=[{column!r}]) if it is a real "
                    "feature.",
                    SchemaWarning,
                    stacklevel=6,
                )
        return schema, dropped

    def _detect_column(self, series, column):
        observed = series.dropna()
        if pd.api.types.is_bool_dtype(series.dtype):
            return "binary"
        if isinstance(series.dtype, pd.CategoricalDtype):
            return "categorical"
        if pd.api.types.is_numeric_dtype(series.dtype):
            if _looks_like_id(series) and pd.api.types.is_integer_dtype(series.dtype):
                return "id"
            values = observed.to_numpy(dtype=np.float64)
            if np.isin(values, (0.0, 1.0)).all():
                return "binary"
            if np.all(values == np.round(values)):
                return "integer"
            return "continuous"
        # Text: labels, identifiers or free text.
        if (
            _looks_like_id(series)
            and not observed.astype(str).str.contains(r"\s").any()
        ):
            return "id"
        n_distinct = observed.nunique()
        if n_distinct > self.max_categories:
            raise ValueError(
                f"Column {column!r} looks like free text ({n_distinct} distinct "
                f"values, more than max_categories={self.max_categories}); it "
                "cannot be condensed as a category. Drop it, or declare it "
                f"categorical (categorical=[{column!r}]) to encode every value "
                "as a level."
            )
        return "categorical"

    def _prepare(self, X):
        """A new frame with the encoded columns: text as objects, numbers float.

        The caller's frame is only read.
        """
        prepared = {}
        for column in self._encoded_columns:
            series = X[column]
            if self.schema_[column] == "categorical":
                values = series.astype(object).to_numpy(copy=True)
                values[pd.isna(values)] = np.nan
            else:
                values = series.to_numpy(dtype=np.float64, na_value=np.nan)
            prepared[column] = values
        return pd.DataFrame(prepared, index=X.index)

    # -- decoding --------------------------------------------------------

    def _decode_categorical(self, step, block, columns):
        onehot = step[-1] if isinstance(step, Pipeline) else step
        decoded, start = {}, 0
        for column, levels in zip(columns, onehot.categories_, strict=True):
            width = len(levels)
            winner = block[:, start : start + width].argmax(axis=1)
            decoded[column] = np.asarray(levels, dtype=object)[winner]
            start += width
        return decoded

    def _decode_numeric(self, step, block, columns):
        if isinstance(step, PublicNumericEncoder):
            values, missing = step.inverse_transform(block)
        else:
            unscaled = step.named_steps["scale"].inverse_transform(block)
            imputer = step.named_steps["impute"]
            n = len(columns)
            values, indicators = unscaled[:, :n], unscaled[:, n:]
            missing = np.zeros_like(values, dtype=bool)
            if self.missing_category and indicators.shape[1]:
                missing[:, imputer.indicator_.features_] = indicators > 0.5
        decoded = {}
        for j, column in enumerate(columns):
            low, high = self._ranges[column]
            v = np.clip(values[:, j], low, high)
            kind = self.schema_[column]
            if kind == "binary":
                v = np.where(v >= 0.5 * (low + high), high, low)
            elif kind == "integer":
                v = np.rint(v)
            v[missing[:, j]] = np.nan
            decoded[column] = v
        return decoded


def _kind_of_dtype(dtype):
    """A column's kind from its dtype alone (no value is read)."""
    if pd.api.types.is_bool_dtype(dtype):
        return "binary"
    if isinstance(dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(
        dtype
    ):
        return "categorical"
    return "integer" if pd.api.types.is_integer_dtype(dtype) else "continuous"


def _take(y, rows):
    """The labels at the boolean mask ``rows``, in their container."""
    if rows.all():
        return y
    if hasattr(y, "iloc"):
        return y[rows]
    return np.asarray(y)[rows]


def _check_frame(X, name):
    if not isinstance(X, pd.DataFrame):
        raise TypeError(
            f"{name} needs a pandas DataFrame (got {type(X).__name__}): it reads "
            "the column names and dtypes to decode the condensed records. Pass "
            "a DataFrame (e.g. pd.DataFrame(X, columns=names)), or, for an "
            "all-numeric array, use the condenser directly (e.g. "
            "DistributionMatching().fit_resample(X, y))."
        )


def _is_datetime_like(series, text=True):
    """Dates or times: by dtype, by inferred type, or (``text``) as text."""
    dtype = series.dtype
    if (
        pd.api.types.is_datetime64_any_dtype(dtype)
        or pd.api.types.is_timedelta64_dtype(dtype)
        or isinstance(dtype, pd.PeriodDtype)
    ):
        return True
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return False
    if isinstance(dtype, pd.CategoricalDtype):
        return False
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    if inferred in ("datetime", "datetime64", "date", "time", "timedelta"):
        return True
    if not text:
        return False
    # Dates written as text ("2021-03-04", "04/03/2021 10:15"), as read from
    # a CSV: a sample of the values, every one shaped like a date.
    sample = series.dropna().astype(str).head(200)
    return len(sample) > 0 and bool(sample.str.fullmatch(_DATE_TEXT).all())


def _suggested_kind(series):
    numeric = pd.api.types.is_numeric_dtype(series.dtype)
    return "integer" if numeric else "categorical"


def _looks_like_id(series):
    return (
        len(series) >= _ID_MIN_ROWS
        and not series.isna().any()
        and series.nunique() == len(series)
    )


def _check_declared(series, column, kind):
    if kind == "categorical":
        return
    if not (
        pd.api.types.is_numeric_dtype(series.dtype)
        or pd.api.types.is_bool_dtype(series.dtype)
    ):
        raise ValueError(
            f"Column {column!r} is declared {kind} but holds {series.dtype} "
            "values; declare it categorical, or convert it to numbers."
        )
    if kind == "binary":
        values = series.dropna().to_numpy(dtype=np.float64)
        if not np.isin(values, (0.0, 1.0)).all():
            raise ValueError(
                f"Column {column!r} is declared binary but holds values other "
                "than 0 and 1; declare it categorical or integer."
            )


def _cast(values, dtype):
    """Give decoded values the dtype of the input column."""
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.Categorical(values, dtype=dtype)
    series = pd.Series(values)
    if values.dtype == object:
        if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            series = series.infer_objects()
        return series.astype(dtype)
    if pd.api.types.is_bool_dtype(dtype):
        if isinstance(dtype, np.dtype) and series.isna().any():
            return series.astype("boolean")
        return series.astype("boolean").astype(dtype)
    if isinstance(dtype, np.dtype) and dtype.kind in "iu" and series.isna().any():
        return series.astype("Int64")
    return series.astype(dtype)


def _new_identifiers(source, n):
    """Identifiers for synthetic rows that occur nowhere in ``source``."""
    if pd.api.types.is_integer_dtype(source.dtype):
        start = int(source.max()) + 1
        return pd.Series(np.arange(start, start + n)).astype(source.dtype)
    taken = set(source.astype(str))
    prefix = "syn-"
    while any(v.startswith(prefix) for v in taken):
        prefix = "syn" + prefix
    return pd.Series([f"{prefix}{i}" for i in range(n)]).astype(source.dtype)
