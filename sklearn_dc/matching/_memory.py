"""The memory estimate: refuse a fit that cannot fit in memory, before allocating.

One policy for every matching condenser: a method estimates the bytes its
fit needs (an upper bound), and :func:`check_free_memory` compares them with
what is free on the device (:func:`free_memory_bytes`), raising a ValueError
that names the parameter to lower. :func:`check_batch_memory` is the estimate
of the methods that embed a real batch and the synthetic records.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch

from .._out_of_core import is_out_of_core

GIB = 2**30


def activations_per_record(net, record, call=None) -> int:
    """Values output by the leaf modules of ``net`` for one record.

    ``call`` runs the network (default: ``net`` itself, its forward pass; a
    matching network's ``embed`` for methods that only embed).
    """
    count = 0

    def hook(module, inputs, output):
        nonlocal count
        outputs = output if isinstance(output, tuple | list) else (output,)
        count += sum(o.numel() for o in outputs if isinstance(o, torch.Tensor))

    leaves = [m for m in net.modules() if next(m.children(), None) is None]
    handles = [m.register_forward_hook(hook) for m in leaves]
    # Evaluation mode: batch normalisation cannot train on one record (and a
    # condenser that refuses it says so later, with its own message).
    training = net.training
    net.eval()
    try:
        with torch.no_grad():
            (net if call is None else call)(record)
    finally:
        net.train(training)
        for handle in handles:
            handle.remove()
    return max(count, 1)


def free_memory_bytes(device) -> float:
    """Memory free for new tensors on ``device``; infinite when unknown.

    The GPU's free memory for CUDA; ``MemAvailable`` of ``/proc/meminfo`` (what
    can be allocated without swapping) on a Linux CPU.
    """
    if device.type == "cuda":
        return float(torch.cuda.mem_get_info(device)[0])
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    return math.inf


def check_free_memory(estimator, device, need, explain) -> None:
    """Refuse ``need`` bytes on ``device`` when less memory than that is free.

    ``explain(free)`` completes the message "<name> would need about N GiB on
    <device> ": what the bytes are for and which parameter to lower.
    """
    free = free_memory_bytes(device)
    if need <= free:
        return
    raise ValueError(
        f"{type(estimator).__name__} would need about {need / GIB:.3g} GiB on "
        f"{device} {explain(free)}"
    )


def check_batch_memory(estimator, X, nets, budget, device) -> None:
    """Refuse a real batch and synthetic records that cannot fit in memory.

    The estimate is an upper bound: the training data copied to the device
    (unless read from a memmap), every activation of the real batch
    (``estimator._batch_real(X)`` records per class), and three times those of the
    synthetic records (kept for the backward pass).
    """
    if not math.isfinite(free_memory_bytes(device)):
        return
    record = torch.zeros((1, *X.shape[1:]), dtype=torch.float32, device=device)
    # A method without a network holds only the records.
    per_record = 4 * max(
        (
            activations_per_record(net, record, getattr(net, "embed", None))
            for net in nets
        ),
        default=0,
    )
    data = 0 if is_out_of_core(X) else 4 * X.size
    n_classes, n_synthetic = len(budget), int(budget.sum())
    batch_real = estimator._batch_real(X)
    need = data + per_record * (batch_real * n_classes + 3 * n_synthetic)

    def explain(free):
        fits = int((free - data - 3 * n_synthetic * per_record) // max(1, per_record))
        fits //= n_classes
        advice = (
            f"batch_real <= {fits} fits"
            if fits >= 1
            else "no batch_real fits with this budget; lower n_per_class"
        )
        return (
            f"({data / GIB:.3g} GiB for the training data as float32, "
            f"{per_record / 1024:.0f} KiB of activations per record for "
            f"batch_real={batch_real} real records per class x {n_classes} "
            f"classes and {n_synthetic} synthetic records), but only "
            f"{free / GIB:.3g} GiB are free: {advice}. A numpy.memmap as X keeps "
            "the training data on disk; a smaller net= needs less."
        )

    check_free_memory(estimator, device, need, explain)
