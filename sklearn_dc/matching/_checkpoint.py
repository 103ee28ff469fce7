"""Checkpoints of a matching run: save every k iterations, resume from the file."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import torch

from .._out_of_core import iter_blocks

_FORMAT = 1

# Parameters that do not change what an iteration computes: a run may resume
# with other values of them (more iterations, another interval, quieter).
_RESUMABLE = {"n_iter", "verbose", "checkpoint", "checkpoint_every", "warm_start"}

_checkpoint_docstring = """checkpoint : str or path-like, default=None
        File that keeps a long run safe. Every ``checkpoint_every``
        iterations, and when the run ends or is interrupted, the synthetic
        records, the optimiser's state, the loss history and the random
        generators' states are written to it (atomically: a crash never
        leaves half a file). A fit that finds the file, written by a fit of
        the same data, budget and parameters (``n_iter``, ``verbose`` and
        the checkpoint settings may differ), resumes where it stopped and
        returns what an uninterrupted fit of ``n_iter`` iterations would
        (bit for bit on a CPU). A file from other data or settings is an
        error, never silently overwritten.

    checkpoint_every : int, default=100
        Iterations between two writes of ``checkpoint``.""".rstrip()


def fingerprint(estimator, X, y, budget, start) -> str:
    """SHA-256 of what determines a run's iterations.

    The data (read block by block, so a memmap is not loaded), the labels,
    the budget, the starting records and every parameter that changes an
    iteration.
    """
    digest = hashlib.sha256()
    digest.update(json.dumps([_FORMAT, list(X.shape), str(X.dtype)]).encode())
    for block in iter_blocks(X):
        digest.update(np.ascontiguousarray(block).tobytes())
    for array in (y, budget, start):
        digest.update(np.ascontiguousarray(array).tobytes())
    params = {
        name: repr(value)
        for name, value in sorted(estimator.get_params(deep=False).items())
        if name not in _RESUMABLE
    }
    digest.update(json.dumps([type(estimator).__qualname__, params]).encode())
    return digest.hexdigest()


def load_checkpoint(path, key: str, n_iter: int):
    """The state saved at ``path`` (None without a file), checked against ``key``."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ValueError(
            f"checkpoint={str(path)!r} exists but cannot be read as a checkpoint "
            f"({exc}). Delete it or choose another path."
        ) from exc
    if not isinstance(state, dict) or state.get("fingerprint") != key:
        raise ValueError(
            f"checkpoint={str(path)!r} was written by a fit of other data, budget "
            "or parameters, so this fit cannot resume from it. Delete the file to "
            "start afresh, or give this fit another checkpoint path."
        )
    if state["step"] > n_iter:
        raise ValueError(
            f"checkpoint={str(path)!r} holds {state['step']} iterations, more than "
            f"n_iter={n_iter}. Set n_iter >= {state['step']} to resume (or to "
            "return the saved records as they are), or delete the file."
        )
    return state


def save_checkpoint(path, state: dict) -> None:
    """Write ``state`` to ``path`` through a temporary file and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    torch.save(state, partial)
    os.replace(partial, path)
