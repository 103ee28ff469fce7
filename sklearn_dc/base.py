"""Base class shared by every condenser: budgets, validation, containers, seeds."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from imblearn.base import BaseSampler
from imblearn.utils import Substitution, check_target_type
from scipy import sparse
from sklearn.preprocessing import label_binarize
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d, validate_data

from ._compat import _fit_context
from ._out_of_core import all_finite, is_out_of_core, iter_blocks, take_rows

__all__ = ["BaseCondenser", "BudgetWarning", "RealRecordsWarning"]

# Largest seed drawn for a sub-generator (numpy's legacy RandomState, torch and
# scikit-learn accept every int below it).
MAX_SEED = 2**31 - 1

# Shared numpydoc text, substituted into each condenser's docstring with
# ``imblearn.utils.Substitution`` so that it is written once.
_n_per_class_docstring = """n_per_class : int, float, str or dict, default=10
        The condensation budget.

        - ``int``: that many records per class;
        - ``float`` in (0, 1]: that fraction of each class, at least one
          record (``1.0`` keeps every class at full size; write ``1`` for one
          record per class);
        - ``str``: an imbalanced-learn strategy word. The classes it names are
          condensed to the size of the smallest class; the others are kept
          whole (their real records pass through unchanged):
          ``"majority"`` condenses the largest class only, ``"not minority"``
          (or ``"auto"``) every class but the smallest, ``"not majority"``
          every class but the largest, ``"all"`` every class;
        - ``dict``: ``{class_label: budget}`` giving every class its own
          budget: an int, a fraction of that class, or ``"all"`` / ``None``
          to keep that class whole.

        Classes kept whole are real patients, returned as they are: that is
        the point of condensing only the majority, and such a set must not be
        shared. Strategy words and fractions keep their meaning inside
        cross-validation folds (they are relative to the fold's class sizes);
        ints and dict ints are absolute. A budget larger than its class is
        capped at the class size with a
        :class:`~sklearn_dc.base.BudgetWarning`.""".rstrip()

_random_state_docstring = """random_state : int, RandomState instance, default=None
        Seeds every random draw of the method. The draws come from local
        ``numpy.random.Generator`` / ``torch.Generator`` objects seeded from
        it; global random state is never touched. Pass an int for
        reproducible output (identical bit for bit on the CPU).""".rstrip()

_fitted_attributes_docstring = """classes_ : ndarray of shape (n_classes,)
        The class labels seen in ``y``, in the order of the output rows.

    n_per_class_ : dict
        The budget actually used, ``{class_label: n_records}``.

    sampling_strategy_ : dict
        Same as ``n_per_class_`` (the name imbalanced-learn samplers use).

    kept_classes_ : list
        The classes kept whole by ``n_per_class`` (a strategy word, or a
        dict value ``"all"`` / ``None``): their real records are returned
        unchanged. Empty when every class is condensed.

    n_features_in_ : int
        Number of features (second dimension of ``X``) seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features, defined only when ``X`` has string column
        names.""".rstrip()


_SHARED_DOCSTRINGS = {
    "n_per_class": _n_per_class_docstring,
    "random_state": _random_state_docstring,
    "fitted_attributes": _fitted_attributes_docstring,
}
# Decorator filling ``{n_per_class}``, ``{random_state}`` and
# ``{fitted_attributes}`` in a condenser's docstring.
_shared_docstrings = Substitution(**_SHARED_DOCSTRINGS)


class BudgetWarning(UserWarning):
    """A requested budget exceeds a class's size and was capped."""


class RealRecordsWarning(UserWarning):
    """Some condensed rows are real records, or stay close to one.

    Real rows identify patients: do not share them. It is raised where the
    output of a method that normally synthesises records would be real (a
    budget at the class size for k-means, ``n_iter=0`` or a one-record class
    with ``init="real"``).
    """


# imbalanced-learn's under-sampling strategy words accepted as n_per_class.
STRATEGIES = ("majority", "not minority", "not majority", "all", "auto")


class BaseCondenser(BaseSampler):
    """Base class for condensers.

    A condenser is an imbalanced-learn sampler: ``fit_resample(X, y)`` returns a
    small training set ``(X_condensed, y_condensed)`` with ``n_per_class_[c]``
    records for each class ``c``, grouped by class in ``classes_`` order. It has
    no ``transform``, so in an :class:`imblearn.pipeline.Pipeline` it acts only
    while fitting and lets every test row through ``predict``.

    Subclasses implement ``_fit_resample(X, y)``, which receives validated data
    (a float ndarray ``X`` and integer-encoded ``y`` in ``0..n_classes-1``) and
    returns the condensed ``(X, y)`` in the same encoding; ``fit_resample``
    puts that return in the caller's containers. Coresets, which return real
    rows, also set ``_returns_real_rows = True`` and ``sample_indices_`` (the
    positions of those rows in the caller's data): their rows get back the
    caller's dtypes and row labels.

    Warning: This class should not be used directly. Use the derived classes
    instead.
    """

    _sampling_type = "bypass"
    _returns_real_rows = False

    _parameter_constraints: dict = {
        "n_per_class": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="right"),
            StrOptions(set(STRATEGIES)),
            dict,
        ],
        "random_state": ["random_state"],
    }

    def __init__(self, *, n_per_class=10, random_state=None):
        # BaseSampler.__init__ would set `sampling_strategy`, which is not a
        # parameter of condensers: the budget is `n_per_class`.
        self.n_per_class = n_per_class
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Validate the data and compute the per-class budget.

        Use :meth:`fit_resample` to condense; ``fit`` only sets ``classes_``,
        ``n_per_class_`` and the other input-derived attributes.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, ...)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : object
            The fitted condenser.
        """
        self._validate_input(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y):
        """Condense ``(X, y)`` into a small training set.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, ...)
            Training data: a table ``(n_samples, n_features)`` or, where the
            method supports it, a stack of arrays ``(n_samples, d1, d2, ...)``.
            Sparse input is densified (the condensed set is dense).
        y : array-like of shape (n_samples,)
            Class labels (numbers or strings).

        Returns
        -------
        X_condensed : {ndarray, sparse matrix, dataframe, list}
            The condensed records, in the container and floating dtype of ``X``,
            grouped by class in ``classes_`` order.
        y_condensed : {ndarray, series, dataframe, list} of shape (n_condensed,)
            Their labels, with the dtype and values of ``y``.
        """
        X_valid, y_encoded, binarize_y = self._validate_input(X, y)
        kept = np.array([c in self.kept_classes_ for c in self.classes_.tolist()])
        if kept.any():
            X_res, y_res = self._fit_resample_with_kept(X_valid, y_encoded, kept)
        else:
            X_res, y_res = self._fit_resample(X_valid, y_encoded)
        # imbalanced-learn's ArraysTransformer is not reused to restore the
        # containers: it casts every column back to its input dtype, which would
        # truncate synthetic values in integer or boolean columns, and gives
        # every output a fresh index, where real records keep their row labels.
        rows = self.sample_indices_ if self._returns_real_rows else None
        labels = self.classes_[y_res]
        if binarize_y:
            labels = label_binarize(labels, classes=self.classes_)
        X_res = X_res.astype(X_valid.dtype, copy=False)
        return _like_input(X_res, X, rows), _like_target(labels, y, rows)

    def _validate_input(self, X, y):
        """Check ``X`` and ``y``, set the fitted attributes, encode ``y``."""
        check_classification_targets(y)
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        _check_numeric_columns(X, type(self).__name__)
        if is_out_of_core(X):
            X, y = self._validate_memmap(X, y)
        else:
            X, y = self._validate_array(X, y)
        if not all_finite(X):
            if any(np.isinf(block).any() for block in iter_blocks(X)):
                # An imputer leaves infinity in place: say what removes it.
                raise ValueError(
                    f"Input X contains infinity. {type(self).__name__} optimises or "
                    "compares records in a continuous space: replace infinite "
                    "values first, e.g. clip them to a finite range (np.clip) or "
                    "mark them missing (np.where(np.isinf(X), np.nan, X)) and "
                    "impute."
                )
            imputer = (
                "sklearn_dc.preprocessing.TimeSeriesImputer"
                if X.ndim == 3
                else "sklearn.impute.SimpleImputer"
            )
            raise ValueError(
                f"Input X contains NaN. {type(self).__name__} optimises "
                "or compares records in a continuous space and cannot use missing "
                f"values: put an imputer (e.g. {imputer}) before the condenser in "
                "the pipeline."
            )
        self.classes_, y_encoded = self._encode_classes(y)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes in y; got 1 class "
                f"({self.classes_[0]!r}). Condensation keeps a few records per class "
                "of a classification task."
            )
        class_counts = np.bincount(y_encoded, minlength=len(self.classes_))
        budget = self._resolve_budget(class_counts)
        kept = _kept_whole(self.n_per_class, self.classes_.tolist(), class_counts)
        if kept.all():
            raise ValueError(
                f"n_per_class={self.n_per_class!r} keeps every class whole: there "
                "is nothing to condense. Give at least one class a budget."
            )
        self.kept_classes_ = self.classes_[kept].tolist()
        self.n_per_class_ = dict(
            zip(self.classes_.tolist(), budget.tolist(), strict=True)
        )
        self.sampling_strategy_ = dict(self.n_per_class_)
        return X, y_encoded, binarize_y

    def _encode_classes(self, y):
        """``(classes, y_encoded)``: the sorted labels of ``y`` and its codes."""
        return np.unique(y, return_inverse=True)

    def _validate_memmap(self, X, y):
        """Check a memory-mapped ``X`` without reading it into memory.

        scikit-learn's validation would copy it (and its finite check would
        allocate a mask as long as the data), so the checks are done here and
        the finite check block by block.
        """
        name = type(self).__name__
        if X.dtype not in (np.float32, np.float64):
            raise ValueError(
                f"X is a numpy.memmap of dtype {X.dtype}; {name} reads out-of-core "
                "data as it is stored and needs float32 or float64 (converting "
                "would load it all into memory). Write the file as float32, e.g. "
                "np.memmap(path, dtype='float32', mode='w+', shape=...)."
            )
        if X.ndim < 2:
            raise ValueError(
                f"X is a 1-D numpy.memmap of shape {X.shape}; {name} needs records "
                "in rows, shape (n_samples, n_features) or (n_samples, d1, d2, ...). "
                "Open the memmap with its full shape= (and order) as written."
            )
        y = column_or_1d(y, warn=True)
        if len(X) != len(y):
            raise ValueError(
                f"X (a numpy.memmap) has {len(X)} rows but y has {len(y)} labels. "
                "Check the shape= the memmap was opened with: it must match the "
                "shape it was written with."
            )
        if len(X) == 0:
            raise ValueError(f"{name} needs at least one record; X is empty.")
        self.n_features_in_ = X.shape[1]
        if hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        return X, y

    def _validate_array(self, X, y):
        """scikit-learn's validation of ``X`` and ``y``; sparse X is densified."""
        try:
            X, y = validate_data(
                self,
                X,
                y,
                reset=True,
                accept_sparse=["csr", "csc", "coo"],
                dtype=[np.float64, np.float32],
                allow_nd=True,
                ensure_all_finite=False,
            )
        except ValueError as exc:
            if "could not convert" not in str(exc):
                raise
            raise ValueError(
                f"{type(self).__name__} needs numeric X ({exc}). Encode categorical "
                "columns before the condenser, e.g. with "
                "sklearn.preprocessing.OneHotEncoder in a ColumnTransformer."
            ) from exc
        if sparse.issparse(X):
            X = X.toarray()
        return X, y

    def _resolve_budget(self, class_counts):
        """Turn ``n_per_class`` into an int array aligned with ``classes_``.

        A class kept whole (a strategy word that does not name it, or a dict
        value ``"all"`` / ``None``) gets its size.
        """
        classes = self.classes_.tolist()
        n_per_class = self.n_per_class
        class_counts = np.asarray(class_counts, dtype=np.int64)
        kept = _kept_whole(n_per_class, classes, class_counts)
        if isinstance(n_per_class, str):
            requested = np.full(len(classes), class_counts.min(), dtype=np.int64)
        elif isinstance(n_per_class, dict):
            _check_budget_dict(n_per_class, classes)
            requested = np.array(
                [
                    _class_budget(n_per_class[c], n)
                    for c, n in zip(classes, class_counts, strict=True)
                ],
                dtype=np.int64,
            )
        elif isinstance(n_per_class, Integral):
            requested = np.full(len(classes), n_per_class, dtype=np.int64)
        else:
            requested = np.maximum(1, np.rint(n_per_class * class_counts))
            requested = requested.astype(np.int64)
        requested = np.where(kept, class_counts, requested)
        capped = requested > class_counts
        if capped.any():
            sizes = {
                c: int(n)
                for c, n, k in zip(classes, class_counts, capped, strict=True)
                if k
            }
            warnings.warn(
                f"n_per_class={n_per_class!r} asks for more records than these "
                f"classes have: {sizes}. Their budget is capped at the class size.",
                BudgetWarning,
                stacklevel=3,
            )
        return np.minimum(requested, class_counts)

    def _fit_resample_with_kept(self, X, y, kept):
        """Condense the classes not in ``kept``; pass the others through.

        ``_fit_resample`` sees only the rows of the condensed classes, with
        ``classes_`` and ``n_per_class_`` narrowed to them and the labels
        re-encoded ``0..k-1``; both are restored afterwards. The output is
        grouped by class in ``classes_`` order, and a coreset's
        ``sample_indices_`` point into the caller's full data.
        """
        classes, budget = self.classes_, self.n_per_class_
        condensed = np.flatnonzero(~kept)
        rows = np.flatnonzero(np.isin(y, condensed))
        code = np.full(len(classes), -1)
        code[condensed] = np.arange(len(condensed))
        self.classes_ = classes[condensed]
        self.n_per_class_ = {c: budget[c] for c in self.classes_.tolist()}
        try:
            X_part, y_part = self._fit_resample(take_rows(X, rows), code[y[rows]])
        finally:
            self.classes_, self.n_per_class_ = classes, budget
        y_part = condensed[np.asarray(y_part)]
        part_indices = rows[self.sample_indices_] if self._returns_real_rows else None
        blocks, labels, indices = [], [], []
        for label in range(len(classes)):
            if kept[label]:
                members = np.flatnonzero(y == label)
                blocks.append(take_rows(X, members))
                indices.append(members)
            else:
                chosen = np.flatnonzero(y_part == label)
                blocks.append(X_part[chosen])
                if part_indices is not None:
                    indices.append(part_indices[chosen])
            labels.append(np.full(len(blocks[-1]), label))
        if part_indices is not None:
            self.sample_indices_ = np.concatenate(indices)
        return np.concatenate(blocks), np.concatenate(labels)

    def _budget(self):
        """The budget as an int array aligned with ``classes_``."""
        return np.fromiter(self.n_per_class_.values(), dtype=np.int64)

    def _draw_seed(self):
        """Draw the one integer seed from which every generator of a fit derives."""
        return int(check_random_state(self.random_state).randint(MAX_SEED))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.sampler_tags.sample_indices = self._returns_real_rows
        return tags


def _kept_whole(n_per_class, classes, class_counts):
    """Boolean mask over ``classes``: the classes a budget keeps whole."""
    class_counts = np.asarray(class_counts)
    kept = np.zeros(len(classes), dtype=bool)
    if isinstance(n_per_class, str):
        smallest, largest = np.argmin(class_counts), np.argmax(class_counts)
        condensed = {
            "majority": [largest],
            "not minority": [i for i in range(len(classes)) if i != smallest],
            "auto": [i for i in range(len(classes)) if i != smallest],
            "not majority": [i for i in range(len(classes)) if i != largest],
            "all": list(range(len(classes))),
        }[n_per_class]
        kept[:] = True
        kept[condensed] = False
    elif isinstance(n_per_class, dict):
        for i, c in enumerate(classes):
            value = n_per_class.get(c, 0)
            kept[i] = value is None or (isinstance(value, str) and value == "all")
    return kept


def _check_budget_dict(n_per_class, classes):
    """Every class named once, every value a valid budget."""
    unknown = [c for c in n_per_class if c not in classes]
    if unknown:
        raise ValueError(
            f"n_per_class names classes that are not in y: {unknown}. "
            f"The classes in y are {classes}."
        )
    missing = [c for c in classes if c not in n_per_class]
    if missing:
        raise ValueError(
            f"n_per_class must give a budget for every class; missing: {missing}. "
            'Give "all" (or None) to keep a class whole.'
        )
    bad = {c: v for c, v in n_per_class.items() if not _is_class_budget(v)}
    if bad:
        raise ValueError(
            "n_per_class values must be integers >= 1, fractions in (0, 1], or "
            f'"all" / None to keep the class whole; got {bad}.'
        )


def _is_class_budget(value):
    if value is None or (isinstance(value, str) and value == "all"):
        return True
    if isinstance(value, bool | np.bool_):
        return False
    if isinstance(value, Integral):
        return value >= 1
    return isinstance(value, Real) and 0 < value <= 1


def _class_budget(value, class_size):
    """Records of one class for a dict value (``"all"`` / None: the class)."""
    if value is None or isinstance(value, str):
        return int(class_size)
    if isinstance(value, Integral):
        return int(value)
    return max(1, int(np.rint(value * class_size)))


def _check_numeric_columns(X, name):
    """Refuse a DataFrame with non-numeric columns, naming them."""
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None or not hasattr(X, "columns"):
        return
    from pandas.api.types import is_numeric_dtype

    bad = {str(c): str(t) for c, t in dtypes.items() if not is_numeric_dtype(t)}
    if bad:
        raise ValueError(
            f"{name} needs numeric features; these columns are not numeric: {bad}. "
            "Encode them before the condenser, e.g. with "
            "sklearn.preprocessing.OneHotEncoder in a ColumnTransformer."
        )


def _like_input(X_out, X_in, rows=None):
    """Put the condensed records in the container of the input ``X``.

    ``rows`` are the positions in ``X_in`` of real records (a coreset's
    ``sample_indices_``), None for synthetic ones. Real records get back the
    input's dtypes and row labels (their values are those of the validated
    float array: exact for every number a float64 holds, integers up to
    2**53 included); synthetic records keep their floating dtype and a fresh
    index.
    """
    real = rows is not None
    if sparse.issparse(X_in):
        if not real:
            return type(X_in)(X_out)
        # Real rows come back as CSR / CSC input, or as CSR from other formats
        # (the format that row indexing gives).
        if X_in.format in ("csr", "csc"):
            container = type(X_in)
        elif isinstance(X_in, sparse.sparray):
            container = sparse.csr_array
        else:
            container = sparse.csr_matrix
        return container(X_out.astype(X_in.dtype, copy=False))
    if hasattr(X_in, "iloc") and hasattr(X_in, "columns"):
        import pandas as pd

        index = X_in.index[rows] if real else None
        frame = pd.DataFrame(X_out, columns=X_in.columns, index=index)
        if real:
            return frame.astype(X_in.dtypes.to_dict())
        # Floating columns (dense or sparse) keep their dtype; integer and
        # boolean columns hold synthetic values now, so they stay float.
        float_dtypes = {c: t for c, t in X_in.dtypes.items() if t.kind == "f"}
        return frame.astype(float_dtypes)
    if real:
        X_out = X_out.astype(np.asarray(X_in).dtype, copy=False)
    if isinstance(X_in, list):
        return X_out.tolist()
    return X_out


def _like_target(y_out, y_in, rows=None):
    """Put the labels in the container and dtype of the input ``y``.

    ``rows`` as in :func:`_like_input`: the labels of real records keep the
    row labels of a pandas ``y``.
    """
    if hasattr(y_in, "iloc"):
        import pandas as pd

        index = None if rows is None else y_in.index[rows]
        if hasattr(y_in, "columns"):
            frame = pd.DataFrame(
                y_out.reshape(len(y_out), -1), columns=y_in.columns, index=index
            )
            return frame.astype(y_in.dtypes.to_dict())
        return pd.Series(y_out, name=y_in.name, dtype=y_in.dtype, index=index)
    if isinstance(y_in, list):
        return y_out.tolist()
    return y_out.astype(np.asarray(y_in).dtype, copy=False)
