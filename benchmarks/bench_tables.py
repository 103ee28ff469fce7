"""Utility tables of every condenser, written to docs/benchmarks.md.

Run from the repository root (``make benchmarks``)::

    python benchmarks/bench_tables.py [--datasets breast_cancer digits support2]

Each data set is split 75/25 (stratified, seed 0). Every method condenses the
preprocessed training split at 1 and 10 records per class with seeds 0-4;
logistic regression, gradient boosting and an MLP are trained on each condensed
set and scored on the real test split (ROC-AUC for binary targets, accuracy
otherwise), beside the same learners trained on the full training split.
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

from _harness import ROOT, SHARED_DATA, environment, mixed_table_preprocessor
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_dc.datasets import load_support2
from sklearn_dc.evaluation import (
    default_condensers,
    evaluate_condensers,
    utility_table,
)


def datasets():
    """(name, description, X, y, preprocessor) of each benchmark data set."""
    X, y = load_breast_cancer(return_X_y=True)
    yield (
        "breast_cancer",
        "Breast cancer Wisconsin (scikit-learn), 569 x 30, malignant vs benign",
        X,
        y,
        StandardScaler(),
    )
    X, y = load_digits(return_X_y=True)
    yield (
        "digits",
        "load_digits (scikit-learn), 1,797 x 64, 10 classes",
        X,
        y,
        (StandardScaler()),
    )
    support = SHARED_DATA / "support2"
    if support.is_dir():
        X, y = load_support2(support, return_X_y=True)
        yield (
            "support2",
            "SUPPORT2, 9,105 x 31 (24 numeric, 7 categorical, ~10% missing), "
            "death within 180 days",
            X,
            y,
            mixed_table_preprocessor(),
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=None)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--budgets", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()

    condensers = default_condensers()
    sections = []
    for name, description, X, y, preprocessor in datasets():
        if args.datasets and name not in args.datasets:
            continue
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.25, stratify=y, random_state=0
        )
        start = time.perf_counter()
        results = evaluate_condensers(
            condensers,
            X_train,
            y_train,
            X_test,
            y_test,
            budgets=args.budgets,
            n_seeds=args.seeds,
            preprocessor=preprocessor,
            verbose=True,
        )
        seconds = time.perf_counter() - start
        scoring = results["scoring"].iloc[0]
        table = utility_table(results).reset_index().to_markdown(index=False)
        sections.append(
            f"## {name}\n\n{description}; {len(y_train):,} training / "
            f"{len(y_test):,} test records. Score: {scoring} on the test split, "
            f"mean ± std over {args.seeds} seeds. Whole table: {seconds:.0f} s.\n\n"
            f"{table}\n"
        )
        print(sections[-1], flush=True)

    command = "python benchmarks/bench_tables.py"
    if args.datasets:
        command += " --datasets " + " ".join(args.datasets)
    versions = environment()
    header = f"""# Benchmarks

Train on condensed, test on real. Produced by

    {command}

on {date.today().isoformat()}: {versions}.

Each data set is split 75/25 (stratified, seed 0); the training split is
preprocessed (standardised; SUPPORT2 also median / mode imputed and one-hot
encoded), condensed by each method at each budget with seeds
0-{args.seeds - 1}, and logistic regression, gradient boosting and an MLP
(scikit-learn's, one hidden layer of 100) are trained on the condensed records
and scored on the real test split. *full data* trains the same learners on the
whole training split. `condense s` is the wall time of one condensation
(n_jobs=1); `bytes` the condensed records' size and
`compression` training records / condensed records (the size ratio at equal
dtype); `fit speed-up` the learners' mean training time on the full data over
that on the condensed set. Every condenser runs with its defaults:
`DistributionMatching` 1,000 iterations (with up to 512 real records per
class and iteration on tables); `GradientMatching` 300 iterations with
the paper's outer / inner loops for the budget; `TrajectoryMatching` 5 experts
of 12 epochs, 300 iterations of 20 unrolled steps; `KernelInducingPoints` the
NTK of a 3-layer ReLU network, 1,000 iterations; every learned condenser
starts from random real records of each class, except GM and TM at one record
per class, which start from the class mean (`init="auto"`), and GM, TM and KIP stop
early (logistic regression on
the records, scored by balanced accuracy on real training records every
`n_iter // 20` iterations); all matching on MLP embeddings where they use a
network.
"""
    args.output.write_text(header + "\n" + "\n".join(sections))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
