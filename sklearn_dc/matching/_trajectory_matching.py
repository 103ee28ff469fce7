"""Matching training trajectories (Cazenavette et al., CVPR 2022)."""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import pickle
import warnings
from contextlib import nullcontext
from numbers import Integral, Real
from pathlib import Path
from typing import ClassVar

import numpy as np
import torch
from sklearn.utils._param_validation import Interval
from skorch import NeuralNet
from skorch.callbacks import Callback
from torch import nn
from torch.func import functional_call
from tqdm.auto import tqdm

from .._out_of_core import iter_blocks
from ..base import MAX_SEED
from ..nn import redraw_weights
from ._base import INIT_OR_AUTO, ResumableMatching, matching_parameters
from ._docstrings import fill_docstring
from ._memory import GIB, activations_per_record, check_free_memory
from ._nets import refuse_batch_norm
from ._objective import Objective

# Bump when the format of the cached trajectory files changes.
_CACHE_VERSION = 1


class _TrajectoryRecorder(Callback):
    """skorch callback: a copy of the flattened parameters at each epoch end.

    The parameters before training (epoch 0) are recorded when training
    begins, so ``trajectory`` holds ``max_epochs + 1`` float32 vectors, on the
    CPU.
    """

    def __init__(self):
        self.trajectory = []

    def _record(self, net):
        flat = nn.utils.parameters_to_vector(net.module_.parameters())
        self.trajectory.append(flat.detach().to("cpu", torch.float32, copy=True))

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.trajectory = []
        self._record(net)

    def on_epoch_end(self, net, **kwargs):
        self._record(net)


def train_expert(module, X, y, *, epochs, lr, batch_size, device, seed):
    """Train ``module`` on ``(X, y)`` with SGD and return its trajectory.

    The weights are drawn from a generator seeded with ``seed``, then skorch
    trains the module in place (plain SGD, no momentum nor weight decay,
    shuffled mini-batches, no validation split) for ``epochs`` epochs, with
    the global random state forked and seeded with ``seed``, so the caller's
    global state is untouched and the trajectory is reproducible.

    Parameters
    ----------
    module : nn.Module
        The network (changed in place), on ``device``.
    X : ndarray of shape (n_samples, ...)
        Real records, float32.
    y : ndarray of shape (n_samples,)
        Encoded labels, int64.
    epochs : int
        Training epochs.
    lr : float
        SGD learning rate.
    batch_size : int
        Mini-batch size.
    device : torch.device
        Training device.
    seed : int
        Seed of the weights and of the batch shuffling.

    Returns
    -------
    trajectory : torch.Tensor of shape (epochs + 1, n_params)
        The flattened parameters before training and after each epoch
        (float32, CPU).
    """
    redraw_weights(module, torch.Generator(device=device).manual_seed(seed))
    recorder = _TrajectoryRecorder()
    net = NeuralNet(
        module,
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.SGD,
        lr=lr,
        max_epochs=epochs,
        batch_size=min(batch_size, len(X)),
        train_split=None,
        iterator_train__shuffle=True,
        callbacks=[("trajectory", recorder)],
        device=str(device),
        verbose=0,
    )
    cuda = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda), warnings.catch_warnings():
        # A read-only memmap's batches reach torch as read-only arrays; they
        # are only read.
        warnings.filterwarnings("ignore", message="The given NumPy array is not writ")
        torch.manual_seed(seed)
        net.fit(X, y)
    return torch.stack(recorder.trajectory)


@fill_docstring
@matching_parameters
class TrajectoryMatching(ResumableMatching):
    """Learn synthetic records on which training follows experts' paths (MTT).

    Matching training trajectories (Cazenavette et al., "Dataset Distillation
    by Matching Training Trajectories", CVPR 2022) first trains
    ``n_experts`` networks on the real records with SGD and records their
    parameters after every epoch (the expert trajectories). Then, at every
    iteration, it picks an expert ``k`` and a start epoch
    ``t < max_start_epoch`` at random, starts a student network from the
    expert's parameters ``theta_t``, takes ``syn_steps`` SGD steps of the
    student on the synthetic records (cross-entropy, a learned step size)
    and minimises the normalised distance

    ``||theta_student - theta_{{t+M}}||^2 / ||theta_t - theta_{{t+M}}||^2``

    between where the student ends and where the expert was
    ``M = expert_epochs_ahead`` epochs later. The gradient flows through the
    unrolled student steps (``torch.func.functional_call``) to the synthetic
    records and to the step size, which are moved together by Adam. The
    student's cross-entropy weights each synthetic record by its class's share
    of the real records over its share of the synthetic ones, so that on
    imbalanced data it learns what the experts learnt from the real class
    frequencies.

    Scale the features first (e.g. ``StandardScaler`` before the condenser in
    the pipeline): the defaults assume features with unit variance.

    Parameters
    ----------
    n_experts : int, default=5
        Number of expert networks trained on the real records.

    expert_epochs : int, default=12
        Training epochs of each expert; its trajectory holds the parameters
        before training and after each epoch. The student only ever reaches
        epoch ``max_start_epoch + expert_epochs_ahead - 1``, so epochs beyond
        ``max_start_epoch + expert_epochs_ahead`` (the default) are never used.

    expert_lr : float, default=0.05
        Learning rate of the experts' SGD (no momentum, no weight decay).

    expert_cache : str, path-like or None, default=None
        Where the expert trajectories are kept. ``None``: in memory, for the
        duration of the fit only. A directory (created if needed): the
        trajectories are saved there in a file named after a fingerprint of
        everything that determines them (see Notes), and a later fit with
        the same fingerprint loads them instead of training the experts
        again, e.g. across ``n_per_class`` values of a grid search. Reuse
        needs an int ``random_state`` (the experts' seed is part of the
        fingerprint). Delete the directory to clear the cache.

    syn_steps : int, default=20
        Student SGD steps on the synthetic records per iteration (the
        length of the unrolled computation: memory and time grow with it).

    expert_epochs_ahead : int, default=2
        Epochs ``M`` of the expert trajectory the student's ``syn_steps``
        steps should cover.

    max_start_epoch : int, default=10
        The start epoch is drawn from ``0 .. max_start_epoch - 1``;
        ``max_start_epoch + expert_epochs_ahead`` must not exceed
        ``expert_epochs``.

    syn_lr_init : float, default=0.05
        Initial value of the learned step size of the student's SGD.

    batch_syn : int or None, default=None
        Synthetic records per student step, taken in turn from random
        permutations of the synthetic records. ``None`` uses all of them at
        every step.

    {init_by_shape}

    net : str, module, skorch NeuralNet or list, default="auto"
        The network trained by the experts and unrolled by the student; it
        must have no batch normalisation (refused: its running statistics do
        not fit a functional student). ``"auto"`` takes ``"mlp"`` for tables,
        ``"tcn"`` for time series and ``"convnet"`` for images; other names
        are in ``sklearn_dc.nn.NETWORKS``. A module class is called with
        ``n_features`` (tables) or ``n_channels`` and with ``n_classes``. A
        skorch ``NeuralNet`` lends its ``module`` and ``module__*`` parameters
        and, with ``device="auto"``, its device. A list gives several
        networks: expert ``k`` trains network ``k % len(net)``, and the
        student unrolls the network of the expert it follows.

    lr : float, default=0.05
        Learning rate of the Adam optimiser that moves the synthetic records
        (in units of the features, so scale the features first) and the
        student's step size. The step size is learned as its logarithm, so
        an iteration changes it by a factor of at most about ``exp(lr)``.

    batch_real : int, default=256
        Mini-batch size of the experts' training on the real records (the
        real records are seen only through the experts).

    verbose : bool or int, default=False
        Show progress bars for the experts and the distillation (with the
        current loss).

    Attributes
    ----------
    {fitted_attributes}

    {matching_attributes}

    {early_stopping_attributes}

    syn_lr_ : float
        The learned step size of the student's SGD at the end of the fit.

    experts_from_cache_ : bool
        Whether the expert trajectories were loaded from ``expert_cache``
        rather than trained in this fit.

    See Also
    --------
    DistributionMatching : Matches mean embeddings under random networks; no
        experts to train, much cheaper per iteration.
    KernelInducingPoints : Kernel ridge regression on the synthetic records.
    RandomSubset : Random real records, the baseline to beat.

    Notes
    -----
    **Memory.** With ``P`` parameters in the network, ``E = expert_epochs``,
    ``S = syn_steps``, ``b`` synthetic records per student step
    (``batch_syn``, or all of them) and ``A`` values output by the network's
    layers for one record, the fit holds about

    - ``4 * n_experts * (E + 1) * P`` bytes of expert trajectories (float32,
      in host memory; only the two vectors an iteration needs are moved to
      ``device``), and
    - ``4 * S * (2 * P + 4 * b * A)`` bytes for one iteration's unrolled
      student: the automatic differentiation keeps the ``S`` intermediate
      parameter vectors, their gradients and the activations of each step.

    Before allocating anything, the condenser refuses settings that need
    more memory than is free (the trajectories in host memory, the unroll
    on ``device``) and says which parameter to lower: ``n_experts`` or
    ``expert_epochs`` for the trajectories, ``syn_steps`` or ``batch_syn``
    for the unroll, or a smaller network. The trajectories are not kept
    after the fit (no ``expert_trajectories_`` attribute: they can be
    large); pass ``expert_cache`` to keep them on disk.

    **Time.** Training the experts costs ``n_experts * E * n_samples``
    record passes (a forward and a backward each); the distillation
    ``n_iter * S * b`` student record passes, each about four forward
    passes (forward, backward with its graph, and the backward through both).
    The defaults condense a small standardised table (e.g. the 1,347
    training records of scikit-learn's digits, 64 features, 10 classes, the
    default MLP) in tens of seconds on a 2-core CPU (13 s at one record per
    class, 25 s at ten, single-threaded, measured with experts of 20 epochs
    rather than today's 12). A cheaper setting:
    ``n_experts=2, expert_epochs=10, max_start_epoch=5, syn_steps=10``
    takes about half the time (8 s and 16 s there), with records about as
    good at one per class and slightly weaker at ten.

    **Cache fingerprint.** The cache file name is a SHA-256 of the real
    records (as float32) and labels, the network's class and printed
    structure (``repr``) and parameter shapes, ``n_experts``,
    ``expert_epochs``, ``expert_lr``, ``batch_real``, the device type and the
    experts' seed (from ``random_state``). Changing any of these trains new
    experts; a network whose behaviour changes without changing its
    ``repr`` (e.g. edited code) needs the cache cleared.

    The student runs the network in evaluation mode (dropout off). Recurrent
    networks on CUDA run the student without cuDNN, which cannot
    differentiate twice through its recurrent kernels.

    {not_private}

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.preprocessing import scale
    >>> from sklearn_dc.matching import TrajectoryMatching
    >>> X, y = load_wine(return_X_y=True)
    >>> condenser = TrajectoryMatching(
    ...     n_per_class=5, n_experts=2, expert_epochs=6, max_start_epoch=4,
    ...     syn_steps=5, n_iter=20, random_state=0,
    ... )
    >>> X_syn, y_syn = condenser.fit_resample(scale(X), y)
    >>> condenser.n_per_class_
    {{0: 5, 1: 5, 2: 5}}
    >>> condenser.best_iteration_ <= condenser.n_iter_ <= 20  # early stopping
    True
    >>> float(condenser.syn_lr_) > 0  # the learned step size of the student
    True
    >>> LogisticRegression().fit(X_syn, y_syn).score(scale(X), y) > 0.9
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        **ResumableMatching._parameter_constraints,
        "init": INIT_OR_AUTO,
        "n_experts": [Interval(Integral, 1, None, closed="left")],
        "expert_epochs": [Interval(Integral, 1, None, closed="left")],
        "expert_lr": [Interval(Real, 0, None, closed="neither")],
        "expert_cache": [str, os.PathLike, None],
        "syn_steps": [Interval(Integral, 1, None, closed="left")],
        "expert_epochs_ahead": [Interval(Integral, 1, None, closed="left")],
        "max_start_epoch": [Interval(Integral, 1, None, closed="left")],
        "syn_lr_init": [Interval(Real, 0, None, closed="neither")],
        "batch_syn": [Interval(Integral, 1, None, closed="left"), None],
    }

    n_experts: int = 5
    expert_epochs: int = 12
    expert_lr: float = 0.05
    expert_cache: str | os.PathLike | None = None
    syn_steps: int = 20
    expert_epochs_ahead: int = 2
    max_start_epoch: int = 10
    syn_lr_init: float = 0.05
    batch_syn: int | None = None
    n_iter: int = 300
    init: str = "auto"
    early_stopping: bool = True
    batch_real: int = 256

    def _fit_resample(self, X, y):
        if self.max_start_epoch + self.expert_epochs_ahead > self.expert_epochs:
            raise ValueError(
                f"max_start_epoch + expert_epochs_ahead = {self.max_start_epoch} + "
                f"{self.expert_epochs_ahead} exceeds expert_epochs="
                f"{self.expert_epochs}: the student's target epoch must lie on the "
                "expert trajectories. Lower max_start_epoch or expert_epochs_ahead, "
                "or raise expert_epochs."
            )
        return super()._fit_resample(X, y)

    def _resolve_nets(self, X, n_classes):
        nets, devices = super()._resolve_nets(X, n_classes)
        refuse_batch_norm(
            self,
            nets,
            "whose running statistics and batch dependence do not fit the "
            "functional student network.",
        )
        return nets, devices

    def _check_memory(self, X, nets, budget, device):
        """Refuse settings whose trajectories and unrolling cannot fit in memory.

        The expert trajectories live in host memory, the unrolled student on
        ``device``; each is checked against what is free where it lives.
        """
        n_synthetic = int(budget.sum())
        b = n_synthetic if self.batch_syn is None else min(self.batch_syn, n_synthetic)
        n_params = [sum(p.numel() for p in net.parameters()) for net in nets]
        record = torch.zeros((1, *X.shape[1:]), dtype=torch.float32, device=device)
        activations = [activations_per_record(net.eval(), record) for net in nets]
        trajectories = 4 * sum(
            (self.expert_epochs + 1) * n_params[k % len(nets)]
            for k in range(self.n_experts)
        )
        unroll = 4 * max(
            self.syn_steps * (2 * p + 4 * b * a)
            for p, a in zip(n_params, activations, strict=True)
        )
        advice = (
            "n_experts or expert_epochs"
            if trajectories >= unroll
            else "syn_steps or batch_syn"
        )

        def explain(free):
            return (
                f"({trajectories / GIB:.3g} GiB of expert trajectories "
                f"(n_experts={self.n_experts} x (expert_epochs={self.expert_epochs}"
                f" + 1) x {max(n_params)} parameters x 4 bytes, in host memory) "
                f"and {unroll / GIB:.3g} GiB for the unrolled student "
                f"(syn_steps={self.syn_steps} steps on {b} synthetic records)), but "
                f"only {free / GIB:.3g} GiB are free. Lower {advice}, or use a "
                "smaller network (net=...)."
            )

        if device.type == "cpu":
            check_free_memory(self, device, trajectories + unroll, explain)
        else:
            check_free_memory(self, torch.device("cpu"), trajectories, explain)
            check_free_memory(self, device, unroll, explain)

    def _fingerprint(self, X, y, nets, device, seed):
        """SHA-256 of everything that determines the expert trajectories."""
        digest = hashlib.sha256()
        digest.update(json.dumps([list(X.shape), len(y)]).encode())
        for block in iter_blocks(X):  # a memmap is hashed without loading it
            digest.update(np.ascontiguousarray(block, dtype=np.float32).tobytes())
        digest.update(np.ascontiguousarray(y, dtype=np.int64).tobytes())
        settings = {
            "version": _CACHE_VERSION,
            "nets": [
                [
                    f"{type(net).__module__}.{type(net).__qualname__}",
                    repr(net),
                    [list(p.shape) for p in net.parameters()],
                ]
                for net in nets
            ],
            "n_experts": self.n_experts,
            "expert_epochs": self.expert_epochs,
            "expert_lr": float(self.expert_lr),
            "batch_size": int(min(self.batch_real, len(X))),
            "device": device.type,
            "seed": seed,
        }
        digest.update(json.dumps(settings, sort_keys=True).encode())
        return digest.hexdigest()

    def _expert_trajectories(self, X, y, nets, device, seed):
        """The experts' trajectories, and whether they came from the cache."""
        path = None
        if self.expert_cache is not None:
            key = self._fingerprint(X, y, nets, device, seed)
            path = Path(self.expert_cache) / f"trajectories-{key[:32]}.pt"
            if path.is_file():
                try:
                    stored = torch.load(path, map_location="cpu", weights_only=True)
                except (OSError, RuntimeError, EOFError, pickle.UnpicklingError):
                    stored = {}  # unreadable (e.g. truncated): train anew
                if isinstance(stored, dict) and stored.get("fingerprint") == key:
                    return stored["trajectories"], True
        seeds = np.random.default_rng(seed).integers(MAX_SEED, size=self.n_experts)
        X32 = X.astype(np.float32, copy=False)
        y64 = y.astype(np.int64, copy=False)
        trajectories = []
        for k in tqdm(range(self.n_experts), desc="experts", disable=not self.verbose):
            module = copy.deepcopy(nets[k % len(nets)]).requires_grad_(True).train()
            trajectories.append(
                train_expert(
                    module,
                    X32,
                    y64,
                    epochs=self.expert_epochs,
                    lr=self.expert_lr,
                    batch_size=self.batch_real,
                    device=device,
                    seed=int(seeds[k]),
                )
            )
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            torch.save({"fingerprint": key, "trajectories": trajectories}, partial)
            os.replace(partial, path)  # atomic: a reader never sees half a file
        return trajectories, False

    def _objective(self, X, y, budget, nets, device, generator, rng):
        # The experts' seed is the first draw, so it depends on random_state
        # only (not on n_per_class): cached experts serve every budget.
        expert_seed = int(rng.integers(MAX_SEED))
        trajectories, from_cache = self._expert_trajectories(
            X, y, nets, device, expert_seed
        )
        for net in nets:
            net.requires_grad_(False).eval()
        experts = trajectories, from_cache
        weights = student_class_weights(y, budget)
        return _StudentDistance(
            experts, budget, weights, nets, device, generator, rng, self
        )


def student_class_weights(y, budget):
    """Weights of the student's cross-entropy, per class: real share / synthetic share.

    The experts learnt from the real class frequencies, the student learns from
    ``budget`` records per class. Weighting each synthetic record by its
    class's share of the real records over its share of the synthetic ones
    makes the student's loss the experts' loss (on balanced budgets of
    imbalanced data, unweighted, the records are pushed to serve the majority
    class: on a five-class series set of 292 / 177 / 19 / 10 / 2 records, one
    per class, logistic regression fell from 0.63 to 0.03 accuracy over the
    fit).

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Encoded labels of the real records, ``0 .. len(budget) - 1``.
    budget : array-like of int
        Synthetic records per class.

    Returns
    -------
    weights : ndarray of shape (n_classes,)
        With them, a weighted mean of the cross-entropy over ``budget[c]``
        synthetic records of class ``c`` equals the real records' mean when
        every class's records are alike.
    """
    budget = np.asarray(budget, dtype=float)
    share = np.bincount(y, minlength=len(budget)) / len(y)
    return share * budget.sum() / budget


class _StudentDistance(Objective):
    """Normalised distance from an unrolled student to the expert's later point.

    The student's step size is learned (as its logarithm) and handed back as
    ``syn_lr_``. Carried from one iteration to the next (and kept in
    checkpoints): the synthetic records still to visit in this permutation.
    """

    def __init__(self, experts, budget, weights, nets, device, generator, rng, tm):
        # experts: the trajectories, and whether they came from the cache.
        self.trajectories, self.from_cache = experts
        self.nets, self.device, self.generator, self.rng = nets, device, generator, rng
        self.n_experts, self.max_start_epoch = tm.n_experts, tm.max_start_epoch
        self.syn_steps, self.ahead = tm.syn_steps, tm.expert_epochs_ahead
        self.layouts = [
            [(name, p.shape, p.numel()) for name, p in net.named_parameters()]
            for net in nets
        ]
        # cuDNN cannot differentiate twice through recurrent layers.
        self.no_cudnn = [
            device.type == "cuda"
            and any(isinstance(m, nn.RNNBase) for m in n.modules())
            for n in nets
        ]
        n_classes = len(budget)
        self.n_synthetic = n_synthetic = int(budget.sum())
        self.labels = torch.as_tensor(
            np.repeat(np.arange(n_classes), budget), device=device
        )
        self.class_weight = torch.as_tensor(weights, dtype=torch.float32, device=device)
        batch = n_synthetic if tm.batch_syn is None else tm.batch_syn
        self.batch = min(batch, n_synthetic)
        self.log_lr = torch.tensor(
            math.log(tm.syn_lr_init), device=device, requires_grad=True
        )
        self.parameters = (self.log_lr,)
        self.order = []

    def state_dict(self):
        return {"order": self.order}

    def load_state_dict(self, state):
        self.order = list(state["order"])

    def results(self):
        return {
            "syn_lr_": float(self.log_lr.detach().exp().cpu()),
            "experts_from_cache_": self.from_cache,
        }

    def next_batch(self):
        """Rows of the next synthetic batch, or None for all of them."""
        if self.batch == self.n_synthetic:
            return None
        if len(self.order) < self.batch:
            perm = torch.randperm(
                self.n_synthetic, generator=self.generator, device=self.device
            )
            self.order.extend(perm.split(1))
        rows = torch.cat(self.order[: self.batch])
        del self.order[: self.batch]
        return rows

    def loss(self, synthetic):
        k = int(self.rng.integers(self.n_experts))
        t = int(self.rng.integers(self.max_start_epoch))
        kind = k % len(self.nets)
        net, layout = self.nets[kind], self.layouts[kind]
        start = self.trajectories[k][t].to(self.device)
        target = self.trajectories[k][t + self.ahead].to(self.device)
        step_size = self.log_lr.exp()
        theta = start.clone().requires_grad_(True)
        context = (
            torch.backends.cudnn.flags(enabled=False)
            if self.no_cudnn[kind]
            else nullcontext()
        )
        with context:
            for _ in range(self.syn_steps):
                rows = self.next_batch()
                inputs = synthetic if rows is None else synthetic[rows]
                targets = self.labels if rows is None else self.labels[rows]
                params = {
                    name: part.view(shape)
                    for (name, shape, _), part in zip(
                        layout, theta.split([n for *_, n in layout]), strict=True
                    )
                }
                logits = functional_call(net, params, (inputs,))
                ce = nn.functional.cross_entropy(
                    logits, targets, weight=self.class_weight
                )
                (grad,) = torch.autograd.grad(ce, theta, create_graph=True)
                theta = theta - step_size * grad
        distance = ((theta - target) ** 2).sum()
        # A trajectory that did not move would divide by 0.
        scale = ((start - target) ** 2).sum().clamp_min(1e-12)
        return distance / scale
