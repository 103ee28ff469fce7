"""``bounds="data"``: keep synthetic records within what the real ones allow."""

from __future__ import annotations

import numpy as np
import torch

from .._out_of_core import column_range, iter_blocks


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
