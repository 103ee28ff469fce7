"""Our distribution-matching loops against a naive reference loop.

Run from the repository root::

    python benchmarks/bench_speed_loops.py [--quick] [--threads N] [--output CSV]

Three loops with the same ``n_iter``, ``lr``, ``batch_real``, budget (10 per
class) and initialisation (random real records): the naive reference loop of
``_naive_dm.py`` (published-research-code style), ``DistributionMatching``
at its default (``n_nets=None``, the paper's method: "ours") and with a cached
pool of random networks (``n_nets=64``: "cached"). Interleaved repeats (seeds
0, 1, ...; the order rotates every repeat) on digits, breast cancer, SUPPORT2
(when ``../shared/data`` has it) and the bundled sepsis48 demo (TCN). Every
result is scored (logistic regression trained on the condensed records, on the
real test split), beside a random subset of the same size and the full data.

Writes one row per run to ``docs/speed_loops.csv`` (with ``--quick``: tiny
sizes, a temporary folder) and the tables ``docs/speed.md`` includes to
``docs/speed_tables/loops_time.csv`` and ``loops_utility.csv``.
``--tables-from CSV`` rebuilds the tables from the rows of an earlier run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from _harness import (
    difference_se,
    interleaved,
    loop_datasets,
    mean_std,
    release_memory,
    run_speed_script,
    speed_parser,
    table_path,
    torch_threads,
    utility,
    write_csv,
)
from _naive_dm import (
    DM_PARAMS,
    LOOPS,
    default_net_factory,
    real_rows_per_iteration,
    run_loop,
    warm_up,
)

from sklearn_dc import RandomSubset

FULL = {"n_iter": 200, "n_iter_series": 200, "n_nets": 64, "repeats": 5}
FULL["repeats_series"] = 3
QUICK = {"n_iter": 10, "n_iter_series": 5, "n_nets": 4, "repeats": 1}
QUICK["repeats_series"] = 1
# Methods of the reference rows: scored, not timed.
REFERENCES = ("random_subset", "full_data")


def measure(sizes, threads):
    """Every run on every data set; one dict per run (and per reference)."""
    rows = []
    for data in loop_datasets():
        X, y, X_test, y_test = data.X_train, data.y_train, data.X_test, data.y_test
        n_classes = int(y.max()) + 1
        n_iter = sizes["n_iter_series" if data.series else "n_iter"]
        repeats = sizes["repeats_series" if data.series else "repeats"]
        make_net = default_net_factory(X, n_classes)
        real_rows = real_rows_per_iteration(y, DM_PARAMS["batch_real"])
        common = {
            "dataset": data.name,
            "n_train": len(X),
            "record_shape": " x ".join(map(str, X.shape[1:])),
            "n_classes": n_classes,
            "metric": "ROC-AUC" if n_classes == 2 else "accuracy",
            "threads": threads,
        }
        print(f"{data.name}: {data.description}", flush=True)
        warm_up(X, y, make_net, DM_PARAMS, threads)
        for seed, method in interleaved(LOOPS, repeats):
            release_memory()
            with torch_threads(threads):
                X_syn, y_syn, timing = run_loop(
                    method,
                    X,
                    y,
                    dm_params=DM_PARAMS,
                    n_iter=n_iter,
                    seed=seed,
                    make_net=make_net,
                    n_nets=sizes["n_nets"],
                )
            rows.append(
                {
                    **common,
                    "method": method,
                    "n_nets": sizes["n_nets"] if method == "cached" else None,
                    "seed": seed,
                    "n_iter": n_iter,
                    "real_rows_per_iter": real_rows[method],
                    "ms_per_iter": 1e3 * timing["loop_s"] / n_iter,
                    "faults_per_iter": timing["loop_faults"] / n_iter,
                    "setup_s": timing["setup_s"],
                    "condense_s": timing["total_s"],
                    "score": utility(X_syn, y_syn, X_test, y_test, series=data.series),
                }
            )
        for seed in range(repeats):
            subset = RandomSubset(
                n_per_class=DM_PARAMS["n_per_class"], random_state=seed
            )
            score = utility(
                *subset.fit_resample(X, y), X_test, y_test, series=data.series
            )
            rows.append(
                {**common, "method": "random_subset", "seed": seed, "score": score}
            )
        score = utility(X, y, X_test, y_test, series=data.series)
        rows.append({**common, "method": "full_data", "score": score})
    return pd.DataFrame(rows)


def tables(runs):
    """The time table and the utility table of ``docs/speed.md`` (display text)."""
    time_rows, score_rows = [], []
    for name, data in runs.groupby("dataset", sort=False):
        loops = data[data["method"].isin(LOOPS)]
        first = loops.iloc[0]
        medians = loops.groupby("method")[
            ["ms_per_iter", "setup_s", "condense_s", "real_rows_per_iter"]
        ].median()
        ms, setup, fit = (
            medians["ms_per_iter"],
            medians["setup_s"],
            medians["condense_s"],
        )
        rows_per_iter = medians["real_rows_per_iter"].astype(int)
        speedup = {m: ms["naive"] / ms[m] for m in ("ours", "cached")}
        per_row = (ms["naive"] / rows_per_iter["naive"]) / (
            ms["ours"] / rows_per_iter["ours"]
        )
        time_rows.append(
            {
                "data set": name,
                "train records": f"{first['n_train']:,}",
                "record shape": first["record_shape"],
                "classes": first["n_classes"],
                "n_iter": first["n_iter"],
                "real rows / iter (naive / ours / cached)": " / ".join(
                    f"{rows_per_iter[m]:,}" for m in ("naive", "ours", "cached")
                ),
                "naive ms / iter": _round(ms["naive"]),
                "ours ms / iter": _round(ms["ours"]),
                "cached ms / iter": _round(ms["cached"]),
                "speed-up ours": f"{speedup['ours']:.2f}x",
                "speed-up cached": f"{speedup['cached']:.2f}x",
                "ours speed-up per real row": f"{per_row:.2f}x",
                "set-up s (naive / ours / cached)": " / ".join(
                    f"{setup[m]:.3g}" for m in ("naive", "ours", "cached")
                ),
                "fit s (naive / ours / cached)": " / ".join(
                    f"{fit[m]:.3g}" for m in ("naive", "ours", "cached")
                ),
                "cached quicker than naive from n_iter": break_even(
                    setup["cached"] - setup["naive"], ms["naive"] - ms["cached"]
                ),
            }
        )
        scores = {
            m: data.loc[data["method"] == m, "score"].to_numpy()
            for m in (*LOOPS, *REFERENCES)
        }
        score_rows.append(
            {
                "data set": name,
                "score": first["metric"],
                **{m: mean_std(scores[m]) for m in ("naive", "ours", "cached")},
                "ours − naive": difference(scores["ours"], scores["naive"]),
                "cached − naive": difference(scores["cached"], scores["naive"]),
                "random subset": mean_std(scores["random_subset"]),
                "full data": f"{scores['full_data'][0]:.3f}",
            }
        )
    return pd.DataFrame(time_rows), pd.DataFrame(score_rows)


def verdicts(runs):
    """Per data set and loop: the speed-up, the utility against the naive
    loop, and whether the target (>= 3x per iteration at equal utility) is met."""
    lines = []
    for name, data in runs.groupby("dataset", sort=False):
        ms = data.groupby("method")["ms_per_iter"].median()
        naive = data.loc[data["method"] == "naive", "score"]
        for method in ("ours", "cached"):
            speed = ms["naive"] / ms[method]
            quality = utility_verdict(
                data.loc[data["method"] == method, "score"], naive
            )
            met = speed >= 3 and quality in ("equal", "higher")
            lines.append(
                f"{name}: {method} {speed:.2f}x, utility {quality}: "
                f"{'met' if met else 'not met'}"
            )
    return lines


def _round(value):
    """Two decimals, or three significant digits below 1."""
    return round(value, 2) if value >= 1 else float(f"{value:.3g}")


def difference(a, b):
    """Difference of the means ± twice its standard error (the margin)."""
    diff, se = difference_se(a, b)
    if min(len(a), len(b)) < 2:
        return f"{diff:+.3f}"
    return f"{diff:+.3f} ± {2 * se:.3f}"


def utility_verdict(a, b):
    """'higher', 'equal' or 'lower': ``a`` against ``b`` at two standard
    errors; 'not judged' with a single repeat."""
    if min(len(a), len(b)) < 2:
        return "not judged (1 repeat)"
    diff, se = difference_se(a, b)
    if diff > 2 * se:
        return "higher"
    if diff < -2 * se:
        return "lower"
    return "equal"


def break_even(extra_setup_s, saving_ms):
    """Iterations from which a loop with ``extra_setup_s`` more set-up and
    ``saving_ms`` less per iteration finishes first."""
    if extra_setup_s <= 0 and saving_ms >= 0:
        return "1"
    if saving_ms <= 0:
        return "never"
    return f"{int(np.ceil(1e3 * extra_setup_s / saving_ms)):,}"


def write_tables(runs, csv_path):
    time_table, score_table = tables(runs)
    paths = (
        write_csv(time_table, table_path(csv_path, "loops_time.csv")),
        write_csv(score_table, table_path(csv_path, "loops_utility.csv")),
    )
    print(time_table.to_markdown(index=False))
    print(score_table.to_markdown(index=False))
    print("\n".join(verdicts(runs)))
    return paths


def main():
    run_speed_script(
        speed_parser(__doc__, "speed_loops.csv"),
        "speed_loops.csv",
        lambda args: measure(QUICK if args.quick else FULL, args.threads),
        write_tables,
    )


if __name__ == "__main__":
    main()
