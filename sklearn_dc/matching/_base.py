"""Base class of the matching family: synthetic records learned by gradient descent."""

from __future__ import annotations

import os
import time
import warnings
from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import torch
from sklearn.metrics import get_scorer_names
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from skorch import NeuralNet
from torch import nn
from tqdm.auto import tqdm

from .._out_of_core import iter_blocks
from ..base import BaseCondenser
from ..nn import NETWORKS, resolve_nets
from ..nn._optim import fused_adam
from ._checkpoint import Run, fingerprint, save_checkpoint
from ._device import resolve_device
from ._early_stopping import (
    DEFAULT_VALIDATION_SCORING,
    EarlyStopping,
    default_validation_estimator,
)
from ._loop import optimise
from ._memory import check_batch_memory
from ._objective import Objective
from ._projection import make_projection
from ._start import initial_records, warn_real_starts

#: The class decorator of the matching condensers. scikit-learn reads an
#: estimator's parameters from its ``__init__`` signature; a dataclass writes
#: that ``__init__`` (plain assignments, no logic) from the declared fields, so
#: a shared parameter is declared once, in ``BaseMatching``, and a condenser
#: declares only its own parameters and the defaults it changes. ``eq`` and
#: ``repr`` stay scikit-learn's.
matching_parameters = dataclass(kw_only=True, eq=False, repr=False)


#: The starts ``init`` names, and with "auto" (each condenser's ``_init`` rule).
STARTS = {"real", "herding", "noise", "kmeans"}
INIT_OR_AUTO = [StrOptions({"auto", *STARTS})]


@matching_parameters
class BaseMatching(BaseCondenser):
    """Base class for condensers that learn synthetic records.

    The synthetic records start from ``init`` and are moved by Adam to minimise
    the loss of the objective built by the subclass's ``_objective`` (see
    ``_objective.py``), in the loop of ``_loop.py``. This class owns the
    shared parameters, validation, initialisation, devices, seeding, the
    progress bar, checkpoints, warm start and the fitted attributes.

    Warning: This class should not be used directly. Use the derived classes
    instead.
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseCondenser._parameter_constraints,
        "net": [StrOptions({"auto", *NETWORKS}), type, nn.Module, NeuralNet, list],
        "n_iter": [Interval(Integral, 0, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "batch_real": [Interval(Integral, 1, None, closed="left")],
        "init": [StrOptions(STARTS)],
        "bounds": [StrOptions({"auto", "data", "structure"}), None],
        "device": [str, torch.device],
        "verbose": ["verbose"],
        "max_time": [Interval(Real, 0, None, closed="neither"), None],
    }

    # The parameters every matching condenser shares. ``n_iter`` and
    # ``batch_real`` have no common default: each condenser declares its own.
    n_per_class: int | float | str | dict = 10
    net: str | type | nn.Module | NeuralNet | list = "auto"
    n_iter: int
    lr: float = 0.05
    batch_real: int
    init: str = "real"
    bounds: str | None = None
    device: str | torch.device = "cpu"
    random_state: int | np.random.RandomState | None = None
    verbose: bool | int = False
    max_time: float | None = None

    def _fit_resample(self, X, y):
        # max_time counts the set-up (experts, caches) too: it is the wait.
        deadline = None if self.max_time is None else time.monotonic() + self.max_time
        _check_float32_range(X, type(self).__name__)
        budget = self._budget()
        init = self.init_ = self._init(X, y, budget)
        if (
            isinstance(init, str)
            and init in ("real", "herding", "kmeans")
            and (not self._continues_previous_fit())
        ):
            class_sizes = np.bincount(y, minlength=len(self.classes_))
            warn_real_starts(self, class_sizes, budget, init)
        seed = self._draw_seed()
        rng = np.random.default_rng(seed)
        nets, net_devices = self._resolve_nets(X, len(budget))
        skorch_device = next((d for d in net_devices if d is not None), None)
        device = resolve_device(self.device, preferred=skorch_device)
        generator = torch.Generator(device=device).manual_seed(seed)
        nets = [net.to(device) for net in nets]
        self._check_memory(X, nets, budget, device)

        objective = self._objective(X, y, budget, nets, device, generator, rng)
        previous = self._warm_start_state(X, budget)
        start = previous[0] if previous else self._initial_records(X, y, budget, rng)
        synthetic = torch.tensor(
            start,
            dtype=torch.float32,
            device=device,
            requires_grad=True,
        )
        # Fused Adam: the same records from a seed in every process.
        optimizer = torch.optim.Adam(
            [synthetic, *objective.parameters],
            lr=self.lr,
            fused=fused_adam(device),
        )
        project = self._make_projection(X, start, device)
        monitor = self._early_stopping(X, y, budget, seed)
        # Losses stay on the device: reading them each step would force a sync.
        losses = torch.empty(self.n_iter, device=device)
        run = Run(
            synthetic, optimizer, losses, generator, rng, nets, objective, monitor
        )
        path = self._checkpoint_path()
        key = None if path is None else fingerprint(self, X, y, budget, start)
        first = 0 if key is None else run.resume(path, key, self.n_iter)
        progress = tqdm(
            total=self.n_iter,
            initial=first,
            desc=type(self).__name__,
            disable=not self.verbose,
        )
        if deadline is not None:
            progress.set_description_str(
                f"{type(self).__name__} (stops by {self.max_time:g} s)"
            )
        refresh = max(1, self.n_iter // 100)

        def show(n_done, loss):
            progress.update()
            if self.verbose and (n_done - 1) % refresh == 0:
                progress.set_postfix(loss=f"{loss.item():.4g}")

        def save(n_done, loss):
            if n_done % self.checkpoint_every == 0:
                save_checkpoint(path, run.state(key, n_done))

        def validate(n_done, loss):
            return monitor(synthetic, n_done)

        hooks = [show] if monitor is None else [show, validate]
        # A run that early stopping ended, resumed from its checkpoint, ends
        # where it did.
        last = first if monitor is not None and monitor.stopped else self.n_iter
        with progress:
            n_done, interrupted = optimise(
                synthetic,
                optimizer,
                objective,
                losses[:last],
                first=first,
                project=project,
                hooks=hooks if key is None else [*hooks, save],
                deadline=deadline,
                name=type(self).__name__,
            )
        if n_done == first < last and not interrupted:
            warnings.warn(
                f"{type(self).__name__} reached max_time={self.max_time:g} s "
                "before its first iteration (the set-up took it all): the records "
                "are the starting records (init). Raise max_time.",
                UserWarning,
                stacklevel=3,
            )
        # After Ctrl-C the iteration in progress has moved the random
        # generators: the file keeps the last complete checkpoint, from which
        # a resume still returns what an uninterrupted fit would.
        if key is not None and not interrupted and n_done % self.checkpoint_every:
            save_checkpoint(path, run.state(key, n_done))
        history = losses[:n_done].cpu().numpy().astype(np.float64)
        self.loss_history_ = (
            np.concatenate([previous[1], history]) if previous else history
        )
        self.n_iter_ = len(self.loss_history_)
        for name, value in objective.results().items():
            setattr(self, name, value)
        X_res = synthetic.detach().cpu().numpy()
        if monitor is not None:
            for name, value in monitor.results().items():
                setattr(self, name, value)
            if monitor.best_records is not None:
                X_res = monitor.best_records
        self._previous_fit = (X_res, budget.copy(), self.loss_history_)
        return X_res, np.repeat(np.arange(len(budget)), budget)

    def _checkpoint_path(self):
        """The ``checkpoint`` file of this fit, or None (never written)."""
        return None

    def _continues_previous_fit(self) -> bool:
        """Whether this fit continues a previous one (``warm_start``)."""
        return False

    def _warm_start_state(self, X, budget):
        """``(records, loss_history)`` of the previous fit to continue, or None."""
        return None

    def _early_stopping(self, X, y, budget, seed):
        """The :class:`~._early_stopping.EarlyStopping` of this fit, or None."""
        return None

    def _check_memory(self, X, nets, budget, device):
        """Refuse a fit that cannot fit in the free memory, before allocating.

        The estimate of :func:`~._memory.check_batch_memory`: a real batch and
        the synthetic records through the networks. A method with another
        memory profile overrides this (under the same policy).
        """
        check_batch_memory(self, X, nets, budget, device)

    def _resolve_nets(self, X, n_classes):
        """The matching networks and their skorch devices (``resolve_nets``)."""
        return resolve_nets(self.net, input_shape=X.shape[1:], n_classes=n_classes)

    def _make_projection(self, X, start, device):
        """The in-place projection applied after each step, or None."""
        return make_projection(self.bounds, X, start, device)

    def _init(self, X, y, budget):
        """``init``, or what ``"auto"`` takes for these data and budget."""
        if self.init != "auto":
            return self.init
        # Series: the best checks come early, so the records stay near a
        # start that is best averaged (the ECG5000-shaped set of
        # docs/speed.md). Tables and images: one record per class starts
        # best as the class mean; several start best as real records, which
        # keep the variety that trees split on (docs/benchmarks.md).
        return "kmeans" if X.ndim == 3 or budget.max() == 1 else "real"

    def _batch_real(self, X):
        """``batch_real``, or what ``"auto"`` takes for these records."""
        return self.batch_real

    def _initial_records(self, X, y, budget, rng):
        """Starting synthetic records, grouped by class, as a float array."""
        return initial_records(self, X, y, budget, rng, self.init_)

    @abstractmethod
    def _objective(self, X, y, budget, nets, device, generator, rng) -> Objective:
        """The :class:`~._objective.Objective` of this method for one fit.

        ``X`` and ``y`` are the validated training data (``y`` encoded
        ``0..n_classes-1``), ``budget`` the records per class (the synthetic
        rows are grouped by class in that order), ``nets`` the matching
        networks (on ``device``). Random draws on the device use
        ``generator``, draws on the host ``rng``. Nothing is set on the
        estimator here: fitted attributes come from the objective's
        ``results()`` after the loop.
        """


@matching_parameters
class ResumableMatching(BaseMatching):
    """A matching condenser that continues a fit and keeps checkpoints.

    Every learned condenser but the private one (which can neither continue
    a fit nor write its state) derives from this class.

    Warning: This class should not be used directly. Use the derived classes
    instead.
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseMatching._parameter_constraints,
        "warm_start": ["boolean"],
        "checkpoint": [str, os.PathLike, None],
        "checkpoint_every": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_estimator": [HasMethods(["fit", "predict"]), None],
        "validation_scoring": [
            StrOptions(set(get_scorer_names())),
            callable,
            None,
        ],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    }

    warm_start: bool = False
    checkpoint: str | os.PathLike | None = None
    checkpoint_every: int = 100
    early_stopping: bool = False
    validation_estimator: object = None
    validation_scoring: str | Callable | None = None
    n_iter_no_change: int = 5

    def _early_stopping(self, X, y, budget, seed):
        """The :class:`~._early_stopping.EarlyStopping` of this fit, or None."""
        # Set here, so that a refit without early stopping clears them.
        self.best_iteration_ = self.validation_scores_ = None
        validation = self._validation(X)
        if validation is None:
            return None
        return EarlyStopping(self, X, y, budget, seed, *validation)

    def _validation(self, X):
        """``(estimator, scoring)`` of the early stopping of a fit on ``X``,
        or None when it is off."""
        if not self.early_stopping:
            return None
        estimator = self.validation_estimator
        if estimator is None:
            estimator = default_validation_estimator()
        scoring = self.validation_scoring
        return estimator, DEFAULT_VALIDATION_SCORING if scoring is None else scoring

    def _checkpoint_path(self):
        """The ``checkpoint`` file of this fit, or None."""
        return self.checkpoint

    def _continues_previous_fit(self) -> bool:
        """Whether this fit would continue a previous one (``warm_start``)."""
        return self.warm_start and hasattr(self, "_previous_fit")

    def _warm_start_state(self, X, budget):
        """``(records, loss_history)`` of the previous fit to continue, or None."""
        previous = getattr(self, "_previous_fit", None)
        if not self.warm_start or previous is None:
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
