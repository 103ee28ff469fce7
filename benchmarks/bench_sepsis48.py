"""The reference paper's experiment on sepsis48: table and plot for docs/.

Run from the repository root, with the PhysioNet 2019 training set A in
``../shared/data/physionet2019/`` (or pass ``--data``)::

    python benchmarks/bench_sepsis48.py

Sepsis48 (stays of set A with 48 hourly rows and no sepsis label in them;
label: sepsis later) is split 75/25, stratified, seed 0. The training split is
imputed (forward fill, then training medians) and standardised per channel,
then condensed at 10, 40 and 100 records per class by every method with seeds
0-2. Learners (logistic regression and gradient boosting on per-channel
summaries; TCN, GRU, LSTM and transformer networks) are trained on each
condensed set and scored by ROC-AUC on the real test split, beside the same
learners trained on the whole training split.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

import matplotlib
import pandas as pd
from _harness import ROOT, SHARED_DATA, environment
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_dc import DistributionMatching
from sklearn_dc.datasets import load_physionet2019
from sklearn_dc.evaluation import (
    default_condensers,
    evaluate_condensers,
    plot_utility,
    utility_table,
)
from sklearn_dc.preprocessing import (
    ChannelStandardScaler,
    TimeSeriesImputer,
)

DATA = SHARED_DATA / "physionet2019" / "training_setA.zip"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--budgets", type=int, nargs="+", default=[10, 40, 100])
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "sepsis48.md")
    parser.add_argument(
        "--methods",
        nargs="+",
        help="only these methods (names as in the table; default: all)",
    )
    parser.add_argument(
        "--tables-from",
        type=Path,
        help="rebuild the CSV, plot and page from the rows of this CSV (e.g. "
        "the rows of earlier runs put together), without measuring",
    )
    args = parser.parse_args()
    if args.tables_from and not args.tables_from.is_file():
        parser.error(f"--tables-from {args.tables_from}: no such file")
    matplotlib.use("Agg")  # files only, no display

    X, y = load_physionet2019(args.data, return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    condensers = default_condensers()
    # The reference paper's DM: class-mean embeddings only, unconstrained,
    # every iteration kept.
    condensers["DM (paper)"] = DistributionMatching(
        match="mean", summaries=False, bounds=None, early_stopping=False, init="real"
    )
    if args.methods:
        unknown = set(args.methods) - set(condensers)
        if unknown:
            parser.error(f"unknown {sorted(unknown)}; pick from {list(condensers)}")
        condensers = {name: condensers[name] for name in args.methods}
    start = time.perf_counter()
    if args.tables_from:
        results = pd.read_csv(args.tables_from)
        run = f"rows from `{args.tables_from.name}`, measured by earlier runs"
    else:
        results = evaluate_condensers(
            condensers,
            X_train,
            y_train,
            X_test,
            y_test,
            budgets=args.budgets,
            n_seeds=args.seeds,
            preprocessor=make_pipeline(TimeSeriesImputer(), ChannelStandardScaler()),
            verbose=True,
        )
        run = f"whole run {(time.perf_counter() - start) / 60:.0f} minutes"
    command = " ".join(sys.argv[1:])
    results.to_csv(args.output.with_suffix(".csv"), index=False)
    ax = plot_utility(results)
    ax.set_title("sepsis48 (PhysioNet 2019 set A): ROC-AUC vs budget")
    ax.figure.tight_layout()
    ax.figure.savefig(args.output.with_suffix(".png"), dpi=120)

    table = utility_table(results).reset_index().to_markdown(index=False)
    versions = environment()
    args.output.write_text(
        f"""# sepsis48: the reference paper's experiment

Produced by

    python benchmarks/bench_sepsis48.py {command}

on {date.today().isoformat()}: {versions}; {run}.
Per-run results: `{args.output.with_suffix(".csv").name}`; plot:
`{args.output.with_suffix(".png").name}`.

Sepsis48 from PhysioNet 2019 training set A: {len(y):,} stays, 40 variables x
48 hours, {y.mean():.1%} positive (sepsis after the first 48 hours). Split
75/25 (stratified, seed 0): {len(y_train):,} training / {len(y_test):,} test
stays. The training split is imputed (`TimeSeriesImputer`: forward fill, then
training medians) and standardised per channel (`ChannelStandardScaler`), then
condensed by each method at each budget with seeds 0-{args.seeds - 1}. Learners
trained on the condensed records, scored by ROC-AUC on the real test split
(mean ± std over seeds): logistic regression and gradient boosting on
per-channel summaries (mean, std, min, max, last value), and TCN, GRU, LSTM and
transformer networks (`NetClassifier`: at least 500 AdamW steps on condensed
sets; on the full data, early stopping on a stratified tenth of the training
split). `mean` is the mean over learners. `condense s` is one condensation's
wall time; `learner fit s` the learners' mean training time. Every condenser
runs with its defaults: `DistributionMatching` matches, under random TCNs
(`net="auto"`: width 32 for 40 channels),
the quantiles of each class's embeddings and of its per-channel summaries,
with each synthetic stay keeping the common values and the steps of the stay
it started from (`match="quantiles"`, `summaries=True`,
`bounds="structure"`; at most 1,000 iterations, `lr=0.05`, `batch_real=256`),
starts from each class's k-means centres where every class has at least 20
stays per synthetic stay, else from random real stays (`init="auto"`: k-means
at 10 per class here), and returns the records of its best check
(`early_stopping="auto"`: every 50
iterations gradient boosting is fitted on the synthetic stays' summaries and
scored by ROC-AUC on a class-wise sample of the real training stays; the run
stops after 5 checks without a better score). "DM (paper)" is the reference
paper's objective on the same TCN: class-mean embeddings, unconstrained, every
iteration kept, from random real stays (`match="mean"`, `summaries=False`,
`bounds=None`, `early_stopping=False`, `init="real"`).
`condense MB` is the most resident memory one condensation added to the
process.

{table}
"""
    )
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
