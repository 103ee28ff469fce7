"""The arithmetic floor of one distribution-matching iteration.

Run from the repository root::

    python benchmarks/bench_speed_floor.py [--quick] [--threads N] [--output CSV]

For each loop of ``bench_speed_loops.py`` (ours, naive, cached): the
floating-point operations of one iteration (``torch.utils.flop_counter``; a
run of ``n_iter=1`` minus a run of ``n_iter=0``, so that set-up and the cache
pass cancel out) over the machine's float32 rate (the best of repeated large
``torch.mm`` products, sampled between the timed runs), beside the measured
ms per iteration (interleaved runs, median) and the minor page faults per
iteration. On the data sets of ``bench_speed_loops.py`` and on a wide MLP with
large real batches, where arithmetic dominates (ours and naive only: the
cached loop's iteration never touches the real batch).

Writes one row per configuration to ``docs/speed_floor.csv`` (with
``--quick``: tiny sizes, a temporary folder) and the table ``docs/speed.md``
includes to ``docs/speed_tables/floor.csv``. ``--tables-from CSV`` rebuilds
the table from the rows of an earlier run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from _harness import (
    PeakRate,
    classification_table,
    interleaved,
    loop_datasets,
    release_memory,
    run_speed_script,
    speed_parser,
    table_path,
    torch_threads,
    write_csv,
)
from _naive_dm import DM_PARAMS, LOOPS, default_net_factory, run_loop, warm_up
from torch.utils.flop_counter import FlopCounterMode

from sklearn_dc.nn import MLP

FULL = {
    "n_iter": 200,  # the loops' settings of bench_speed_loops.py
    "n_iter_series": 200,
    "n_nets": 64,
    "repeats": 5,
    "repeats_series": 3,
    "large_batch": 4096,  # the arithmetic-bound configuration
    "large_hidden": (1024, 1024),
    "large_iter": 10,
    "large_repeats": 5,
    "mm_size": 2048,
}
QUICK = {
    "n_iter": 10,
    "n_iter_series": 5,
    "n_nets": 4,
    "repeats": 1,
    "repeats_series": 1,
    "large_batch": 1024,
    "large_hidden": (256, 256),
    "large_iter": 2,
    "large_repeats": 1,
    "mm_size": 1024,
}


def count_flops(run):
    """Floating-point operations torch performs in ``run()`` (matrix products)."""
    with FlopCounterMode(display=False) as counter:
        run()
    return counter.get_total_flops()


def iteration_flops(X, y, make_net, dm_params, methods, n_nets):
    """FLOPs of one iteration of each loop in ``methods`` (a dict)."""

    def flops(method, n_iter):
        return count_flops(
            lambda: run_loop(
                method,
                X,
                y,
                dm_params=dm_params,
                n_iter=n_iter,
                seed=0,
                make_net=make_net,
                n_nets=n_nets,
            )
        )

    return {m: flops(m, 1) - flops(m, 0) for m in methods}


def time_loops(X, y, make_net, dm_params, *, n_iter, repeats, threads, rates, **kw):
    """Interleaved runs of the loops; median ms and page faults per iteration."""
    methods = kw.get("methods", LOOPS)
    warm_up(X, y, make_net, dm_params, threads)
    runs = []
    for seed, method in interleaved(methods, repeats):
        release_memory()
        with torch_threads(threads):
            timing = run_loop(
                method,
                X,
                y,
                dm_params=dm_params,
                n_iter=n_iter,
                seed=seed,
                make_net=make_net,
                n_nets=kw.get("n_nets"),
            )[2]
        runs.append(
            {
                "method": method,
                "ms": 1e3 * timing["loop_s"] / n_iter,
                "faults": timing["loop_faults"] / n_iter,
            }
        )
        if method == methods[-1]:
            rates.sample(threads)
    return pd.DataFrame(runs).groupby("method").median()


def configurations(sizes):
    """(label, X, y, make_net, dm_params, n_iter, repeats, methods) of each row."""
    for data in loop_datasets():
        X, y = data.X_train, data.y_train
        make_net = default_net_factory(X, int(y.max()) + 1)
        series = "_series" if data.series else ""
        yield (
            f"{data.name} ({type(make_net()).__name__}, "
            f"batch_real={DM_PARAMS['batch_real']})",
            X,
            y,
            make_net,
            DM_PARAMS,
            sizes["n_iter" + series],
            sizes["repeats" + series],
            LOOPS,
        )
    batch, hidden, n_features = sizes["large_batch"], sizes["large_hidden"], 64
    X, y, _, _ = classification_table(5 * batch, 10, n_features, seed=1)
    dm_params = {
        **DM_PARAMS,
        "batch_real": batch,
        "net": MLP(n_features=n_features, n_classes=2, hidden=hidden),
    }
    yield (
        f"make_classification, 2 classes, {n_features} features "
        f"(MLP hidden={hidden}, batch_real={batch})",
        X,
        y,
        default_net_factory(X, 2, hidden=hidden),
        dm_params,
        sizes["large_iter"],
        sizes["large_repeats"],
        ("ours", "naive"),
    )


def measure(sizes, threads):
    rates = PeakRate(sizes["mm_size"])
    rates.sample(threads)
    rows = []
    for label, X, y, make_net, dm_params, n_iter, repeats, methods in configurations(
        sizes
    ):
        print(label, flush=True)
        medians = time_loops(
            X,
            y,
            make_net,
            dm_params,
            n_iter=n_iter,
            repeats=repeats,
            threads=threads,
            rates=rates,
            methods=methods,
            n_nets=sizes["n_nets"],
        )
        flops = iteration_flops(X, y, make_net, dm_params, methods, sizes["n_nets"])
        row = {"configuration": label, "threads": threads}
        for m in LOOPS:
            row[f"flops_{m}"] = flops.get(m, np.nan)
        for m in LOOPS:
            row[f"ms_per_iter_{m}"] = medians["ms"].get(m, np.nan)
        for m in LOOPS:
            row[f"faults_per_iter_{m}"] = medians["faults"].get(m, np.nan)
        rows.append(row)
    rates.sample(threads)
    # One rate for every row: the best seen over the whole run.
    for row in rows:
        row["peak_flops_per_s"] = rates.best[threads]
    return pd.DataFrame(rows)


def table(rows):
    """The floor table of ``docs/speed.md`` (display text)."""
    return pd.DataFrame([_row_text(row) for row in rows.to_dict("records")])


def _row_text(row):
    peak = row["peak_flops_per_s"]
    floor = {m: 1e3 * row[f"flops_{m}"] / peak for m in LOOPS}
    ms = {m: row[f"ms_per_iter_{m}"] for m in LOOPS}
    cached = not np.isnan(ms["cached"])
    text = {
        "configuration": row["configuration"],
        "GFLOP / iter (ours / naive)": f"{row['flops_ours'] / 1e9:.3f} / "
        f"{row['flops_naive'] / 1e9:.3f}",
        "floor ms (ours)": round(floor["ours"], 2),
        "ours ms": round(ms["ours"], 2),
        "ours / floor": f"{ms['ours'] / floor['ours']:.1f}",
        "naive ms": round(ms["naive"], 2),
        "naive / its floor": f"{ms['naive'] / floor['naive']:.1f}",
        "speed-up": f"{ms['naive'] / ms['ours']:.2f}x",
        "cached MFLOP / iter": f"{row['flops_cached'] / 1e6:.3g}",
        "cached floor ms": f"{floor['cached']:.2g}",
        "cached ms": _round(ms["cached"]),
        "cached / its floor": f"{ms['cached'] / floor['cached']:,.1f}",
        "cached speed-up": f"{ms['naive'] / ms['cached']:.2f}x",
        "page faults / iter (ours / naive / cached)": " / ".join(
            "n/a" if np.isnan(f) else f"{f:,.0f}"
            for f in (row[f"faults_per_iter_{m}"] for m in LOOPS)
        ),
    }
    if not cached:  # the large configuration: the cached loop is not run
        for key in text:
            if key.startswith("cached"):
                text[key] = "n/a"
    return text


def _round(value):
    """Two decimals, or three significant digits below 1."""
    return str(round(value, 2) if value >= 1 else float(f"{value:.3g}"))


def ratios(rows):
    """Measured ms over floor ms per loop and configuration, for the prose."""
    peak = rows["peak_flops_per_s"]
    return pd.DataFrame(
        {
            "configuration": rows["configuration"],
            **{
                f"{m} / floor": rows[f"ms_per_iter_{m}"]
                / (1e3 * rows[f"flops_{m}"] / peak)
                for m in LOOPS
            },
            "peak GFLOP/s": peak / 1e9,
        }
    )


def write_tables(rows, csv_path):
    shown = table(rows)
    print(shown.to_markdown(index=False))
    print(ratios(rows).round(2).to_markdown(index=False))
    return (write_csv(shown, table_path(csv_path, "floor.csv")),)


def main():
    run_speed_script(
        speed_parser(__doc__, "speed_floor.csv"),
        "speed_floor.csv",
        lambda args: measure(QUICK if args.quick else FULL, args.threads),
        write_tables,
    )


if __name__ == "__main__":
    main()
