"""The starting synthetic records: ``init`` ("real", "herding", "noise" or "kmeans")."""

from __future__ import annotations

import warnings

import numpy as np

from .._out_of_core import class_sample, column_mean_std, take_rows
from ..base import MAX_SEED, RealRecordsWarning
from ..coreset._herding import herding_order
from ..prototypes._kmeans_centroids import kmeans_centres


def initial_records(condenser, X, y, budget, rng, init):
    """``condenser``'s starting records from ``init``, grouped by class, as a
    float array."""
    if init == "noise":
        mean, std = column_mean_std(X)
        return mean + std * rng.standard_normal((budget.sum(), *X.shape[1:]))
    parts = []
    for label, n in enumerate(budget):
        members = np.flatnonzero(y == label)
        if init == "real":
            chosen = members[rng.choice(len(members), size=n, replace=False)]
            parts.append(take_rows(X, chosen))
        else:
            name = f"{type(condenser).__name__}(init={init!r})"
            members = members[
                class_sample(X, members, rng, name, condenser.classes_[label])
            ]
            flat = take_rows(X, members).reshape(len(members), -1)
            if init == "herding":
                parts.append(take_rows(X, members[herding_order(flat, n)]))
                continue
            seed = int(rng.integers(MAX_SEED))
            parts.append(kmeans_centres(flat, n, seed).reshape(-1, *X.shape[1:]))
    return np.concatenate(parts)


def warn_real_starts(condenser, class_sizes, budget, init):
    """Warn when the start (``init``, resolved) would hand back real records.

    With ``init="real"`` or ``"herding"`` and ``n_iter=0`` the output is the
    starting records: real records, copied. A class with a single record
    starts from that patient, and its synthetic records stay close to it.
    With ``init="kmeans"`` the starts are averages of records, except in a
    class with no more records than its budget: each record is its own
    centre.
    """
    name = type(condenser).__name__
    labels = condenser.classes_.tolist()
    if init == "kmeans":
        whole = [
            c
            for c, size, n in zip(labels, class_sizes, budget, strict=True)
            if n >= size
        ]
        if whole:
            warnings.warn(
                f"Classes {whole} have no more records than their budget: "
                f"{name}(init='kmeans') starts each of their synthetic records "
                "from one of those records (each its own k-means centre), and "
                "they stay close to those patients. Lower n_per_class, use "
                "init='noise', or leave such classes out before sharing.",
                RealRecordsWarning,
                stacklevel=5,
            )
        return
    if condenser.n_iter == 0:
        warnings.warn(
            f"{name}(n_iter=0, init={init!r}) returns its starting "
            "records: real records, copied unchanged. Do not share them; give "
            "n_iter >= 1 to learn synthetic records.",
            RealRecordsWarning,
            stacklevel=5,
        )
        return
    single = [c for c, n in zip(labels, class_sizes, strict=True) if n == 1]
    if single:
        warnings.warn(
            f"Classes {single} have a single record: {name} starts their "
            f"synthetic records from it (init={init!r}) and they stay "
            "close to that patient. Use init='noise', or leave such classes out "
            "before sharing.",
            RealRecordsWarning,
            stacklevel=5,
        )
