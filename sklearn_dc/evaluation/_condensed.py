"""Utility of a condensed set someone already made (a file, a shared table)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.metrics import get_scorer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.multiclass import type_of_target
from tqdm.auto import tqdm

from ..coreset import RandomSubset
from ._utility import FULL_DATA, _fit_and_score, _tidy, default_learners


def mixed_table_encoder(*, sparse_output: bool = True):
    """Impute, standardise numbers and one-hot encode the other columns.

    Numbers: median imputation and ``StandardScaler``; other columns: most
    frequent value and ``OneHotEncoder(handle_unknown="ignore")``.

    Parameters
    ----------
    sparse_output : bool, default=True
        Passed to the ``OneHotEncoder``.

    Returns
    -------
    encoder : ColumnTransformer
        Unfitted.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_dc.evaluation import mixed_table_encoder
    >>> table = pd.DataFrame({"age": [60.0, None, 70.0], "sex": ["f", "m", "f"]})
    >>> mixed_table_encoder(sparse_output=False).fit_transform(table).shape
    (3, 3)
    """
    return make_column_transformer(
        (
            make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
            make_column_selector(dtype_include="number"),
        ),
        (
            make_pipeline(
                SimpleImputer(strategy="most_frequent"),
                OneHotEncoder(handle_unknown="ignore", sparse_output=sparse_output),
            ),
            make_column_selector(dtype_exclude="number"),
        ),
    )


def table_learners() -> dict:
    """The default table learners, each behind its own imputer and encoder.

    Logistic regression, gradient boosting and an MLP (as
    :func:`default_learners` gives them for tables), each in a pipeline that
    first imputes (median for numbers, most frequent value otherwise),
    standardises numbers and one-hot encodes the other columns, fitted on the
    records the learner is trained on. For DataFrames in the hospital's own
    format, such as the output of :class:`~sklearn_dc.TabularCondenser`.

    Returns
    -------
    learners : dict of str to Pipeline

    Examples
    --------
    >>> from sklearn_dc.evaluation import table_learners
    >>> list(table_learners())
    ['logistic regression', 'gradient boosting', 'MLP']
    """
    encode = mixed_table_encoder()
    return {
        name: make_pipeline(encode, learner)
        for name, learner in default_learners(2).items()
    }


def evaluate_condensed(
    X_condensed,
    y_condensed,
    X_test,
    y_test,
    *,
    X_train=None,
    y_train=None,
    learners: dict | None = None,
    n_seeds: int = 3,
    scoring: str = "auto",
    name: str = "condensed",
    verbose: bool = False,
) -> pd.DataFrame:
    """Score learners trained on a given condensed set against real test data.

    The protocol of :func:`evaluate_condensers` for a condensed set that was
    made elsewhere (read from a file, received from another site): every
    learner is trained on ``(X_condensed, y_condensed)`` with seeds
    ``0 .. n_seeds-1`` and scored on the real test set. With the real
    training data, the same learners trained on all of it (the full-data
    reference) and on random subsets with the condensed set's records per
    class (the random-subset reference) are scored too.

    Parameters
    ----------
    X_condensed, y_condensed : array-like or DataFrame, and labels
        The condensed set.
    X_test, y_test : array-like or DataFrame, and labels
        Real held-out records, in the condensed set's layout.
    X_train, y_train : array-like or DataFrame, and labels, default=None
        The real records the set was condensed from, for the references.
    learners : dict of str to estimator, default=None
        ``None``: :func:`table_learners` for DataFrames,
        :func:`default_learners` for arrays.
    n_seeds : int, default=3
        Seeds per learner (and random subsets).
    scoring : str, default="auto"
        A scikit-learn scorer name; ``"auto"`` is ROC-AUC for binary targets
        and accuracy otherwise.
    name : str, default="condensed"
        The condensed set's name in the ``method`` column.
    verbose : bool, default=False
        Show a progress bar (on standard error) over the learner fits.

    Returns
    -------
    results : pandas.DataFrame
        The columns of :func:`evaluate_condensers` (``condense_seconds`` and
        ``condense_memory_mb`` are NaN: the condensation happened
        elsewhere), one row per set and learner; ``n_per_class`` is the
        records per class when every class has the same number, else None.
        ``n_bytes`` is, for a DataFrame, the size of its records written as
        CSV text (header and features, no label column: what a file of them
        takes), and for an array its buffer. Lay it out with
        :func:`utility_table`.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_dc import KMeansCentroids
    >>> from sklearn_dc.evaluation import evaluate_condensed
    >>> X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> condenser = KMeansCentroids(n_per_class=5, random_state=0)
    >>> X_small, y_small = condenser.fit_resample(X_train, y_train)
    >>> results = evaluate_condensed(X_small, y_small, X_test, y_test,
    ...     X_train=X_train, y_train=y_train, n_seeds=2, name="k-means file",
    ...     learners={"lr": make_pipeline(StandardScaler(), LogisticRegression())})
    >>> results["method"].tolist()
    ['full data', 'k-means file', 'RandomSubset']
    """
    y_condensed, y_test = pd.Series(np.asarray(y_condensed)), np.asarray(y_test)
    if (X_train is None) != (y_train is None):
        raise ValueError(
            "Give both X_train and y_train for the references, or neither."
        )
    unseen = set(y_test) - set(y_condensed)
    if unseen or y_condensed.nunique() < 2:
        raise ValueError(
            f"The condensed set has the classes {sorted(set(y_condensed))} and the "
            f"test set {sorted(set(y_test))}: every test class must be among at "
            "least two condensed classes."
        )
    if learners is None:
        learners = (
            table_learners() if hasattr(X_condensed, "columns") else default_learners(2)
        )
    if scoring == "auto":
        scoring = "roc_auc" if type_of_target(y_test) == "binary" else "accuracy"
    scorer = get_scorer(scoring)
    counts = y_condensed.value_counts()
    seeds = range(n_seeds)
    runs = []
    if X_train is not None:
        y_train = pd.Series(np.asarray(y_train))
        runs += [(FULL_DATA, X_train, y_train, seed) for seed in seeds]
    runs += [(name, X_condensed, y_condensed, seed) for seed in seeds]
    if X_train is not None:
        for seed in seeds:
            # Rows are drawn by position: a table may hold text columns.
            sampler = RandomSubset(n_per_class=counts.to_dict(), random_state=seed)
            sampler.fit_resample(np.arange(len(y_train))[:, None], y_train)
            rows = sampler.sample_indices_
            runs.append(
                ("RandomSubset", _take(X_train, rows), y_train.iloc[rows], seed)
            )
    records = []
    sizes = {}
    progress = tqdm(
        total=len(runs) * len(learners),
        desc="training learners",
        disable=not verbose,
    )
    with progress:
        for method, X_fit, y_fit, seed in runs:
            if (method, len(y_fit)) not in sizes:
                sizes[method, len(y_fit)] = _n_bytes(X_fit)
            for learner_name, learner in learners.items():
                progress.set_postfix_str(f"{method}, {learner_name}")
                score, seconds = _fit_and_score(
                    learner, seed, X_fit, y_fit, X_test, y_test, scorer
                )
                progress.update()
                records.append(
                    {
                        "method": method,
                        "learner": learner_name,
                        "n_records": len(y_fit),
                        "n_bytes": sizes[method, len(y_fit)],
                        "score": score,
                        "fit_seconds": seconds,
                    }
                )
    results = (
        pd.DataFrame.from_records(records)
        .groupby(["method", "learner"], sort=False)
        .agg(
            n_records=("n_records", "mean"),
            n_bytes=("n_bytes", "mean"),
            score_mean=("score", "mean"),
            score_std=("score", "std"),
            fit_seconds=("fit_seconds", "mean"),
        )
        .reset_index()
    )
    uniform = int(counts.iloc[0]) if counts.nunique() == 1 else None
    results["n_per_class"] = pd.Series(
        [None if m == FULL_DATA else uniform for m in results.method], dtype=object
    )
    results["n_bytes"] = results["n_bytes"].round().astype(int)
    n_reference = len(y_train) if X_train is not None else np.nan
    results["compression"] = n_reference / results["n_records"]
    results["condense_seconds"] = results["condense_memory_mb"] = np.nan
    return _tidy(results, scoring)


def _take(X, rows):
    return X.iloc[rows] if hasattr(X, "iloc") else np.asarray(X)[rows]


def _n_bytes(X):
    """Size of the records: a DataFrame's as CSV text, an array's buffer."""
    if hasattr(X, "to_csv"):
        return len(X.to_csv(index=False).encode("utf-8"))
    return int(np.asarray(X).nbytes)
