"""A whole differentially private release of SUPPORT2: utility at epsilon 1 and 10.

Run from the repository root, with SUPPORT2 in ``../shared/data/support2/``::

    python benchmarks/bench_dp_release.py

The table of ``sklearn_dc.datasets.load_support2`` (180-day mortality; mixed
types, missing values) is split 75/25, stratified, seed 0.
``TabularCondenser(PrivateDistributionMatching(...))`` — what ``sklearn-dc
condense --method dp-dm`` runs — condenses the training split to 50 records
per class: the encoder's statistics are released under differential privacy
(a fifth of epsilon) and the rest goes to the matching, so the whole release
is covered (replace-one neighbours: the number of records is taken as
public). Logistic regression and gradient boosting (``table_learners``, whose
encoders are fitted on the records they train on) are trained on it and
scored on the test split, beside the full training split and random subsets
of the same size, and beside the same pipeline without privacy
(``DistributionMatching``, 200 iterations; epsilon = inf in the table).
Writes ``docs/dp_release.csv`` and prints a markdown table.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _harness import ROOT, SHARED_DATA
from sklearn.model_selection import train_test_split

from sklearn_dc import DistributionMatching, PrivateDistributionMatching
from sklearn_dc.datasets import load_support2
from sklearn_dc.evaluation import evaluate_condensed, table_learners
from sklearn_dc.tabular import TabularCondenser

LEARNERS = ("logistic regression", "gradient boosting")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED_DATA / "support2")
    parser.add_argument("--epsilons", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--output", type=Path, default=ROOT / "docs/dp_release.csv")
    parser.add_argument(
        "--public-schema",
        action="store_true",
        help="give the encoder a public schema instead of releasing its "
        "statistics; a stand-in for clinical reference ranges, taken here from "
        "the training split (which a real release could not do)",
    )
    args = parser.parse_args()

    X, y = load_support2(args.data, return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    learners = {k: v for k, v in table_learners().items() if k in LEARNERS}
    rows = []
    # The same pipeline without privacy (epsilon = inf): what encoding,
    # decoding and condensation cost before any noise.
    for epsilon in [*args.epsilons, np.inf]:
        for seed in range(args.seeds):
            inner = (
                DistributionMatching(n_per_class=50, n_iter=200, random_state=seed)
                if np.isinf(epsilon)
                else PrivateDistributionMatching(
                    n_per_class=50, epsilon=epsilon, random_state=seed
                )
            )
            condenser = TabularCondenser(
                inner, schema=stand_in_schema(X_train) if args.public_schema else None
            )
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                X_small, y_small = condenser.fit_resample(X_train, y_train)
            seconds = time.perf_counter() - start
            results = evaluate_condensed(
                X_small, y_small, X_test, y_test, X_train=X_train, y_train=y_train,
                learners=learners, n_seeds=1,
            )  # fmt: skip
            budget = getattr(
                condenser,
                "privacy_",
                {"epsilon": np.inf, "preprocessing": {"epsilon": 0.0, "dropped": {}}},
            )
            for _, result in results.iterrows():
                rows.append(
                    {
                        "epsilon": epsilon,
                        "seed": seed,
                        "set": result["method"],
                        "learner": result["learner"],
                        "roc_auc": result["score_mean"],
                        "epsilon_spent": budget["epsilon"],
                        "preprocessing_epsilon": budget["preprocessing"]["epsilon"],
                        "dropped": ", ".join(budget["preprocessing"]["dropped"]),
                        "seconds": seconds,
                    }
                )
            print(f"epsilon {epsilon:g}, seed {seed}: {seconds:.0f} s", flush=True)
    frame = pd.DataFrame(rows)
    frame.to_csv(args.output, index=False)
    summary = frame.groupby(["epsilon", "set", "learner"])["roc_auc"].agg(
        lambda s: f"{s.mean():.3f} ± {s.std(ddof=1) if len(s) > 1 else np.nan:.3f}"
    )
    print(summary.unstack("learner").to_markdown())
    condensed = frame[frame["set"] == "condensed"]
    for epsilon, runs in condensed.groupby("epsilon"):
        dropped = sorted({c for cell in runs["dropped"] for c in cell.split(", ") if c})
        print(
            f"epsilon {epsilon:g}: {runs['seconds'].mean():.0f} s per release; "
            f"columns dropped in some run (nothing cleared the noise): {dropped}"
        )


def stand_in_schema(X):
    """Kinds, ranges and levels of ``X`` as if they were public knowledge."""
    columns = {}
    for name, values in X.items():
        if isinstance(values.dtype, pd.CategoricalDtype):
            levels = values.dropna().unique().tolist()
            columns[name] = {"kind": "categorical", "categories": sorted(levels)}
        else:
            kind = "integer" if pd.api.types.is_integer_dtype(values) else "continuous"
            columns[name] = {"kind": kind, "range": [values.min(), values.max()]}
    return {"columns": columns, "classes": [0, 1]}


if __name__ == "__main__":
    main()
