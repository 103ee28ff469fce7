"""The ``sklearn-dc`` command line (also ``python -m sklearn_dc``)."""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
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
        # DM's default: its early stopping ends the runs well before.
        "n_iter": 1000,
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
            "and standardised from the training split (a channel never "
            "measured in the training split is filled with 0)."
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
        condensers["DistributionMatching"].set_params(n_iter=n_iter)
        start = time.perf_counter()
        with warnings.catch_warnings():
            # The bundled sepsis48 set never measures one channel; the
            # description says it is filled with 0.
            warnings.filterwarnings("ignore", message="Channels .* no observed value")
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
def _warnings_to_stderr(command, quiet=False):
    """Show warnings as one line each on standard error, not as tracebacks.

    The library's advice is phrased for Python (``drop_id_columns=False``);
    it is rephrased with the command's flags. ``quiet`` drops them.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    if quiet:
        return
    seen = set()
    for warning in caught:
        message = _as_flags(str(warning.message))
        if message not in seen:
            seen.add(message)
            print(f"sklearn-dc {command}: warning: {message}", file=sys.stderr)


# Python advice in the library's messages, and the command-line flags that
# give it (the library's messages stay phrased for its API).
_FLAG_ADVICE = [
    (
        r"Pass drop_id_columns=False to keep it filled with new identifiers, or "
        r"declare its kind \(e\.g\. \w+=\['?([^\]]*?)'?\]\) if it is a real "
        r"feature\.",
        r"Pass --keep-id to keep it filled with new identifiers, or --categorical "
        r"\1 if it is a real categorical feature (--drop \1 silences this).",
    ),
    (r"drop_id_columns=False", "--keep-id"),
    (r"\w+\(n_iter=0, init='(real|herding)'\)", "--n-iter 0"),
    (r"give n_iter >= 1", "give --n-iter 1 or more"),
    (
        r"Use init='noise', or leave such classes out before sharing\.",
        "Leave such classes out (drop their rows) before sharing.",
    ),
    (r"lower n_per_class", "lower --n-per-class"),
    (r"in schema= to keep it", "in --schema to keep it"),
    (r"n_per_class=(\{[^}]*\}|'[^']*'|\S+?)( |:|\.|$)", r"--n-per-class \1\2"),
    (r"\bn_per_class\b", "--n-per-class"),
    (r"not in y: ", "not in the target column: "),
    (r"The classes in y are", "The target column holds"),
    (r"\bn_iter\b", "--n-iter"),
]


def _as_flags(message):
    """A library message with its Python advice given as command-line flags."""
    for pattern, replacement in _FLAG_ADVICE:
        message = re.sub(pattern, replacement, message)
    return message


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


# Files that are not delimited text, and what to do with them.
_NOT_CSV = {
    ".xlsx": "a spreadsheet",
    ".xls": "a spreadsheet",
    ".xlsm": "a spreadsheet",
    ".ods": "a spreadsheet",
    ".parquet": "a Parquet file",
    ".feather": "a Feather file",
    ".json": "a JSON file",
    ".pkl": "a pickle",
    ".sav": "an SPSS file",
    ".dta": "a Stata file",
    ".sas7bdat": "a SAS file",
}


def _check_input(path: Path, flag: str = "") -> None:
    """Refuse an input file that is missing, a folder, empty or not CSV."""
    where = f" ({flag})" if flag else ""
    if not path.exists():
        raise _InputError(f"{path}{where}: no such file; check the path.")
    if path.is_dir():
        raise _InputError(f"{path}{where} is a folder; give a CSV file.")
    kind = _NOT_CSV.get(path.suffix.lower())
    if kind is not None:
        raise _InputError(
            f"{path}{where} is {kind}, not a CSV file; export it as CSV (e.g. "
            "pandas' DataFrame.to_csv) and give that file."
        )
    try:
        with open(path, "rb") as handle:
            empty = not handle.read(1)
    except OSError as exc:
        raise _InputError(f"{path}{where} cannot be read ({exc.strerror}).") from exc
    if empty:
        raise _InputError(
            f"{path}{where} is empty; give a CSV file with a header row and records."
        )


def _check_output(path: Path, suffixes, *, overwrite: bool, card: bool = False):
    """Refuse an output path that cannot be written, before any work.

    ``suffixes`` maps each accepted extension to ``(module, extra)`` it needs
    (or None); with ``card``, the data card written beside it is checked too.
    """
    if path.is_dir() or not path.name:
        raise _InputError(
            f"-o {path} is a folder; give a file name, e.g. "
            f"{path / ('condensed' + next(iter(suffixes)))}."
        )
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        raise _InputError(f"-o {path}: end the file name in {' or '.join(suffixes)}.")
    needed = suffixes[suffix]
    if needed is not None:
        module, extra = needed
        try:
            __import__(module)
        except ImportError as exc:
            raise _InputError(
                f"-o {path}: writing {suffix} needs {module}, which is not "
                f'installed: pip install "sklearn-dc[{extra}]" (or pip install '
                f"{module}), or end the file name in {next(iter(suffixes))}."
            ) from exc
    targets = [path]
    if card:
        from .io import card_path

        targets.append(card_path(path))
    for target in targets:
        if target.is_dir():
            raise _InputError(f"-o {path}: {target} is a folder; remove it first.")
        if target.exists() and not overwrite:
            raise _InputError(f"{target} exists; pass --overwrite to replace it.")
    folder = path.parent
    if not folder.is_dir():
        raise _InputError(
            f"-o {path}: the folder {folder} does not exist; create it first "
            f"(mkdir -p {folder}) or write elsewhere."
        )
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".sklearn-dc-"):
            pass
    except OSError as exc:
        raise _InputError(
            f"-o {path}: cannot write in {folder} ({exc.strerror or exc}); choose "
            "a folder you can write to."
        ) from exc


def _read_table(path: Path, sep: str, encoding: str, flag: str = ""):
    import pandas as pd

    _check_input(path, flag)
    try:
        table = pd.read_csv(path, sep=sep, encoding=encoding)
    except UnicodeDecodeError as exc:
        raise _InputError(
            f"{path} is not valid {encoding} text ({exc.reason} at byte "
            f"{exc.start}); give its encoding with --encoding (e.g. latin-1)."
        ) from exc
    except LookupError as exc:
        raise _InputError(
            f"--encoding {encoding}: unknown encoding; try utf-8 or latin-1."
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise _InputError(
            f"{path} holds no table (only blank lines); give a CSV file with a "
            "header row and records."
        ) from exc
    except pd.errors.ParserError as exc:
        raise _InputError(
            f"{path} could not be parsed as a table with delimiter {sep!r} "
            f"({str(exc).strip()}); give the delimiter with --sep."
        ) from exc
    if table.shape[1] < 2:
        raise _InputError(
            f"{path} has a single column with delimiter {sep!r} (header: "
            f"{str(table.columns[0])[:60]!r}); give the delimiter with --sep "
            "(e.g. --sep ';' or --sep $'\\t')."
        )
    if len(table) == 0:
        raise _InputError(f"{path} has a header row but no records.")
    return table


def _check_finite(table, path):
    """Refuse numeric columns holding infinity (an imputer does not remove it)."""
    import numpy as np

    numbers = table.select_dtypes("number")
    infinite = [c for c in numbers if np.isinf(numbers[c].to_numpy(float)).any()]
    if infinite:
        raise _InputError(
            f"{path}: columns {infinite} hold infinite values (inf); replace them "
            "with the largest plausible value or leave the cells empty (missing)."
        )


def _budget(text: str, y):
    """``--n-per-class``: an int, a fraction, a strategy word or per-class budgets."""
    from .base import STRATEGIES

    word = " ".join(text.strip().lower().replace("-", " ").replace("_", " ").split())
    if word in STRATEGIES:
        return word
    if "=" not in text:
        return _budget_value(text, text)
    budgets = {}
    for part in text.split(","):
        label, sep, value = part.partition("=")
        if not sep or not label.strip():
            raise _InputError(
                f"--n-per-class {text}: write per-class budgets as "
                "LABEL=BUDGET,LABEL=BUDGET (e.g. died=20,alive=0.01)."
            )
        budgets[label.strip()] = _budget_value(value.strip(), text, per_class=True)
    labels = _labels_like(list(budgets), y, flag="--n-per-class")
    return dict(zip(labels, budgets.values(), strict=True))


def _budget_value(value: str, text: str, *, per_class: bool = False):
    if per_class and value.lower() in ("all", "keep"):
        return "all"
    try:
        number = int(value)
    except ValueError:
        try:
            number = float(value)
        except ValueError:
            number = None
    valid = number is not None and (
        number >= 1 if isinstance(number, int) else 0 < number <= 1
    )
    if not valid:
        words = (
            "'all' to keep the class whole"
            if per_class
            else (
                "majority, 'not minority', 'not majority', all, or per-class budgets "
                "died=20,alive=0.01"
            )
        )
        raise _InputError(
            f"--n-per-class {text}: give records per class (an integer >= 1), a "
            f"fraction of each class in (0, 1], or {words}."
        )
    return number


def _condenser(args):
    """The condenser named by ``--method``, with the command's settings."""
    import sklearn_dc

    condenser = getattr(sklearn_dc, _METHODS[args.method])(
        n_per_class=args.budget, random_state=args.seed
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

    # Everything the command can check is checked before reading the data.
    _check_output(
        args.output,
        {".csv": None, ".parquet": ("pyarrow", "parquet")},
        overwrite=args.overwrite,
        card=True,
    )
    if args.data.resolve() == args.output.resolve():
        raise _InputError(
            f"-o {args.output} is the input file; write the condensed records "
            "to another file."
        )
    if args.method == "dp-dm":
        try:
            __import__("opacus")
        except ImportError as exc:
            raise _InputError(
                "--method dp-dm needs opacus, which is not installed: pip install "
                '"sklearn-dc[privacy]".'
            ) from exc
    table = _read_table(args.data, args.sep, args.encoding)
    missing = [c for c in [args.target, *args.drop] if c not in table.columns]
    if missing:
        raise _InputError(
            f"{args.data} has no column(s) {missing}; its columns are "
            f"{list(table.columns)}."
        )
    if args.target in args.drop:
        raise _InputError(f"--drop {args.target}: that is the --target column.")
    y = table[args.target]
    if y.isna().any():
        raise _InputError(
            f"The target column {args.target!r} has {int(y.isna().sum())} missing "
            "values; drop those rows first."
        )
    X = table.drop(columns=[args.target, *args.drop])
    _check_finite(X, args.data)
    args.budget = _budget(args.n_per_class, y)
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
        with _warnings_to_stderr("condense", quiet=args.quiet):
            X_small, y_small = wrapper.fit_resample(X, y)
    except ValueError as exc:
        raise _InputError(_as_flags(str(exc))) from exc
    seconds = time.perf_counter() - start
    card = make_data_card(
        wrapper,
        X,
        y,
        description=f"{args.data.name}, target {args.target!r}",
    )
    # The columns left out with --drop: evaluate and report leave them out of
    # the real files too.
    card["source"]["dropped_columns"] = {
        column: "left out with --drop" for column in args.drop
    }
    kept = getattr(wrapper.condenser_, "kept_classes_", [])
    if kept and not card["real_records"].startswith("yes"):
        card["real_records"] = (
            f"yes, classes {kept}: kept whole by --n-per-class "
            f"{args.n_per_class}, their rows are the real records"
        )
    try:
        save_condensed(
            args.output,
            X_small,
            y_small,
            card,
            target_name=args.target,
            overwrite=True,
        )
    except (OSError, ValueError) as exc:
        raise _InputError(f"-o {args.output}: could not write ({exc}).") from exc
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
    # Said even with --quiet: these rows must not be shared.
    if card["real_records"].startswith("yes"):
        print(
            f"sklearn-dc condense: warning: the output rows are real patients "
            f"({card['real_records']}).",
            file=sys.stderr,
        )
    return 0


def _labels_like(labels, y, flag="--classes"):
    """Labels typed on the command line, with the type of the label column's."""
    import pandas as pd

    if not pd.api.types.is_numeric_dtype(y.dtype):
        return labels
    try:
        return pd.to_numeric(pd.Series(labels)).tolist()
    except ValueError as exc:
        raise _InputError(
            f"{flag} {' '.join(labels)}: the target column holds numbers; give "
            "numeric class labels."
        ) from exc


def _read_labelled(path: Path, target: str, args, flag: str, columns=None, drop=()):
    """``(X, y)`` of a CSV file with a label column, checked against ``columns``.

    The columns in ``drop`` (the card's dropped columns and ``--drop``) are
    left out where present; the others are put in the order of ``columns``.
    """
    table = _read_table(path, args.sep, args.encoding, flag)
    if target not in table.columns:
        raise _InputError(
            f"{path} has no target column {target!r}; its columns are "
            f"{list(table.columns)}."
        )
    y = table[target]
    if y.isna().any():
        raise _InputError(
            f"{path}: the target column {target!r} has {int(y.isna().sum())} "
            "missing values; drop those rows first."
        )
    X = table.drop(columns=[target, *(c for c in drop if c in table.columns)])
    if columns is not None:
        missing = [c for c in columns if c not in X.columns]
        extra = [c for c in X.columns if c not in columns]
        if missing:
            raise _InputError(
                f"{path} lacks the condensed records' columns {missing}; the "
                "files must share one schema."
            )
        if extra:
            raise _InputError(
                f"{path} has columns the condensed records do not: {extra}; leave "
                f"them out with --drop {' '.join(map(str, extra))}."
            )
        X = X[list(columns)]
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


def _check_sets(args):
    """Check the files and options of ``evaluate`` / ``report`` before any work."""
    from .io import card_path

    if (
        args.condensed.suffix.lower() == ".parquet"
        and card_path(args.condensed).is_file()
    ):
        # A Parquet file written by condense, read through its card.
        if not args.condensed.is_file():
            raise _InputError(f"{args.condensed}: no such file; check the path.")
    else:
        _check_input(args.condensed)
    _check_input(args.test, "--test")
    if args.train is not None:
        _check_input(args.train, "--train")
    if args.seeds < 1:
        raise _InputError(f"--seeds {args.seeds}: give 1 or more.")
    return _pick_learners(args.learners)


def _dropped_columns(card) -> list:
    """The source columns a card says were left out of the condensed records."""
    if card is None:
        return []
    method = card.get("method") or {}
    source = card.get("source") or {}
    dropped = [*(method.get("dropped_columns") or {})]
    dropped += [c for c in source.get("dropped_columns") or {} if c not in dropped]
    return dropped


def _load_sets(args):
    """``(X_small, y_small, X_test, y_test, X_train, y_train, card)`` of a command."""
    import json

    from .io import card_path, load_condensed

    target, card = args.target, None
    if card_path(args.condensed).is_file():
        try:
            condensed = load_condensed(args.condensed)
        except json.JSONDecodeError as exc:
            raise _InputError(
                f"{card_path(args.condensed)} is not valid JSON ({exc.msg}, line "
                f"{exc.lineno}); restore the card written with the records, or "
                "move it away and give --target."
            ) from exc
        except (ValueError, KeyError) as exc:
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
            f"{args.condensed} has no data card ({card_path(args.condensed).name}); "
            "give its label column with --target."
        )
    else:
        X_small, y_small = _read_labelled(
            args.condensed, target, args, "", drop=args.drop
        )
    drop = [*_dropped_columns(card), *args.drop]
    X_small = X_small.drop(columns=[c for c in args.drop if c in X_small.columns])
    X_test, y_test = _read_labelled(
        args.test, target, args, "--test", X_small.columns, drop
    )
    X_train = y_train = None
    if args.train is not None:
        X_train, y_train = _read_labelled(
            args.train, target, args, "--train", X_small.columns, drop
        )
    return X_small, y_small, X_test, y_test, X_train, y_train, card


def _utility(args, sets, learners):
    """The utility results of a command's sets (``evaluate_condensed``)."""
    from .evaluation import evaluate_condensed

    X_small, y_small, X_test, y_test, X_train, y_train, _ = sets
    try:
        with _warnings_to_stderr("evaluate", quiet=args.quiet):
            return evaluate_condensed(
                X_small,
                y_small,
                X_test,
                y_test,
                X_train=X_train,
                y_train=y_train,
                learners=learners,
                n_seeds=args.seeds,
                name=args.condensed.name,
                verbose=not args.quiet,
            )
    except ValueError as exc:
        raise _InputError(str(exc)) from exc


# Short learner names for the printed table.
_SHORT_NAMES = {"logistic regression": "logistic", "gradient boosting": "boosting"}


def _tidy_table(results):
    """The utility table for a terminal: one row per set, no empty column."""
    from .evaluation import utility_table

    table = utility_table(results).droplevel("n_per_class")
    table = table.rename(columns={**_SHORT_NAMES, "bytes": "CSV size"})
    table = table.drop(columns=["compression", "learner fit s"], errors="ignore")
    empty = [c for c in table if (table[c].astype(str).str.strip() == "").all()]
    table = table.drop(columns=empty)
    table.index.name = None
    return table


def _format_size(n_bytes):
    from .evaluation._utility import _format_bytes

    return _format_bytes(n_bytes)


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
    target column is used unless --target is given; the columns the card
    says were dropped (identifiers, --drop) are left out of the real files,
    and --drop leaves out more. Progress goes to standard error (--quiet
    silences it).
    """
    learners = _check_sets(args)
    sets = _load_sets(args)
    results = _utility(args, sets, learners)
    sizes = [f"{args.condensed.name}: {_format_size(args.condensed.stat().st_size)}"]
    if args.train is not None:
        sizes.append(f"{args.train.name}: {_format_size(args.train.stat().st_size)}")
    print(
        f"{results.scoring.iloc[0]} on {args.test.name} ({len(sets[3])} records), "
        f"mean ± std over {args.seeds} seeds:\n"
        f"{_tidy_table(results).to_string()}\n"
        f"File sizes on disk: {', '.join(sizes)}."
    )
    return 0


def _report(args: argparse.Namespace) -> int:
    """Write an HTML report on a condensed file, for the decision to share it.

    One self-contained page: a verdict first (the condensed records' score
    as a share of the full training data's, and the leakage level read from
    the membership-inference AUC), the data card (for a file written by
    `sklearn-dc condense`, checked against its hash) as tables, the utility
    table of `sklearn-dc evaluate` (the condensed records beside all training
    records and random subsets of the same size), the privacy audit
    (sklearn_dc.privacy.privacy_report: copies, distances to closest
    records, membership-inference attacks, with the value expected without
    leakage) with the histograms of distances to closest records, and each
    feature's distribution in the training and the condensed records. The
    card's dropped columns (and --drop) are left out of the real files.
    Needs matplotlib: pip install "sklearn-dc[report]".
    """
    from .evaluation import condensation_report

    _check_output(
        args.output,
        {".html": None, ".htm": None},
        overwrite=args.overwrite,
    )
    try:
        import matplotlib.figure  # noqa: F401
    except ImportError as exc:
        raise _InputError(
            "report draws its figures with matplotlib, which is not installed: "
            'pip install "sklearn-dc[report]" (or pip install matplotlib).'
        ) from exc
    learners = _check_sets(args)
    X_small, y_small, X_test, y_test, X_train, y_train, card = _load_sets(args)
    try:
        with _warnings_to_stderr("report", quiet=args.quiet):
            page = condensation_report(
                X_small,
                y_small,
                X_train,
                y_train,
                X_test,
                y_test,
                card=card,
                learners=learners,
                n_seeds=args.seeds,
                title=f"Condensed data report: {args.condensed.name}",
                verbose=not args.quiet,
            )
    except ValueError as exc:
        raise _InputError(str(exc)) from exc
    try:
        args.output.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise _InputError(f"-o {args.output}: could not write ({exc}).") from exc
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
    command.add_argument(
        "--drop", nargs="+", metavar="COLUMN", default=[],
        help="columns to leave out of the files (those the data card says were "
        "dropped, such as identifiers and condense --drop, are left out anyway)",
    )  # fmt: skip
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
        help="iterations of DistributionMatching (default: 1000, its own; on "
        "sepsis48 early stopping ends the runs sooner)",
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
        "--n-per-class", default="10", metavar="BUDGET",
        help="records per class: an integer (default: 10); a fraction of each "
        "class, e.g. 0.01; majority, 'not minority', 'not majority' or all "
        "(imbalanced-learn's words: the classes named are condensed to the "
        "smallest class's size, the others kept whole, as real records); or "
        "per-class budgets, e.g. died=20,alive=0.01 (a value 'all' keeps that "
        "class whole)",
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
    condense.add_argument(
        "--quiet", action="store_true",
        help="print no progress and no warnings (errors, and the warning that "
        "output rows are real patients, still print)",
    )  # fmt: skip
    condense.set_defaults(handler=_condense)

    evaluate = commands.add_parser(
        "evaluate",
        help="score models trained on a condensed file against a real test file",
        description=_evaluate.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_condensed_files(evaluate, train_required=False)
    evaluate.add_argument(
        "--quiet", action="store_true", help="no progress and no warnings"
    )
    evaluate.set_defaults(handler=_evaluate)

    report = commands.add_parser(
        "report",
        help="write an HTML report: data card, utility, leakage, distributions",
        description=_report.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_condensed_files(report, train_required=True)
    report.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="the HTML file to write (.html)",
    )
    report.add_argument(
        "--overwrite", action="store_true", help="replace an existing report"
    )
    report.add_argument("--quiet", action="store_true", help="print nothing but errors")
    report.set_defaults(handler=_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    0 on success; 2 with one line on standard error for any failure (130 when
    interrupted). Set the environment variable ``SKLEARN_DC_TRACEBACK=1`` to
    see the traceback of an unexpected error.
    """
    import os

    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except _InputError as exc:
        message = str(exc)
    except KeyboardInterrupt:
        print(f"sklearn-dc {args.command}: interrupted.", file=sys.stderr)
        return 130
    except (ImportError, OSError, MemoryError) as exc:
        if os.environ.get("SKLEARN_DC_TRACEBACK"):
            raise
        message = f"{exc}".strip() or type(exc).__name__
    except Exception as exc:  # noqa: BLE001 - no traceback on any input
        if os.environ.get("SKLEARN_DC_TRACEBACK"):
            raise
        message = (
            f"unexpected {type(exc).__name__}: {exc} (rerun with "
            "SKLEARN_DC_TRACEBACK=1 for the details, and report it)"
        )
    message = " ".join(message.split())
    print(f"sklearn-dc {args.command}: error: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
