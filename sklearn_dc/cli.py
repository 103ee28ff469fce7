"""The ``sklearn-dc`` command line (also ``python -m sklearn_dc``)."""

from __future__ import annotations

import argparse
import sys
import time

# The demo's data sets: description, default budgets and DM iterations.
_DEMO_DATA = {
    "sepsis48": {
        "budgets": [10, 40],
        "n_iter": 300,
        "learners": ["logistic regression", "gradient boosting", "GRU"],
    },
    "breast-cancer": {
        "budgets": [1, 10, 50],
        "n_iter": 1000,
        "learners": ["logistic regression", "gradient boosting"],
    },
}


def _load_demo_data(name):
    """``(X, y, preprocessor, description)`` of a demo data set."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if name == "sepsis48":
        from .datasets import load_sepsis_demo
        from .preprocessing import ChannelStandardScaler, TimeSeriesImputer

        X, y = load_sepsis_demo(return_X_y=True)
        preprocessor = make_pipeline(TimeSeriesImputer(), ChannelStandardScaler())
        description = (
            "Sepsis48 demo, bundled with sklearn_dc: ICU stays of the PhysioNet "
            "2019 challenge (set A), 40 variables x 48 hours, sepsis later in "
            "the stay vs not. Missing values are forward-filled, then imputed "
            "and standardised from the training split."
        )
    else:
        from sklearn.datasets import load_breast_cancer

        X, y = load_breast_cancer(return_X_y=True)
        preprocessor = StandardScaler()
        description = (
            "Breast cancer Wisconsin (diagnostic), bundled with scikit-learn: "
            f"{X.shape[1]} features, malignant vs benign; standardised."
        )
    return X, y, preprocessor, description


def _demo(args: argparse.Namespace) -> int:
    """Condense a bundled medical data set and print the utility table.

    Every method condenses the training split (75%, stratified) at each
    budget; learners trained on the condensed records are scored on the real
    test split (ROC-AUC, mean ± std over seeds), beside the same learners
    trained on the full training split.
    """
    from sklearn.model_selection import train_test_split

    from .evaluation import (
        default_condensers,
        default_learners,
        evaluate_condensers,
        utility_table,
    )

    settings = _DEMO_DATA[args.data]
    budgets = args.budgets or settings["budgets"]
    n_iter = args.n_iter or settings["n_iter"]
    X, y, preprocessor, description = _load_demo_data(args.data)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    learners = default_learners(X.ndim)
    unknown = set(args.learners or []) - set(learners)
    if unknown:
        print(
            f"sklearn-dc demo: unknown learner(s) {sorted(unknown)} for "
            f"{args.data}; choose from {list(learners)}.",
            file=sys.stderr,
        )
        return 2
    learners = {name: learners[name] for name in args.learners or settings["learners"]}
    print(
        f"{description}\n{len(y_train)} training / {len(y_test)} test records. "
        "Each method condenses the training split; learners trained on the "
        "condensed set are scored on the real test split (ROC-AUC, mean ± std "
        f"over {args.seeds} seeds).\n",
        flush=True,
    )
    condensers = default_condensers()
    condensers["DistributionMatching"].set_params(
        n_iter=n_iter, bounds="data" if X.ndim == 3 else None
    )
    start = time.perf_counter()
    results = evaluate_condensers(
        condensers,
        X_train,
        y_train,
        X_test,
        y_test,
        budgets=budgets,
        learners=learners,
        n_seeds=args.seeds,
        preprocessor=preprocessor,
        verbose=not args.quiet,
    )
    print(utility_table(results).to_string())
    print(f"\nTotal time: {time.perf_counter() - start:.1f} s")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``sklearn-dc``."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="sklearn-dc",
        description="Dataset condensation for clinical data, the scikit-learn way.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="condense a bundled medical data set and print the utility table",
        description=_demo.__doc__,
    )
    demo.add_argument(
        "--data",
        choices=list(_DEMO_DATA),
        default="sepsis48",
        help="sepsis48: 2,000 bundled ICU stays (40 variables x 48 hours), learners "
        "logistic regression and gradient boosting on per-channel summaries and a "
        "GRU; breast-cancer: scikit-learn's 569 records, logistic regression and "
        "gradient boosting (default: sepsis48)",
    )
    demo.add_argument(
        "--budgets",
        type=int,
        nargs="+",
        help="records per class to condense to (default: 10 40 for sepsis48, "
        "1 10 50 for breast-cancer)",
    )
    demo.add_argument(
        "--seeds", type=int, default=3, help="seeds per method and budget (default: 3)"
    )
    demo.add_argument(
        "--n-iter",
        type=int,
        help="iterations of DistributionMatching (default: 300 for sepsis48, "
        "1000 for breast-cancer)",
    )
    demo.add_argument(
        "--learners",
        nargs="+",
        metavar="NAME",
        help="learners to train, by name (quote names with spaces): 'logistic "
        "regression', 'gradient boosting', and for sepsis48 also TCN, GRU, LSTM, "
        "Transformer",
    )
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
