"""The optimisation loop of the matching condensers."""

from __future__ import annotations

import time
import warnings
from contextlib import contextmanager
from contextvars import ContextVar

# Callbacks told when a loop starts and ends (``observe_loops``).
_observers: ContextVar[tuple] = ContextVar("sklearn_dc_loop_observers", default=())


@contextmanager
def observe_loops(callback):
    """Call ``callback(event)`` when a matching loop in the block starts or ends.

    ``event`` is ``"start"`` (set-up done: data on the device, networks
    built, experts trained, records initialised) or ``"end"``. The timing
    hook of the benchmarks: it splits a fit into set-up and loop without
    patching the condenser. Local to the thread (a context variable).
    """
    token = _observers.set((*_observers.get(), callback))
    try:
        yield
    finally:
        _observers.reset(token)


def optimise(
    synthetic,
    optimizer,
    objective,
    losses,
    *,
    first=0,
    project=None,
    hooks=(),
    deadline=None,
    name,
):
    """Iterations ``first .. len(losses) - 1``: ``(n_done, interrupted)``.

    Each iteration computes ``objective.loss(synthetic)``, takes one step of
    ``optimizer``, applies ``project`` (in place) and writes the loss into
    ``losses``, then calls every ``hook(n_done, loss)`` (progress,
    validation, checkpoints); a hook that returns True ends the loop after
    the others have run (early stopping). The loop ends early, before an
    iteration that would
    start after ``deadline`` (``time.monotonic()``; ``max_time``). Ctrl-C
    (a ``KeyboardInterrupt``) stops the run: the iteration in progress is
    dropped, a warning naming ``name`` says how far
    the run got, and the loop returns, as skorch's does, leaving the
    process's signal handlers alone.
    """
    n_iter = len(losses)
    n_done = first
    observers = _observers.get()
    for observer in observers:
        observer("start")
    try:
        for step in range(first, n_iter):
            if deadline is not None and time.monotonic() >= deadline:
                break
            loss = objective.loss(synthetic)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if project is not None:
                project(synthetic)
            losses[step] = loss.detach()
            n_done = step + 1
            stop = False
            for hook in hooks:
                stop = bool(hook(n_done, loss)) or stop
            if stop:
                break
    except KeyboardInterrupt:
        warnings.warn(
            f"{name} was interrupted after {n_done} of {n_iter} iterations; "
            "returning the synthetic records as they are (n_iter_ says how far "
            "it got).",
            UserWarning,
            stacklevel=5,
        )
        return n_done, True
    finally:
        for observer in observers:
            observer("end")
    return n_done, False
