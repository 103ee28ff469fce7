"""The optimisation loop of the matching condensers."""

from __future__ import annotations

import signal
import threading
import warnings


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


def optimise(
    synthetic, optimizer, loss_fn, losses, *, first=0, project=None, hooks=(), name
):
    """Iterations ``first .. len(losses) - 1``; the number of iterations done.

    Each iteration computes ``loss_fn(synthetic)``, takes one step of
    ``optimizer``, applies ``project`` (in place) and writes the loss into
    ``losses``, then calls every ``hook(n_done, loss)``. Ctrl-C stops the run
    at the end of the current iteration with a warning naming ``name``.
    """
    n_iter = len(losses)
    n_done = first
    with _StopOnInterrupt() as interrupt:
        for step in range(first, n_iter):
            loss = loss_fn(synthetic)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if project is not None:
                project(synthetic)
            losses[step] = loss.detach()
            n_done = step + 1
            for hook in hooks:
                hook(n_done, loss)
            if interrupt.requested:
                warnings.warn(
                    f"{name} was interrupted after {n_done} of {n_iter} "
                    "iterations; returning the synthetic records as they are "
                    "(n_iter_ says how far it got).",
                    UserWarning,
                    stacklevel=5,
                )
                break
    return n_done
