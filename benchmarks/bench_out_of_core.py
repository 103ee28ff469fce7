"""Condensers on a 2 GB memory-mapped table: peak memory, time and utility.

Run from the repository root::

    python benchmarks/bench_out_of_core.py [--gigabytes 2]

Writes a float32 table of ``--gigabytes`` (128 features, 2 classes from a
noisy linear rule) to a temporary file, then runs each condenser on it as a
``numpy.memmap`` in a fresh process, so that the process's peak resident
memory (``VmHWM``) belongs to that one fit. Reported per method: that peak,
the resident memory before the fit (Python, numpy, torch and scikit-learn
loaded, with one tiny fit done), their difference (what the fit added), the
wall time, and the ROC-AUC of logistic regression trained on the condensed
records and scored on 20,000 fresh test rows.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
N_FEATURES = 128
N_INFORMATIVE = 8
ROWS_PER_BLOCK = 65_536


def make_rows(seed, n_rows):
    """``n_rows`` records and labels of the benchmark's rule, from ``seed``."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, N_FEATURES), dtype=np.float32)
    weights = np.zeros(N_FEATURES, dtype=np.float32)
    weights[:N_INFORMATIVE] = np.linspace(1.0, 0.3, N_INFORMATIVE)
    score = X @ weights + rng.normal(scale=1.5, size=n_rows).astype(np.float32)
    return X, (score > 0).astype(np.int64)


def write_table(directory, gigabytes):
    """The memmap file, its labels' file and the number of rows."""
    n_rows = int(gigabytes * 1e9) // (4 * N_FEATURES)
    path = Path(directory) / "table.f32"
    table = np.memmap(path, dtype=np.float32, mode="w+", shape=(n_rows, N_FEATURES))
    labels = np.empty(n_rows, dtype=np.int64)
    for block, start in enumerate(range(0, n_rows, ROWS_PER_BLOCK)):
        stop = min(start + ROWS_PER_BLOCK, n_rows)
        table[start:stop], labels[start:stop] = make_rows(block, stop - start)
    table.flush()
    del table
    np.save(Path(directory) / "labels.npy", labels)
    return path, n_rows


def condensers():
    """The methods run on the memmap, with the settings used, by name."""
    from sklearn_dc import (
        DistributionMatching,
        GradientMatching,
        Herding,
        KCenterGreedy,
        KernelInducingPoints,
        KMeansCentroids,
        RandomSubset,
    )

    return {
        "RandomSubset": RandomSubset(),
        "Herding": Herding(),
        "KCenterGreedy": KCenterGreedy(),
        "KMeansCentroids": KMeansCentroids(),
        "DistributionMatching": DistributionMatching(n_iter=1000),
        "GradientMatching": GradientMatching(n_iter=200),
        "KernelInducingPoints": KernelInducingPoints(n_iter=1000),
    }


def status_bytes(field):
    """A memory field of /proc/self/status (VmRSS, VmHWM) in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def worker(method, path, n_rows):
    """Run one condenser on the memmap; print its measurements as JSON."""
    import warnings

    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    condenser = condensers()[method].set_params(n_per_class=10, random_state=0)
    labels = np.load(Path(path).parent / "labels.npy")
    X = np.memmap(path, dtype=np.float32, mode="r", shape=(n_rows, N_FEATURES))
    # One tiny fit first, so that lazily loaded code is not counted as the fit's.
    small = np.ascontiguousarray(X[:200])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        condenser.set_params(n_per_class=2).fit_resample(small, labels[:200])
    condenser.set_params(n_per_class=10)
    before = status_bytes("VmRSS")
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        X_syn, y_syn = condenser.fit_resample(X, labels)
    seconds = time.perf_counter() - start
    peak = status_bytes("VmHWM")
    X_test, y_test = make_rows(10**6, 20_000)
    learner = LogisticRegression(max_iter=2000).fit(X_syn, y_syn)
    auc = roc_auc_score(y_test, learner.predict_proba(X_test)[:, 1])
    print(
        json.dumps(
            {
                "method": method,
                "seconds": seconds,
                "before_mb": before / 1e6,
                "peak_mb": peak / 1e6,
                "added_mb": (peak - before) / 1e6,
                "roc_auc": auc,
                "warnings": sorted({str(w.message)[:90] for w in caught}),
            }
        )
    )


def reference_auc():
    """ROC-AUC of logistic regression on 100,000 in-memory rows of the rule."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    X, y = make_rows(12345, 100_000)
    X_test, y_test = make_rows(10**6, 20_000)
    learner = LogisticRegression(max_iter=2000).fit(X, y)
    return roc_auc_score(y_test, learner.predict_proba(X_test)[:, 1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=2.0)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "out_of_core.md")
    parser.add_argument("--methods", nargs="+", help="default: all")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        method, path, n_rows = args.worker
        worker(method, path, int(n_rows))
        return

    # Imported here, not at the top: a worker process's memory baseline
    # holds only what the fit needs.
    from _harness import environment

    started = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        path, n_rows = write_table(directory, args.gigabytes)
        size = path.stat().st_size
        print(f"wrote {size / 1e9:.2f} GB: {n_rows:,} x {N_FEATURES}", flush=True)
        for method in args.methods or list(condensers()):
            command = [sys.executable, __file__, "--worker", method, str(path)]
            done = subprocess.run(
                [*command, str(n_rows)], capture_output=True, text=True, check=True
            )
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(rows[-1], flush=True)
    minutes = (time.perf_counter() - started) / 60

    settings = {name: repr(c) for name, c in condensers().items()}
    lines = [
        "| method | settings | fit s | before MB | peak MB | added by the fit MB "
        "| LR ROC-AUC |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['method']} | `{settings[row['method']]}` | {row['seconds']:.1f} "
            f"| {row['before_mb']:.0f} | {row['peak_mb']:.0f} | {row['added_mb']:.0f} "
            f"| {row['roc_auc']:.3f} |"
        )
    notes = [
        f"- {row['method']}: {message}" for row in rows for message in row["warnings"]
    ]
    versions = environment()
    command = " ".join(["python benchmarks/bench_out_of_core.py", *sys.argv[1:]])
    args.output.write_text(
        f"""# Out-of-core: condensing a {size / 1e9:.1f} GB memory-mapped table

Produced by

    {command}

on {date.today().isoformat()} ({versions}); whole run {minutes:.0f} minutes.

The table: {n_rows:,} records x {N_FEATURES} float32 features ({size / 1e9:.2f} GB
on disk), two classes from a noisy linear rule on {N_INFORMATIVE} of the
features. Each method condenses it to 10 records per class from a
`numpy.memmap` (mode `"r"`), in a fresh process. `before MB` is the process's
resident memory just before `fit_resample` (the interpreter with numpy, torch
and scikit-learn loaded, after one tiny fit); `peak MB` its highest resident
memory over its life (`VmHWM`, which counts the file's pages while they are
mapped); `added by the fit` the difference. `LR ROC-AUC`: logistic
regression trained on the 20 condensed records, scored on 20,000 fresh rows
of the same rule. For scale, logistic regression on 100,000 in-memory
records scores {reference_auc():.3f}.

{chr(10).join(lines)}

The most a fit added to what the process held before it was
{max(row["added_mb"] for row in rows):.0f} MB. The labels stay in memory
(`y`: 8 bytes per row as int64, {n_rows * 8 / 1e6:.0f} MB here), and
validating and encoding them takes a few temporary copies: that is most of
what `RandomSubset` adds, since it reads only its 20 records. The matching
condensers add the same plus their batches; the coresets add their class
samples (64 MB of records per class at most) and the temporaries of their
distance computations. Times are from a machine shared with other jobs.

Warnings the fits gave (first 90 characters):

{chr(10).join(notes) if notes else "none"}

Not run: `TrajectoryMatching`, whose experts train for `expert_epochs` epochs
over every record (a network fit over {n_rows:,} rows per epoch). It reads the
memmap through skorch's data loader, so its memory also stays bounded, but
its time grows with the number of rows.
"""
    )
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
