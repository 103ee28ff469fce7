"""Out-of-core input: training data in a ``numpy.memmap``, read a block at a time.

A condenser given a memory-mapped array never copies it whole. It reads the
rows it needs (a batch, a class's sample) and computes column statistics in
blocks of ``BLOCK_BYTES``. The kernel maps the pages a read touches into the
process; for read-only and shared mappings they are released after each read,
so the resident memory grows with the batches and the budget, not with the
number of rows.
"""

from __future__ import annotations

import mmap
import warnings

import numpy as np

# Bytes read per block when scanning a memmap (finite check, statistics);
# small, since a block's float64 temporaries are several times its size.
BLOCK_BYTES = 16 * 2**20

# Rows a method that needs a class's rows together (k-center, k-means,
# herding, k-means init) reads of one class from a memmap, in bytes.
CLASS_SAMPLE_BYTES = 256 * 2**20


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


def iter_blocks(X, block_bytes: int | None = None):
    """Consecutive blocks of rows of ``X``, ``block_bytes`` (``BLOCK_BYTES``) each.

    An in-memory ``X`` is one block (itself, not copied). A memmap's blocks
    are views of the file; each block's pages are released when the next one
    is asked for, so use a block before moving on.
    """
    if not is_out_of_core(X):
        yield X
        return
    block_bytes = BLOCK_BYTES if block_bytes is None else block_bytes
    step = max(1, block_bytes // max(1, X[:1].nbytes))
    for start in range(0, len(X), step):
        yield np.asarray(X[start : start + step])
        release_pages(X)


def take_rows(X, rows) -> np.ndarray:
    """``X[rows]`` as an in-memory array, reading only those rows of a memmap."""
    if not is_out_of_core(X):
        return X[rows]
    rows = np.asarray(rows)
    # Sorted reads touch each page once, front to back.
    unique, inverse = np.unique(rows, return_inverse=True)
    block = np.asarray(X[unique])[inverse.ravel()]
    release_pages(X)
    return block.reshape(*rows.shape, *X.shape[1:])


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
