"""Input checks shared by the privacy metrics."""

from __future__ import annotations

import warnings

import numpy as np
from scipy import sparse
from sklearn.utils import check_array


class HoldoutOverlapWarning(UserWarning):
    """Some holdout records are identical to training records.

    Records found in both sets are scored as members *and* as non-members, so
    every metric that compares training with holdout records drifts towards
    "no leakage". Split by patient (e.g. with
    :class:`~sklearn.model_selection.GroupShuffleSplit`) and drop duplicated
    records before splitting.
    """


def _check_rows(X, name: str) -> np.ndarray:
    """One set of records as a float64 array of shape ``(n_rows, ...)``.

    The caller's array is never written to: a float64 ndarray comes back as
    itself (or a view), anything else as a new array.
    """
    if X is None:
        raise ValueError(f"{name} is None; pass an array or DataFrame of records.")
    dtypes = getattr(X, "dtypes", None)
    if dtypes is not None and hasattr(X, "columns"):
        from pandas.api.types import is_bool_dtype, is_numeric_dtype

        bad = {
            str(c): str(t)
            for c, t in dtypes.items()
            if not (is_numeric_dtype(t) or is_bool_dtype(t))
        }
        if bad:
            raise ValueError(
                f"{name} has non-numeric columns: {bad}. Distances need numbers: "
                "encode the sets the way they were encoded for condensation (e.g. "
                "with the fitted ColumnTransformer or OneHotEncoder) before "
                "measuring privacy."
            )
    if sparse.issparse(X):
        X = X.toarray()
    try:
        X = check_array(
            X,
            dtype=np.float64,
            allow_nd=True,
            ensure_all_finite=False,
            ensure_min_samples=0,
            ensure_min_features=0,
            input_name=name,
        )
    except ValueError as exc:
        if "could not convert" in str(exc):
            raise ValueError(
                f"{name} must hold numbers ({exc}). Encode categorical features "
                "before measuring privacy."
            ) from exc
        if "Expected 2D array" in str(exc):
            raise ValueError(
                f"{name} must be 2-D (records x features) or have more dimensions "
                f"(records x channels x time, records x channels x height x width); "
                f"got a {np.ndim(X)}-D array. Reshape a single record with "
                "X.reshape(1, -1)."
            ) from exc
        raise
    if X.shape[0] == 0:
        raise ValueError(
            f"{name} is empty (shape {X.shape}); every set needs at least one record."
        )
    if X.size == 0:
        raise ValueError(f"{name} has records of shape {X.shape[1:]} with no values.")
    if not np.isfinite(X).all():
        raise ValueError(
            f"{name} contains NaN or infinity. Distances between records need "
            "complete values: impute every set the same way (e.g. with the "
            "preprocessing fitted before condensation) before measuring privacy."
        )
    return X


def _check_sets(**sets) -> dict[str, np.ndarray]:
    """Check named sets and flatten them to 2-D float64 arrays of equal width.

    Records of more than one dimension (time series, images) are flattened;
    all sets must have the same record shape and, for DataFrames, the same
    columns in the same order.
    """
    columns = {
        name: list(X.columns)
        for name, X in sets.items()
        if X is not None and hasattr(X, "columns") and hasattr(X, "iloc")
    }
    if len(columns) > 1:
        (first, first_cols), *rest = columns.items()
        for name, cols in rest:
            if cols != first_cols:
                hint = (
                    f"reorder with {name}[{first}.columns]"
                    if sorted(map(str, cols)) == sorted(map(str, first_cols))
                    else "encode both the same way"
                )
                raise ValueError(
                    f"{name} and {first} have different columns ({cols} vs "
                    f"{first_cols}); records must describe the same features in "
                    f"the same order: {hint}."
                )
    checked = {name: _check_rows(X, name) for name, X in sets.items()}
    (first, ref), *rest = checked.items()
    for name, X in rest:
        if X.shape[1:] != ref.shape[1:]:
            raise ValueError(
                f"{name} has records of shape {X.shape[1:]} but {first} has records "
                f"of shape {ref.shape[1:]}. The synthetic and real sets must describe "
                "the same features in the same space: pass them after the same "
                "preprocessing and with the same layout (e.g. all 3-D as records x "
                "channels x time, or all flattened)."
            )
    return {name: X.reshape(X.shape[0], -1) for name, X in checked.items()}


def _check_labels(y, X: np.ndarray, name: str, x_name: str) -> np.ndarray | None:
    """Labels as a 1-D array as long as ``X``, or None."""
    if y is None:
        return None
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one label per record); got {y.shape}.")
    if len(y) != len(X):
        raise ValueError(
            f"{name} has {len(y)} labels but {x_name} has {len(X)} records; pass "
            "one label per record."
        )
    return y


def _find_copies(X_query: np.ndarray, X_ref: np.ndarray) -> np.ndarray:
    """Position of a row of ``X_ref`` equal to each row of ``X_query``, or -1.

    Rows are compared value by value (``-0.0`` equals ``0.0``), through hashes
    of their bytes checked with :func:`numpy.array_equal`.
    """
    by_hash: dict[int, list[int]] = {}
    for i, row in enumerate(X_ref):
        by_hash.setdefault(hash((row + 0.0).tobytes()), []).append(i)
    found = np.full(len(X_query), -1, dtype=np.int64)
    for r, row in enumerate(X_query):
        for i in by_hash.get(hash((row + 0.0).tobytes()), ()):
            if np.array_equal(X_ref[i], row):
                found[r] = i
                break
    return found


def _warn_overlap(X_train: np.ndarray, X_holdout: np.ndarray) -> int:
    """Warn when holdout records are identical to training records."""
    n_shared = int((_find_copies(X_holdout, X_train) >= 0).sum())
    if n_shared:
        warnings.warn(
            f"{n_shared} of {len(X_holdout)} holdout records are identical to "
            "training records. They count as members and non-members at once, "
            "which pulls every train-versus-holdout metric towards 'no leakage'. "
            "Split the data by patient (e.g. sklearn.model_selection."
            "GroupShuffleSplit) and drop duplicated records before splitting.",
            HoldoutOverlapWarning,
            stacklevel=3,
        )
    return n_shared
