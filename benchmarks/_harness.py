"""What the benchmark scripts share: environment, data, timing and memory probes.

Every script in ``benchmarks/`` imports from here (the scripts run from the
repository root as ``python benchmarks/<script>.py``, so this module is found
beside them). Nothing here patches the package: fits are split into set-up
and loop with the loop's timing hook, ``sklearn_dc.matching._loop.observe_loops``.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import platform
import shlex
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import sklearn
import torch
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelEncoder, StandardScaler
from threadpoolctl import threadpool_limits

import sklearn_dc
from sklearn_dc.datasets import load_sepsis_demo, load_support2
from sklearn_dc.evaluation import PeakMemory, mixed_table_encoder
from sklearn_dc.matching._loop import observe_loops
from sklearn_dc.preprocessing import (
    ChannelStandardScaler,
    SeriesSummary,
    TimeSeriesImputer,
)

ROOT = Path(__file__).resolve().parents[1]
# The real data beside the checkout (../shared/data), as the tests find it.
SHARED_DATA = Path(
    os.environ.get("SKLEARN_DC_SHARED_DATA", ROOT.parent / "shared" / "data")
).resolve()
# torch's own choice of threads, read before any script changes it.
DEFAULT_THREADS = torch.get_num_threads()


# --------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------


def cpu_name():
    """The CPU's model name (``/proc/cpuinfo``), or what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average():
    """The 1 / 5 / 15 minute load average, as text."""
    try:
        return " / ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


def versions():
    """Versions of the package and of what it runs on, in one line."""
    return (
        f"sklearn_dc {sklearn_dc.__version__}, torch {torch.__version__}, "
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
        f"Python {platform.python_version()}"
    )


def environment(threads=None):
    """Versions, CPU, cores, torch threads and GPU, in one line (the docs
    pages quote it beside the command)."""
    n = torch.get_num_threads() if threads is None else threads
    return (
        f"{versions()}; {cpu_name()}, {os.cpu_count()} cores, {n} torch "
        f"thread(s) (torch's default here: {DEFAULT_THREADS}), {gpu_name()}"
    )


def gpu_name():
    """The first CUDA device's name, or ``"no GPU"``."""
    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"


def command_line():
    """The command that runs this process, as a user would type it (with
    ``nice`` when the process runs at a lower priority)."""
    script = Path(sys.argv[0]).resolve()
    try:
        script = script.relative_to(ROOT)
    except ValueError:
        pass
    command = shlex.join(["python", str(script), *sys.argv[1:]])
    niceness = os.nice(0)
    return f"nice -n {niceness} {command}" if niceness else command


class Banner:
    """The environment of a run: printed when it starts and when it ends.

    The docs pages are written by hand from what a run prints: the command,
    the date, versions, CPU, threads, GPU, and the load average at both ends
    (other jobs on the machine make absolute times noisy).
    """

    def __init__(self, threads=None):
        self.threads = threads
        self.start = time.perf_counter()
        self.load_before = load_average()
        print(self.text(), flush=True)

    def text(self):
        return (
            f"{command_line()}\n{date.today().isoformat()}: "
            f"{environment(self.threads)}; load average (1 / 5 / 15 min) "
            f"{self.load_before}"
        )

    def done(self, *paths):
        """Print the paths written, the run's time and the load at the end."""
        minutes = (time.perf_counter() - self.start) / 60
        for path in paths:
            print(f"wrote {path}")
        print(
            f"whole run {minutes:.1f} minutes; load average {self.load_before} "
            f"at the start, {load_average()} at the end",
            flush=True,
        )


def output_path(name, *, quick, output=None):
    """Where a script writes its CSV: ``output`` if given, else ``docs/name``,
    or a temporary folder with ``--quick`` (a smoke run never overwrites the
    measured tables)."""
    if output is not None:
        return Path(output)
    folder = (
        Path(tempfile.gettempdir()) / "sklearn_dc_bench" if quick else ROOT / "docs"
    )
    return folder / name


def table_path(csv_path, name):
    """Where a display table derived from ``csv_path`` goes: a
    ``speed_tables/`` folder beside it (the docs include these)."""
    return Path(csv_path).parent / "speed_tables" / name


def write_csv(frame, path):
    """Write ``frame`` (a DataFrame or a list of dicts) to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(frame).convert_dtypes().to_csv(path, index=False)
    return path


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


def mixed_table_preprocessor():
    """Impute, scale numbers and one-hot encode categories (SUPPORT2)."""
    return mixed_table_encoder(sparse_output=False)


def split(X, y, seed=0):
    """75 / 25 split, stratified."""
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=seed)


class Dataset(NamedTuple):
    """A preprocessed float32 train / test split with a description."""

    name: str
    description: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    series: bool  # time series: utility is scored on per-channel summaries


def standardised(name, description, X, y):
    X_train, X_test, y_train, y_test = split(X, y)
    scaler = StandardScaler().fit(X_train)
    return Dataset(
        name,
        description,
        scaler.transform(X_train).astype(np.float32),
        y_train,
        scaler.transform(X_test).astype(np.float32),
        y_test,
        False,
    )


def loop_datasets():
    """The data sets the loops are compared on: digits, breast cancer, SUPPORT2
    (when ``SHARED_DATA`` has it) and the bundled sepsis48 demo, preprocessed
    on the training split, labels encoded."""
    yield standardised(
        "digits",
        "load_digits, 10 classes, 64 features, standardised",
        *load_digits(return_X_y=True),
    )
    yield standardised(
        "breast_cancer",
        "load_breast_cancer, 2 classes, 30 features, standardised",
        *load_breast_cancer(return_X_y=True),
    )
    support = SHARED_DATA / "support2"
    if support.is_dir():
        X, y = load_support2(support, return_X_y=True)
        X_train, X_test, y_train, y_test = split(X, LabelEncoder().fit_transform(y))
        encoder = mixed_table_preprocessor().fit(X_train)
        X_train = encoder.transform(X_train).astype(np.float32)
        yield Dataset(
            "support2",
            f"SUPPORT2 180-day mortality, 2 classes, {X_train.shape[1]} features "
            "(imputed, standardised, one-hot)",
            X_train,
            y_train,
            encoder.transform(X_test).astype(np.float32),
            y_test,
            False,
        )
    X_train, X_test, y_train, y_test = split(*load_sepsis_demo(return_X_y=True))
    prep = make_pipeline(TimeSeriesImputer(), ChannelStandardScaler())
    with warnings.catch_warnings():
        # A channel never measured in the demo's training split is filled with 0.
        warnings.simplefilter("ignore", UserWarning)
        X_train = prep.fit_transform(X_train).astype(np.float32)
        X_test = prep.transform(X_test).astype(np.float32)
    yield Dataset(
        "sepsis48_demo",
        "load_sepsis_demo, 2 classes, 40 channels x 48 hours (imputed, "
        "standardised per channel), TCN",
        X_train,
        y_train,
        X_test,
        y_test,
        True,
    )


def standardised_digits():
    """All 1,797 digits, standardised, float32 (no split: timing only)."""
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X).astype(np.float32), y


def classification_table(n_rows, n_test, n_features, seed=0):
    """A standardised float32 ``make_classification`` table and its test split:
    2 classes, a quarter of the features informative and a quarter redundant."""
    X, y = make_classification(
        n_samples=n_rows + n_test,
        n_features=n_features,
        n_informative=max(2, n_features // 4),
        n_redundant=n_features // 4,
        n_classes=2,
        random_state=seed,
    )
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=n_test, stratify=y, random_state=seed
    )
    scaler = StandardScaler().fit(X_train)
    return (
        scaler.transform(X_train).astype(np.float32),
        y_train,
        scaler.transform(X_test).astype(np.float32),
        y_test,
    )


def utility(X_syn, y_syn, X_test, y_test, *, series=False):
    """Logistic regression trained on ``(X_syn, y_syn)``, scored on the test split.

    ROC-AUC for two classes, accuracy otherwise; time series are summarised
    per channel (mean, std, min, max, last value) first.
    """
    model = LogisticRegression(max_iter=2000)
    if series:
        model = make_pipeline(SeriesSummary(), StandardScaler(), model)
    model.fit(X_syn, y_syn)
    if len(np.unique(y_test)) == 2:
        return roc_auc_score(y_test, model.decision_function(X_test))
    return accuracy_score(y_test, model.predict(X_test))


# --------------------------------------------------------------------------
# Timing and memory
# --------------------------------------------------------------------------


def release_memory():
    """Collect garbage and hand freed heap pages back to the system.

    Without ``malloc_trim`` the C heap keeps what an earlier run freed, and a
    later run reuses it without the resident size growing: its peak would be
    under-reported.
    """
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def minor_page_faults():
    """Minor page faults of this process so far (0 where unknown).

    A minor fault is the kernel mapping a fresh page on first touch: the cost
    of memory the allocator returned to the system and took back.
    """
    try:
        import resource
    except ImportError:
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def fit_timed(condenser, X, y, *, synchronize=None):
    """``fit_resample`` with its set-up and optimisation loop timed apart.

    For a matching condenser, the start of its optimisation loop (real
    records on the device, networks built, experts trained, records
    initialised), reported by the loop's timing hook (``observe_loops``),
    splits the fit into set-up and loop; the loop time covers the ``n_iter``
    optimisation steps (and the negligible final copy). Other condensers have
    no loop: all of their time is set-up. ``synchronize`` (such as
    ``torch.cuda.synchronize``) is called before each clock reading, so that
    queued GPU work is counted where it was queued.

    Returns ``X_res, y_res, timing``: a dict of ``total_s``, ``setup_s``,
    ``loop_s`` and ``loop_faults`` (minor page faults in the loop); the loop
    entries are NaN without a loop.
    """
    sync = synchronize or (lambda: None)
    marks = {}

    def mark(event):
        if event == "start":
            sync()
            marks["faults"] = minor_page_faults()
            marks["loop"] = time.perf_counter()

    sync()
    start = time.perf_counter()
    with observe_loops(mark):
        X_res, y_res = condenser.fit_resample(X, y)
    sync()
    end = time.perf_counter()
    faults = minor_page_faults()
    timing = {"total_s": end - start, "setup_s": end - start}
    timing["loop_s"] = timing["loop_faults"] = float("nan")
    if "loop" in marks:
        timing["setup_s"] = marks["loop"] - start
        timing["loop_s"] = end - marks["loop"]
        timing["loop_faults"] = faults - marks["faults"]
    return X_res, y_res, timing


def fit_measured(condenser, X, y, X_test, y_test, *, series=False):
    """One condensation: times, peak extra resident memory and utility.

    The heap is trimmed first (``release_memory``), so that the peak is not
    hidden by memory an earlier run freed.
    """
    release_memory()
    with PeakMemory() as memory:
        X_res, y_res, timing = fit_timed(condenser, X, y)
    n_iter = condenser.get_params().get("n_iter")
    return {
        "condense_s": timing["total_s"],
        "setup_s": timing["setup_s"],
        "ms_per_iter": 1e3 * timing["loop_s"] / n_iter if n_iter else float("nan"),
        "peak_extra_mb": memory.extra_bytes / 2**20,
        "score": utility(X_res, y_res, X_test, y_test, series=series),
    }


def interleaved(items, repeats):
    """``(repeat, item)`` pairs: every repeat runs all ``items``, the order
    rotated by one each repeat (with two items: swapped).

    Timings compared within one run this way see a change of load on the
    machine alike.
    """
    items = list(items)
    for repeat in range(repeats):
        shift = repeat % len(items)
        for item in items[shift:] + items[:shift]:
            yield repeat, item


class torch_threads:
    """Context manager: run torch with ``n`` threads, then restore."""

    def __init__(self, n):
        self.n = n

    def __enter__(self):
        self.previous = torch.get_num_threads()
        torch.set_num_threads(self.n)

    def __exit__(self, *exc_info):
        torch.set_num_threads(self.previous)
        return False


def mm_rate(size, repeats=3):
    """float32 FLOP/s of one ``size x size`` matrix product (best of ``repeats``)."""
    a = torch.randn(size, size)
    b = torch.randn(size, size)
    a @ b  # warm-up
    best = float("inf")
    for _ in range(repeats):
        tic = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - tic)
    return 2 * size**3 / best


class PeakRate:
    """The best float32 matrix-product rate seen, per thread count.

    Sampled between the timed runs, so that the peak is taken under the same
    load as the loops it is compared with.
    """

    def __init__(self, size):
        self.size = size
        self.best = defaultdict(float)

    def sample(self, threads):
        with torch_threads(threads):
            self.best[threads] = max(self.best[threads], mm_rate(self.size))


# --------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------


def mean_std(values):
    """``"mean ± std"`` of ``values`` (std 0 for one value), three decimals."""
    values = np.asarray(values, dtype=float)
    std = values.std(ddof=1) if len(values) > 1 else 0.0
    return f"{values.mean():.3f} ± {std:.3f}"


def difference_se(a, b):
    """Mean of ``a`` minus mean of ``b`` and the standard error of it."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    var = sum(v.var(ddof=1) / len(v) if len(v) > 1 else 0.0 for v in (a, b))
    return a.mean() - b.mean(), float(np.sqrt(var))


# --------------------------------------------------------------------------
# The command line of the speed scripts
# --------------------------------------------------------------------------


def speed_parser(doc, csv_name):
    """The options every speed script takes: ``--quick`` (tiny sizes, written
    to a temporary folder), ``--threads`` (default 1), ``--output`` (the CSV
    of rows, default ``docs/csv_name``) and ``--tables-from CSV`` (the tables
    rebuilt from an earlier run's rows, without measuring)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch (and BLAS / OpenMP) threads (default 1: on a machine shared "
        "with other jobs, more threads make timings erratic)",
    )
    parser.add_argument("--output", help=f"the CSV of rows (default docs/{csv_name})")
    parser.add_argument("--tables-from", help="rebuild the tables from this CSV")
    return parser


def run_speed_script(parser, csv_name, measure, write_tables):
    """Parse the options, then measure (``measure(args)`` returns the rows),
    write the rows and the tables (``write_tables(frame, csv_path)`` returns
    their paths), between the environment banners; or, with
    ``--tables-from``, only rebuild the tables."""
    args = parser.parse_args()
    if args.tables_from:
        write_tables(pd.read_csv(args.tables_from), args.tables_from)
        return
    path = output_path(csv_name, quick=args.quick, output=args.output)
    banner = Banner(args.threads)
    with threadpool_limits(limits=args.threads), torch_threads(args.threads):
        rows = measure(args)
    write_csv(rows, path)
    banner.done(path, *write_tables(pd.read_csv(path), path))
