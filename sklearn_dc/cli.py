"""The ``sklearn-dc`` command line (also ``python -m sklearn_dc``)."""

from __future__ import annotations

import argparse
import sys
import time


def _demo(args: argparse.Namespace) -> int:
    """Condense the bundled breast-cancer records and print the utility table."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    from .evaluation import default_condensers, evaluate_condensers, utility_table

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    print(
        "Breast cancer Wisconsin (diagnostic), bundled with scikit-learn: "
        f"{len(y_train)} training / {len(y_test)} test records, {X.shape[1]} "
        "features, malignant vs benign.\nEach method condenses the standardised "
        "training split; learners trained on the condensed set are scored on the "
        f"real test split (ROC-AUC, mean ± std over {args.seeds} seeds).\n",
        flush=True,
    )
    condensers = default_condensers()
    condensers["DistributionMatching"].set_params(n_iter=args.n_iter)
    start = time.perf_counter()
    results = evaluate_condensers(
        condensers,
        X_train,
        y_train,
        X_test,
        y_test,
        budgets=args.budgets,
        n_seeds=args.seeds,
        preprocessor=StandardScaler(),
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
        "--budgets",
        type=int,
        nargs="+",
        default=[1, 10, 50],
        help="records per class to condense to (default: 1 10 50)",
    )
    demo.add_argument(
        "--seeds", type=int, default=5, help="seeds per method and budget (default: 5)"
    )
    demo.add_argument(
        "--n-iter",
        type=int,
        default=1000,
        help="iterations of DistributionMatching (default: 1000)",
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
