"""Shadow-model (LiRA) membership audit of every condenser: docs/shadow_audit.md.

Run from the repository root::

    python benchmarks/bench_shadow_audit.py [--pools breast-cancer support2]
        [--methods ...] [--n-shadows N] [--n-jobs J] [--quick]

For each pool, ``sklearn_dc.privacy.shadow_audit`` refits each condenser on
``n_shadows`` random stratified halves of the pool (10 records per class,
``n_iter=300`` for learned methods) and reports the combined LiRA statistic
(online and offline) and the best single score. Pools:

- breast-cancer: ``load_breast_cancer`` standardised on all 569 records, a
  random pool of 200 (seed 0), 64 shadows;
- support2: SUPPORT2 from ``../shared/data/support2`` (or ``--data``),
  imputed / scaled / one-hot encoded on all 9,105 records, a random pool of
  400 (seed 0), 32 shadows.

Each run replaces its (pool, method) rows in docs/shadow_audit.csv and
rewrites docs/shadow_audit.md from the whole CSV, so pools and methods can be
run separately. ``--quick`` is a smoke run (8 shadows, 20 iterations, pools of
60 records) written to the temporary directory unless ``--output`` is given.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from _harness import ROOT, SHARED_DATA, mixed_table_preprocessor
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

import sklearn_dc
from sklearn_dc import (
    DistributionMatching,
    GradientMatching,
    Herding,
    KCenterGreedy,
    KernelInducingPoints,
    KMeansCentroids,
    PrivateDistributionMatching,
    RandomSubset,
    TrajectoryMatching,
)
from sklearn_dc.datasets import load_support2
from sklearn_dc.privacy import shadow_audit

POOLS = {"breast-cancer": (200, 64), "support2": (400, 32)}  # pool size, shadows
# Cheap experts, so that 64 shadow fits finish: 2 experts of 10 epochs
# (defaults 5 and 20), 10 unrolled student steps (default 20).
CHEAP_EXPERTS = dict(n_experts=2, expert_epochs=10, max_start_epoch=5, syn_steps=10)


def condensers(n_iter, classes, n_pool):
    """Name -> (condenser, settings shown in the table)."""
    k = dict(n_per_class=10)
    learned = dict(k, n_iter=n_iter)
    private = dict(
        learned, init="noise", classes=classes, n_samples=n_pool, batch_real=32
    )
    cheap = ", ".join(f"{key}={value}" for key, value in CHEAP_EXPERTS.items())
    return {
        "RandomSubset": (RandomSubset(**k), ""),
        "Herding": (Herding(**k), ""),
        "KCenterGreedy": (KCenterGreedy(**k), ""),
        "KMeansCentroids": (KMeansCentroids(**k, n_init=1), "n_init=1"),
        "DM (real init)": (DistributionMatching(**learned), f"n_iter={n_iter}"),
        "DM (noise init)": (
            DistributionMatching(**learned, init="noise"),
            f"n_iter={n_iter}",
        ),
        "GradientMatching": (GradientMatching(**learned), f"n_iter={n_iter}"),
        "TrajectoryMatching": (
            TrajectoryMatching(**learned, **CHEAP_EXPERTS),
            f"n_iter={n_iter}, {cheap}",
        ),
        "KernelInducingPoints": (KernelInducingPoints(**learned), f"n_iter={n_iter}"),
        **{
            f"DP-DM (eps={eps})": (
                PrivateDistributionMatching(**private, epsilon=float(eps)),
                f"n_iter={n_iter}, batch_real=32, init=noise",
            )
            for eps in (1, 10)
        },
    }


def load_pool(name, size, data):
    """The pool ``(X, y)``: encoded on the whole data set, then drawn (seed 0)."""
    if name == "breast-cancer":
        X, y = load_breast_cancer(return_X_y=True)
        X = StandardScaler().fit_transform(X)
    else:
        X, y = load_support2(data, return_X_y=True)
        X, y = mixed_table_preprocessor().fit_transform(X), y.to_numpy()
    rows = np.random.default_rng(0).choice(len(X), size=size, replace=False)
    return np.asarray(X, dtype=np.float64)[rows], y[rows]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pools", nargs="+", choices=list(POOLS), default=list(POOLS))
    parser.add_argument("--methods", nargs="+", default=None)
    parser.add_argument("--n-shadows", type=int, default=None)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--data", type=Path, default=SHARED_DATA / "support2")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    output = args.output or (
        Path(tempfile.gettempdir()) / "shadow_audit_quick.md"
        if args.quick
        else ROOT / "docs" / "shadow_audit.md"
    )
    # One torch thread per fit: on a small, shared machine two threads per
    # matching step fight over the cores and run several times slower.
    torch.set_num_threads(1)
    command = "python benchmarks/bench_shadow_audit.py " + shlex.join(sys.argv[1:])
    n_iter = 20 if args.quick else 300
    csv = output.with_suffix(".csv")
    runs = pd.read_csv(csv) if csv.exists() else pd.DataFrame()

    for pool_name in args.pools:
        size, n_shadows = POOLS[pool_name]
        size, n_shadows = (60, 8) if args.quick else (size, n_shadows)
        n_shadows = args.n_shadows or n_shadows
        X, y = load_pool(pool_name, size, args.data)
        methods = condensers(n_iter, np.unique(y).tolist(), len(X))
        for method in args.methods or list(methods):
            condenser, settings = methods[method]
            audit = shadow_audit(
                condenser,
                X,
                y,
                n_shadows=n_shadows,
                random_state=0,
                n_jobs=args.n_jobs,
            )
            rows = audit.assign(
                pool=pool_name,
                method=method,
                settings=settings,
                n_records=len(X),
                n_features=X.shape[1],
                n_shadows=n_shadows,
                seconds=audit.attrs["seconds"],
                epsilon=audit.attrs.get("epsilon", np.nan),
                empirical_epsilon=audit.attrs.get("empirical_epsilon", np.nan),
                command=command,
                date=date.today().isoformat(),
                cores=os.cpu_count(),
                torch=torch.__version__,
                sklearn_dc=sklearn_dc.__version__,
            )
            if len(runs):
                same = (runs["pool"] == pool_name) & (runs["method"] == method)
                runs = runs[~same]
            runs = pd.concat([runs, rows], ignore_index=True)
            runs.to_csv(csv, index=False)
            output.write_text(_report(runs))
            line = audit.query("score == 'combined' and lira == 'online'").iloc[0]
            print(
                f"{pool_name} {method}: AUC {line['auc']:.3f} "
                f"[{line['auc_low']:.3f}, {line['auc_high']:.3f}] "
                f"in {audit.attrs['seconds']:.0f} s",
                flush=True,
            )
    print(f"wrote {output} and {csv}")


def _report(runs):
    """The markdown page, one section per pool, from all recorded runs."""
    sections = []
    for pool_name, pool in runs.groupby("pool", sort=False):
        first = pool.iloc[0]
        commands = "\n".join(f"    {c}" for c in pool["command"].unique())
        wall = pool.groupby("method", sort=False)["seconds"].first().sum() / 60
        sections.append(
            f"## {_POOL_TITLES.get(pool_name, pool_name)}\n\n"
            f"{first['n_records']} records x {first['n_features']} features, "
            f"10 synthetic records per class, {first['n_shadows']} shadows "
            f"(each fitted on a stratified half of the pool), random_state=0. "
            f"Made by\n\n{commands}\n\non {', '.join(pool['date'].unique())}, "
            f"{first['cores']} CPU cores (1 torch thread), torch {first['torch']}, "
            f"sklearn_dc {first['sklearn_dc']}; audits took {wall:.1f} min in "
            "all.\n\n" + _table(pool) + "\n\n" + _score_table(pool)
        )
    return (
        "# Shadow-model membership audit (LiRA)\n\n"
        "Every condenser attacked by `sklearn_dc.privacy.shadow_audit`: the "
        "condenser is refitted on random halves of a pool, and each record's "
        "scores against the synthetic sets are compared between the shadows "
        "that saw it and those that did not (Carlini et al. 2022; "
        "leave-one-pair-out, see the function's docstring). AUC 0.5 means no "
        "leakage this attack detects. *AUC* is the combined online statistic "
        "(mean over targets, [2.5%, 97.5%] across targets); TPRs are at 1% "
        "and 0.1% FPR over all targets pooled; *best score* is the single "
        "score with the highest online AUC. For the DP rows, *epsilon* is the "
        "mean spent by the shadows and *emp. eps* the heuristic empirical "
        "lower bound (not a proof; far below epsilon means only that this "
        "attack does not reach it).\n\n" + "\n\n".join(sections) + "\n"
    )


_POOL_TITLES = {
    "breast-cancer": "Breast cancer (scikit-learn), standardised",
    "support2": "SUPPORT2, 180-day mortality, encoded",
}


def _table(pool):
    lines = [
        "| condenser | settings | AUC (online) | AUC (offline) | TPR @ 1% FPR | "
        "TPR @ 0.1% FPR | best score (AUC) | epsilon | emp. eps | seconds |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for method, rows in pool.groupby("method", sort=False):
        online = rows[rows["lira"] == "online"].set_index("score")
        offline = rows[rows["lira"] == "offline"].set_index("score")
        combined = online.loc["combined"]
        singles = online.drop(index="combined")["auc"]
        best = singles.idxmax()
        eps, emp = combined["epsilon"], combined["empirical_epsilon"]
        settings = combined["settings"] if isinstance(combined["settings"], str) else ""
        lines.append(
            f"| {method} | {settings} | {combined['auc']:.3f} "
            f"[{combined['auc_low']:.2f}, {combined['auc_high']:.2f}] | "
            f"{offline.loc['combined', 'auc']:.3f} | "
            f"{combined['tpr_at_1%_fpr']:.3f} | {combined['tpr_at_0.1%_fpr']:.3f} | "
            f"{best} ({singles[best]:.3f}) | "
            f"{'' if pd.isna(eps) else f'{eps:.2f}'} | "
            f"{'' if pd.isna(emp) else f'{emp:.2f}'} | {combined['seconds']:.0f} |"
        )
    return "\n".join(lines)


def _score_table(pool):
    """Online AUC of every single score (and combined), one row per condenser."""
    online = pool[pool["lira"] == "online"]
    table = online.pivot_table(
        index="method", columns="score", values="auc", sort=False
    )
    table = table[[c for c in online["score"].unique()]]
    header = "| condenser | " + " | ".join(table.columns) + " |"
    lines = [
        "Online AUC of each score:",
        "",
        header,
        "| --- |" + " --- |" * len(table.columns),
    ]
    for method, values in table.iterrows():
        lines.append(f"| {method} | " + " | ".join(f"{v:.3f}" for v in values) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
