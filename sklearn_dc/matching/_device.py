"""The torch device a matching condenser runs on."""

from __future__ import annotations

import torch


def resolve_device(device, preferred=None) -> torch.device:
    """The torch device named by ``device``.

    ``"auto"`` takes ``preferred`` when given (a skorch net's device), else
    CUDA when present, else the CPU.
    """
    if device == "auto":
        if preferred is None:
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        device = preferred
    try:
        resolved = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(
            f"device={device!r} is not a torch device; use 'cpu', 'cuda', 'cuda:N' "
            "or 'auto'."
        ) from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was asked for, but torch.cuda.is_available() is "
            "False (no GPU, or a CPU-only build of torch). Use device='cpu', or "
            "device='auto' to take a GPU only when there is one."
        )
    return resolved
