"""Checkpoints of a matching run: save every k iterations, resume from the file."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .._out_of_core import iter_blocks
from ._early_stopping import EarlyStopping
from ._objective import Objective

_FORMAT = 1

# Parameters that do not change what an iteration computes: a run may resume
# with other values of them (more iterations, another interval, quieter).
_RESUMABLE = {
    "n_iter",
    "verbose",
    "max_time",
    "checkpoint",
    "checkpoint_every",
    "warm_start",
}


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


@dataclass
class Run:
    """The objects of a run whose state a checkpoint keeps."""

    synthetic: torch.Tensor
    optimizer: torch.optim.Optimizer
    losses: torch.Tensor
    generator: torch.Generator
    rng: np.random.Generator
    nets: list
    objective: Objective
    monitor: EarlyStopping | None = None

    def state(self, key, n_done) -> dict:
        """What a checkpoint keeps after ``n_done`` iterations (on the CPU)."""
        return {
            "fingerprint": key,
            "step": n_done,
            "synthetic": self.synthetic.detach().cpu(),
            "extra": [tensor.detach().cpu() for tensor in self.objective.parameters],
            "optimizer": self.optimizer.state_dict(),
            "losses": self.losses[:n_done].cpu(),
            "generator": self.generator.get_state(),
            "rng": self.rng.bit_generator.state,
            "nets": [net.state_dict() for net in self.nets],
            "loss_state": _to_device(self.objective.state_dict(), "cpu"),
            "early_stopping": None
            if self.monitor is None
            else self.monitor.state_dict(),
        }

    def resume(self, path, key, n_iter) -> int:
        """Load the checkpoint at ``path``; the iterations it holds (or 0)."""
        saved = load_checkpoint(path, key, n_iter)
        if saved is None:
            return 0
        device = self.synthetic.device
        parameters = self.objective.parameters
        with torch.no_grad():
            self.synthetic.copy_(saved["synthetic"])
            for tensor, value in zip(parameters, saved["extra"], strict=True):
                tensor.copy_(value)
            self.losses[: saved["step"]] = saved["losses"].to(device)
        self.optimizer.load_state_dict(saved["optimizer"])
        self.generator.set_state(saved["generator"])
        self.rng.bit_generator.state = saved["rng"]
        for net, weights in zip(self.nets, saved["nets"], strict=True):
            net.load_state_dict(weights)
        self.objective.load_state_dict(_to_device(saved["loss_state"], device))
        if self.monitor is not None:
            self.monitor.load_state_dict(saved["early_stopping"])
        return saved["step"]


def _to_device(value, device):
    """``value`` with every tensor in it (in dicts and lists) moved to ``device``."""
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, dict):
        return {name: _to_device(item, device) for name, item in value.items()}
    if isinstance(value, list):
        return [_to_device(item, device) for item in value]
    return value
