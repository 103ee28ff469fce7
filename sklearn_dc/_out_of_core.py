"""Out-of-core input: training data in a ``numpy.memmap``, read a block at a time.

A condenser given a memory-mapped array never copies it whole. It reads the
rows it needs (a batch, a class's sample) and computes column statistics in
blocks of ``BLOCK_BYTES``. Rows are read from the memmap's file with
``os.pread`` rather than through the mapping: touching a mapping maps the
pages around each row into the process too (the kernel's fault-around), so
scattered rows would soon map the whole file. Resident memory thus grows
with the batches and the budget, not with the number of rows. Where the file
cannot be read directly (a copy-on-write memmap, whose changes live only in
memory; rows that are not contiguous; no ``os.pread``), rows are read through
the mapping and its pages are released after each read where that is safe.
"""

from __future__ import annotations

import mmap
import os
import warnings

import numpy as np

# Bytes read per block when scanning a memmap (finite check, statistics);
# small, since a block's float64 temporaries are several times its size.
BLOCK_BYTES = 16 * 2**20

# Rows a method that needs a class's rows together (k-center, k-means,
# herding, k-means init) reads of one class from a memmap, in bytes.
CLASS_SAMPLE_BYTES = 64 * 2**20


def is_out_of_core(X) -> bool:
    """Whether ``X`` is a memory-mapped array, read in blocks rather than whole."""
    return isinstance(X, np.memmap)


def release_pages(X) -> None:
    """Drop the pages of memmap ``X`` from the process's resident memory.

    Only for read-only and shared mappings (modes ``"r"`` and ``"r+"``): their
    pages stay in the file (and the page cache). A copy-on-write mapping
    (``"c"``) is left alone, since dropping its pages would discard the
    caller's in-memory changes.
    """
    mapping = getattr(X, "_mmap", None)
    if mapping is None or getattr(X, "mode", None) not in ("r", "r+"):
        return
    if hasattr(mapping, "madvise") and hasattr(mmap, "MADV_DONTNEED"):
        mapping.madvise(mmap.MADV_DONTNEED)


def _file_layout(X):
    """``(path, position of row 0, row stride, row bytes)`` of a memmap's file.

    None when the rows cannot be read from the file directly: a copy-on-write
    mapping (mode ``"c"``), rows that are not contiguous in memory, or no
    ``os.pread``.
    """
    mapping = getattr(X, "_mmap", None)
    if (
        mapping is None
        or getattr(X, "mode", None) not in ("r", "r+", "w+")
        or getattr(X, "filename", None) is None
        or not hasattr(os, "pread")
        or X.strides[0] <= 0
    ):
        return None
    row_shape = X.shape[1:]
    contiguous = np.empty((1, *row_shape), dtype=X.dtype).strides[1:]
    if X.strides[1:] != contiguous:
        return None
    # numpy maps the file from the allocation boundary at or before `offset`.
    mapped_from = X.offset - X.offset % mmap.ALLOCATIONGRANULARITY
    base = np.frombuffer(mapping, dtype=np.uint8).__array_interface__["data"][0]
    first = mapped_from + X.__array_interface__["data"][0] - base
    return X.filename, first, X.strides[0], X.itemsize * int(np.prod(row_shape))


def _read_rows(X, layout, rows):
    """Sorted, distinct ``rows`` of memmap ``X`` read from its file."""
    path, first, stride, row_bytes = layout
    out = np.empty((len(rows), row_bytes), dtype=np.uint8)
    # Runs of consecutive rows are read in one call when rows are adjacent.
    if stride == row_bytes and len(rows):
        breaks = np.flatnonzero(np.diff(rows) != 1) + 1
        runs = zip(
            np.concatenate([[0], breaks]),
            np.concatenate([breaks, [len(rows)]]),
            strict=True,
        )
    else:
        runs = ((i, i + 1) for i in range(len(rows)))
    fd = os.open(path, os.O_RDONLY)
    try:
        for begin, end in runs:
            size = (end - begin) * row_bytes
            data = os.pread(fd, size, first + int(rows[begin]) * stride)
            if len(data) != size:
                raise OSError(
                    f"{path} ended before row {rows[end - 1]} of the memmap; the "
                    "file is shorter than the shape the memmap was opened with."
                )
            out[begin:end] = np.frombuffer(data, dtype=np.uint8).reshape(-1, row_bytes)
    finally:
        os.close(fd)
    return out.view(X.dtype).reshape(len(rows), *X.shape[1:])


def iter_blocks(X, block_bytes: int | None = None):
    """Consecutive blocks of rows of ``X``, ``block_bytes`` (``BLOCK_BYTES``) each.

    An in-memory ``X`` is one block (itself, not copied). A memmap's blocks
    are read into memory one at a time.
    """
    if not is_out_of_core(X):
        yield X
        return
    block_bytes = BLOCK_BYTES if block_bytes is None else block_bytes
    step = max(1, block_bytes // max(1, X[:1].nbytes))
    for start in range(0, len(X), step):
        yield take_rows(X, np.arange(start, min(start + step, len(X))))


def take_rows(X, rows) -> np.ndarray:
    """``X[rows]`` as an in-memory array, reading only those rows of a memmap."""
    if not is_out_of_core(X):
        return X[rows]
    rows = np.asarray(rows)
    # Each distinct row is read once, front to back.
    unique, inverse = np.unique(rows, return_inverse=True)
    layout = _file_layout(X)
    if layout is not None:
        block = _read_rows(X, layout, unique)
    else:
        block = np.array(X[unique])
        release_pages(X)
    return block[inverse.ravel()].reshape(*rows.shape, *X.shape[1:])


def all_finite(X) -> bool:
    """Whether ``X`` holds no NaN or infinity (read block by block)."""
    return all(np.isfinite(block).all() for block in iter_blocks(X))


def column_range(X):
    """Per-element minimum and maximum over the rows of ``X``."""
    if not is_out_of_core(X):
        return X.min(axis=0), X.max(axis=0)
    low, high = None, None
    for block in iter_blocks(X):
        block_low, block_high = block.min(axis=0), block.max(axis=0)
        low = block_low if low is None else np.minimum(low, block_low)
        high = block_high if high is None else np.maximum(high, block_high)
    return low, high


def column_mean_std(X):
    """Per-element mean and standard deviation over the rows of ``X``.

    On a memmap, from per-block float64 sums (mean, then squared deviations
    from it in a second pass, which is stable).
    """
    if not is_out_of_core(X):
        return X.mean(axis=0), X.std(axis=0)
    total = sum(block.sum(axis=0, dtype=np.float64) for block in iter_blocks(X))
    mean = total / len(X)
    squares = 0.0
    for block in iter_blocks(X):
        deviation = block.astype(np.float64)
        deviation -= mean
        squares = squares + np.square(deviation, out=deviation).sum(axis=0)
    return mean.astype(X.dtype), np.sqrt(squares / len(X)).astype(X.dtype)


def element_variance(X) -> float:
    """Variance of all the values of ``X`` (every element of every record)."""
    if not is_out_of_core(X):
        return float(X.var())
    mean, std = column_mean_std(X)
    mean, std = mean.astype(np.float64), std.astype(np.float64)
    # Total variance: mean within-element variance plus variance of the means.
    return float((std**2).mean() + mean.var())


def class_sample(X, members, rng, name: str, label) -> np.ndarray:
    """Positions within ``members`` whose rows a whole-class method reads.

    All of them for in-memory data. From a memmap, at most
    ``CLASS_SAMPLE_BYTES`` worth of rows, drawn at random without
    replacement, with a warning that says so.
    """
    positions = np.arange(len(members))
    if not is_out_of_core(X):
        return positions
    row_bytes = max(1, X[:1].nbytes)
    limit = max(1, CLASS_SAMPLE_BYTES // row_bytes)
    if len(members) <= limit:
        return positions
    warnings.warn(
        f"{name} compares all the records of a class with each other, which "
        f"does not scale to out-of-core data: on the memmap it works on a random "
        f"sample of {limit:,} of the {len(members):,} records of class {label!r} "
        f"({CLASS_SAMPLE_BYTES // 2**20} MB). Use a matching condenser (e.g. "
        "DistributionMatching) to use every record.",
        UserWarning,
        stacklevel=4,
    )
    return np.sort(rng.choice(len(members), size=limit, replace=False))


def class_rows(X, members, rng, name: str, label):
    """``(positions, rows)``: the members of one class a per-class method reads.

    The positions are those of :func:`class_sample` (every member, except from
    a memmap too large to read whole); the rows are their records, flattened
    to 2-D for distances.
    """
    members = members[class_sample(X, members, rng, name, label)]
    return members, take_rows(X, members).reshape(len(members), -1)
