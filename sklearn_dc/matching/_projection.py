"""``bounds``: keep synthetic records within what the real ones allow.

``"data"`` clips every value to its feature's range and keeps the shape of
channels that are the same in every stay up to an offset. ``"structure"`` also
keeps what each synthetic record took from the real record it started from:
the common values of a feature (see :data:`COMMON_SHARE`) and, for series, the
steps of each channel.
"""

from __future__ import annotations

import numpy as np
import torch

from .._out_of_core import column_range, iter_blocks, take_rows

#: A value is common to a feature (a table column, or a series channel at any
#: time point) when at least this share of the feature's values equal it: an
#: imputation fill, a category of a one-hot code, a sex, a ceiling such as an
#: oxygen saturation of 100. Learners split on such values exactly, so a
#: synthetic record that starts on one keeps it: moved by 0.01 it would be a
#: value that no real record has, and trees would split on the difference.
COMMON_SHARE = 0.1

#: Rows read to find the common values (evenly spaced, so a memmap is read
#: forwards); a value with a tenth of the data is found in a sample this size.
COMMON_SAMPLE = 4096


def _data_projection(X, device):
    """In-place projection of synthetic records onto what real records allow.

    Every value is clipped to the range of its feature (each element of a
    record) in ``X``. For time series ``(n, channels, time)``, a channel whose
    shape over time is the same in every real record, up to an offset (static
    variables such as age, or a clock such as hours since admission), keeps
    that shape: only its offset is learned.
    """
    low, high = column_range(X)
    low = torch.as_tensor(low, dtype=torch.float32, device=device)
    high = torch.as_tensor(high, dtype=torch.float32, device=device)
    fixed, profile = None, None
    if X.ndim == 3:
        first = X[0] - X[0].mean(axis=1, keepdims=True)
        spread, scale = 0.0, 1.0
        for block in iter_blocks(X):
            deviation = block - block.mean(axis=2, keepdims=True)
            spread = np.maximum(spread, np.abs(deviation - first).max(axis=(0, 2)))
            scale = np.maximum(scale, np.abs(block).max(axis=(0, 2)))
        mask = spread <= 1e-4 * scale
        if mask.any():
            fixed = torch.as_tensor(np.flatnonzero(mask), device=device)
            profile = torch.as_tensor(first[mask], dtype=torch.float32, device=device)

    @torch.no_grad()
    def project(synthetic):
        torch.clamp_(synthetic, low, high)
        if fixed is not None:
            part = synthetic[:, fixed]
            synthetic[:, fixed] = part.mean(dim=2, keepdim=True) + profile

    return project


def common_values(X) -> list[np.ndarray]:
    """The common values of each feature of ``X`` (column, or series channel).

    A value is common when at least :data:`COMMON_SHARE` of the feature's
    values in an evenly spaced sample of :data:`COMMON_SAMPLE` rows equal it
    (at float32 precision).
    """
    rows = np.unique(np.linspace(0, len(X) - 1, min(len(X), COMMON_SAMPLE)).astype(int))
    sample = np.asarray(take_rows(X, rows), dtype=np.float32)
    sample = sample.reshape(len(sample), sample.shape[1], -1)
    common = []
    for feature in range(sample.shape[1]):
        values, counts = np.unique(sample[:, feature], return_counts=True)
        common.append(values[counts >= COMMON_SHARE * counts.sum()])
    return common


def _structure_projection(X, start, device):
    """In-place projection that keeps each record's structure from its start.

    A value of a starting record that is common to its feature
    (:func:`common_values`) stays as it is. For series, each channel of a
    synthetic stay stays a step function on the segments where its starting
    stay is constant: a lab measured three times and carried forward keeps
    three learned values, held where the real stay held them. Applied after
    :func:`_data_projection`, whose bounds the segment means keep.
    """
    start = np.asarray(start, dtype=np.float32)
    flat_start = start.reshape(len(start), start.shape[1], -1)
    keep = np.zeros(flat_start.shape, dtype=bool)
    for feature, values in enumerate(common_values(X)):
        keep[:, feature] = np.isin(flat_start[:, feature], values)
    keep = keep.reshape(start.shape)
    kept = torch.as_tensor(start[keep], device=device)
    keep = torch.as_tensor(keep, device=device)
    segments = None
    if start.ndim == 3:
        # Segment ids: a new segment wherever the starting stay changes value.
        change = np.ones(start.shape, dtype=np.int64)
        change[:, :, 1:] = start[:, :, 1:] != start[:, :, :-1]
        ids = np.cumsum(change.reshape(-1)) - 1
        counts = np.bincount(ids).astype(np.float32)
        if len(counts) < ids.size:
            segments = torch.as_tensor(ids, device=device)
            sizes = torch.as_tensor(counts, device=device)

    @torch.no_grad()
    def project(synthetic):
        if segments is not None:
            flat = synthetic.view(-1)
            means = torch.zeros_like(sizes).index_add_(0, segments, flat) / sizes
            flat.copy_(means[segments])
        synthetic[keep] = kept

    return project


def make_projection(bounds, X, start, device):
    """The projection of ``bounds`` (``"auto"``, ``"data"``, ``"structure"``
    or None); ``"auto"`` is ``"structure"`` for series and None otherwise."""
    if bounds == "auto":
        bounds = "structure" if X.ndim == 3 else None
    if bounds is None:
        return None
    clip = _data_projection(X, device)
    if bounds == "data" or X.ndim > 3:
        return clip
    structure = _structure_projection(X, start, device)

    def project(synthetic):
        clip(synthetic)
        structure(synthetic)

    return project
