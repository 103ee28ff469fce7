"""Utility and leakage side by side on SUPPORT2: table and plot for docs/.

Run from the repository root, with SUPPORT2 in ``../shared/data/support2/``
(or pass ``--data``)::

    python benchmarks/bench_privacy_support2.py

SUPPORT2 (180-day mortality, 9,105 adults) is split 75/25, stratified, seed 0;
the test split is also the holdout of the membership-inference attacks. The
training split is imputed, standardised and one-hot encoded, then condensed at
50 records per class by the baselines, distribution matching started from
real records and from noise, and differentially private distribution matching
at epsilon 1, 3 and 10 (seeds 0-2). For every condensed set: ROC-AUC of
logistic regression and gradient boosting trained on it and scored on the
test split, and ``sklearn_dc.privacy.privacy_report`` against the training
(members) and test (non-members) records.
"""

from __future__ import annotations

import argparse
import time
import warnings
from datetime import date
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from _harness import ROOT, SHARED_DATA, environment, mixed_table_preprocessor
from sklearn.base import clone
from sklearn.model_selection import train_test_split

from sklearn_dc import (
    DistributionMatching,
    Herding,
    KMeansCentroids,
    PrivateDistributionMatching,
    RandomSubset,
)
from sklearn_dc.datasets import load_support2
from sklearn_dc.evaluation import default_learners
from sklearn_dc.privacy import privacy_report

# Report rows shown in the table, by their name in privacy_report.
LEAKAGE = {
    "membership AUC (distance)": "MIA AUC distance",
    "membership AUC (classifier)": "MIA AUC classifier",
    "TPR at low FPR (distance)": "TPR@1%FPR distance",
    "share closer to train": "closer to train",
    "median DCR to train": "median DCR",
    "exact copies": "exact copies",
}


def condensers(n_per_class):
    # The class list is public (alive / dead at 180 days); n is not given, so
    # the guarantee is for replacing a record.
    private = PrivateDistributionMatching(n_per_class=n_per_class, classes=[0, 1])
    return {
        "RandomSubset": RandomSubset(n_per_class=n_per_class),
        "Herding": Herding(n_per_class=n_per_class),
        "KMeansCentroids": KMeansCentroids(n_per_class=n_per_class),
        "DM (real init)": DistributionMatching(n_per_class=n_per_class),
        "DM (noise init)": DistributionMatching(n_per_class=n_per_class, init="noise"),
        **{
            f"DP-DM (eps={eps:g})": clone(private).set_params(epsilon=eps)
            for eps in (1, 3, 10)
        },
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED_DATA / "support2")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n-per-class", type=int, default=50)
    parser.add_argument(
        "--output", type=Path, default=ROOT / "docs" / "privacy_support2.md"
    )
    args = parser.parse_args()
    matplotlib.use("Agg")  # files only, no display

    X, y = load_support2(args.data, return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    preprocessor = mixed_table_preprocessor().fit(X_train)
    X_train, X_test = preprocessor.transform(X_train), preprocessor.transform(X_test)
    y_train, y_test = y_train.to_numpy(), y_test.to_numpy()
    learners = default_learners(2)
    learners = {k: learners[k] for k in ["logistic regression", "gradient boosting"]}

    def utility(X_fit, y_fit, seed):
        scores = {}
        for name, learner in learners.items():
            learner = clone(learner).set_params(
                **{k: seed for k in learner.get_params() if k == "random_state"}
            )
            learner.fit(X_fit, y_fit)
            scores[name] = _roc_auc(learner, X_test, y_test)
        return scores

    rows = []
    start = time.perf_counter()
    for seed in range(args.seeds):
        rows.append(
            {"method": "full data", "seed": seed, **utility(X_train, y_train, seed)}
        )
        for method, condenser in condensers(args.n_per_class).items():
            tic = time.perf_counter()
            X_syn, y_syn = (
                clone(condenser)
                .set_params(random_state=seed)
                .fit_resample(X_train, y_train)
            )
            seconds = time.perf_counter() - tic
            with warnings.catch_warnings():
                # Distinct patients can share a row of coarse features.
                warnings.simplefilter("ignore", UserWarning)
                report = privacy_report(
                    X_syn, y_syn, X_train, y_train, X_test, y_test, random_state=seed
                ).set_index("name")["value"]
            rows.append(
                {
                    "method": method,
                    "seed": seed,
                    **utility(X_syn, y_syn, seed),
                    **{short: report[name] for name, short in LEAKAGE.items()},
                    "condense s": seconds,
                }
            )
            print(rows[-1], flush=True)
    minutes = (time.perf_counter() - start) / 60

    runs = pd.DataFrame(rows)
    runs.to_csv(args.output.with_suffix(".csv"), index=False)
    table = _summary(runs, list(learners))
    _plot(runs, list(learners), args.output.with_suffix(".png"))
    versions = environment()
    args.output.write_text(
        f"""# Utility and leakage on SUPPORT2

Produced by

    python benchmarks/bench_privacy_support2.py

on {date.today()}: {versions}; whole run {minutes:.0f} minutes. Per-run
results: `{args.output.stem}.csv`; plot: `{args.output.stem}.png`.

SUPPORT2 (180-day mortality), split 75/25 (stratified, seed 0): {len(y_train):,}
training records (the members) and {len(y_test):,} test records (the holdout,
non-members). Median / mode imputation, standardisation and one-hot encoding
are fitted on the training split. Every method condenses it to
{args.n_per_class} records per class with seeds 0-{args.seeds - 1}; the table
shows the mean ± std over seeds.

- Utility: ROC-AUC on the test split of logistic regression and gradient
  boosting trained on the condensed records (the full-data row: on all
  training records).
- Leakage (`sklearn_dc.privacy.privacy_report`): membership-inference ROC-AUC
  of the distance attack and of the classifier attack (0.5 = the attack finds
  nothing), the distance attack's true-positive rate at 1% false positives
  (0.01 = nothing), the share of condensed records whose closest real record
  is a training record ({len(y_train) / (len(y_train) + len(y_test)):.2f} =
  the members' share of the real records, what a set that ignores its
  training data gets), the median distance to the closest training record,
  and exact copies of training records.
- DP-DM is `PrivateDistributionMatching` with its defaults (200 iterations,
  `batch_real=64`, `clip_norm=1`, delta 1e-5, noise init) and the public class
  list; epsilon is for replacing one record (the number of records is taken
  as public). Its guarantee covers the matching only: the imputation and
  scaling statistics are fitted on the private training split here, as in
  every other row, and are outside it. `sklearn-dc condense --method dp-dm`
  (`TabularCondenser`) keeps them inside it (`privacy.md`).

{table.to_markdown()}
"""
    )
    print(table.to_markdown())


def _roc_auc(learner, X, y):
    from sklearn.metrics import roc_auc_score

    return roc_auc_score(y, learner.predict_proba(X)[:, 1])


def _summary(runs, learners):
    columns = [*learners, *LEAKAGE.values(), "condense s"]
    grouped = runs.groupby("method", sort=False)[columns]
    mean, std = grouped.mean(), grouped.std()
    table = pd.DataFrame(index=mean.index)
    for column in columns:
        if column in ("exact copies", "condense s"):
            table[column] = mean[column].map(lambda v: f"{v:.1f}")
        else:
            table[column] = [
                "" if np.isnan(m) else f"{m:.3f} ± {s:.3f}"
                for m, s in zip(mean[column], std[column], strict=True)
            ]
    table.loc["full data", [*LEAKAGE.values(), "condense s"]] = ""
    return table


def _plot(runs, learners, path):
    import matplotlib.pyplot as plt

    runs = runs.assign(utility=runs[learners].mean(axis=1))
    means = runs.groupby("method", sort=False)[
        ["utility", "MIA AUC distance", "MIA AUC classifier"]
    ].mean()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
    full = means.loc["full data", "utility"]
    for ax, attack in zip(axes, ["distance", "classifier"], strict=True):
        for method, row in means.drop(index="full data").iterrows():
            ax.scatter(row[f"MIA AUC {attack}"], row["utility"], label=method)
        ax.axhline(full, color="black", ls="--", label="full data")
        ax.axvline(0.5, color="grey", ls=":")
        ax.set_xlabel(f"membership-inference AUC ({attack} attack)")
    axes[0].set_ylabel("ROC-AUC (mean of learners)")
    axes[1].legend(fontsize="small", loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.suptitle("SUPPORT2, 50 records per class: utility vs leakage")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
