"""Plots of the evaluation protocol (matplotlib, an optional dependency)."""

from __future__ import annotations

import pandas as pd

from ._utility import FULL_DATA


def plot_utility(results: pd.DataFrame, *, ax=None):
    """Score against budget for each method, with the full data as a line.

    The score of each method and budget is averaged over the learners of
    ``results`` (the output of
    :func:`~sklearn_dc.evaluation.evaluate_condensers`); the shaded band is
    the mean over learners of the per-learner standard deviation over seeds.

    Parameters
    ----------
    results : pandas.DataFrame
        Output of ``evaluate_condensers``.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plot_utility needs matplotlib: pip install matplotlib"
        ) from exc
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    scoring = results["scoring"].iloc[0]
    full = results[results["method"] == FULL_DATA]
    condensed = results[results["method"] != FULL_DATA]
    for method, rows in condensed.groupby("method", sort=False):
        per_budget = rows.groupby("n_per_class", sort=False)[
            ["score_mean", "score_std"]
        ].mean()
        ax.plot(per_budget.index, per_budget.score_mean, marker="o", label=method)
        ax.fill_between(
            per_budget.index,
            per_budget.score_mean - per_budget.score_std,
            per_budget.score_mean + per_budget.score_std,
            alpha=0.15,
        )
    if len(full):
        ax.axhline(full["score_mean"].mean(), color="black", ls="--", label=FULL_DATA)
    ax.set_xscale("log")
    ax.set_xlabel("records per class")
    ax.set_ylabel(f"{scoring} (mean over learners)")
    ax.legend(fontsize="small")
    return ax
