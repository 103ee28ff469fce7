"""Memory allocation: our loop and the naive loop in fresh processes, with
glibc's defaults and with settings that keep freed memory in the process.

Run from the repository root::

    python benchmarks/bench_speed_allocator.py [--quick] [--output CSV]

Our loop embeds the real batches of all classes in one forward pass, so its
activations are large blocks; glibc's ``malloc`` maps a large block afresh and
unmaps it when freed, and the next iteration touches new pages again (minor
page faults). What a process freed before decides how much of that happens,
so each run is a fresh child process: digits (all records, standardised), one
thread, one warm-up run, then ms and page faults per iteration of both loops.
The two settings alternate.

Writes the runs to ``docs/speed_allocator.csv`` (with ``--quick``: tiny
sizes, a temporary folder) and the table ``docs/speed.md`` includes to
``docs/speed_tables/allocator.csv``. ``--tables-from CSV`` rebuilds the table
from the runs of an earlier run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import pandas as pd
import torch
from _harness import Banner, output_path, standardised_digits, table_path, write_csv
from _naive_dm import DM_PARAMS, default_net_factory, run_loop, warm_up

FULL = {"repeats": 4, "n_iter": 100}  # child-process runs per setting, iterations
QUICK = {"repeats": 1, "n_iter": 5}
# glibc settings that keep freed memory in the process: blocks of any size come
# from the heap (no mmap) and the heap is never trimmed back to the system.
KEEP_MEMORY_ENV = {
    "MALLOC_MMAP_THRESHOLD_": str(2**30),
    "MALLOC_TRIM_THRESHOLD_": str(2**31),
}


def probe(n_iter):
    """Child-process body: ms and page faults per iteration of both loops;
    prints one JSON line."""
    X, y = standardised_digits()
    make_net = default_net_factory(X, 10)
    torch.set_num_threads(1)
    warm_up(X, y, make_net, DM_PARAMS, 1)
    result = {}
    for method in ("ours", "naive"):
        timing = run_loop(
            method, X, y, dm_params=DM_PARAMS, n_iter=n_iter, seed=0, make_net=make_net
        )[2]
        result[f"ms_per_iter_{method}"] = 1e3 * timing["loop_s"] / n_iter
        result[f"faults_per_iter_{method}"] = timing["loop_faults"] / n_iter
    print(json.dumps(result))


def measure(sizes):
    """Both settings alternately, each run in a fresh child process."""
    runs = []
    for repeat in range(sizes["repeats"]):
        settings = ("default", "keep") if repeat % 2 == 0 else ("keep", "default")
        for setting in settings:
            env = {k: v for k, v in os.environ.items() if k not in KEEP_MEMORY_ENV}
            if setting == "keep":
                env.update(KEEP_MEMORY_ENV)
            command = [sys.executable, __file__, "--probe", str(sizes["n_iter"])]
            done = subprocess.run(
                command, env=env, capture_output=True, text=True, check=True
            )
            result = json.loads(done.stdout.strip().splitlines()[-1])
            runs.append(
                {
                    "dataset": "digits",
                    "setting": setting,
                    "seed": repeat,
                    "threads": 1,
                    "n_iter": sizes["n_iter"],
                    **result,
                }
            )
    return pd.DataFrame(runs)


def table(runs):
    """Medians per setting (display text)."""
    medians = runs.groupby("setting").median(numeric_only=True)
    labels = {
        "default": "glibc defaults",
        "keep": "freed memory kept ("
        + ", ".join(f"`{k}={v}`" for k, v in KEEP_MEMORY_ENV.items())
        + ")",
    }
    rows = []
    for setting in ("default", "keep"):
        m = medians.loc[setting]
        rows.append(
            {
                "malloc": labels[setting],
                "ours ms / iter": round(m["ms_per_iter_ours"], 2),
                "ours page faults / iter": round(m["faults_per_iter_ours"]),
                "naive ms / iter": round(m["ms_per_iter_naive"], 2),
                "naive page faults / iter": round(m["faults_per_iter_naive"]),
                "speed-up": f"{m['ms_per_iter_naive'] / m['ms_per_iter_ours']:.2f}x",
            }
        )
    return pd.DataFrame(rows)


def write_table(runs, csv_path):
    shown = table(runs)
    print(shown.to_markdown(index=False))
    return write_csv(shown, table_path(csv_path, "allocator.csv"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument(
        "--output", help="the CSV of runs (default docs/speed_allocator.csv)"
    )
    parser.add_argument("--tables-from", help="rebuild the table from this CSV of runs")
    parser.add_argument("--probe", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(args.probe)
        return
    if args.tables_from:
        write_table(pd.read_csv(args.tables_from), args.tables_from)
        return
    path = output_path("speed_allocator.csv", quick=args.quick, output=args.output)
    banner = Banner(1)
    runs = measure(QUICK if args.quick else FULL)
    write_csv(runs, path)
    banner.done(path, write_table(pd.read_csv(path), path))


if __name__ == "__main__":
    main()
