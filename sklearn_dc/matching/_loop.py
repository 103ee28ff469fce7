"""The optimisation loop of the matching condensers."""

from __future__ import annotations

import warnings


def optimise(
    synthetic, optimizer, loss_fn, losses, *, first=0, project=None, hooks=(), name
):
    """Iterations ``first .. len(losses) - 1``: ``(n_done, interrupted)``.

    Each iteration computes ``loss_fn(synthetic)``, takes one step of
    ``optimizer``, applies ``project`` (in place) and writes the loss into
    ``losses``, then calls every ``hook(n_done, loss)``. Ctrl-C (a
    ``KeyboardInterrupt``) stops the run: the iteration in progress is
    dropped, a warning naming ``name`` says how far the run got, and the loop
    returns as skorch's does, leaving the process's signal handlers alone.
    """
    n_iter = len(losses)
    n_done = first
    try:
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
    except KeyboardInterrupt:
        warnings.warn(
            f"{name} was interrupted after {n_done} of {n_iter} iterations; "
            "returning the synthetic records as they are (n_iter_ says how far "
            "it got).",
            UserWarning,
            stacklevel=5,
        )
        return n_done, True
    return n_done, False
