"""Threads on this machine: our loop and the naive loop at 1 thread and at
torch's default, where the loop's time goes, and what small operators cost.

Run from the repository root::

    python benchmarks/bench_speed_threads.py [--quick] [--output CSV]

On digits (all 1,797 records, standardised): interleaved runs of ours
(``DistributionMatching``) and the naive reference loop at each thread count;
the top operators of our loop (``torch.profiler``, self CPU time per
iteration); and the small reductions of one iteration timed alone.

Writes the runs to ``docs/speed_threads.csv``, the profile to
``docs/speed_profile.csv`` and the operator costs to ``docs/speed_ops.csv``
(with ``--quick``: tiny sizes, a temporary folder), and the threads table
``docs/speed.md`` includes to ``docs/speed_tables/threads.csv``.
``--tables-from CSV`` rebuilds that table from the runs of an earlier run.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch
from _harness import (
    DEFAULT_THREADS,
    Banner,
    interleaved,
    output_path,
    standardised_digits,
    table_path,
    torch_threads,
    write_csv,
)
from _naive_dm import DM_PARAMS, default_net_factory, run_loop, warm_up
from torch.profiler import ProfilerActivity, profile

from sklearn_dc import DistributionMatching

FULL = {"threads_iter": 20, "threads_repeats": 5, "profile_iter": 20}
QUICK = {"threads_iter": 3, "threads_repeats": 1, "profile_iter": 3}


def thread_runs(sizes, threads_compared):
    """Ours and the naive loop at each thread count, interleaved; one dict per run."""
    X, y = standardised_digits()
    make_net = default_net_factory(X, 10)
    for threads in threads_compared:
        warm_up(X, y, make_net, DM_PARAMS, threads, methods=("ours", "naive"))
    n_iter = sizes["threads_iter"]
    combos = [(m, t) for t in threads_compared for m in ("ours", "naive")]
    runs = []
    for seed, (method, threads) in interleaved(combos, sizes["threads_repeats"]):
        with torch_threads(threads):
            timing = run_loop(
                method,
                X,
                y,
                dm_params=DM_PARAMS,
                n_iter=n_iter,
                seed=seed,
                make_net=make_net,
            )[2]
        runs.append(
            {
                "dataset": "digits",
                "method": method,
                "threads": threads,
                "seed": seed,
                "n_iter": n_iter,
                "ms_per_iter": 1e3 * timing["loop_s"] / n_iter,
                "faults_per_iter": timing["loop_faults"] / n_iter,
            }
        )
    return pd.DataFrame(runs)


def threads_table(runs):
    """Median and minimum ms per iteration per thread count (display text)."""
    stats = runs.groupby(["threads", "method"])["ms_per_iter"].agg(["median", "min"])
    table = []
    for threads in sorted(runs["threads"].unique()):
        ours, naive = stats.loc[(threads, "ours")], stats.loc[(threads, "naive")]
        table.append(
            {
                "threads": threads,
                "ours ms / iter (median, min)": f"{ours['median']:.1f} "
                f"({ours['min']:.1f})",
                "naive ms / iter (median, min)": f"{naive['median']:.1f} "
                f"({naive['min']:.1f})",
                "speed-up (medians)": f"{naive['median'] / ours['median']:.2f}x",
            }
        )
    return pd.DataFrame(table)


def small_op_costs(threads_compared):
    """ms per call of the small reductions of one DM iteration, per thread count.

    Ours sums the synthetic embeddings per class with ``index_add_`` into a
    ``(n_classes, width)`` tensor (any budget per class); with equal budgets
    the same sum is a ``view`` and a ``sum``.
    """
    labels = torch.arange(10).repeat_interleave(10)
    embedded = torch.randn(100, 256)
    ops = {
        "index_add_ of (100, 256) into (10, 256)": lambda: torch.zeros(
            10, 256
        ).index_add_(0, labels, embedded),
        "view(10, 10, 256).sum(1)": lambda: embedded.view(10, 10, 256).sum(1),
        "relu of (2560, 256)": lambda: torch.relu(embedded.new_ones(2560, 256)),
    }
    table = []
    for name, op in ops.items():
        row = {"operation": name}
        for threads in threads_compared:
            with torch_threads(threads):
                op()
                batches = []
                for _ in range(5):
                    tic = time.perf_counter()
                    for _ in range(10):
                        op()
                    batches.append((time.perf_counter() - tic) / 10)
            row[f"{threads} thread(s): ms / call (median of 5)"] = round(
                1e3 * float(np.median(batches)), 3
            )
        table.append(row)
    return pd.DataFrame(table)


def loop_profile(sizes, threads_compared):
    """Top operators of our loop on digits (``torch.profiler``), ms per
    iteration per thread count; the last row is the total over all operators."""
    X, y = standardised_digits()
    n_iter = sizes["profile_iter"]
    columns = {}
    for threads in threads_compared:
        with torch_threads(threads):
            DistributionMatching(n_iter=3, random_state=0).fit_resample(X, y)
            with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as p:
                DistributionMatching(n_iter=n_iter, random_state=0).fit_resample(X, y)
        events = p.key_averages(group_by_input_shape=True)
        columns[threads] = {
            (e.key, str(e.input_shapes)): e.self_cpu_time_total / 1e3 / n_iter
            for e in events
        }
    first, last = columns[threads_compared[0]], columns[threads_compared[-1]]
    keys = sorted(
        set(first) | set(last), key=lambda k: -max(first.get(k, 0), last.get(k, 0))
    )
    table = []
    for name, shapes in [*keys[:8], ("total", None)]:
        row = {"operator": name, "input shapes": _short_shapes(shapes)}
        for threads in threads_compared:
            values = columns[threads]
            value = (
                sum(values.values())
                if shapes is None
                else values.get((name, shapes), 0)
            )
            row[f"{threads} thread(s): ms / iter"] = round(value, 2)
        table.append(row)
    return pd.DataFrame(table)


def _short_shapes(shapes):
    if shapes is None:
        return "all operators"
    return shapes.replace("[], ", "").replace(", []", "").replace("'", "")[:48]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument(
        "--output", help="the CSV of runs (default docs/speed_threads.csv)"
    )
    parser.add_argument("--tables-from", help="rebuild the table from this CSV of runs")
    args = parser.parse_args()
    if args.tables_from:
        table = threads_table(pd.read_csv(args.tables_from))
        write_csv(table, table_path(args.tables_from, "threads.csv"))
        print(table.to_markdown(index=False))
        return
    path = output_path("speed_threads.csv", quick=args.quick, output=args.output)
    sizes = QUICK if args.quick else FULL
    threads_compared = sorted({1, DEFAULT_THREADS})
    banner = Banner()
    runs = thread_runs(sizes, threads_compared)
    ops = small_op_costs(threads_compared)
    profiled = loop_profile(sizes, threads_compared)
    table = threads_table(runs)
    for frame in (table, profiled, ops):
        print(frame.to_markdown(index=False))
    banner.done(
        write_csv(runs, path),
        write_csv(profiled, path.with_name("speed_profile.csv")),
        write_csv(ops, path.with_name("speed_ops.csv")),
        write_csv(table, table_path(path, "threads.csv")),
    )


if __name__ == "__main__":
    main()
