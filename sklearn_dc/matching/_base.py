"""Base class of the matching family: synthetic records learned by gradient descent."""

from __future__ import annotations

import math
import os
import signal
import threading
import warnings
from abc import abstractmethod
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from skorch import NeuralNet
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from tqdm.auto import tqdm

from .._out_of_core import (
    class_sample,
    column_mean_std,
    column_range,
    is_out_of_core,
    iter_blocks,
    take_rows,
)
from ..base import BaseCondenser, RealRecordsWarning
from ..coreset._kmeans_centroids import kmeans_centres
from ..nn import NETWORKS, resolve_nets
from ._checkpoint import fingerprint, load_checkpoint, save_checkpoint

_matching_parameters_docstring = """\
net : str, module, skorch NeuralNet or list, default="auto"
        The network whose embeddings are matched; its weights are drawn anew
        in place at every iteration. ``"auto"`` takes ``"mlp"`` for tables,
        ``"tcn"`` for time series and ``"convnet"`` for images; other names
        are in ``sklearn_dc.nn.NETWORKS`` (``"gru"``, ``"lstm"``,
        ``"transformer"``). A module class is called with ``n_features``
        (tables) or ``n_channels`` and with ``n_classes``, and must define
        ``embed(x)``. A skorch ``NeuralNet`` lends its ``module`` and
        ``module__*`` parameters (so ``condenser__net__module__width`` can be
        grid-searched) and, with ``device="auto"``, its device. A list gives
        several networks, one drawn at random per iteration (the reference
        paper draws from a TCN, an LSTM and a transformer).

    n_iter : int, default={n_iter}
        Number of optimisation steps of the synthetic records.

    lr : float, default={lr}
        Learning rate of the Adam optimiser that moves the synthetic records
        (in units of the features, so scale the features first).

    batch_real : int, default={batch_real}
        Real records drawn (with replacement) per class at each iteration.

    init : {{"real", "noise", "kmeans"}}, default="real"
        Starting point of the synthetic records: random real records of the
        class, Gaussian noise with the features' mean and standard deviation,
        or the class's k-means centres.

    bounds : "data" or None, default=None
        ``"data"`` keeps the synthetic records within what the training data
        allow, by a projection after each step: every value stays within the
        range its feature (each element of a record: a column of a table, a
        channel at a time point of a series) takes in the data, and a
        time-series channel whose shape over time is the same in every record
        up to an offset (a static variable such as age, or a clock such as
        hours since admission) keeps that shape. Without it the optimisation
        can create variation that no real record has, and learners split on
        those artefacts. ``None`` (the default) leaves the records
        unconstrained: on tables, clipping piles values up at the range ends
        and hurt gradient boosting in our benchmarks (``docs/``).

    device : str, default="cpu"
        Torch device for the optimisation: ``"cpu"``, ``"cuda"`` (or
        ``"cuda:N"``), or ``"auto"``: the device of a skorch ``net`` if one is
        given, else CUDA when available.""".rstrip()

_warm_start_docstring = """warm_start : bool, default=False
        When True and the condenser was fitted before with the same classes,
        budgets and record shape, start from the synthetic records that fit
        returned (not from ``init``) and optimise them for ``n_iter`` more
        iterations; ``loss_history_`` and ``n_iter_`` then continue the
        previous ones. Otherwise, and by default, every fit starts afresh.
        For long runs: fit with a small ``n_iter``, check the result, and
        continue.""".rstrip()

_matching_attributes_docstring = """loss_history_ : ndarray of shape (`n_iter_`,)
        Matching loss at each iteration.

    n_iter_ : int
        Number of iterations run: ``n_iter``, or fewer when the run was
        interrupted. Ctrl-C (SIGINT) during ``fit_resample`` stops at the end
        of the current iteration with a warning and returns the synthetic
        records as they are; a second Ctrl-C stops at once.""".rstrip()


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


def refuse_batch_norm(estimator, nets, why: str) -> None:
    """Raise a ValueError naming the batch normalisation in ``nets``.

    ``why`` says what batch statistics break in ``estimator``'s method.
    """
    for net in nets:
        found = sorted(
            {type(m).__name__ for m in net.modules() if isinstance(m, _BatchNorm)}
        )
        if found:
            raise ValueError(
                f"{type(estimator).__name__} cannot use {type(net).__name__}: it "
                f"has batch normalisation ({', '.join(found)}), {why} Use a "
                "network without it (those of sklearn_dc.nn have none; GroupNorm "
                "or LayerNorm are fine), e.g. net='auto'."
            )


class _StopOnInterrupt:
    """Turn Ctrl-C into a request to stop at the next iteration boundary.

    Inside the ``with`` block, the first SIGINT only sets ``requested``; a
    second one interrupts at once, as usual. Outside the main thread (where
    signal handlers cannot be set) Ctrl-C behaves as usual.
    """

    def __init__(self):
        self.requested = False
        self._previous = None

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc_info):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


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


class BaseMatching(BaseCondenser):
    """Base class for condensers that learn synthetic records.

    The synthetic records start from ``init`` and are moved by Adam to minimise
    a matching loss built by the subclass's ``_make_loss``. This class owns
    initialisation, devices, seeding, the optimisation loop, the progress bar
    and ``loss_history_``.

    Warning: This class should not be used directly. Use the derived classes
    instead.
    """

    _parameter_constraints: dict = {
        **BaseCondenser._parameter_constraints,
        "net": [StrOptions({"auto", *NETWORKS}), type, nn.Module, NeuralNet, list],
        "n_iter": [Interval(Integral, 0, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "batch_real": [Interval(Integral, 1, None, closed="left")],
        "init": [StrOptions({"real", "noise", "kmeans"})],
        "bounds": [StrOptions({"data"}), None],
        "device": [str, torch.device],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "checkpoint": [str, os.PathLike, None],
        "checkpoint_every": [Interval(Integral, 1, None, closed="left")],
    }

    def _fit_resample(self, X, y):
        _check_float32_range(X, type(self).__name__)
        if self.init == "real" and not self._continues_previous_fit():
            _warn_real_starts(self, np.bincount(y, minlength=len(self.classes_)))
        seed = self._draw_seed()
        rng = np.random.default_rng(seed)
        budget = self._budget()
        nets, net_devices = self._resolve_nets(X, len(budget))
        skorch_device = next((d for d in net_devices if d is not None), None)
        device = resolve_device(self.device, preferred=skorch_device)
        generator = torch.Generator(device=device).manual_seed(seed)
        nets = [net.to(device) for net in nets]
        self._check_batch_memory(X, nets, budget, device)

        loss_fn = self._make_loss(X, y, budget, nets, device, generator, rng)
        # A subclass may learn more tensors (e.g. soft labels) with the records.
        loss_fn, extra = loss_fn if isinstance(loss_fn, tuple) else (loss_fn, [])
        previous = self._warm_start_state(X, budget)
        start = previous[0] if previous else self._initial_records(X, y, budget, rng)
        synthetic = torch.tensor(
            start,
            dtype=torch.float32,
            device=device,
            requires_grad=True,
        )
        optimizer = torch.optim.Adam([synthetic, *extra], lr=self.lr)
        project = self._make_projection(X, device)
        # Losses stay on the device: reading them each step would force a sync.
        losses = torch.empty(self.n_iter, device=device)
        run = {
            "synthetic": synthetic,
            "extra": extra,
            "optimizer": optimizer,
            "losses": losses,
            "generator": generator,
            "rng": rng,
            "nets": nets,
            "loss_state": getattr(loss_fn, "state", {}),
        }
        path = getattr(self, "checkpoint", None)
        key = None if path is None else fingerprint(self, X, y, budget, start)
        n_done = first = 0 if key is None else _resume(path, key, self.n_iter, run)
        refresh = max(1, self.n_iter // 100)
        with (
            _StopOnInterrupt() as interrupt,
            tqdm(
                total=self.n_iter,
                initial=first,
                desc=type(self).__name__,
                disable=not self.verbose,
            ) as progress,
        ):
            for step in range(first, self.n_iter):
                loss = loss_fn(synthetic)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                if project is not None:
                    project(synthetic)
                losses[step] = loss.detach()
                n_done = step + 1
                progress.update()
                if self.verbose and step % refresh == 0:
                    progress.set_postfix(loss=f"{loss.item():.4g}")
                if key is not None and n_done % self.checkpoint_every == 0:
                    save_checkpoint(path, _run_state(run, key, n_done))
                if interrupt.requested:
                    warnings.warn(
                        f"{type(self).__name__} was interrupted after {n_done} of "
                        f"{self.n_iter} iterations; returning the synthetic "
                        "records as they are (n_iter_ says how far it got).",
                        UserWarning,
                        stacklevel=4,
                    )
                    break
        if key is not None and n_done % self.checkpoint_every != 0:
            save_checkpoint(path, _run_state(run, key, n_done))
        history = losses[:n_done].cpu().numpy().astype(np.float64)
        self.loss_history_ = (
            np.concatenate([previous[1], history]) if previous else history
        )
        self.n_iter_ = len(self.loss_history_)
        X_res = synthetic.detach().cpu().numpy()
        self._previous_fit = (X_res, budget.copy(), self.loss_history_)
        return X_res, np.repeat(np.arange(len(budget)), budget)

    def _continues_previous_fit(self) -> bool:
        """Whether this fit would continue a previous one (``warm_start``)."""
        return bool(getattr(self, "warm_start", False)) and hasattr(
            self, "_previous_fit"
        )

    def _warm_start_state(self, X, budget):
        """``(records, loss_history)`` of the previous fit to continue, or None."""
        previous = getattr(self, "_previous_fit", None)
        if not getattr(self, "warm_start", False) or previous is None:
            return None
        records, previous_budget, history = previous
        if records.shape[1:] != X.shape[1:] or not np.array_equal(
            previous_budget, budget
        ):
            raise ValueError(
                "warm_start=True continues the previous fit, which had "
                f"{previous_budget.tolist()} records per class of shape "
                f"{records.shape[1:]}; this fit asks for {budget.tolist()} of "
                f"shape {X.shape[1:]}. Use the same budget and data layout, or "
                "set warm_start=False to start afresh."
            )
        return records, history

    def _check_batch_memory(self, X, nets, budget, device):
        """Refuse a batch that cannot fit in the free memory, before allocating.

        The estimate is an upper bound: the training data copied to the device
        (unless read from a memmap), every activation of the real batch, and
        three times those of the synthetic records (kept for the backward
        pass). A method with another memory profile overrides this.
        """
        free = free_memory_bytes(device)
        if not math.isfinite(free):
            return
        record = torch.zeros((1, *X.shape[1:]), dtype=torch.float32, device=device)
        per_record = 4 * max(
            activations_per_record(net, record, getattr(net, "embed", None))
            for net in nets
        )
        data = 0 if is_out_of_core(X) else 4 * X.size
        n_classes, n_synthetic = len(budget), int(budget.sum())
        need = data + per_record * (self.batch_real * n_classes + 3 * n_synthetic)
        if need <= free:
            return
        gib = 2**30
        fits = int((free - data - 3 * n_synthetic * per_record) // max(1, per_record))
        fits //= n_classes
        advice = (
            f"batch_real <= {fits} fits"
            if fits >= 1
            else "no batch_real fits with this budget; lower n_per_class"
        )
        raise ValueError(
            f"{type(self).__name__} would need about {need / gib:.3g} GiB on "
            f"{device} ({data / gib:.3g} GiB for the training data as float32, "
            f"{per_record / 1024:.0f} KiB of activations per record for "
            f"batch_real={self.batch_real} real records per class x {n_classes} "
            f"classes and {n_synthetic} synthetic records), but only "
            f"{free / gib:.3g} GiB are free: {advice}. A numpy.memmap as X keeps "
            "the training data on disk; a smaller net= needs less."
        )

    def _resolve_nets(self, X, n_classes):
        """The matching networks and their skorch devices (``resolve_nets``)."""
        return resolve_nets(self.net, input_shape=X.shape[1:], n_classes=n_classes)

    def _make_projection(self, X, device):
        """The in-place projection applied after each step, or None."""
        return _data_projection(X, device) if self.bounds == "data" else None

    def _initial_records(self, X, y, budget, rng):
        """Starting synthetic records, grouped by class, as a float array."""
        if self.init == "noise":
            mean, std = column_mean_std(X)
            return mean + std * rng.standard_normal((budget.sum(), *X.shape[1:]))
        parts = []
        for label, n in enumerate(budget):
            members = np.flatnonzero(y == label)
            if self.init == "real":
                chosen = members[rng.choice(len(members), size=n, replace=False)]
                parts.append(take_rows(X, chosen))
            else:
                name = f"{type(self).__name__}(init='kmeans')"
                members = members[
                    class_sample(X, members, rng, name, self.classes_[label])
                ]
                flat = take_rows(X, members).reshape(len(members), -1)
                seed = int(rng.integers(2**31 - 1))
                parts.append(kmeans_centres(flat, n, seed).reshape(-1, *X.shape[1:]))
        return np.concatenate(parts)

    @abstractmethod
    def _make_loss(self, X, y, budget, nets, device, generator, rng):
        """Return ``loss_fn(synthetic) -> scalar tensor`` for this method.

        ``X`` and ``y`` are the validated training data (``y`` encoded
        ``0..n_classes-1``), ``budget`` the records per class (the synthetic
        rows are grouped by class in that order), ``nets`` the matching
        networks (on ``device``). Random draws on the device use
        ``generator``, draws on the host ``rng``.

        It may instead return ``(loss_fn, tensors)``: the leaf tensors (with
        ``requires_grad=True``, e.g. learned soft labels) are optimised by the
        same Adam optimiser as the synthetic records. A method whose
        iterations carry state from one to the next (beyond the networks'
        weights and the random generators) keeps it in a dict of tensors,
        numbers and lists set as ``loss_fn.state``, which checkpoints save and
        restore.
        """


def _warn_real_starts(condenser, class_sizes):
    """Warn when ``init="real"`` would hand back real records, or nearly.

    With ``n_iter=0`` the output is the starting records: real records,
    copied. A class with a single record starts from that patient, and its
    synthetic records stay close to it.
    """
    name = type(condenser).__name__
    if condenser.n_iter == 0:
        warnings.warn(
            f"{name}(n_iter=0, init='real') returns its starting records: real "
            "records, copied unchanged. Do not share them; give n_iter >= 1 to "
            "learn synthetic records.",
            RealRecordsWarning,
            stacklevel=5,
        )
        return
    labels = condenser.classes_.tolist()
    single = [c for c, n in zip(labels, class_sizes, strict=True) if n == 1]
    if single:
        warnings.warn(
            f"Classes {single} have a single record: {name} starts their "
            "synthetic records from it (init='real') and they stay close to that "
            "patient. Use init='noise', or leave such classes out before sharing.",
            RealRecordsWarning,
            stacklevel=5,
        )


def _check_float32_range(X, name):
    """Refuse values that the float32 optimisation would turn into infinity.

    The finite check of the input runs in its own dtype; a float64 value
    beyond float32's range passes it and becomes inf in the networks, which
    turns embeddings, and then the synthetic records, into NaN.
    """
    limit = np.finfo(np.float32).max
    for block in iter_blocks(X):
        if block.dtype != np.float32 and np.abs(block).max(initial=0.0) > limit:
            raise ValueError(
                f"X holds values beyond the float32 range (|x| > {limit:.3g}), "
                f"which {name} computes in: they would become infinite. Scale the "
                "features first (e.g. sklearn.preprocessing.StandardScaler), or "
                "clip or remove the extreme values."
            )


def _run_state(run, key, n_done):
    """What a checkpoint keeps of a run after ``n_done`` iterations (on the CPU)."""
    return {
        "fingerprint": key,
        "step": n_done,
        "synthetic": run["synthetic"].detach().cpu(),
        "extra": [tensor.detach().cpu() for tensor in run["extra"]],
        "optimizer": run["optimizer"].state_dict(),
        "losses": run["losses"][:n_done].cpu(),
        "generator": run["generator"].get_state(),
        "rng": run["rng"].bit_generator.state,
        "nets": [net.state_dict() for net in run["nets"]],
        "loss_state": _to_device(run["loss_state"], "cpu"),
    }


def _resume(path, key, n_iter, run):
    """Load the checkpoint at ``path`` into ``run``; the iterations it holds (or 0)."""
    saved = load_checkpoint(path, key, n_iter)
    if saved is None:
        return 0
    device = run["synthetic"].device
    with torch.no_grad():
        run["synthetic"].copy_(saved["synthetic"])
        for tensor, value in zip(run["extra"], saved["extra"], strict=True):
            tensor.copy_(value)
        run["losses"][: saved["step"]] = saved["losses"].to(device)
    run["optimizer"].load_state_dict(saved["optimizer"])
    run["generator"].set_state(saved["generator"])
    run["rng"].bit_generator.state = saved["rng"]
    for net, weights in zip(run["nets"], saved["nets"], strict=True):
        net.load_state_dict(weights)
    run["loss_state"].update(_to_device(saved["loss_state"], device))
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
