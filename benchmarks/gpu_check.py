"""A prepared GPU check: every learned condenser on CPU and GPU, eager and
compiled, on sepsis48 and a 10^6-row table; one CSV.

Run from the repository root on a machine with a CUDA GPU (about 5 minutes
on one H200)::

    python benchmarks/gpu_check.py [--output CSV] [--data training_setA.zip]

or, anywhere, a dry run on the CPU at tiny sizes (well under a minute; the
tests run it)::

    python benchmarks/gpu_check.py --dry-run --output /tmp/gpu_check.csv

Data:

- sepsis48: PhysioNet 2019 set A (``--data``, default
  ``../shared/data/physionet2019/training_setA.zip``) when the file is there;
  otherwise the bundled demo of the same shape (``load_sepsis_demo``: 40
  channels x 48 hours); the ``data`` column says which. Imputed and scaled per
  channel on the training split (75 / 25, stratified); TCN networks.
- table: ``make_classification``, 10^6 training rows x 32 features, 2 classes,
  standardised float32, a 20,000-row test split; MLP networks.

Cells: each of DistributionMatching, GradientMatching, TrajectoryMatching
(cheap experts: one expert of 3 epochs), KernelInducingPoints and
PrivateDistributionMatching, 10 records per class, ``n_iter=10``, on
``device="cpu"`` and ``device="cuda"``, eager and with ``torch.compile``. The
compiled network goes through the public API: ``net=`` takes a module class,
here a subclass of the default network whose ``embed`` and ``forward`` are
compiled. A cell that cannot run is a row with ``status="skipped"`` and the
reason (no GPU, the dry run, KernelInducingPoints' closed-form NTK kernel has
no network to compile, CPU compile unless ``--cpu-compile``, the time budget
spent); a cell that fails is ``status="error"`` with the message, and the
check goes on. Every cell first fits a 2,000-row slice for 2 iterations
(``warmup_s``: CUDA start-up, compilation), then the timed fit: wall time,
set-up and ms per iteration (the loop's timing hook, with the GPU
synchronised at each mark), peak GPU memory (``torch.cuda.max_memory_allocated``),
peak extra resident memory of the process, and ROC-AUC of logistic regression
trained on the condensed records (series: on per-channel summaries). The CSV is
rewritten after every cell, so a run stopped early keeps what it measured.
"""

from __future__ import annotations

import argparse
import time
import traceback
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from _harness import (
    SHARED_DATA,
    Banner,
    classification_table,
    fit_timed,
    gpu_name,
    output_path,
    release_memory,
    split,
    utility,
    write_csv,
)
from sklearn.pipeline import make_pipeline

from sklearn_dc import (
    DistributionMatching,
    GradientMatching,
    KernelInducingPoints,
    PrivateDistributionMatching,
    TrajectoryMatching,
)
from sklearn_dc.datasets import load_physionet2019, load_sepsis_demo
from sklearn_dc.evaluation import PeakMemory
from sklearn_dc.nn import AUTO_NETWORKS, NETWORKS
from sklearn_dc.preprocessing import ChannelStandardScaler, TimeSeriesImputer

SEPSIS = SHARED_DATA / "physionet2019" / "training_setA.zip"
FULL = {"table_rows": 1_000_000, "test_rows": 20_000, "n_iter": 10, "stays": None}
DRY_RUN = {"table_rows": 1_000, "test_rows": 500, "n_iter": 2, "stays": 120}
# The dry run checks that every cell runs, not how fast: the fewest records,
# real rows per batch and unrolled steps, and no warm-up fit.
DRY_RUN_PARAMS = {
    "n_per_class": 2,
    "batch_real": 8,
    "GradientMatching": {"outer_loop": 1, "inner_steps": 1},
    # TrajectoryMatching trains its experts in batches of batch_real.
    "TrajectoryMatching": {"syn_steps": 2, "batch_real": 256},
}
WARMUP_ROWS = 2_000
# Settings of every cell beside n_iter: small enough that a 10^6-row table
# runs in seconds (TrajectoryMatching's experts train on every row).
CONDENSERS = {
    "DistributionMatching": (DistributionMatching, {}),
    "GradientMatching": (GradientMatching, {}),
    "TrajectoryMatching": (
        TrajectoryMatching,
        {"n_experts": 1, "expert_epochs": 3, "max_start_epoch": 1},
    ),
    "KernelInducingPoints": (KernelInducingPoints, {}),
    "PrivateDistributionMatching": (PrivateDistributionMatching, {}),
}
# Device and mode of the cells, in the order they run (each over both data
# sets): the GPU first, so that a run cut short by the time budget still has
# the numbers the check is for.
SETTINGS = (
    ("cuda", "eager"),
    ("cuda", "compile"),
    ("cpu", "eager"),
    ("cpu", "compile"),
)


def load_data(sizes, sepsis_path):
    """(name, source, X_train, y_train, X_test, y_test, series) of both data sets."""
    if sizes["stays"] is None and Path(sepsis_path).exists():
        X, y = load_physionet2019(sepsis_path, return_X_y=True)
        source = f"PhysioNet 2019 set A ({Path(sepsis_path).name})"
    else:
        X, y = load_sepsis_demo(return_X_y=True)
        source = "load_sepsis_demo (bundled; set A not found)"
    if sizes["stays"] is not None:
        keep = np.random.default_rng(0).permutation(len(y))[: sizes["stays"]]
        # The dry run keeps 12 of the 48 hours: the shape of a series, less work.
        X, y = X[keep][:, :, :12], y[keep]
        source = "load_sepsis_demo (subset, first 12 hours: dry run)"
    X_train, X_test, y_train, y_test = split(X, y)
    prep = make_pipeline(TimeSeriesImputer(), ChannelStandardScaler())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # channels never measured
        X_train = prep.fit_transform(X_train).astype(np.float32)
        X_test = prep.transform(X_test).astype(np.float32)
    yield "sepsis48", source, X_train, y_train, X_test, y_test, True
    rows = sizes["table_rows"]
    table = classification_table(rows, sizes["test_rows"], 32)
    yield "table", f"make_classification {rows:,} x 32", *table, False


def compiled_network(X):
    """A subclass of the default network for ``X`` with ``embed`` and
    ``forward`` compiled by ``torch.compile``: ``net=`` takes module classes."""
    base = NETWORKS[AUTO_NETWORKS[X.ndim - 1]]
    methods = {
        name: torch.compile(getattr(base, name)) for name in ("embed", "forward")
    }
    return type(f"Compiled{base.__name__}", (base,), methods)


def skip_reason(name, device, mode, args, started):
    """Why a cell is not run, or None."""
    if args.dry_run and device == "cuda":
        return "dry run: CPU only"
    if args.dry_run and mode == "compile":
        return "dry run: no torch.compile"
    if device == "cuda" and not torch.cuda.is_available():
        return "no CUDA device"
    if mode == "compile" and name == "KernelInducingPoints":
        return "its default kernel (closed-form NTK) uses no network to compile"
    if mode == "compile" and device == "cpu" and not args.cpu_compile:
        return "CPU compile not asked for (--cpu-compile): it takes minutes"
    if time.perf_counter() - started > args.budget_s:
        return f"time budget of {args.budget_s:.0f} s spent"
    return None


def run_cell(name, device, mode, data, n_iter, dry_run):
    """Warm-up fit, then the timed fit; the measured columns of one row."""
    cls, params = CONDENSERS[name]
    _, _, X, y, X_test, y_test, series = data
    params = {**params, "n_per_class": 10, "device": device, "random_state": 0}
    if dry_run:
        extra = {k: v for k, v in DRY_RUN_PARAMS.items() if k[0].islower()}
        params.update({**extra, **DRY_RUN_PARAMS.get(name, {})})
    if mode == "compile":
        params["net"] = compiled_network(X)
        torch.compiler.reset()
    cuda = device == "cuda"
    sync = torch.cuda.synchronize if cuda else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # budget caps, DP notes: not the point here
        tic = time.perf_counter()
        if not dry_run:
            cls(**params, n_iter=2).fit_resample(X[:WARMUP_ROWS], y[:WARMUP_ROWS])
        if cuda:
            torch.cuda.synchronize()
        warmup_s = time.perf_counter() - tic if not dry_run else np.nan
        release_memory()
        if cuda:
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        with PeakMemory() as memory:
            X_syn, y_syn, timing = fit_timed(
                cls(**params, n_iter=n_iter), X, y, synchronize=sync
            )
    return {
        "warmup_s": warmup_s,
        "condense_s": timing["total_s"],
        "setup_s": timing["setup_s"],
        "ms_per_iter": 1e3 * timing["loop_s"] / n_iter,
        "peak_gpu_mb": torch.cuda.max_memory_allocated() / 2**20 if cuda else np.nan,
        "peak_rss_extra_mb": memory.extra_bytes / 2**20,
        "score": utility(X_syn, y_syn, X_test, y_test, series=series),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dry-run", action="store_true", help="CPU only, tiny sizes, no compile"
    )
    parser.add_argument("--output", help="the CSV (default docs/speed_gpu.csv)")
    parser.add_argument("--data", type=Path, default=SEPSIS, help="set A's zip")
    parser.add_argument(
        "--budget-s",
        type=float,
        default=270.0,
        help="no cell starts after this many seconds (default 270)",
    )
    parser.add_argument("--cpu-compile", action="store_true", help="also on CPU")
    args = parser.parse_args()
    path = output_path("speed_gpu.csv", quick=args.dry_run, output=args.output)
    sizes = DRY_RUN if args.dry_run else FULL
    if args.dry_run:
        torch.set_num_threads(1)  # tiny tensors: a second thread only waits
    banner = Banner()
    started = time.perf_counter()
    rows = []
    datasets = list(load_data(sizes, args.data))
    for data in datasets:
        print(f"{data[0]}: {data[1]}, {data[2].shape}", flush=True)
    for device, mode in SETTINGS:
        for data, name in ((data, name) for data in datasets for name in CONDENSERS):
            X = data[2]
            row = {
                "dataset": data[0],
                "data": data[1],
                "n_train": len(X),
                "record_shape": " x ".join(map(str, X.shape[1:])),
                "condenser": name,
                "device": device,
                "mode": mode,
                "n_iter": sizes["n_iter"],
                "threads": torch.get_num_threads(),
                "gpu": gpu_name() if device == "cuda" else "",
                "torch": torch.__version__,
            }
            reason = skip_reason(name, device, mode, args, started)
            if reason:
                row.update(status="skipped", reason=reason)
            else:
                try:
                    measured = run_cell(
                        name, device, mode, data, sizes["n_iter"], args.dry_run
                    )
                    row.update(measured, status="ok", reason="")
                except Exception as error:  # noqa: BLE001 (the check goes on)
                    traceback.print_exc()
                    message = str(error).splitlines()[0][:200] if str(error) else ""
                    row.update(
                        status="error", reason=f"{type(error).__name__}: {message}"
                    )
            rows.append(row)
            print(
                f"  {data[0]} {name} {device} {mode}: {row['status']} "
                + (row["reason"] or f"{row['condense_s']:.2f} s"),
                flush=True,
            )
            write_csv(pd.DataFrame(rows).reindex(columns=COLUMNS), path)
    banner.done(path)


COLUMNS = [
    "dataset",
    "data",
    "n_train",
    "record_shape",
    "condenser",
    "device",
    "mode",
    "status",
    "reason",
    "n_iter",
    "warmup_s",
    "condense_s",
    "setup_s",
    "ms_per_iter",
    "peak_gpu_mb",
    "peak_rss_extra_mb",
    "score",
    "threads",
    "gpu",
    "torch",
]


if __name__ == "__main__":
    main()
