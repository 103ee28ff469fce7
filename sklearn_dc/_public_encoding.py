"""Encoding a table from statistics that are not fitted on it.

A differentially private condensation may publish only what is public or was
released under differential privacy. These pieces encode a table from such
statistics (a public schema, or a release of
:mod:`sklearn_dc.privacy._table_release`): their ``fit`` reads nothing from the
data.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

KINDS = ("categorical", "binary", "integer", "continuous")


class PublicNumericEncoder(TransformerMixin, BaseEstimator):
    """Clip, centre, scale and impute numeric columns with given statistics.

    ``transform`` clips each column to ``[low, high]``, subtracts ``centre``,
    divides by ``scale`` and puts missing values at the centre (0); with
    ``add_indicator`` a 0/1 missing-value indicator follows for *every*
    column (which columns have missing values is not read from the data).

    Parameters
    ----------
    low, high, centre, scale : array-like of shape (n_columns,)
        The public or privately released statistics of each column.
    add_indicator : bool, default=True
        Append a missing-value indicator per column.
    """

    def __init__(self, low, high, centre, scale, add_indicator=True):
        self.low = low
        self.high = high
        self.centre = centre
        self.scale = scale
        self.add_indicator = add_indicator

    def fit(self, X, y=None):
        """Nothing is learned from ``X``; checks the statistics' shapes."""
        self.n_features_in_ = np.shape(X)[1]
        for name in ("low", "high", "centre", "scale"):
            if np.shape(getattr(self, name)) != (self.n_features_in_,):
                raise ValueError(f"{name} needs one value per column.")
        return self

    def transform(self, X):
        """The encoded columns, then the indicators."""
        X = np.asarray(X, dtype=np.float64)
        missing = np.isnan(X)
        clipped = np.clip(X, self.low, self.high)
        encoded = np.where(missing, 0.0, (clipped - self.centre) / self.scale)
        if self.add_indicator:
            encoded = np.hstack([encoded, missing.astype(np.float64)])
        return encoded

    def inverse_transform(self, X):
        """``(values, missing)``: values on the original scale, and a mask set
        where an indicator exceeds 0.5 (all False without indicators)."""
        X = np.asarray(X, dtype=np.float64)
        n = len(self.centre)
        values = X[:, :n] * np.asarray(self.scale) + np.asarray(self.centre)
        if self.add_indicator:
            missing = X[:, n:] > 0.5
        else:
            missing = np.zeros_like(values, dtype=bool)
        return values, missing

    def get_feature_names_out(self, input_features=None):
        names = [str(c) for c in input_features]
        extra = [f"missingindicator_{c}" for c in names] if self.add_indicator else []
        return np.asarray(names + extra, dtype=object)


def load_schema(schema) -> dict:
    """A public schema as ``{"columns": {name: entry}, "classes": list | None}``.

    ``schema`` is a dict in that form, or the path of a JSON file holding one
    or holding a data card written by :func:`sklearn_dc.io.save_condensed`
    (its ``schema`` entry). An entry has ``kind`` (one of ``categorical``,
    ``binary``, ``integer``, ``continuous``) and, optionally, ``range`` ([low,
    high]), ``centre`` and ``scale`` for numbers and ``categories`` for
    categorical columns.
    """
    if schema is None:
        return {"columns": {}, "classes": None}
    if isinstance(schema, str | os.PathLike):
        path = Path(schema)
        if not path.is_file():
            raise ValueError(f"schema file {path} does not exist.")
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"schema file {path} is not valid JSON ({exc}).") from exc
    if not isinstance(schema, dict):
        raise ValueError(
            "schema must be a dict or the path of a JSON file; got "
            f"{type(schema).__name__}."
        )
    if "columns" not in schema and isinstance(schema.get("schema"), dict):
        schema = schema["schema"]  # a data card
    columns = schema.get("columns")
    if not isinstance(columns, dict):
        raise ValueError(
            'schema needs a "columns" entry: {"column": {"kind": ..., "range": '
            '[low, high]} or {"kind": "categorical", "categories": [...]}}.'
        )
    checked = {}
    for name, entry in columns.items():
        checked[name] = _check_entry(name, entry)
    classes = schema.get("classes")
    if classes is not None and (not isinstance(classes, list) or len(classes) < 2):
        raise ValueError(
            f'schema "classes" must list at least 2 class labels; got {classes!r}.'
        )
    return {"columns": checked, "classes": classes}


def _check_entry(name, entry):
    if isinstance(entry, str):
        entry = {"kind": entry}
    if not isinstance(entry, dict) or entry.get("kind") not in KINDS:
        raise ValueError(
            f"schema entry of column {name!r} needs a kind among {list(KINDS)}; "
            f"got {entry!r}."
        )
    entry = dict(entry)
    if "range" in entry:
        low, high = (float(v) for v in entry["range"])
        if not (np.isfinite([low, high]).all() and low <= high):
            raise ValueError(
                f"schema range of column {name!r} must be finite [low, high] with "
                f"low <= high; got {entry['range']!r}."
            )
        entry["range"] = [low, high]
    if "categories" in entry and not (
        isinstance(entry["categories"], list) and entry["categories"]
    ):
        raise ValueError(
            f"schema categories of column {name!r} must be a non-empty list."
        )
    for key in ("centre", "scale"):
        if key in entry and not np.isfinite(float(entry[key])):
            raise ValueError(f"schema {key} of column {name!r} must be finite.")
    if "scale" in entry and float(entry["scale"]) <= 0:
        raise ValueError(f"schema scale of column {name!r} must be positive.")
    return entry


def complete_numeric(entry: dict, kind: str) -> dict:
    """Centre and scale from the range where the schema gives none."""
    if kind == "binary":
        entry = {"range": [0.0, 1.0], **entry}
    low, high = entry["range"]
    entry.setdefault("centre", (low + high) / 2)
    entry.setdefault("scale", (high - low) / 4 if high > low else 1.0)
    return entry
