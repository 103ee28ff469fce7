"""Whether the networks and records are trained with torch's fused Adam."""

from __future__ import annotations

import torch

#: The device types with torch's fused Adam and AdamW kernels.
FUSED_ADAM_DEVICES = ("cpu", "cuda")


def fused_adam(device: str | torch.device) -> bool:
    """Whether to take torch's fused Adam / AdamW on ``device``.

    With the per-tensor update, a seeded fit on the CPU came out different in
    the last bits from one process to another (about one process in five:
    ``tests/matching/test_reproducible.py``); the fused kernel gives the same
    result in every process.

    Examples
    --------
    >>> from sklearn_dc.nn._optim import fused_adam
    >>> fused_adam("cpu"), fused_adam("meta")
    (True, False)
    """
    return torch.device(device).type in FUSED_ADAM_DEVICES
