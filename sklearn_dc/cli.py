"""The ``sklearn-dc`` command line (also ``python -m sklearn_dc``)."""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

# The demo compares the baselines with the reference paper's method; the
# benchmarks in benchmarks/ run every condenser.
_DEMO_CONDENSERS = [
    "RandomSubset",
    "Herding",
    "KCenterGreedy",
    "KMeansCentroids",
    "DistributionMatching",
]

# The demo's data sets: description, default budgets and DM iterations.
_DEMO_DATA = {
    "sepsis48": {
        "budgets": [10, 40],
        "n_iter": 300,
        "learners": ["logistic regression", "gradient boosting"],
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
    # Connect before any work, so that a wrong --dask address fails at once.
    with _joblib_backend(args.dask, args.dask_timeout):
        print(
            f"{description}\n{len(y_train)} training / {len(y_test)} test records. "
            "Each method condenses the training split; learners trained on the "
            "condensed set are scored on the real test split (ROC-AUC, mean ± std "
            f"over {args.seeds} seeds).\n",
            flush=True,
        )
        condensers = {
            name: condenser
            for name, condenser in default_condensers().items()
            if name in _DEMO_CONDENSERS
        }
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
            n_jobs=args.n_jobs,
            verbose=not args.quiet,
        )
    print(utility_table(results).to_string())
    print(f"\nTotal time: {time.perf_counter() - start:.1f} s")
    return 0


# --method names of `sklearn-dc condense`, with the condenser each builds.
_METHODS = {
    "random": "RandomSubset",
    "herding": "Herding",
    "kcenter": "KCenterGreedy",
    "kmeans": "KMeansCentroids",
    "dm": "DistributionMatching",
    "kip": "KernelInducingPoints",
    "dp-dm": "PrivateDistributionMatching",
}


@contextmanager
def _warnings_to_stderr(command):
    """Show warnings as one line each on standard error, not as tracebacks."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    seen = set()
    for warning in caught:
        message = str(warning.message)
        if message not in seen:
            seen.add(message)
            print(f"sklearn-dc {command}: warning: {message}", file=sys.stderr)


class _InputError(Exception):
    """Bad input from the user: printed without a traceback, exit status 2."""


@contextmanager
def _joblib_backend(address, timeout):
    """joblib's Dask backend on the scheduler at ``address``; as is without one."""
    if address is None:
        yield
        return
    from joblib import parallel_config

    from .parallel import dask_client

    try:
        client = dask_client(address, timeout=timeout)
    except (ImportError, ConnectionError, ValueError) as exc:
        raise _InputError(str(exc)) from exc
    with client, parallel_config(backend="dask"):
        yield


def _read_table(path: Path, sep: str, encoding: str):
    import pandas as pd

    if not path.is_file():
        raise _InputError(f"{path}: no such file.")
    try:
        table = pd.read_csv(path, sep=sep, encoding=encoding)
    except UnicodeDecodeError as exc:
        raise _InputError(
            f"{path} is not valid {encoding} text ({exc.reason} at byte "
            f"{exc.start}); give its encoding with --encoding (e.g. latin-1)."
        ) from exc
    except pd.errors.ParserError as exc:
        raise _InputError(
            f"{path} could not be parsed as a table with delimiter {sep!r} "
            f"({exc}); give the delimiter with --sep."
        ) from exc
    if table.shape[1] < 2:
        raise _InputError(
            f"{path} has a single column with delimiter {sep!r} (header: "
            f"{str(table.columns[0])[:60]!r}); give the delimiter with --sep "
            "(e.g. --sep ';' or --sep $'\\t')."
        )
    return table


def _condenser(args):
    """The condenser named by ``--method``, with the command's settings."""
    import sklearn_dc

    condenser = getattr(sklearn_dc, _METHODS[args.method])(
        n_per_class=args.n_per_class, random_state=args.seed
    )
    params = condenser.get_params()
    settings = {
        "n_iter": args.n_iter,
        "device": args.device,
        "epsilon": args.epsilon,
        "delta": args.delta,
        "n_samples": args.n_samples,
        "classes": args.classes,
        "verbose": not args.quiet,
    }
    given = {k: v for k, v in settings.items() if v is not None and k in params}
    ignored = [
        f"--{k.replace('_', '-')}"
        for k, v in settings.items()
        if v is not None and k not in params and k != "verbose"
    ]
    if ignored:
        raise _InputError(
            f"{', '.join(ignored)} does not apply to --method {args.method}."
        )
    return condenser.set_params(**given)


def _condense(args: argparse.Namespace) -> int:
    """Condense a CSV table to a few synthetic records per class.

    The table is read, its columns' kinds are detected (or given with
    --categorical), it is encoded, condensed and decoded back to the same
    columns, dtypes, observed categories and ranges
    (sklearn_dc.tabular.TabularCondenser). The condensed records are written
    to OUTPUT with a data card beside them (OUTPUT.card.json): the method and
    its settings, counts, the source's hash, the package version and, for
    dp-dm, the privacy budget spent.
    """
    from .io import card_path, make_data_card, save_condensed
    from .tabular import TabularCondenser

    table = _read_table(args.data, args.sep, args.encoding)
    missing = [c for c in [args.target, *args.drop] if c not in table.columns]
    if missing:
        raise _InputError(
            f"{args.data} has no column(s) {missing}; its columns are "
            f"{list(table.columns)}."
        )
    for path in [args.output, card_path(args.output)]:
        if path.exists() and not args.overwrite:
            raise _InputError(f"{path} exists; pass --overwrite to replace it.")
    y = table[args.target]
    if y.isna().any():
        raise _InputError(
            f"The target column {args.target!r} has {int(y.isna().sum())} missing "
            "values; drop those rows first."
        )
    X = table.drop(columns=[args.target, *args.drop])
    if args.classes is not None:
        args.classes = _labels_like(args.classes, y)
    private = args.method == "dp-dm"
    for flag, value in [
        ("--preprocessing-epsilon", args.preprocessing_epsilon),
        ("--n-samples", args.n_samples),
        ("--classes", args.classes),
    ]:
        if value is not None and not private:
            raise _InputError(f"{flag} applies to --method dp-dm only.")
    schema = None
    if args.schema is not None:
        from ._public_encoding import load_schema

        try:
            schema = load_schema(args.schema)
        except ValueError as exc:
            raise _InputError(str(exc)) from exc
    wrapper = TabularCondenser(
        _condenser(args),
        categorical=args.categorical,
        drop_id_columns=not args.keep_id,
        schema=schema,
        preprocessing_epsilon=args.preprocessing_epsilon,
    )
    start = time.perf_counter()
    try:
        with _warnings_to_stderr("condense"):
            X_small, y_small = wrapper.fit_resample(X, y)
    except ValueError as exc:
        raise _InputError(str(exc)) from exc
    seconds = time.perf_counter() - start
    card = make_data_card(
        wrapper,
        X,
        y,
        description=f"{args.data.name}, target {args.target!r}",
    )
    save_condensed(
        args.output, X_small, y_small, card, target_name=args.target, overwrite=True
    )
    if not args.quiet:
        counts = ", ".join(f"{k}: {v}" for k, v in wrapper.n_per_class_.items())
        print(
            f"{len(y_small)} records ({counts}) from {len(y)} in {seconds:.1f} s "
            f"-> {args.output} (card: {card_path(args.output)})"
        )
        if private:
            budget = wrapper.privacy_
            print(
                f"({budget['epsilon']:.3g}, {budget['delta']:.3g})-differentially "
                f"private ({budget['neighbouring']} neighbours): "
                f"{budget['preprocessing']['epsilon']:.3g} for the encoder's "
                f"statistics, {budget['matching']['epsilon']:.3g} for condensing; "
                "the card lists what was public and what was released."
            )
    if card["real_records"].startswith("yes"):
        print(
            f"sklearn-dc condense: warning: the output rows are real patients "
            f"({card['real_records']}).",
            file=sys.stderr,
        )
    return 0


def _labels_like(labels, y):
    """``--classes`` values with the type of the label column's values."""
    import pandas as pd

    if not pd.api.types.is_numeric_dtype(y.dtype):
        return labels
    try:
        return pd.to_numeric(pd.Series(labels)).tolist()
    except ValueError as exc:
        raise _InputError(
            f"--classes {' '.join(labels)}: the target column holds numbers; give "
            "numeric class labels."
        ) from exc


def _read_labelled(path: Path, target: str, args, columns=None):
    """``(X, y)`` of a CSV file with a label column, checked against ``columns``."""
    table = _read_table(path, args.sep, args.encoding)
    if target not in table.columns:
        raise _InputError(
            f"{path} has no target column {target!r}; its columns are "
            f"{list(table.columns)}."
        )
    X, y = table.drop(columns=[target]), table[target]
    if columns is not None and list(X.columns) != list(columns):
        missing = [c for c in columns if c not in X.columns]
        extra = [c for c in X.columns if c not in columns]
        raise _InputError(
            f"{path} does not have the condensed records' columns (missing: "
            f"{missing}, not in the condensed records: {extra}); the files must "
            "share one schema."
        )
    return X, y


def _pick_learners(names):
    """The table learners named in ``names`` (all when None)."""
    from .evaluation import table_learners

    learners = table_learners()
    unknown = set(names or []) - set(learners)
    if unknown:
        raise _InputError(
            f"unknown learner(s) {sorted(unknown)}; choose from {list(learners)}."
        )
    return {k: v for k, v in learners.items() if not names or k in names}


def _load_sets(args):
    """``(X_small, y_small, X_test, y_test, X_train, y_train, card)`` of a command."""
    from .io import card_path, load_condensed

    target, card = args.target, None
    if card_path(args.condensed).is_file():
        try:
            condensed = load_condensed(args.condensed)
        except ValueError as exc:
            raise _InputError(str(exc)) from exc
        X_small, y_small, card = condensed.data, condensed.target, condensed.card
        if target is not None and target != y_small.name:
            raise _InputError(
                f"--target {target!r} differs from the card's target column "
                f"{y_small.name!r}."
            )
        target = y_small.name
    elif target is None:
        raise _InputError(
            f"{args.condensed} has no data card; give its label column with --target."
        )
    else:
        X_small, y_small = _read_labelled(args.condensed, target, args)
    X_test, y_test = _read_labelled(args.test, target, args, X_small.columns)
    X_train = y_train = None
    if args.train is not None:
        X_train, y_train = _read_labelled(args.train, target, args, X_small.columns)
    return X_small, y_small, X_test, y_test, X_train, y_train, card


def _utility(args, sets):
    """The utility results of a command's sets (``evaluate_condensed``)."""
    from .evaluation import evaluate_condensed

    X_small, y_small, X_test, y_test, X_train, y_train, _ = sets
    try:
        return evaluate_condensed(
            X_small,
            y_small,
            X_test,
            y_test,
            X_train=X_train,
            y_train=y_train,
            learners=_pick_learners(args.learners),
            n_seeds=args.seeds,
            name=args.condensed.name,
        )
    except ValueError as exc:
        raise _InputError(str(exc)) from exc


def _evaluate(args: argparse.Namespace) -> int:
    """Score models trained on a condensed file against a real test file.

    Each learner (logistic regression, gradient boosting, an MLP; each behind
    a median / mode imputer, a scaler and a one-hot encoder fitted on the
    data it is trained on) is trained on the condensed records and scored on
    the real test records: ROC-AUC for two classes, accuracy otherwise, mean
    ± std over seeds. With --train (the real records the condensed set was
    made from), the same learners trained on all of them and on random
    subsets of the condensed set's size per class are scored too. A file
    written by `sklearn-dc condense` is checked against its data card, whose
    target column is used unless --target is given.
    """
    from .evaluation import utility_table

    sets = _load_sets(args)
    results = _utility(args, sets)
    print(
        f"{results.scoring.iloc[0]} on {args.test.name} ({len(sets[3])} records), "
        f"mean ± std over {args.seeds} seeds:\n{utility_table(results).to_string()}"
    )
    return 0


def _report(args: argparse.Namespace) -> int:
    """Write an HTML report on a condensed file, for the decision to share it.

    One self-contained page: the data card (for a file written by
    `sklearn-dc condense`, checked against its hash), the utility table of
    `sklearn-dc evaluate` (the condensed records beside all training records
    and random subsets of the same size), the privacy audit
    (sklearn_dc.privacy.privacy_report: copies, distances to closest
    records, membership-inference attacks, with the value expected without
    leakage) with the histograms of distances to closest records, and each
    feature's distribution in the training and the condensed records.
    """
    from .evaluation import condensation_report

    if args.output.exists() and not args.overwrite:
        raise _InputError(f"{args.output} exists; pass --overwrite to replace it.")
    X_small, y_small, X_test, y_test, X_train, y_train, card = _load_sets(args)
    try:
        with _warnings_to_stderr("report"):
            page = condensation_report(
                X_small,
                y_small,
                X_train,
                y_train,
                X_test,
                y_test,
                card=card,
                learners=_pick_learners(args.learners),
                n_seeds=args.seeds,
                title=f"Condensed data report: {args.condensed.name}",
            )
    except ValueError as exc:
        raise _InputError(str(exc)) from exc
    args.output.write_text(page, encoding="utf-8")
    if not args.quiet:
        print(f"wrote {args.output}")
    return 0


def _add_condensed_files(command, *, train_required):
    """The file arguments shared by ``evaluate`` and ``report``."""
    command.add_argument("condensed", type=Path, help="the condensed records (CSV)")
    command.add_argument(
        "--test", type=Path, required=True,
        help="real held-out records (CSV) with the same columns and the target",
    )  # fmt: skip
    command.add_argument(
        "--train", type=Path, required=train_required,
        help="the real training records (CSV) the condensed set was made from: the "
        "full-data and random-subset references"
        + (" and the members of the privacy attacks" if train_required else ""),
    )  # fmt: skip
    command.add_argument("--target", help="the label column (default: the data card's)")
    command.add_argument(
        "--learners", nargs="+", metavar="NAME",
        help="learners by name: 'logistic regression', 'gradient boosting', MLP "
        "(default: all three)",
    )  # fmt: skip
    command.add_argument(
        "--seeds", type=int, default=3, help="seeds per learner (default: 3)"
    )
    command.add_argument("--sep", default=",", help="delimiter of the CSV files")
    command.add_argument(
        "--encoding", default="utf-8", help="text encoding of the CSV files"
    )


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
        "logistic regression and gradient boosting on per-channel summaries; "
        "breast-cancer: scikit-learn's 569 records, logistic regression and "
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
        "regression', 'gradient boosting', MLP, and for sepsis48 TCN, GRU, LSTM, "
        "Transformer (networks take minutes on a CPU)",
    )
    demo.add_argument(
        "--n-jobs", type=int,
        help="processes for the condensations and learner fits (default: 1; -1: "
        "all cores); the tables do not depend on it, the times do",
    )  # fmt: skip
    demo.add_argument(
        "--dask", metavar="ADDRESS",
        help="run the condensations and learner fits on the Dask cluster whose "
        "scheduler is at ADDRESS (e.g. tcp://10.0.0.5:8786; needs "
        '`pip install "sklearn-dc[distributed]"`); --n-jobs is then ignored',
    )  # fmt: skip
    demo.add_argument(
        "--dask-timeout", type=float, default=10.0, metavar="SECONDS",
        help="seconds to wait for the --dask scheduler (default: 10)",
    )  # fmt: skip
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(handler=_demo)

    condense = commands.add_parser(
        "condense",
        help="condense a CSV table; write the records and their data card",
        description=_condense.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    condense.add_argument("data", type=Path, help="the CSV file to condense")
    condense.add_argument(
        "--target", required=True, help="the label column (e.g. death)"
    )
    condense.add_argument(
        "-o", "--output", type=Path, required=True,
        help="where to write the condensed records (.csv, or .parquet with pyarrow)",
    )  # fmt: skip
    condense.add_argument(
        "--method",
        choices=list(_METHODS),
        default="dm",
        help="dm: distribution matching (default); kip: kernel inducing points; "
        "dp-dm: differentially private DM (needs opacus, see --epsilon); kmeans: "
        "per-class k-means centres; random, herding, kcenter: real records (they "
        "copy patients: do not share them)",
    )
    condense.add_argument(
        "--n-per-class", type=int, default=20,
        help="records per class to produce (default: 20)",
    )  # fmt: skip
    condense.add_argument(
        "--categorical", nargs="+", metavar="COLUMN",
        help="columns to treat as categorical (others are detected)",
    )  # fmt: skip
    condense.add_argument(
        "--drop", nargs="+", metavar="COLUMN", default=[],
        help="columns to leave out (e.g. outcomes other than the target)",
    )  # fmt: skip
    condense.add_argument(
        "--keep-id", action="store_true",
        help="keep ID-like columns (unique per row), filled with new IDs; they "
        "are dropped by default",
    )  # fmt: skip
    condense.add_argument(
        "--seed", type=int, default=0,
        help="random seed (0); for dp-dm it fixes only the networks and the "
        "starting records: the noise is secret and a rerun differs",
    )  # fmt: skip
    condense.add_argument(
        "--n-iter", type=int, help="optimisation steps of learned methods"
    )
    condense.add_argument(
        "--device", help="torch device of learned methods: cpu, cuda or auto"
    )
    condense.add_argument(
        "--epsilon", type=float, help="privacy budget of dp-dm (default: 1)"
    )
    condense.add_argument("--delta", type=float, help="delta of dp-dm (1e-5)")
    condense.add_argument(
        "--schema", type=Path, metavar="JSON",
        help="public facts about the columns: a JSON file {\"columns\": {name: "
        "{\"kind\": ..., \"range\": [low, high]} or {\"kind\": \"categorical\", "
        "\"categories\": [...]}}, \"classes\": [...]}, or the data card of a "
        "public reference set; with dp-dm what it gives costs no privacy budget",
    )  # fmt: skip
    condense.add_argument(
        "--preprocessing-epsilon", type=float, metavar="EPSILON",
        help="dp-dm: the share of --epsilon spent on releasing the ranges, "
        "scales and categories the schema does not give (default: a fifth)",
    )  # fmt: skip
    condense.add_argument(
        "--classes", nargs="+", metavar="LABEL",
        help="dp-dm: the public class labels (default: released privately)",
    )  # fmt: skip
    condense.add_argument(
        "--n-samples", type=int, metavar="N",
        help="dp-dm: a public upper bound on the number of records; the "
        "guarantee is then for adding or removing a record (default: the "
        "file's row count is taken as public, for replacing a record)",
    )  # fmt: skip
    condense.add_argument(
        "--sep", default=",", help="delimiter of the CSV file (default: ',')"
    )
    condense.add_argument(
        "--encoding", default="utf-8", help="text encoding of the CSV (utf-8)"
    )
    condense.add_argument(
        "--overwrite", action="store_true", help="replace existing output files"
    )
    condense.add_argument("--quiet", action="store_true", help="print nothing")
    condense.set_defaults(handler=_condense)

    evaluate = commands.add_parser(
        "evaluate",
        help="score models trained on a condensed file against a real test file",
        description=_evaluate.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_condensed_files(evaluate, train_required=False)
    evaluate.set_defaults(handler=_evaluate)

    report = commands.add_parser(
        "report",
        help="write an HTML report: data card, utility, leakage, distributions",
        description=_report.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_condensed_files(report, train_required=True)
    report.add_argument(
        "-o", "--output", type=Path, required=True, help="the HTML file to write"
    )
    report.add_argument(
        "--overwrite", action="store_true", help="replace an existing report"
    )
    report.add_argument("--quiet", action="store_true", help="print nothing")
    report.set_defaults(handler=_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except _InputError as exc:
        print(f"sklearn-dc {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
