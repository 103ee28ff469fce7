"""Random real records of every class: the real batches of an iteration."""

from __future__ import annotations

import numpy as np
import torch

from .._out_of_core import BLOCK_BYTES, is_out_of_core, take_rows


class ClassBatches:
    """The real records of every class that one iteration compares.

    ``draw(generator)`` returns, class after class as one tensor on
    ``device``, ``counts[c] = min(batch_size, n_c)`` records of class ``c``:
    a class no larger than the batch whole (its exact statistics, each record
    once), a larger one sampled without replacement. The sample of a large
    class is stratified: its rows (in the order of ``X``) are cut into
    ``batch_size`` blocks of near-equal size and one row is drawn in each, so
    the draw costs ``O(batch_size)`` whatever the class size, a row is never
    drawn twice, and every row is drawn with probability about
    ``batch_size / n_c``. In-memory data are sorted by class once and kept on
    the device, so a draw is one gather there (no host round trip). A memmap
    stays on disk: a draw reads only the drawn rows. Both give the same
    records for the same generator.

    Parameters
    ----------
    X : ndarray or numpy.memmap
        The training records.
    y : ndarray of int
        Their classes, encoded ``0 .. n_classes - 1``.
    n_classes : int
        Number of classes.
    batch_size : int
        Records per class and draw, at most.
    device : torch.device
        Where the batches go.
    dtype : torch.dtype, default=torch.float32
        dtype of the batches.
    draw_dtype : torch.dtype, default=torch.float32
        dtype of the uniform draws that pick the rows.
    flatten : bool, default=False
        Return records flattened to one dimension.

    Attributes
    ----------
    counts : list of int
        Records of each class in a draw.
    labels : torch.Tensor of shape (sum(counts),)
        The class of each row of a draw.
    """

    def __init__(
        self,
        X,
        y,
        n_classes,
        batch_size,
        device,
        dtype=torch.float32,
        draw_dtype=torch.float32,
        flatten=False,
    ):
        self.device, self.dtype, self.draw_dtype = device, dtype, draw_dtype
        self.shape = (-1,) if flatten else X.shape[1:]
        # Real records sorted by class, so a class's rows are one contiguous block.
        order = np.argsort(y, kind="stable")
        class_sizes = np.bincount(y, minlength=n_classes)
        class_starts = np.concatenate([[0], np.cumsum(class_sizes)[:-1]])
        self.counts = np.minimum(class_sizes, batch_size).tolist()
        # The blocks: block i of class c spans rows [first, first + width).
        firsts, widths = [], []
        for start, size, count in zip(
            class_starts, class_sizes, self.counts, strict=True
        ):
            edges = start + (np.arange(count + 1) * size) // max(count, 1)
            firsts.append(edges[:-1])
            widths.append(np.diff(edges))
        self.firsts = torch.as_tensor(np.concatenate(firsts), device=device)
        self.widths = torch.as_tensor(
            np.concatenate(widths), dtype=draw_dtype, device=device
        )
        self.labels = torch.as_tensor(
            np.repeat(np.arange(n_classes), self.counts), device=device
        )
        self._counts = torch.as_tensor(self.counts, device=device)
        if is_out_of_core(X):
            self._X, self._order, self._real = X, order, None
        else:
            sorted_records = X[order].reshape(len(X), *self.shape)
            self._real = torch.as_tensor(sorted_records, dtype=dtype, device=device)

    def draw(self, generator: torch.Generator) -> torch.Tensor:
        """One draw, shape ``(sum(counts), ...)``, grouped by class."""
        return self.take(self.draw_rows(generator))

    def draw_rows(self, generator: torch.Generator) -> torch.Tensor:
        """The rows of one draw (positions in the class-sorted records)."""
        offsets = torch.rand(
            len(self.firsts), generator=generator, device=self.device,
            dtype=self.draw_dtype,
        )  # fmt: skip
        return self.firsts + (offsets * self.widths).long()

    def take(self, rows: torch.Tensor) -> torch.Tensor:
        """The records at ``rows`` (positions in the class-sorted records)."""
        if self._real is not None:
            return self._real[rows]
        records = take_rows(self._X, self._order[rows.cpu().numpy()])
        records = records.reshape(len(records), *self.shape)
        return torch.as_tensor(records, dtype=self.dtype, device=self.device)

    def map_records(self, function, block_size: int = 4096) -> torch.Tensor | None:
        """``function`` of every record, in the class-sorted order, or None
        out of core (where the records are read only when drawn).

        For per-record values that a draw would otherwise recompute:
        ``map_records(f)[draw_rows(g)]`` is ``f(take(draw_rows(g)))`` for a
        row-wise ``f``.
        """
        if self._real is None:
            return None
        return torch.cat(
            [function(block) for block in torch.split(self._real, block_size)]
        )

    def class_means(self, embedded: torch.Tensor) -> torch.Tensor:
        """Per-class means of the rows of a draw (embedded), ``(n_classes, ...)``."""
        sums = embedded.new_zeros(len(self.counts), *embedded.shape[1:])
        sums.index_add_(0, self.labels, embedded)
        counts = self._counts.to(embedded.dtype)
        return sums / counts.view(-1, *[1] * (embedded.dim() - 1))


#: The real records that stand for a class beside the batches (the cached
#: pool's targets, early stopping's checks), in real batches: a class is
#: used whole up to ``CLASS_SAMPLE_BATCHES * batch_real`` records.
CLASS_SAMPLE_BATCHES = 4


def sample_per_class(X, y, n_classes, cap, rng):
    """Real records that stand for each class: ``(sample, counts)``.

    All of a class up to ``cap`` records, else ``cap`` of them drawn without
    replacement with ``rng``; read once (in file order, so a memmap is read
    forwards) and grouped by class, ``counts[c]`` of class ``c``, as one
    float32 array.
    """
    rows = []
    for c in range(n_classes):
        members = np.flatnonzero(y == c)
        if len(members) > cap:
            members = np.sort(rng.choice(members, cap, replace=False))
        rows.append(members)
    counts = [len(members) for members in rows]
    rows = np.concatenate(rows)
    order = np.argsort(rows, kind="stable")
    sample = np.empty((len(rows), *X.shape[1:]), dtype=np.float32)
    step = max(1, BLOCK_BYTES // max(1, X[:1].nbytes))
    for start in range(0, len(rows), step):
        chunk = order[start : start + step]
        sample[chunk] = take_rows(X, rows[chunk])
    return sample, counts
