"""Save and load a condensed set with its data card."""

from __future__ import annotations

import hashlib
import json
import math
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils import Bunch

__all__ = ["card_path", "load_condensed", "make_data_card", "save_condensed"]

_CARD_SUFFIX = ".card.json"
_FORMATS = {".csv": "csv", ".parquet": "parquet"}
_CARD_FORMAT = "sklearn_dc.data_card"
_CARD_VERSION = 1
_PANDAS_3 = int(pd.__version__.split(".")[0]) >= 3


def card_path(path: str | os.PathLike) -> Path:
    """The path of the data card written beside a records file.

    Parameters
    ----------
    path : str or path-like
        The records file (``.csv`` or ``.parquet``).

    Returns
    -------
    card : pathlib.Path
        ``<path>.card.json``, e.g. ``condensed.csv.card.json``.

    Examples
    --------
    >>> from sklearn_dc.io import card_path
    >>> card_path("shared/condensed.csv").name
    'condensed.csv.card.json'
    """
    path = Path(path)
    return path.with_name(path.name + _CARD_SUFFIX)


def make_data_card(
    condenser: BaseEstimator | None = None,
    X_source: Any = None,
    y_source: Any = None,
    *,
    description: str | None = None,
    utility: Any = None,
    privacy: Any = None,
) -> dict:
    """Build the data card describing a condensed set.

    Parameters
    ----------
    condenser : fitted condenser, default=None
        The condenser that made the set (a
        :class:`~sklearn_dc.tabular.TabularCondenser` or any condenser). Its
        class name, parameters (``get_params()``, made JSON-safe; nested
        estimators as ``{"class": ..., "params": ...}``), seed
        (``random_state``), budget (``n_per_class_``), class list and
        whether the rows are real records (``real_records``) are recorded.
        For a ``TabularCondenser`` the wrapped condenser's and the column
        kinds are recorded too, as a ``schema`` entry that
        ``TabularCondenser(schema=...)`` reads. For a differentially private
        condenser, ``differential_privacy`` holds ``epsilon`` / ``delta``,
        the neighbouring relation and, for a ``TabularCondenser``, how the
        budget was spent (``matching``, ``preprocessing``: what was public,
        what was released and at what cost); the schema then carries the
        released ranges and categories, and ``seed`` is left empty because
        the release cannot be reproduced from it.
    X_source : DataFrame, array-like or path, default=None
        The source (private) data: only its size and a SHA-256 content hash
        are recorded (of the file's bytes for a path; for a table, of its
        column names, dtypes and values, via
        :func:`pandas.util.hash_pandas_object`). The hash lets a reader check
        that two cards come from the same source; it holds no record.
    y_source : array-like, default=None
        The source labels: the rows per class are recorded (and hashed with
        ``X_source``).
    description : str, default=None
        Free text about the source and purpose (cohort, task, dates).
    utility : DataFrame, dict or list, default=None
        Evaluation figures, e.g. the table returned by
        :func:`sklearn_dc.evaluation.utility_table` (a DataFrame is stored as
        records). Anything else (a function, say) is refused with a
        ``TypeError``.
    privacy : DataFrame, dict or list, default=None
        Privacy figures, e.g. the table returned by
        :func:`sklearn_dc.privacy.privacy_report`.

    Returns
    -------
    card : dict
        A JSON-safe dict; :func:`save_condensed` adds the ``records`` section
        (file, hash, rows, columns and dtypes).

    Raises
    ------
    TypeError
        When ``utility`` or ``privacy`` is not a DataFrame, dict, list or
        None, or ``description`` is not a str or None.

    See Also
    --------
    save_condensed : Write a condensed set with its card.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn_dc import KMeansCentroids
    >>> from sklearn_dc.io import make_data_card
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> condenser = KMeansCentroids(n_per_class=2, random_state=0)
    >>> X_small, y_small = condenser.fit_resample(X, y)
    >>> card = make_data_card(condenser, X, y, description="breast cancer demo")
    >>> card["method"]["name"], card["method"]["params"]["n_per_class"]
    ('KMeansCentroids', 2)
    >>> card["budget_per_class"], card["source"]["n_rows_per_class"]
    ({'0': 2, '1': 2}, {'0': 212, '1': 357})
    """
    from . import __version__

    for name, value in (("utility", utility), ("privacy", privacy)):
        if value is not None and not isinstance(value, pd.DataFrame | dict | list):
            hint = (
                f" (a function: call it and pass its result, e.g. {name}="
                f"{getattr(value, '__name__', name)}(...))"
                if callable(value)
                else ""
            )
            raise TypeError(
                f"{name} must be a DataFrame, a dict, a list or None; got "
                f"{type(value).__name__}{hint}."
            )
    if description is not None and not isinstance(description, str):
        raise TypeError(
            f"description must be a str or None; got {type(description).__name__}."
        )
    card: dict[str, Any] = {
        "format": _CARD_FORMAT,
        "card_version": _CARD_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "sklearn_dc_version": __version__,
        "description": description,
        "source": None,
        "method": None,
        "seed": None,
        "budget_per_class": None,
        "differential_privacy": None,
        "real_records": None,
        "utility": _json_safe(utility),
        "privacy": _json_safe(privacy),
    }
    if X_source is not None or y_source is not None:
        card["source"] = _describe_source(X_source, y_source)
    if condenser is not None:
        card.update(_describe_condenser(condenser))
        card["real_records"] = _real_records(condenser, card) or (
            "no: synthetic records; not private by construction, measure "
            "leakage before sharing (sklearn_dc.privacy)"
        )
    return card


def save_condensed(
    path: str | os.PathLike,
    X: Any,
    y: Any,
    card: dict | BaseEstimator | None = None,
    *,
    target_name: str = "target",
    overwrite: bool = False,
) -> dict:
    """Write a condensed set and its data card.

    The records go to ``path`` as CSV (or Parquet when ``path`` ends in
    ``.parquet``; needs pyarrow), with the labels as the last column,
    ``target_name``. The card goes beside them, to ``<path>.card.json``
    (see :func:`card_path`), with a ``records`` section holding the file
    name and format, its SHA-256, the rows (in all and per class), the target
    column and, for every column, its dtype and, for categories, the category
    list, so that :func:`load_condensed` restores them.

    Parameters
    ----------
    path : str or path-like
        The records file, ending in ``.csv`` or ``.parquet``.
    X : DataFrame or array-like of shape (n_condensed, n_features)
        The condensed records (an array gets columns ``x0``, ``x1``, ...).
    y : array-like of shape (n_condensed,)
        Their labels.
    card : dict or fitted condenser, default=None
        The card from :func:`make_data_card` (not modified: a copy is
        written), or a fitted condenser to build it from, or ``None`` for a
        card with no method section.
    target_name : str, default="target"
        The name of the label column in the file.
    overwrite : bool, default=False
        Replace an existing records file or card. Refused otherwise.

    Returns
    -------
    card : dict
        The card as written.

    Raises
    ------
    FileExistsError
        When the records file or its card exists and ``overwrite=False``.

    See Also
    --------
    load_condensed : Read a condensed set back, checking its hash.

    Notes
    -----
    CSV keeps the values of integer, float (written to round-trip exactly),
    0/1 and text columns; the dtypes (``int64``, ``Int64``, ``bool``,
    ``float32``, ``category`` with its category list and order, ...) come
    from the card on load. CSV cannot tell a missing text value from an empty
    string: both load as missing.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_dc import KMeansCentroids
    >>> from sklearn_dc.io import load_condensed, save_condensed
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> condenser = KMeansCentroids(n_per_class=2, random_state=0)
    >>> X_small, y_small = condenser.fit_resample(X, y)
    >>> folder = Path(tempfile.mkdtemp())
    >>> card = save_condensed(folder / "iris.csv", X_small, y_small, condenser)
    >>> sorted(p.name for p in folder.iterdir())
    ['iris.csv', 'iris.csv.card.json']
    >>> card["records"]["n_rows_per_class"]
    {'0': 2, '1': 2, '2': 2}
    >>> loaded = load_condensed(folder / "iris.csv")
    >>> loaded.data.equals(X_small), loaded.target.tolist() == y_small.tolist()
    (True, True)
    """
    path = Path(path)
    fmt = _format_of(path)
    cpath = card_path(path)
    if not overwrite:
        existing = [str(p) for p in (path, cpath) if p.exists()]
        if existing:
            raise FileExistsError(
                f"{' and '.join(existing)} already exist(s); pass overwrite=True "
                "to replace, or choose another path."
            )
    if isinstance(card, BaseEstimator):
        card = make_data_card(card)
    elif card is None:
        card = make_data_card()
    elif not isinstance(card, dict):
        raise TypeError(
            "card must be a dict from make_data_card, a fitted condenser or "
            f"None; got {type(card).__name__}."
        )
    card = json.loads(json.dumps(_json_safe(card)))

    frame = _as_frame(X)
    target = pd.Series(np.asarray(y) if not hasattr(y, "dtype") else y)
    if len(target) != len(frame):
        raise ValueError(
            f"X and y have different lengths ({len(frame)} and {len(target)})."
        )
    if target_name in frame.columns:
        raise ValueError(
            f"X already has a column named {target_name!r}; pass another target_name."
        )
    frame = frame.reset_index(drop=True)
    frame[target_name] = target.reset_index(drop=True)

    if fmt == "parquet":
        _require_pyarrow()
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    counts = target.value_counts(sort=False)
    card["records"] = {
        "file": path.name,
        "format": fmt,
        "sha256": _file_sha256(path),
        "n_rows": len(frame),
        "n_rows_per_class": {str(k): int(v) for k, v in sorted(counts.items())},
        "target": target_name,
        "columns": [{"name": str(c)} | _describe_column(frame[c]) for c in frame],
    }
    card = _json_safe(card)
    with open(cpath, "w", encoding="utf-8") as handle:
        json.dump(card, handle, indent=2, allow_nan=False)
        handle.write("\n")
    return card


def load_condensed(
    path: str | os.PathLike, *, return_X_y: bool = False
) -> Bunch | tuple[pd.DataFrame, pd.Series]:
    """Read a condensed set written by :func:`save_condensed`.

    The SHA-256 of the records file is checked against its card first: a file
    changed since it was written is refused. Column dtypes and category lists
    are restored from the card.

    Parameters
    ----------
    path : str or path-like
        The records file (its card is ``<path>.card.json``).
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (DataFrame of the records), ``target`` (Series of labels)
        and ``card`` (dict).
    (X, y) : tuple
        With ``return_X_y=True``.

    Raises
    ------
    FileNotFoundError
        When the records file or its card is missing.
    ValueError
        When the records file's SHA-256 differs from the card's.

    See Also
    --------
    save_condensed : Write a condensed set with its card.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> from sklearn_dc.io import load_condensed, save_condensed
    >>> X = pd.DataFrame({"age": [61.5, 70.25], "sex": pd.Categorical(["f", "m"])})
    >>> path = Path(tempfile.mkdtemp()) / "small.csv"
    >>> _ = save_condensed(path, X, [0, 1])
    >>> X_back, y_back = load_condensed(path, return_X_y=True)
    >>> X_back.dtypes.astype(str).tolist(), y_back.tolist()
    (['float64', 'category'], [0, 1])
    """
    path = Path(path)
    cpath = card_path(path)
    for p, what in ((path, "records file"), (cpath, "data card")):
        if not p.is_file():
            raise FileNotFoundError(
                f"The {what} {p} does not exist; save_condensed writes the "
                f"records and their card ({cpath.name}) side by side."
            )
    with open(cpath, encoding="utf-8") as handle:
        card = json.load(handle)
    records = card.get("records")
    if card.get("format") != _CARD_FORMAT or not records:
        raise ValueError(f"{cpath} is not a data card written by save_condensed.")
    digest = _file_sha256(path)
    if digest != records["sha256"]:
        raise ValueError(
            f"{path} has changed since it was written: its SHA-256 is {digest}, "
            f"its card {cpath.name} records {records['sha256']}. Do not use a "
            "modified condensed set; ask its author for the original files."
        )
    columns = records["columns"]
    if records["format"] == "parquet":
        _require_pyarrow()
        frame = pd.read_parquet(path)
    else:
        text = [c["name"] for c in columns if _is_text(c)]
        # pandas 3 parses floats exactly by default; pandas 2 needs asking.
        exact = {} if _PANDAS_3 else {"float_precision": "round_trip"}
        frame = pd.read_csv(
            path,
            dtype={name: object for name in text},
            keep_default_na=False,
            na_values=[""],
            **exact,
        )
    frame = pd.DataFrame(
        {c["name"]: _restore(frame[c["name"]], c) for c in columns},
        index=pd.RangeIndex(len(frame)),
    )
    target = frame.pop(records["target"])
    if return_X_y:
        return frame, target
    return Bunch(data=frame, target=target, card=card)


# -- helpers -------------------------------------------------------------


def _format_of(path):
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"Cannot tell the format of {path}: end the path in .csv or .parquet."
        )
    return fmt


def _require_pyarrow():
    try:
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "Reading and writing Parquet needs pyarrow, which is not installed: "
            "pip install pyarrow, or use a path ending in .csv."
        ) from exc


def _file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _as_frame(X):
    if isinstance(X, pd.DataFrame):
        return X.copy()
    array = np.asarray(X)
    if array.ndim != 2:
        raise ValueError(
            f"save_condensed writes tables: X must be 2-D, got shape {array.shape}."
            " Flatten records of more dimensions first."
        )
    return pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])


def _describe_column(series):
    dtype = series.dtype
    entry = {"dtype": str(dtype)}
    if isinstance(dtype, pd.CategoricalDtype):
        entry["categories"] = _json_safe(list(dtype.categories))
        entry["ordered"] = bool(dtype.ordered)
        entry["categories_dtype"] = str(dtype.categories.dtype)
    return entry


def _is_text(column):
    if column["dtype"] == "category":
        return column.get("categories_dtype") in ("object", "str", "string")
    return column["dtype"] in ("object", "str", "string")


def _restore(series, column):
    """Give a column read from the file the dtype recorded in the card."""
    dtype = column["dtype"]
    if dtype == "category":
        categories = pd.Index(column["categories"])
        if column.get("categories_dtype") not in (None, "object"):
            categories = categories.astype(column["categories_dtype"])
        values = series.astype(object).where(series.notna(), None)
        if not _is_text(column):
            values = pd.Series(values).infer_objects()
        return pd.Categorical(values, categories=categories, ordered=column["ordered"])
    if dtype == "object":
        return series.astype(object).where(series.notna(), None)
    if dtype == "str" and not _PANDAS_3:
        # pandas 2 spells the string dtype "str" as object.
        return series.astype(object)
    return series.astype(dtype)


def _describe_source(X, y):
    source: dict[str, Any] = {}
    digest = hashlib.sha256()
    if isinstance(X, str | os.PathLike):
        source["file"] = Path(X).name
        digest.update(_file_sha256(X).encode())
    elif X is not None:
        frame = _as_frame(X) if not isinstance(X, pd.DataFrame) else X
        source["n_rows"], source["n_columns"] = (int(n) for n in frame.shape)
        _hash_frame(digest, frame)
    if y is not None:
        labels = pd.Series(np.asarray(y) if not hasattr(y, "dtype") else y)
        source["n_rows"] = len(labels)
        counts = labels.value_counts(sort=False)
        source["n_rows_per_class"] = {str(k): int(v) for k, v in sorted(counts.items())}
        _hash_frame(digest, labels.reset_index(drop=True).to_frame("target"))
    source["sha256"] = digest.hexdigest()
    return source


def _hash_frame(digest, frame):
    digest.update(json.dumps([str(c) for c in frame.columns]).encode())
    digest.update(json.dumps([str(t) for t in frame.dtypes]).encode())
    hashed = pd.util.hash_pandas_object(frame, index=False)
    digest.update(np.ascontiguousarray(hashed.to_numpy()).tobytes())


def _describe_condenser(condenser):
    described: dict[str, Any] = {
        "method": {
            "name": type(condenser).__name__,
            "params": _json_safe(condenser.get_params(deep=False)),
        }
    }
    inner = getattr(condenser, "condenser_", None)
    if inner is not None:
        described["method"]["condenser"] = type(inner).__name__
        described["method"]["schema"] = _json_safe(getattr(condenser, "schema_", None))
        described["method"]["dropped_columns"] = _json_safe(
            getattr(condenser, "dropped_columns_", None)
        )
    fitted = inner if inner is not None else condenser
    seed = getattr(fitted, "random_state", None)
    described["seed"] = seed if seed is None or isinstance(seed, int) else repr(seed)
    budget = getattr(fitted, "n_per_class_", None)
    described["budget_per_class"] = _json_safe(budget)
    classes = getattr(fitted, "classes_", None)
    kinds = getattr(condenser, "schema_", None)
    if kinds is not None or classes is not None:
        described["schema"] = _public_schema(condenser, kinds, classes)
    if hasattr(fitted, "epsilon_"):
        described["differential_privacy"] = _describe_privacy(condenser, fitted)
        # The seed fixes only the data-independent draws of a private fit;
        # written as a seed, it would read as if it reproduced the release.
        described["seed"] = None
    return described


def _describe_privacy(wrapper, fitted):
    """The card's ``differential_privacy`` entry of a private release."""
    accounting = getattr(wrapper, "privacy_", None)
    entry = {
        "epsilon": float(getattr(wrapper, "epsilon_", fitted.epsilon_)),
        "delta": float(getattr(wrapper, "delta_", fitted.delta_)),
        "neighbouring": getattr(fitted, "neighbouring_", None),
        "reproducible": False,
        "note": (
            "The sampling and the noise were drawn from the operating system's "
            "entropy: random_state fixes only the networks and the starting "
            "records, so rerunning does not reproduce this release."
        ),
    }
    if accounting is not None:
        entry["matching"] = accounting["matching"]
        entry["preprocessing"] = accounting["preprocessing"]
    else:
        entry["preprocessing"] = (
            "not covered: the condenser was given encoded records; any scaling, "
            "imputation or encoding fitted on the private data is outside this "
            "guarantee"
        )
    return _json_safe(entry)


def _public_schema(condenser, kinds, classes):
    """The card's ``schema``: usable as ``TabularCondenser(schema=...)``.

    Ranges and categories are written only for a private release (where they
    were released under differential privacy or given as public): for other
    releases they are statistics of the private source.
    """
    privacy = getattr(condenser, "privacy_", None)
    statistics = {} if privacy is None else privacy["statistics"]
    columns = {
        column: {"kind": kind, **statistics.get(column, {})}
        for column, kind in (kinds or {}).items()
        if kind in ("categorical", "binary", "integer", "continuous")
    }
    return _json_safe(
        {"columns": columns, "classes": None if classes is None else list(classes)}
    )


def _real_records(condenser, card):
    """Whether the condensed rows are real patients, in words, or None."""
    fitted = getattr(condenser, "condenser_", condenser)
    name = type(fitted).__name__
    if getattr(fitted, "_returns_real_rows", False):
        return f"yes: {name} returns real records, copied; do not share them"
    kept = list(getattr(fitted, "kept_classes_", []) or [])
    if kept:
        return (
            f"yes, classes {kept}: kept whole (n_per_class), their rows are the "
            "real records"
        )
    budget = getattr(fitted, "n_per_class_", None) or {}
    sizes = (card.get("source") or {}).get("n_rows_per_class") or {}
    whole = [c for c, n in budget.items() if sizes.get(str(c)) == n]
    params = getattr(fitted, "get_params", dict)()
    # The start the fit used ("auto" resolved, where the condenser has it).
    init = getattr(fitted, "init_", params.get("init"))
    # k-means at a class's size makes each record its own centre.
    kmeans_start = init == "kmeans"
    if whole and (
        name == "KMeansCentroids" or (kmeans_start and params.get("n_iter") == 0)
    ):
        return (
            f"yes, classes {whole}: their budget equals their size, so their "
            "rows are the real records"
        )
    if whole and kmeans_start:
        return (
            f"close, classes {whole}: their budget equals their size, so their "
            "synthetic rows start from their real records (init='kmeans') and "
            "stay near them"
        )
    if params.get("n_iter") == 0 and init in ("real", "herding"):
        return f"yes: n_iter=0 with init={init!r} returns the starting real records"
    single = [c for c in budget if sizes.get(str(c)) == 1]
    if single and init in ("real", "herding"):
        return (
            f"close, classes {single}: each has one record, from which its "
            f"synthetic rows start (init={init!r}) and which they stay "
            "near"
        )
    return None


def _json_safe(value):
    """Turn estimators, frames and numpy values into plain JSON values."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, BaseEstimator):
        return {
            "class": type(value).__name__,
            "params": _json_safe(value.get_params(deep=False)),
        }
    if isinstance(value, pd.DataFrame):
        return _json_safe(value.to_dict(orient="records"))
    if isinstance(value, pd.Series):
        return _json_safe(value.to_dict())
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | np.ndarray | pd.Index):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, type):
        return value.__name__
    if value is pd.NA or value is pd.NaT:
        return None
    return repr(value)
