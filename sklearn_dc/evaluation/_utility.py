"""Utility of condensed sets: train on condensed, test on real."""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.parallel import Parallel, delayed
from tqdm.auto import tqdm

from ..base import BudgetWarning
from ..coreset import Herding, KCenterGreedy, RandomSubset
from ..matching import (
    DistributionMatching,
    GradientMatching,
    KernelInducingPoints,
    TrajectoryMatching,
)
from ..nn import NetClassifier
from ..preprocessing import SeriesSummary
from ..prototypes import KMeansCentroids
from ._memory import PeakMemory

FULL_DATA = "full data"


def default_learners(ndim: int = 2) -> dict:
    """The learners trained on every condensed set, for records of ``ndim - 1`` dims.

    Tables (``ndim=2``): logistic regression, gradient boosting and a
    multilayer perceptron (scikit-learn's, one hidden layer). Time series
    (``ndim=3``): the same two on per-channel summaries over time
    (:class:`~sklearn_dc.preprocessing.SeriesSummary`), and the TCN, GRU, LSTM
    and transformer networks trained with :class:`~sklearn_dc.nn.NetClassifier`
    — architectures other than the matching network among them.

    Parameters
    ----------
    ndim : int, default=2
        Number of dimensions of ``X`` (2 for tables, 3 for time series).

    Returns
    -------
    learners : dict of str to estimator

    Examples
    --------
    >>> from sklearn_dc.evaluation import default_learners
    >>> list(default_learners(ndim=3))[:3]
    ['logistic regression', 'gradient boosting', 'TCN']
    """
    if ndim == 2:
        return {
            "logistic regression": LogisticRegression(max_iter=2000),
            "gradient boosting": GradientBoostingClassifier(),
            "MLP": MLPClassifier(max_iter=1000),
        }
    if ndim == 3:
        return {
            "logistic regression": make_pipeline(
                SeriesSummary(), StandardScaler(), LogisticRegression(max_iter=2000)
            ),
            "gradient boosting": make_pipeline(
                SeriesSummary(), GradientBoostingClassifier()
            ),
            **{
                name: NetClassifier(module)
                for name, module in [
                    ("TCN", "tcn"),
                    ("GRU", "gru"),
                    ("LSTM", "lstm"),
                    ("Transformer", "transformer"),
                ]
            },
        }
    raise ValueError(f"No default learners for {ndim}-D X; pass learners= explicitly.")


def default_condensers() -> dict:
    """One instance of every non-private condenser with its defaults, by class name.

    ``PrivateDistributionMatching`` is left out: it needs opacus and answers a
    different question (utility under a privacy budget).

    Examples
    --------
    >>> from sklearn_dc.evaluation import default_condensers
    >>> for name in default_condensers():
    ...     print(name)
    RandomSubset
    Herding
    KCenterGreedy
    KMeansCentroids
    DistributionMatching
    GradientMatching
    TrajectoryMatching
    KernelInducingPoints
    """
    condensers = [
        RandomSubset(),
        Herding(),
        KCenterGreedy(),
        KMeansCentroids(),
        DistributionMatching(),
        GradientMatching(),
        TrajectoryMatching(),
        KernelInducingPoints(),
    ]
    return {type(c).__name__: c for c in condensers}


def evaluate_condensers(
    condensers: Mapping,
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    budgets: Sequence = (1, 10, 50),
    learners: Mapping | None = None,
    n_seeds: int = 5,
    preprocessor=None,
    scoring: str = "auto",
    n_jobs: int | None = None,
    verbose: bool = False,
) -> pd.DataFrame:
    """Score learners trained on condensed sets against real test data.

    For every condenser, budget and seed, the training data are condensed once
    and every learner is fitted on the condensed set and scored on the real
    test set. Two references are scored on the same split: every learner
    trained on the **full training data** (the upper bound) and on a
    **random subset** of the same size (the bar a method must clear; added
    unless a :class:`~sklearn_dc.RandomSubset` is among ``condensers``).

    Parameters
    ----------
    condensers : dict of str to condenser
        Condensers to evaluate, by display name. Each is cloned and given
        ``n_per_class`` and ``random_state`` for every run. A budget larger
        than a class is capped silently: ``n_records`` reports what was kept.
    X_train, y_train : array-like
        Training data, condensed by each method.
    X_test, y_test : array-like
        Real held-out data the learners are scored on.
    budgets : sequence of int or float, default=(1, 10, 50)
        Values of ``n_per_class`` to try.
    learners : dict of str to estimator, default=None
        Classifiers trained on each condensed set; ``None`` means
        :func:`default_learners` for the dimensions of the (preprocessed)
        data. A learner with a ``random_state`` parameter (directly or as the
        last step of a pipeline) gets the run's seed.
    n_seeds : int, default=5
        Seeds ``0 .. n_seeds-1`` per condenser and budget.
    preprocessor : transformer, default=None
        Fitted on ``X_train`` and applied to both splits before condensing
        (e.g. a ``StandardScaler``, or a ``ColumnTransformer`` that imputes
        and encodes a mixed table).
    scoring : str, default="auto"
        A scikit-learn scorer name; ``"auto"`` is ROC-AUC for binary targets
        and accuracy otherwise.
    n_jobs : int, default=None
        Processes for the condensations (all methods, budgets and seeds) and
        then for the learner fits (all condensed sets and learners), through
        joblib. ``None`` means 1 unless in a ``joblib.parallel_config``
        context; ``-1`` uses all processors. Results do not depend on it, but
        the measured times do: runs that share cores take longer.
    verbose : bool, default=False
        Show progress bars.

    Returns
    -------
    results : pandas.DataFrame
        One row per method, budget and learner with the columns ``method``,
        ``n_per_class`` (``None`` for the full data), ``learner``,
        ``n_records``, ``n_bytes`` (size of the condensed records in the
        training data's dtype), ``compression`` (training rows / condensed
        rows, the size ratio at equal dtype), ``score_mean``, ``score_std``,
        ``condense_seconds`` and ``fit_seconds`` (means over seeds),
        ``condense_memory_mb`` (the most resident memory one condensation
        added to the process, over seeds, in MB; see :class:`PeakMemory`;
        NaN off Linux), ``fit_speedup`` (the learner's mean training time
        on the full data over its time on the condensed set) and
        ``scoring``.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_dc import KMeansCentroids
    >>> from sklearn_dc.evaluation import evaluate_condensers
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> results = evaluate_condensers(
    ...     {"k-means": KMeansCentroids()}, X_train, y_train, X_test, y_test,
    ...     budgets=[5], n_seeds=2, preprocessor=StandardScaler())
    >>> sorted(results["method"].unique())
    ['RandomSubset', 'full data', 'k-means']
    >>> results.loc[results.method == "k-means", "n_bytes"].unique().tolist()
    [2400]
    """
    condensers = dict(condensers)
    if not any(isinstance(c, RandomSubset) for c in condensers.values()):
        condensers = {"RandomSubset": RandomSubset(), **condensers}
    if preprocessor is not None:
        preprocessor = clone(preprocessor).fit(X_train, y_train)
        X_train, X_test = (
            preprocessor.transform(X_train),
            preprocessor.transform(X_test),
        )
    if learners is None:
        learners = default_learners(np.ndim(X_train))
    learners = dict(learners)
    if scoring == "auto":
        scoring = "roc_auc" if type_of_target(y_train) == "binary" else "accuracy"
    scorer = get_scorer(scoring)
    n_train = len(y_train)
    # Bytes per record at the training data's dtype (floats for what is not).
    dtype = np.asarray(X_train[:1]).dtype
    itemsize = dtype.itemsize if dtype.kind in "fiub" else np.dtype(float).itemsize
    record_bytes = itemsize * int(np.prod(np.shape(X_train)[1:]))

    budgets = list(budgets)
    runs = [(FULL_DATA, None, -1, seed) for seed in range(n_seeds)] + [
        (name, condenser, position, seed)
        for name, condenser in condensers.items()
        for position in range(len(budgets))
        for seed in range(n_seeds)
    ]
    condensed = _parallel(
        n_jobs,
        verbose,
        "condensing",
        [
            delayed(_condense)(condenser, budgets[position], seed, X_train, y_train)
            for _, condenser, position, seed in runs
        ],
    )
    jobs = [
        (run, learner_name) for run in range(len(runs)) for learner_name in learners
    ]
    scores = _parallel(
        n_jobs,
        verbose,
        "training learners",
        [
            delayed(_fit_and_score)(
                learners[learner_name],
                runs[run][3],
                *condensed[run][:2],
                X_test,
                y_test,
                scorer,
            )
            for run, learner_name in jobs
        ],
    )
    records = [
        {
            "method": runs[run][0],
            "budget_position": runs[run][2],
            "learner": learner_name,
            "n_records": len(condensed[run][1]),
            "score": score,
            "condense_seconds": condensed[run][2],
            "condense_memory_mb": condensed[run][3],
            "fit_seconds": fit_seconds,
        }
        for (run, learner_name), (score, fit_seconds) in zip(jobs, scores, strict=True)
    ]

    results = (
        pd.DataFrame.from_records(records)
        .groupby(["method", "budget_position", "learner"], sort=False)
        .agg(
            n_records=("n_records", "mean"),
            score_mean=("score", "mean"),
            score_std=("score", "std"),
            condense_seconds=("condense_seconds", "mean"),
            condense_memory_mb=("condense_memory_mb", "max"),
            fit_seconds=("fit_seconds", "mean"),
        )
        .reset_index()
    )
    # Budgets stay as given (ints or fractions); the full data has none.
    results["n_per_class"] = pd.Series(
        [None if p < 0 else budgets[p] for p in results.budget_position], dtype=object
    )
    results["n_bytes"] = (results["n_records"] * record_bytes).round().astype(int)
    results["compression"] = n_train / results["n_records"]
    return _tidy(results, scoring)


# The columns of the protocol's results, in order.
RESULT_COLUMNS = [
    "method",
    "n_per_class",
    "learner",
    "n_records",
    "n_bytes",
    "compression",
    "score_mean",
    "score_std",
    "condense_seconds",
    "condense_memory_mb",
    "fit_seconds",
    "fit_speedup",
    "scoring",
]


def _tidy(results, scoring):
    """Add the learners' speed-up over the full data; the columns in order."""
    full_fit = results[results.method == FULL_DATA].set_index("learner").fit_seconds
    results["fit_speedup"] = results.learner.map(full_fit) / results.fit_seconds
    results["scoring"] = scoring
    return results[RESULT_COLUMNS]


def _parallel(n_jobs, verbose, description, tasks):
    """Run joblib ``tasks`` in order, with a progress bar when ``verbose``."""
    results = Parallel(n_jobs=n_jobs, return_as="generator")(tasks)
    return list(tqdm(results, total=len(tasks), desc=description, disable=not verbose))


def _condense(condenser, budget, seed, X, y):
    """``(X_condensed, y_condensed, seconds, peak extra MB)``.

    The full data (with zero cost) when there is no condenser.
    """
    if condenser is None:
        return X, y, 0.0, 0.0
    start = time.perf_counter()
    condenser = clone(condenser).set_params(n_per_class=budget, random_state=seed)
    with warnings.catch_warnings(), PeakMemory() as memory:
        # A capped budget is expected here (say 50 per class of a class of
        # 30); the table reports the records actually kept.
        warnings.simplefilter("ignore", BudgetWarning)
        X_fit, y_fit = condenser.fit_resample(X, y)
    return X_fit, y_fit, time.perf_counter() - start, memory.extra_bytes / 1e6


def _fit_and_score(learner, seed, X_fit, y_fit, X_test, y_test, scorer):
    """``(test score, training seconds)`` of a clone of ``learner``."""
    learner = clone(learner)
    learner.set_params(**{k: seed for k in learner.get_params() if _is_seed(k)})
    start = time.perf_counter()
    with warnings.catch_warnings():
        # Iterative learners often stop at their iteration cap on a few
        # records; the score says what that cost.
        warnings.simplefilter("ignore", ConvergenceWarning)
        learner.fit(X_fit, y_fit)
    fit_seconds = time.perf_counter() - start
    return scorer(learner, X_test, y_test), fit_seconds


def _is_seed(param):
    """A learner's own ``random_state``, or that of a pipeline step."""
    return param == "random_state" or param.endswith("__random_state")


def _format(value, template):
    """``template`` applied to ``value``; empty for NaN (not measured)."""
    return "" if np.isnan(value) else template.format(value)


def _format_bytes(n_bytes):
    for unit in ["B", "kB", "MB"]:
        if n_bytes < 1000:
            return f"{n_bytes:.3g} {unit}"
        n_bytes /= 1000
    return f"{n_bytes:.3g} GB"


def utility_table(results: pd.DataFrame) -> pd.DataFrame:
    """Lay out :func:`evaluate_condensers` results one row per method and budget.

    Each learner gets a ``mean ± std`` column (the mean alone for a single
    seed); the mean over learners, the number of records, their size in
    bytes, the compression ratio, the condensation time and peak memory, the
    learners' mean training time and their mean speed-up over training on the
    full data follow. The full-data rows come
    first, then each budget with its methods.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`evaluate_condensers`.

    Returns
    -------
    table : pandas.DataFrame
        A table of strings, ready for ``to_string()`` or ``to_markdown()``.
    """
    rows = {}
    for row in results.itertuples(index=False):
        if row.method == FULL_DATA:
            budget = "all"
        else:
            budget = "mixed" if row.n_per_class is None else f"{row.n_per_class:g}"
        cells = rows.setdefault(
            (budget, row.method),
            {
                "records": f"{row.n_records:.0f}",
                "bytes": _format_bytes(row.n_bytes),
                "compression": _format(row.compression, "{:.1f}x"),
                "condense s": _format(row.condense_seconds, "{:.2f}"),
                "condense MB": _format(row.condense_memory_mb, "{:.0f}"),
                "_fit": [],
                "_speedup": [],
                "_scores": [],
            },
        )
        cells[row.learner] = (
            f"{row.score_mean:.3f}"
            if np.isnan(row.score_std)  # a single seed
            else f"{row.score_mean:.3f} ± {row.score_std:.3f}"
        )
        cells["_fit"].append(row.fit_seconds)
        cells["_speedup"].append(row.fit_speedup)
        cells["_scores"].append(row.score_mean)
    for cells in rows.values():
        cells["mean"] = f"{np.mean(cells.pop('_scores')):.3f}"
        cells["learner fit s"] = f"{np.mean(cells.pop('_fit')):.2f}"
        cells["fit speed-up"] = _format(np.mean(cells.pop("_speedup")), "{:.0f}x")
    learners = list(dict.fromkeys(results["learner"]))
    budgets = list(dict.fromkeys(budget for budget, _ in rows))
    ordered = sorted(rows, key=lambda key: budgets.index(key[0]))
    table = pd.DataFrame(
        [rows[key] for key in ordered],
        index=pd.MultiIndex.from_tuples(ordered, names=["n_per_class", "method"]),
    )
    extra = ["mean"] if len(learners) > 1 else []
    columns = [
        "records",
        "bytes",
        "compression",
        "condense s",
        "condense MB",
        "learner fit s",
        "fit speed-up",
    ]
    return table[[*learners, *extra, *columns]]
