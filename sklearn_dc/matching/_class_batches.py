"""Random real records of every class: the real batches of an iteration."""

from __future__ import annotations

import numpy as np
import torch

from .._out_of_core import is_out_of_core, take_rows


class ClassBatches:
    """Random real records of every class, drawn with replacement.

    ``draw(batch_size, generator)`` returns ``batch_size`` records of each
    class, class after class, as one tensor on ``device``. In-memory data are
    sorted by class once and kept on the device, so a draw is one gather there
    (no host round trip). A memmap stays on disk: a draw reads only the drawn
    rows. Both give the same records for the same generator.

    Parameters
    ----------
    X : ndarray or numpy.memmap
        The training records.
    y : ndarray of int
        Their classes, encoded ``0 .. n_classes - 1``.
    n_classes : int
        Number of classes.
    device : torch.device
        Where the batches go.
    dtype : torch.dtype, default=torch.float32
        dtype of the batches.
    draw_dtype : torch.dtype, default=torch.float32
        dtype of the uniform draws that pick the rows.
    flatten : bool, default=False
        Return records flattened to one dimension.
    """

    def __init__(
        self,
        X,
        y,
        n_classes,
        device,
        dtype=torch.float32,
        draw_dtype=torch.float32,
        flatten=False,
    ):
        self.n_classes, self.device, self.dtype = n_classes, device, dtype
        self.draw_dtype = draw_dtype
        self.shape = (-1,) if flatten else X.shape[1:]
        # Real records sorted by class, so a class's rows are one contiguous block.
        order = np.argsort(y, kind="stable")
        class_sizes = np.bincount(y, minlength=n_classes)
        self.starts = torch.as_tensor(
            np.concatenate([[0], np.cumsum(class_sizes)[:-1]]), device=device
        )
        self.sizes = torch.as_tensor(class_sizes, dtype=draw_dtype, device=device)
        if is_out_of_core(X):
            self._X, self._order, self._real = X, order, None
        else:
            sorted_records = X[order].reshape(len(X), *self.shape)
            self._real = torch.as_tensor(sorted_records, dtype=dtype, device=device)

    def draw(self, batch_size: int, generator: torch.Generator) -> torch.Tensor:
        """``batch_size`` records per class, shape ``(n_classes * batch_size, ...)``."""
        offsets = torch.rand(
            self.n_classes,
            batch_size,
            generator=generator,
            device=self.device,
            dtype=self.draw_dtype,
        )
        rows = (self.starts[:, None] + (offsets * self.sizes[:, None]).long()).ravel()
        if self._real is not None:
            return self._real[rows]
        records = take_rows(self._X, self._order[rows.cpu().numpy()])
        records = records.reshape(len(records), *self.shape)
        return torch.as_tensor(records, dtype=self.dtype, device=self.device)
