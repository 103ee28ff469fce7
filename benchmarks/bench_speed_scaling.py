"""Scaling with rows: every condenser on tables of 10^3 to 10^6 rows, and
distribution matching over features and budget.

Run from the repository root::

    python benchmarks/bench_speed_scaling.py [--quick] [--threads N] [--output CSV]

``make_classification`` tables (32 features, 2 classes, standardised,
float32, a 10,000-row test split): every condenser of ``default_condensers()``
condenses to 10 records per class (seed 0), the matching ones with 50
iterations, TrajectoryMatching also with cheap experts. Wall time, set-up
time (before the loop's first iteration, from the loop's timing hook), ms per
iteration, peak extra resident memory (``PeakMemory``) and ROC-AUC of logistic
regression trained on the condensed records. A cell is skipped when the
method's time at the previous size, scaled by the ratio of rows, exceeds a
limit. Then DM at 100,000 rows over features (8, 32, 128) and budget (1, 10,
50 per class).

Writes one row per cell to ``docs/speed_scaling.csv`` (with ``--quick``: tiny
sizes, a temporary folder) and the tables ``docs/speed.md`` includes to
``docs/speed_tables/scaling_*.csv`` and ``sweep.csv``. ``--tables-from CSV``
rebuilds the tables from the rows of an earlier run.
"""

from __future__ import annotations

import time

import pandas as pd
from _harness import (
    classification_table,
    fit_measured,
    release_memory,
    run_speed_script,
    speed_parser,
    table_path,
    torch_threads,
    write_csv,
)
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from sklearn_dc import DistributionMatching, TrajectoryMatching
from sklearn_dc.evaluation import PeakMemory, default_condensers

FULL = {
    "rows": (1_000, 10_000, 100_000, 1_000_000),
    "test_rows": 10_000,
    "n_iter": 50,
    "sweep_rows": 100_000,
    "cell_limit_s": 180.0,
}
QUICK = {
    "rows": (1_000, 2_000),
    "test_rows": 1_000,
    "n_iter": 5,
    "sweep_rows": 2_000,
    "cell_limit_s": 10.0,
}
# TrajectoryMatching's experts train on every row; this setting trains one
# expert for 3 epochs (the fewest that max_start_epoch + expert_epochs_ahead
# allow), so that 10^6 rows fit in about a minute.
CHEAP_EXPERTS = {"n_experts": 1, "expert_epochs": 3, "max_start_epoch": 1}
FULL_DATA = "full data (logistic regression)"
# The columns of the CSV, in order (skipped: why a cell was not run).
COLUMNS = [
    "experiment",
    "method",
    "setting",
    "n_train",
    "n_features",
    "n_per_class",
    "threads",
    "condense_s",
    "setup_s",
    "ms_per_iter",
    "peak_extra_mb",
    "score",
    "skipped",
]
# (features, records per class) of the DM sweep.
SWEEP = ((8, 10), (32, 10), (128, 10), (32, 1), (32, 50))


def condensers(n_iter):
    """Every default condenser, matching ones with ``n_iter`` iterations, and
    TrajectoryMatching with cheap experts; ``{name: (condenser, setting)}``."""
    out = {}
    for name, condenser in default_condensers().items():
        condenser = clone(condenser).set_params(n_per_class=10, random_state=0)
        matching = "n_iter" in condenser.get_params()
        if matching:
            condenser.set_params(n_iter=n_iter)
        out[name] = (condenser, f"n_iter={n_iter}" if matching else "defaults")
    cheap = ", ".join(f"{key}={value}" for key, value in CHEAP_EXPERTS.items())
    out["TrajectoryMatching (cheap experts)"] = (
        TrajectoryMatching(
            n_per_class=10, random_state=0, n_iter=n_iter, **CHEAP_EXPERTS
        ),
        f"n_iter={n_iter}, {cheap}",
    )
    return out


def full_data_cell(X, y, X_test, y_test):
    """Logistic regression on all rows: its fit time, memory and ROC-AUC."""
    release_memory()
    with PeakMemory() as memory:
        tic = time.perf_counter()
        model = LogisticRegression(max_iter=2000).fit(X, y)
        seconds = time.perf_counter() - tic
    return {
        "condense_s": seconds,
        "peak_extra_mb": memory.extra_bytes / 2**20,
        "score": roc_auc_score(y_test, model.decision_function(X_test)),
    }


def scale_rows(sizes, threads):
    """Every method at every number of rows; one dict per cell."""
    limit = sizes["cell_limit_s"]
    methods = {FULL_DATA: (None, "fit on all rows"), **condensers(sizes["n_iter"])}
    last = {}  # method -> (rows, seconds) of its last run, for the skip rule
    cells = []
    for n_rows in sizes["rows"]:
        X, y, X_test, y_test = classification_table(n_rows, sizes["test_rows"], 32)
        for name, (condenser, setting) in methods.items():
            cell = {
                "experiment": "rows",
                "method": name,
                "setting": setting,
                "n_train": n_rows,
                "n_features": 32,
                "n_per_class": 10,
                "threads": threads,
            }
            cells.append(cell)
            if name in last:
                seen_rows, seen_s = last[name]
                estimate = seen_s * n_rows / seen_rows
                if estimate > limit:
                    cell["skipped"] = (
                        f"estimated {estimate:.0f} s (time at {seen_rows:,} rows x "
                        f"{n_rows // seen_rows}) > {limit:.0f} s"
                    )
                    print(f"  {n_rows:>9,} {name}: {cell['skipped']}", flush=True)
                    continue
            with torch_threads(threads):
                if condenser is None:
                    cell.update(full_data_cell(X, y, X_test, y_test))
                else:
                    cell.update(fit_measured(clone(condenser), X, y, X_test, y_test))
            last[name] = (n_rows, cell["condense_s"])
            print(
                f"  {n_rows:>9,} {name}: {cell['condense_s']:.2f} s, "
                f"{cell['peak_extra_mb']:.0f} MB, AUC {cell['score']:.3f}",
                flush=True,
            )
        del X, y
    return cells


def dm_sweep(sizes, threads):
    """DM at ``sweep_rows`` rows over features (budget 10) and budget (32
    features); one dict per cell."""
    n_rows, n_iter = sizes["sweep_rows"], sizes["n_iter"]
    cells = []
    for n_features, budget in SWEEP:
        X, y, X_test, y_test = classification_table(
            n_rows, sizes["test_rows"], n_features
        )
        condenser = DistributionMatching(
            n_per_class=budget, n_iter=n_iter, random_state=0
        )
        with torch_threads(threads):
            result = fit_measured(condenser, X, y, X_test, y_test)
        cells.append(
            {
                "experiment": "sweep",
                "method": "DistributionMatching",
                "setting": f"n_iter={n_iter}",
                "n_train": n_rows,
                "n_features": n_features,
                "n_per_class": budget,
                "threads": threads,
                **result,
            }
        )
        print(f"  sweep {n_features} features, {budget} per class", flush=True)
    return cells


# The pivot tables of docs/speed.md: value, format, matching condensers only.
PIVOTS = {
    "condense_s": ("{:.3g}", False),
    "setup_s": ("{:.3g}", True),
    "ms_per_iter": ("{:.3g}", True),
    "peak_extra_mb": ("{:.3g}", False),
    "score": ("{:.3f}", False),
}


def pivot(frame, value, fmt):
    """Methods x rows table of ``value`` (display text); skipped cells say so."""
    frame = frame.copy()

    def show(row):
        if isinstance(row.get("skipped"), str):
            return "skipped"
        number = row[value]
        return "" if pd.isna(number) else fmt.format(number)

    frame["shown"] = frame.apply(show, axis=1)
    table = frame.pivot(index="method", columns="n_train", values="shown")
    table = table.reindex(frame["method"].drop_duplicates())
    table.columns = [f"{n:,} rows" for n in table.columns]
    return table.reset_index()


def sweep_table(sweep):
    """The DM sweep (display numbers)."""
    columns = {
        "n_features": "features",
        "n_per_class": "records per class",
        "condense_s": "condense s",
        "setup_s": "set-up s",
        "ms_per_iter": "ms / iter",
        "peak_extra_mb": "peak extra MB",
        "score": "ROC-AUC",
    }
    table = sweep[list(columns)].rename(columns=columns)
    digits = {"condense s": 2, "set-up s": 2, "ms / iter": 2, "peak extra MB": 0}
    return table.round({**digits, "ROC-AUC": 3}).astype({"peak extra MB": int})


def write_tables(cells, csv_path):
    if "skipped" not in cells:
        cells["skipped"] = pd.NA
    rows = cells[cells["experiment"] == "rows"]
    matching = rows[rows["setting"].str.startswith("n_iter")]
    tables = {"scaling_settings.csv": rows[["method", "setting"]].drop_duplicates()}
    for value, (fmt, matching_only) in PIVOTS.items():
        tables[f"scaling_{value}.csv"] = pivot(
            matching if matching_only else rows, value, fmt
        )
    tables["sweep.csv"] = sweep_table(cells[cells["experiment"] == "sweep"])
    paths = []
    for name, table in tables.items():
        print(f"{name}:\n{table.to_markdown(index=False)}")
        paths.append(write_csv(table, table_path(csv_path, name)))
    for row in rows[rows["skipped"].notna()].itertuples():
        print(f"skipped: {row.method}, {row.n_train:,} rows: {row.skipped}")
    return paths


def measure(args):
    """Every condenser over rows, then DM over features and budget."""
    sizes = QUICK if args.quick else FULL
    cells = scale_rows(sizes, args.threads) + dm_sweep(sizes, args.threads)
    return pd.DataFrame(cells).reindex(columns=COLUMNS)


def main():
    run_speed_script(
        speed_parser(__doc__, "speed_scaling.csv"),
        "speed_scaling.csv",
        measure,
        write_tables,
    )


if __name__ == "__main__":
    main()
