"""Speed and scale of the condensers, written to docs/speed.md (and docs/speed.csv).

Run from the repository root::

    python benchmarks/bench_speed.py [--quick] [--threads N] [--output PATH]

Three sections:

1. Our distribution-matching loops against a naive reference loop written
   the way the published research code (Zhao & Bilen's DM scripts) does it:
   a new network object every iteration and a Python loop over the classes.
   Ours is ``DistributionMatching`` twice: the default (``n_nets=None``, the
   paper's method) and the cached mode (``n_nets=64``: a fixed pool of random
   networks whose class means over all real records are computed once, in
   the set-up). Same ``n_iter``, ``lr``, ``batch_real``, budget and
   initialisation; ms per iteration (interleaved runs, median), set-up and
   total fit time, the utility of every result, and a verdict on the target
   "per-iteration speed-up >= 3x over the naive loop at equal utility".
2. The arithmetic floor: floating-point operations of one iteration
   (``torch.utils.flop_counter``) over the machine's measured float32 rate
   (a large ``torch.mm``), beside the measured time per iteration, for the
   data sets of section 1 (all three loops) and a large batch where
   arithmetic dominates (ours and naive). Also
   what the thread count does on this machine and where the loop's time goes.
3. Scaling with rows: every condenser of ``default_condensers()`` on
   ``make_classification`` tables of 10^3 to 10^6 rows: wall time, peak extra
   memory and utility; and a sweep over features and budget for DM.

Every timing comparison is measured within one run, interleaved (the order of
the compared runs alternates between repeats), so that a change of load on the
machine hits both sides alike. ``--quick`` runs tiny sizes (a smoke test of
under a minute) and writes to a temporary file unless ``--output`` is given.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
import torch
from bench_tables import SHARED_DATA, mixed_table_preprocessor
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelEncoder, StandardScaler
from threadpoolctl import threadpool_limits
from torch.profiler import ProfilerActivity, profile
from torch.utils.flop_counter import FlopCounterMode

import sklearn_dc
from sklearn_dc import DistributionMatching, RandomSubset, TrajectoryMatching
from sklearn_dc.datasets import load_sepsis_demo, load_support2
from sklearn_dc.evaluation import PeakMemory, default_condensers
from sklearn_dc.matching._loop import observe_loops
from sklearn_dc.nn import AUTO_NETWORKS, MLP, NETWORKS
from sklearn_dc.preprocessing import (
    ChannelStandardScaler,
    SeriesSummary,
    TimeSeriesImputer,
)

ROOT = Path(__file__).resolve().parents[1]
# torch's own choice of threads, read before this script changes it.
DEFAULT_THREADS = torch.get_num_threads()
# TrajectoryMatching's experts train on every row; this setting trains one
# expert for 3 epochs (the fewest that max_start_epoch + expert_epochs_ahead
# allow), so that 10^6 rows fit in about a minute.
CHEAP_EXPERTS = {"n_experts": 1, "expert_epochs": 3, "max_start_epoch": 1}
# The loops compared in section 1, in the order of the first repeat.
LOOPS = ("ours", "naive", "cached")

# Sizes of each run; --quick shrinks them to a smoke test.
FULL = {
    "n_iter": 200,  # section 1: iterations of each run (timing and utility)
    "n_iter_series": 200,  # section 1: the same for the TCN on time series
    "n_nets": 64,  # sections 1 and 2: the cached loop's DistributionMatching(n_nets)
    "repeats": 5,  # section 1: interleaved repeats (seeds) per data set
    "repeats_series": 3,
    "threads_iter": 20,  # thread-count comparison: iterations per run
    "threads_repeats": 5,
    "profile_iter": 20,
    "large_batch": 4096,  # section 2: the arithmetic-bound configuration
    "large_hidden": (1024, 1024),
    "large_iter": 10,
    "large_repeats": 5,
    "mm_size": 2048,
    "rows": (1_000, 10_000, 100_000, 1_000_000),  # section 3
    "test_rows": 10_000,
    "scale_iter": 50,
    "sweep_rows": 100_000,
    "cell_limit_s": 180.0,
    "allocator_repeats": 4,  # section 2: child-process runs per malloc setting
    "allocator_iter": 100,
}
QUICK = {
    "n_iter": 10,
    "n_iter_series": 5,
    "n_nets": 4,
    "repeats": 1,
    "repeats_series": 1,
    "threads_iter": 3,
    "threads_repeats": 1,
    "profile_iter": 3,
    "large_batch": 1024,
    "large_hidden": (256, 256),
    "large_iter": 2,
    "large_repeats": 1,
    "mm_size": 1024,
    "rows": (1_000, 2_000),
    "test_rows": 1_000,
    "scale_iter": 5,
    "sweep_rows": 2_000,
    "cell_limit_s": 10.0,
    "allocator_repeats": 1,
    "allocator_iter": 5,
}


# --------------------------------------------------------------------------
# Measurement helpers
# --------------------------------------------------------------------------


def release_memory():
    """Collect garbage and hand freed heap pages back to the system.

    Without ``malloc_trim`` the C heap keeps what an earlier run freed, and a
    later run reuses it without the resident size growing: its peak would be
    under-reported.
    """
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def minor_page_faults():
    """Minor page faults of this process so far (0 where unknown).

    A minor fault is the kernel mapping a fresh page on first touch: the cost
    of memory the allocator returned to the system and took back.
    """
    try:
        import resource
    except ImportError:
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def fit_timed(condenser, X, y):
    """``fit_resample`` with its set-up and optimisation loop timed apart.

    For a matching condenser, the start of its optimisation loop (real
    records on the device, networks built, experts trained, records
    initialised), reported by the loop's timing hook
    (``sklearn_dc.matching._loop.observe_loops``), splits the fit into set-up
    and loop; the loop time covers the ``n_iter`` optimisation steps (and the
    negligible final copy). Other condensers have no loop: all of their time
    is set-up.

    Returns ``X_res, y_res, timing``: a dict of ``total_s``, ``setup_s``,
    ``loop_s`` and ``loop_faults`` (minor page faults in the loop); the loop
    entries are NaN without a loop.
    """
    marks = {}

    def mark(event):
        if event == "start":
            marks["faults"] = minor_page_faults()
            marks["loop"] = time.perf_counter()

    start = time.perf_counter()
    with observe_loops(mark):
        X_res, y_res = condenser.fit_resample(X, y)
    end = time.perf_counter()
    faults = minor_page_faults()
    timing = {"total_s": end - start, "setup_s": end - start}
    timing["loop_s"] = timing["loop_faults"] = float("nan")
    if "loop" in marks:
        timing["setup_s"] = marks["loop"] - start
        timing["loop_s"] = end - marks["loop"]
        timing["loop_faults"] = faults - marks["faults"]
    return X_res, y_res, timing


def mm_rate(size, repeats=3):
    """float32 FLOP/s of one ``size x size`` matrix product (best of ``repeats``)."""
    a = torch.randn(size, size)
    b = torch.randn(size, size)
    a @ b  # warm-up
    best = float("inf")
    for _ in range(repeats):
        tic = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - tic)
    return 2 * size**3 / best


class PeakRate:
    """The best float32 matrix-product rate seen, per thread count.

    Sampled between the timed runs, so that the peak is taken under the same
    load as the loops it is compared with.
    """

    def __init__(self, size):
        self.size = size
        self.best = defaultdict(float)

    def sample(self, threads):
        with torch_threads(threads):
            self.best[threads] = max(self.best[threads], mm_rate(self.size))


class torch_threads:
    """Context manager: run torch with ``n`` threads, then restore."""

    def __init__(self, n):
        self.n = n

    def __enter__(self):
        self.previous = torch.get_num_threads()
        torch.set_num_threads(self.n)

    def __exit__(self, *exc_info):
        torch.set_num_threads(self.previous)
        return False


def count_flops(run):
    """Floating-point operations torch performs in ``run()`` (matrix products)."""
    with FlopCounterMode(display=False) as counter:
        run()
    return counter.get_total_flops()


def utility(X_syn, y_syn, X_test, y_test, *, series=False):
    """Logistic regression trained on ``(X_syn, y_syn)``, scored on the test split.

    ROC-AUC for two classes, accuracy otherwise; time series are summarised
    per channel (mean, std, min, max, last value) first.
    """
    model = LogisticRegression(max_iter=2000)
    if series:
        model = make_pipeline(SeriesSummary(), StandardScaler(), model)
    model.fit(X_syn, y_syn)
    if len(np.unique(y_test)) == 2:
        return roc_auc_score(y_test, model.decision_function(X_test))
    return accuracy_score(y_test, model.predict(X_test))


def default_net_factory(X, n_classes, **kwargs):
    """A function building the network ``DistributionMatching(net="auto")`` uses.

    The same class and constructor arguments as ``sklearn_dc.nn.resolve_nets``:
    ``n_features`` for tables, ``n_channels`` for time series, ``n_classes``.
    """
    cls = NETWORKS[AUTO_NETWORKS[X.ndim - 1]]
    size = {"n_features": X.shape[1]} if X.ndim == 2 else {"n_channels": X.shape[1]}
    return lambda: cls(**size, n_classes=n_classes, **kwargs)


# --------------------------------------------------------------------------
# The naive reference
# --------------------------------------------------------------------------


def naive_distribution_matching(
    X, y, *, n_per_class, n_iter, lr, batch_real, seed, make_net
):
    """Distribution matching written as the published research code does it.

    The structure of Zhao & Bilen's DM script (``main_DM.py`` of
    VICO-UoE/DatasetCondensation), on ``DistributionMatching``'s optimiser:
    the real records are kept as one tensor per class; every iteration builds
    a new network object (``make_net()``), switches off its gradients, and
    loops over the classes in Python: a real batch of the class (a random
    permutation of its rows, cut at ``batch_real``: the whole class when it
    is smaller), its embedding, the embedding of the class's synthetic
    records, and the squared distance of the two means, summed over classes;
    then one Adam step on the synthetic records and a ``loss.item()`` (the
    script logs the loss). The synthetic records start as random real records
    of each class. Random draws use torch's global generator, seeded with
    ``seed`` inside a forked random state.

    Returns ``X_syn, y_syn, timing``: ``loop_s``, the time of the ``n_iter``
    iterations, ``loop_faults``, the minor page faults in them, and
    ``total_s`` and ``setup_s``, the whole call and the part before the loop.
    """
    entered = time.perf_counter()
    n_classes = int(y.max()) + 1
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        real = torch.as_tensor(X, dtype=torch.float32)
        labels = torch.as_tensor(y)
        per_class = [real[labels == c] for c in range(n_classes)]
        start = [part[torch.randperm(len(part))[:n_per_class]] for part in per_class]
        synthetic = torch.cat(start).clone().requires_grad_(True)
        optimizer = torch.optim.Adam([synthetic], lr=lr)
        faults = minor_page_faults()
        tic = time.perf_counter()
        for _ in range(n_iter):
            net = make_net()
            for param in net.parameters():
                param.requires_grad = False
            loss = torch.tensor(0.0)
            for c in range(n_classes):
                part = per_class[c]
                batch = part[torch.randperm(len(part))[:batch_real]]
                records = synthetic[c * n_per_class : (c + 1) * n_per_class]
                real_embedding = net.embed(batch).detach()
                synthetic_embedding = net.embed(records)
                gap = real_embedding.mean(dim=0) - synthetic_embedding.mean(dim=0)
                loss = loss + (gap**2).sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss.item()
        timing = {
            "loop_s": time.perf_counter() - tic,
            "loop_faults": minor_page_faults() - faults,
            "setup_s": tic - entered,
        }
    X_syn = synthetic.detach().numpy().copy()
    timing["total_s"] = time.perf_counter() - entered
    return X_syn, np.repeat(np.arange(n_classes), n_per_class), timing


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


def split(X, y, seed=0):
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=seed)


def section1_datasets(sizes):
    """(name, description, X_train, y_train, X_test, y_test, n_iter, repeats,
    series) of each data set of sections 1 and 2, preprocessed, float32,
    labels encoded."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = split(X, y)
    scaler = StandardScaler().fit(X_train)
    yield (
        "digits",
        "load_digits, 10 classes, 64 features, standardised",
        scaler.transform(X_train).astype(np.float32),
        y_train,
        scaler.transform(X_test).astype(np.float32),
        y_test,
        sizes["n_iter"],
        sizes["repeats"],
        False,
    )
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = split(X, y)
    scaler = StandardScaler().fit(X_train)
    yield (
        "breast_cancer",
        "load_breast_cancer, 2 classes, 30 features, standardised",
        scaler.transform(X_train).astype(np.float32),
        y_train,
        scaler.transform(X_test).astype(np.float32),
        y_test,
        sizes["n_iter"],
        sizes["repeats"],
        False,
    )
    support = SHARED_DATA / "support2"
    if support.is_dir():
        X, y = load_support2(support, return_X_y=True)
        y = LabelEncoder().fit_transform(y)
        X_train, X_test, y_train, y_test = split(X, y)
        encoder = mixed_table_preprocessor().fit(X_train)
        X_train = encoder.transform(X_train).astype(np.float32)
        yield (
            "support2",
            f"SUPPORT2 180-day mortality, 2 classes, {X_train.shape[1]} features "
            "(imputed, standardised, one-hot)",
            X_train,
            y_train,
            encoder.transform(X_test).astype(np.float32),
            y_test,
            sizes["n_iter"],
            sizes["repeats"],
            False,
        )
    X, y = load_sepsis_demo(return_X_y=True)
    X_train, X_test, y_train, y_test = split(X, y)
    prep = make_pipeline(TimeSeriesImputer(), ChannelStandardScaler())
    with warnings.catch_warnings():
        # A channel never measured in the demo's training split is filled with 0.
        warnings.simplefilter("ignore", UserWarning)
        X_train = prep.fit_transform(X_train).astype(np.float32)
        X_test = prep.transform(X_test).astype(np.float32)
    yield (
        "sepsis48_demo",
        "load_sepsis_demo, 2 classes, 40 channels x 48 hours (imputed, "
        "standardised per channel), TCN",
        X_train,
        y_train,
        X_test,
        y_test,
        sizes["n_iter_series"],
        sizes["repeats_series"],
        True,
    )


def classification_table(n_rows, n_test, n_features, seed=0):
    """A standardised float32 ``make_classification`` table and its test split."""
    X, y = make_classification(
        n_samples=n_rows + n_test,
        n_features=n_features,
        n_informative=max(2, n_features // 4),
        n_redundant=n_features // 4,
        n_classes=2,
        random_state=seed,
    )
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=n_test, stratify=y, random_state=seed
    )
    scaler = StandardScaler().fit(X_train)
    return (
        scaler.transform(X_train).astype(np.float32),
        y_train,
        scaler.transform(X_test).astype(np.float32),
        y_test,
    )


# --------------------------------------------------------------------------
# Section 1 (and the timings section 2 reuses)
# --------------------------------------------------------------------------


def compare_loops(
    X,
    y,
    X_test,
    y_test,
    *,
    n_iter,
    repeats,
    series,
    threads,
    rates,
    make_net,
    dm_params,
    rows,
    label,
    methods=LOOPS,
    n_nets=None,
):
    """Interleaved runs of the loops in ``methods``; one dict per run.

    ``ours`` is ``DistributionMatching`` with ``dm_params``, ``cached`` the
    same with ``n_nets=n_nets``, ``naive`` the reference loop. Repeat
    ``r`` uses seed ``r`` for all and rotates their order by one every repeat
    (with two loops: swaps it). Every run's result is scored (``X_test`` not
    None).
    """
    n_per_class = dm_params["n_per_class"]
    for repeat in range(repeats):
        shift = repeat % len(methods)
        order = methods[shift:] + methods[:shift]
        for method in order:
            release_memory()
            with torch_threads(threads):
                if method in ("ours", "cached"):
                    extra = {"n_nets": n_nets} if method == "cached" else {}
                    condenser = DistributionMatching(
                        **dm_params, **extra, n_iter=n_iter, random_state=repeat
                    )
                    X_syn, y_syn, timing = fit_timed(condenser, X, y)
                else:
                    X_syn, y_syn, timing = naive_distribution_matching(
                        X,
                        y,
                        n_per_class=n_per_class,
                        n_iter=n_iter,
                        lr=dm_params["lr"],
                        batch_real=dm_params["batch_real"],
                        seed=repeat,
                        make_net=make_net,
                    )
            score = (
                utility(X_syn, y_syn, X_test, y_test, series=series)
                if X_test is not None
                else float("nan")
            )
            rows.append(
                {
                    "section": label,
                    "method": method,
                    "threads": threads,
                    "seed": repeat,
                    "n_iter": n_iter,
                    "ms_per_iter": 1e3 * timing["loop_s"] / n_iter,
                    "faults_per_iter": timing["loop_faults"] / n_iter,
                    "setup_s": timing["setup_s"],
                    "condense_s": timing["total_s"],
                    "score": score,
                }
            )
        rates.sample(threads)


def warm_up(X, y, make_net, dm_params, threads):
    """A few iterations of every loop, so that no timed run pays first-call costs.

    The cached loop warms up with a pool of 2 networks (its code path, not
    the full cache pass).
    """
    with torch_threads(threads):
        DistributionMatching(**dm_params, n_iter=3, random_state=0).fit_resample(X, y)
        DistributionMatching(
            **dm_params, n_nets=2, n_iter=3, random_state=0
        ).fit_resample(X, y)
        naive_distribution_matching(
            X,
            y,
            n_per_class=dm_params["n_per_class"],
            n_iter=3,
            lr=dm_params["lr"],
            batch_real=dm_params["batch_real"],
            seed=0,
            make_net=make_net,
        )


def iteration_flops(X, y, make_net, dm_params, n_nets=None):
    """FLOPs of one iteration of ours, the naive loop and ours with
    ``n_nets=n_nets`` (the cached loop; NaN when ``n_nets`` is None).

    Each is a run of ``n_iter=1`` minus a run of ``n_iter=0``: the set-up
    (for the cached loop: the cache pass over the data) cancels out.
    """

    def ours(n_iter, **extra):
        condenser = DistributionMatching(
            **dm_params, **extra, n_iter=n_iter, random_state=0
        )
        return lambda: condenser.fit_resample(X, y)

    def naive(n_iter):
        return lambda: naive_distribution_matching(
            X,
            y,
            n_per_class=dm_params["n_per_class"],
            n_iter=n_iter,
            lr=dm_params["lr"],
            batch_real=dm_params["batch_real"],
            seed=0,
            make_net=make_net,
        )

    pool = {"n_nets": n_nets}
    return (
        count_flops(ours(1)) - count_flops(ours(0)),
        count_flops(naive(1)) - count_flops(naive(0)),
        count_flops(ours(1, **pool)) - count_flops(ours(0, **pool))
        if n_nets is not None
        else float("nan"),
    )


def real_rows_per_iteration(y, batch_real):
    """Real records embedded per iteration: (ours, naive)."""
    sizes = np.bincount(y)
    return len(sizes) * batch_real, int(np.minimum(sizes, batch_real).sum())


def section1(sizes, threads, rates, csv_rows):
    """Ours, cached and the naive loop on real data; returns (markdown, floor
    inputs)."""
    dm_params = {"n_per_class": 10, "lr": 0.05, "batch_real": 256}
    time_table, score_table, verdicts, floor_inputs = [], [], [], []
    descriptions = []
    for entry in section1_datasets(sizes):
        name, description, X, y, X_test, y_test, n_iter, repeats, series = entry
        descriptions.append(f"- `{name}`: {description}.")
        n_classes = int(y.max()) + 1
        make_net = default_net_factory(X, n_classes)
        print(f"section 1: {name} {X.shape}", flush=True)
        warm_up(X, y, make_net, dm_params, threads)
        runs = []
        compare_loops(
            X,
            y,
            X_test,
            y_test,
            n_iter=n_iter,
            repeats=repeats,
            series=series,
            threads=threads,
            rates=rates,
            make_net=make_net,
            dm_params=dm_params,
            rows=runs,
            label="1 loops",
            n_nets=sizes["n_nets"],
        )
        random_scores = [
            utility(
                *RandomSubset(n_per_class=10, random_state=seed).fit_resample(X, y),
                X_test,
                y_test,
                series=series,
            )
            for seed in range(repeats)
        ]
        full_score = utility(X, y, X_test, y_test, series=series)
        frame = pd.DataFrame(runs)
        for run in runs:
            run.update(dataset=name, n_train=len(X))
        csv_rows.extend(runs)
        medians = frame.groupby("method")[
            ["ms_per_iter", "faults_per_iter", "setup_s", "condense_s"]
        ].median()
        ms, setup, fit = (
            medians["ms_per_iter"],
            medians["setup_s"],
            medians["condense_s"],
        )
        scores = {m: frame.loc[frame["method"] == m, "score"].to_numpy() for m in LOOPS}
        ours_rows, naive_rows = real_rows_per_iteration(y, dm_params["batch_real"])
        metric = "ROC-AUC" if n_classes == 2 else "accuracy"
        per_row = (ms["naive"] / naive_rows) / (ms["ours"] / ours_rows)
        speedup = {m: ms["naive"] / ms[m] for m in ("ours", "cached")}
        time_table.append(
            {
                "data set": name,
                "train records": f"{len(X):,}",
                "record shape": " x ".join(map(str, X.shape[1:])),
                "classes": n_classes,
                "n_iter": n_iter,
                "real rows / iter (naive / ours / cached)": f"{naive_rows:,} / "
                f"{ours_rows:,} / 0",
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
                "cached quicker than naive from n_iter": _break_even(
                    setup["cached"] - setup["naive"], ms["naive"] - ms["cached"]
                ),
            }
        )
        score_table.append(
            {
                "data set": name,
                "score": metric,
                "naive": _mean_std(scores["naive"]),
                "ours": _mean_std(scores["ours"]),
                "cached": _mean_std(scores["cached"]),
                "ours − naive": _difference(scores["ours"], scores["naive"]),
                "cached − naive": _difference(scores["cached"], scores["naive"]),
                "random subset": _mean_std(random_scores),
                "full data": f"{full_score:.3f}",
            }
        )
        verdicts.append(
            {
                "name": name,
                "n_iter": n_iter,
                "fit_s": {m: fit[m] for m in LOOPS},
                "break_even": _break_even(
                    setup["cached"] - setup["naive"], ms["naive"] - ms["cached"]
                ),
                "speedup": speedup,
                "utility": {
                    m: _utility_verdict(scores[m], scores["naive"])
                    for m in ("ours", "cached")
                },
            }
        )
        flops = iteration_flops(X, y, make_net, dm_params, n_nets=sizes["n_nets"])
        floor_inputs.append(
            {
                "config": f"{name} ({type(make_net()).__name__}, "
                f"batch_real={dm_params['batch_real']})",
                "flops": flops,
                "ms": tuple(ms[m] for m in LOOPS),
                "faults": tuple(medians["faults_per_iter"][m] for m in LOOPS),
            }
        )
        print(pd.DataFrame(time_table[-1:]).to_markdown(index=False), flush=True)
        print(pd.DataFrame(score_table[-1:]).to_markdown(index=False), flush=True)
    text = f"""## 1. Our loops against a naive reference loop (distribution matching)

Three loops, all with 10 records per class, `lr=0.05`, started from random
real records:

- **naive**: distribution matching written the way the published research
  code does it (the structure of Zhao & Bilen's `main_DM.py`): every
  iteration builds a new network object of the class `DistributionMatching`
  uses (`MLP(n_features, n_classes)` for tables, `TCN(n_channels, n_classes)`
  for time series), switches off its gradients, then loops over the classes
  in Python: a real batch of the class (a random permutation of its rows, cut
  at `batch_real=256`), its embedding, the class's synthetic records'
  embedding, the squared distance of the means; one Adam step on the
  synthetic records and a `loss.item()`.
- **ours** (`DistributionMatching()`, the default `n_nets=None`: the paper's
  method): keeps one network and redraws its weights in place every
  iteration, draws every class's batch of `batch_real=256` in one call (with
  replacement) and embeds all classes in one forward pass for the real batch
  and one for the synthetic records.
- **cached** (`DistributionMatching(n_nets={sizes["n_nets"]})`): draws a pool of
  {sizes["n_nets"]} random networks once, and in its set-up embeds *every* real
  record under each of them (one pass over the data) and keeps each class's
  mean embedding per network. Every iteration then picks one network of the
  pool and embeds only the synthetic records (here 10 per class), against
  the cached means: no real record is touched in the loop. This is a
  different estimator of the same objective (the expected squared distance
  of class-mean embeddings under random networks): a fixed pool of
  {sizes["n_nets"]} random networks with exact class means, instead of a fresh
  network and a {dm_params["batch_real"]}-row real batch every iteration. Its
  real-side target has no batch noise, but the matching sees only
  {sizes["n_nets"]} networks rather than `n_iter`; whether that costs utility is
  what the utility table measures. Its one-off cost is the cache pass,
  reported as set-up time.

Each data set is split 75/25 (stratified, seed 0). The three loops run
interleaved ({sizes["repeats"]} repeats, seeds 0-{sizes["repeats"] - 1};
{sizes["repeats_series"]} for the time series; the order rotates by one every
repeat) on {threads} torch thread(s); `ms / iter` is the median over repeats
of the optimisation loop's time over `n_iter` (set-up excluded; all in one
process, see "Memory allocation" in section 2 for what a fresh process pays).
`set-up s` is the median time before the first iteration (validation, the
real records copied to tensors; for cached also the cache pass), `fit s` the
median wall time of the whole fit (set-up + loop), and `cached quicker than
naive from n_iter` the number of iterations from which the cached fit's
total time falls below the naive one's (set-up difference over the
per-iteration saving; `DistributionMatching`'s default is `n_iter=1000`).
When a class is smaller than `batch_real` the naive loop embeds the whole
class (a permutation cut at `batch_real`) while ours draws `batch_real` rows
with replacement: `real rows / iter` gives all three, and `ours speed-up per
real row` divides each loop's time by its rows (section 2 compares them at
equal arithmetic).

{chr(10).join(descriptions)}

Time:

{pd.DataFrame(time_table).to_markdown(index=False)}

Utility: logistic regression trained on the condensed records and scored on
the test split (time series: on per-channel summaries), mean ± std over the
repeats; `− naive` is the difference of the means ± twice its standard error
(from the two standard deviations over the repeats); beside them, a random
subset of 10 records per class (the bar to clear) and the full training
split.

{pd.DataFrame(score_table).to_markdown(index=False)}

### Verdict: per-iteration speed-up >= 3x over the naive loop at equal utility

A loop meets the target on a data set when its median ms per iteration is at
most a third of the naive loop's (measured in the same run, interleaved) and
its utility is not below the naive loop's by more than twice the standard
error of the difference ("equal" below: within that margin either way;
"higher": above it).

{_verdict_text(verdicts, sizes["n_nets"])}
"""
    return text, floor_inputs


def _round(value):
    """Two decimals, or three significant digits below 1."""
    return round(value, 2) if value >= 1 else float(f"{value:.3g}")


def _mean_std(values):
    values = np.asarray(values, dtype=float)
    std = values.std(ddof=1) if len(values) > 1 else 0.0
    return f"{values.mean():.3f} ± {std:.3f}"


def _difference_se(a, b):
    """Mean of ``a`` minus mean of ``b`` and the standard error of it."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    var = sum(v.var(ddof=1) / len(v) if len(v) > 1 else 0.0 for v in (a, b))
    return a.mean() - b.mean(), float(np.sqrt(var))


def _difference(a, b):
    diff, se = _difference_se(a, b)
    if min(len(a), len(b)) < 2:
        return f"{diff:+.3f}"
    return f"{diff:+.3f} ± {2 * se:.3f}"


def _utility_verdict(a, b):
    """'higher', 'equal' or 'lower': ``a`` against ``b`` at two standard
    errors; 'not judged' with a single repeat."""
    if min(len(a), len(b)) < 2:
        return "not judged (1 repeat)"
    diff, se = _difference_se(a, b)
    if diff > 2 * se:
        return "higher"
    if diff < -2 * se:
        return "lower"
    return "equal"


def _break_even(extra_setup_s, saving_ms):
    """Iterations from which a loop with ``extra_setup_s`` more set-up and
    ``saving_ms`` less per iteration finishes first."""
    if extra_setup_s <= 0 and saving_ms >= 0:
        return "1"
    if saving_ms <= 0:
        return "never"
    return f"{int(np.ceil(1e3 * extra_setup_s / saving_ms)):,}"


def _join(names):
    """`a`, `b` and `c`."""
    names = [f"`{name}`" for name in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _verdict_text(verdicts, n_nets):
    """Bullets per data set and a closing sentence on the >= 3x target."""
    lines, met = [], {"ours": [], "cached": []}
    labels = {
        "ours": "ours (`n_nets=None`)",
        "cached": f"cached (`n_nets={n_nets}`)",
    }
    for entry in verdicts:
        parts = []
        for method in ("ours", "cached"):
            speed = entry["speedup"][method]
            quality = entry["utility"][method]
            ok = speed >= 3 and quality in ("equal", "higher")
            if ok:
                met[method].append(entry["name"])
            parts.append(
                f"{labels[method]} {speed:.2f}x, utility {quality}: "
                f"**{'met' if ok else 'not met'}**"
            )
        lines.append(f"- `{entry['name']}`: " + "; ".join(parts) + ".")
    n = len(verdicts)
    summary = []
    for method in ("ours", "cached"):
        names = met[method]
        if len(names) == n:
            where = "on every data set"
        elif names:
            where = f"on {len(names)} of {n} data sets ({', '.join(names)})"
        else:
            where = "on none of the data sets"
        summary.append(f"{labels[method]} meets it {where}")
    ours = [entry["speedup"]["ours"] for entry in verdicts]
    cached = [entry["speedup"]["cached"] for entry in verdicts]
    text = (
        "\n".join(lines)
        + "\n\nIn this run "
        + "; ".join(summary)
        + f". Per iteration the default loop runs at {min(ours):.2f}x to "
        f"{max(ours):.2f}x the naive loop's speed"
    )
    if 0.8 <= min(ours) and max(ours) <= 1.25:
        text += " (on this CPU it is about as fast as the naive loop: see section 2)"
    text += f", the cached loop at {min(cached):.2f}x to {max(cached):.2f}x."
    quicker = [
        e["name"] for e in verdicts if e["fit_s"]["cached"] < e["fit_s"]["naive"]
    ]
    slower = [e["name"] for e in verdicts if e["name"] not in quicker]
    n_iters = sorted({e["n_iter"] for e in verdicts})
    text += (
        " Counting the set-up, the per-iteration saving is not the whole "
        f"story: at the n_iter of this page ({', '.join(map(str, n_iters))}) "
        "the cached fit is quicker than the naive one "
        + (f"on {_join(quicker)}" if quicker else "on no data set")
        + (
            f", and slower on {_join(slower)}, where its cache pass "
            "(set-up) outweighs the loop it saves"
            if slower
            else ""
        )
        + "; it becomes quicker from "
        + ", ".join(f"{e['break_even']} (`{e['name']}`)" for e in verdicts)
        + " iterations (`DistributionMatching`'s default is `n_iter=1000`)."
    )
    return text


# --------------------------------------------------------------------------
# Section 2
# --------------------------------------------------------------------------


def large_config(sizes, threads, rates, csv_rows):
    """The arithmetic-bound configuration: a wide MLP and large real batches."""
    batch, hidden = sizes["large_batch"], sizes["large_hidden"]
    n_features = 64
    X, y, _, _ = classification_table(5 * batch, 10, n_features, seed=1)
    make_net = default_net_factory(X, 2, hidden=hidden)
    dm_params = {
        "n_per_class": 10,
        "lr": 0.05,
        "batch_real": batch,
        "net": MLP(n_features=n_features, n_classes=2, hidden=hidden),
    }
    print(f"section 2: batch_real={batch}, hidden={hidden}", flush=True)
    warm_up(X, y, make_net, dm_params, threads)
    runs = []
    compare_loops(
        X,
        y,
        None,
        None,
        n_iter=sizes["large_iter"],
        repeats=sizes["large_repeats"],
        series=False,
        threads=threads,
        rates=rates,
        make_net=make_net,
        dm_params=dm_params,
        rows=runs,
        label="2 large",
        methods=("ours", "naive"),
    )
    for run in runs:
        run.update(dataset=f"make_classification {len(X)} x {n_features}")
    csv_rows.extend(runs)
    ms = pd.DataFrame(runs).groupby("method")["ms_per_iter"].median()
    faults = pd.DataFrame(runs).groupby("method")["faults_per_iter"].median()
    nan = float("nan")
    return {
        "config": f"make_classification, 2 classes, {n_features} features "
        f"(MLP hidden={hidden}, batch_real={batch})",
        "flops": iteration_flops(X, y, make_net, dm_params),
        "ms": (ms["ours"], ms["naive"], nan),
        "faults": (faults["ours"], faults["naive"], nan),
    }


def thread_comparison(sizes, threads_compared, csv_rows):
    """Ours and the naive loop on digits at 1 thread and at torch's default."""
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    dm_params = {"n_per_class": 10, "lr": 0.05, "batch_real": 256}
    make_net = default_net_factory(X, 10)
    for threads in threads_compared:
        warm_up(X, y, make_net, dm_params, threads)
    n_iter = sizes["threads_iter"]
    combos = [(m, t) for t in threads_compared for m in ("ours", "naive")]
    runs = []
    for repeat in range(sizes["threads_repeats"]):
        shift = repeat % len(combos)
        for method, threads in combos[shift:] + combos[:shift]:
            with torch_threads(threads):
                if method == "ours":
                    condenser = DistributionMatching(
                        **dm_params, n_iter=n_iter, random_state=repeat
                    )
                    timing = fit_timed(condenser, X, y)[2]
                else:
                    timing = naive_distribution_matching(
                        X,
                        y,
                        n_per_class=10,
                        n_iter=n_iter,
                        lr=0.05,
                        batch_real=256,
                        seed=repeat,
                        make_net=make_net,
                    )[2]
            runs.append(
                {
                    "section": "2 threads",
                    "dataset": "digits",
                    "method": method,
                    "threads": threads,
                    "seed": repeat,
                    "n_iter": n_iter,
                    "ms_per_iter": 1e3 * timing["loop_s"] / n_iter,
                    "faults_per_iter": timing["loop_faults"] / n_iter,
                }
            )
    csv_rows.extend(runs)
    frame = pd.DataFrame(runs)
    stats = frame.groupby(["threads", "method"])["ms_per_iter"].agg(["median", "min"])
    table = []
    for threads in threads_compared:
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
    return pd.DataFrame(table).to_markdown(index=False)


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
                best = []
                for _ in range(5):
                    tic = time.perf_counter()
                    for _ in range(10):
                        op()
                    best.append((time.perf_counter() - tic) / 10)
            row[f"{threads} thread(s): ms / call (median of 5)"] = round(
                1e3 * float(np.median(best)), 3
            )
        table.append(row)
    return pd.DataFrame(table).to_markdown(index=False)


def loop_profile(sizes, threads_compared):
    """Top operators of our loop on digits (torch.profiler), ms per iteration."""
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
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
    first = columns[threads_compared[0]]
    last = columns[threads_compared[-1]]
    keys = sorted(
        set(first) | set(last), key=lambda k: -max(first.get(k, 0), last.get(k, 0))
    )
    table = []
    for name, shapes in keys[:8]:
        row = {"operator": name, "input shapes": _short_shapes(shapes)}
        for threads in threads_compared:
            value = columns[threads].get((name, shapes), 0.0)
            row[f"{threads} thread(s): ms / iter"] = round(value, 2)
        table.append(row)
    totals = {t: sum(columns[t].values()) for t in threads_compared}
    return pd.DataFrame(table).to_markdown(index=False), totals


def _short_shapes(shapes):
    return shapes.replace("[], ", "").replace(", []", "").replace("'", "")[:48]


# glibc settings that keep freed memory in the process: blocks of any size come
# from the heap (no mmap) and the heap is never trimmed back to the system.
KEEP_MEMORY_ENV = {
    "MALLOC_MMAP_THRESHOLD_": str(2**30),
    "MALLOC_TRIM_THRESHOLD_": str(2**31),
}


def allocator_probe(n_iter):
    """Child-process body: ms and page faults per iteration of both loops.

    Digits (all records, standardised), one thread, one warm-up run each;
    prints one JSON line.
    """
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    dm_params = {"n_per_class": 10, "lr": 0.05, "batch_real": 256}
    make_net = default_net_factory(X, 10)
    torch.set_num_threads(1)
    warm_up(X, y, make_net, dm_params, 1)
    ours = fit_timed(
        DistributionMatching(**dm_params, n_iter=n_iter, random_state=0), X, y
    )[2]
    naive = naive_distribution_matching(
        X,
        y,
        n_per_class=10,
        n_iter=n_iter,
        lr=0.05,
        batch_real=256,
        seed=0,
        make_net=make_net,
    )[2]
    print(
        json.dumps(
            {
                f"{name}_{key}": value / n_iter * (1e3 if key == "loop_s" else 1)
                for name, timing in (("ours", ours), ("naive", naive))
                for key, value in timing.items()
                if key in ("loop_s", "loop_faults")
            }
        )
    )


def allocator_comparison(sizes, csv_rows):
    """Both loops in child processes, with glibc's defaults and with
    ``KEEP_MEMORY_ENV``, alternately; a markdown table."""
    runs = []
    for repeat in range(sizes["allocator_repeats"]):
        settings = ("default", "keep") if repeat % 2 == 0 else ("keep", "default")
        for setting in settings:
            env = dict(os.environ)
            if setting == "keep":
                env.update(KEEP_MEMORY_ENV)
            else:
                for name in KEEP_MEMORY_ENV:
                    env.pop(name, None)
            command = [
                sys.executable,
                __file__,
                "--probe-allocator",
                str(sizes["allocator_iter"]),
            ]
            done = subprocess.run(
                command, env=env, capture_output=True, text=True, check=True
            )
            result = json.loads(done.stdout.strip().splitlines()[-1])
            runs.append({"setting": setting, "repeat": repeat, **result})
    for run in runs:
        csv_rows.append(
            {
                "section": "2 allocator",
                "dataset": "digits",
                "setting": run["setting"],
                "seed": run["repeat"],
                "threads": 1,
                "n_iter": sizes["allocator_iter"],
                "ms_per_iter_ours": run["ours_loop_s"],
                "ms_per_iter_naive": run["naive_loop_s"],
                "faults_per_iter_ours": run["ours_loop_faults"],
                "faults_per_iter_naive": run["naive_loop_faults"],
            }
        )
    medians = pd.DataFrame(runs).groupby("setting").median()
    labels = {
        "default": "glibc defaults",
        "keep": "freed memory kept ("
        + ", ".join(f"`{k}={v}`" for k, v in KEEP_MEMORY_ENV.items())
        + ")",
    }
    table = [
        {
            "malloc": labels[setting],
            "ours ms / iter": round(medians.loc[setting, "ours_loop_s"], 2),
            "ours page faults / iter": round(medians.loc[setting, "ours_loop_faults"]),
            "naive ms / iter": round(medians.loc[setting, "naive_loop_s"], 2),
            "naive page faults / iter": round(
                medians.loc[setting, "naive_loop_faults"]
            ),
            "speed-up": "{:.2f}x".format(
                medians.loc[setting, "naive_loop_s"]
                / medians.loc[setting, "ours_loop_s"]
            ),
        }
        for setting in ("default", "keep")
    ]
    return pd.DataFrame(table).to_markdown(index=False)


def section2(sizes, threads, rates, floor_inputs, csv_rows):
    floor_inputs = [*floor_inputs, large_config(sizes, threads, rates, csv_rows)]
    rates.sample(threads)
    peak = rates.best[threads]
    table, ratios = [], defaultdict(list)
    for entry in floor_inputs:
        ours_flops, naive_flops, cached_flops = entry["flops"]
        ours_ms, naive_ms, cached_ms = entry["ms"]
        ours_floor, naive_floor = 1e3 * ours_flops / peak, 1e3 * naive_flops / peak
        cached_floor = 1e3 * cached_flops / peak
        has_cached = not np.isnan(cached_ms)
        ratios["ours"].append(ours_ms / ours_floor)
        ratios["naive"].append(naive_ms / naive_floor)
        if has_cached:
            ratios["cached"].append(cached_ms / cached_floor)
            ratios["cached_mflop"].append(cached_flops / 1e6)
            ratios["ours_mflop"].append(ours_flops / 1e6)
            ratios["cached_floor_ms"].append(cached_floor)
        table.append(
            {
                "configuration": entry["config"],
                "GFLOP / iter (ours / naive)": f"{ours_flops / 1e9:.3f} / "
                f"{naive_flops / 1e9:.3f}",
                "floor ms (ours)": round(ours_floor, 2),
                "ours ms": round(ours_ms, 2),
                "ours / floor": f"{ours_ms / ours_floor:.1f}",
                "naive ms": round(naive_ms, 2),
                "naive / its floor": f"{naive_ms / naive_floor:.1f}",
                "speed-up": f"{naive_ms / ours_ms:.2f}x",
                "cached MFLOP / iter": f"{cached_flops / 1e6:.3g}"
                if has_cached
                else "n/a",
                "cached floor ms": f"{cached_floor:.2g}" if has_cached else "n/a",
                "cached ms": _round(cached_ms) if has_cached else "n/a",
                "cached / its floor": f"{cached_ms / cached_floor:,.1f}"
                if has_cached
                else "n/a",
                "cached speed-up": f"{naive_ms / cached_ms:.2f}x"
                if has_cached
                else "n/a",
                "page faults / iter (ours / naive / cached)": " / ".join(
                    "n/a" if np.isnan(f) else f"{f:,.0f}" for f in entry["faults"]
                ),
            }
        )
        csv_rows.append(
            {
                "section": "2 floor",
                "dataset": entry["config"],
                "threads": threads,
                "flops_ours": ours_flops,
                "flops_naive": naive_flops,
                "flops_cached": cached_flops,
                "peak_flops_per_s": peak,
                "ms_per_iter_ours": ours_ms,
                "ms_per_iter_naive": naive_ms,
                "ms_per_iter_cached": cached_ms,
                "faults_per_iter_ours": entry["faults"][0],
                "faults_per_iter_naive": entry["faults"][1],
                "faults_per_iter_cached": entry["faults"][2],
            }
        )
    floor_summary = _floor_summary(ratios, len(floor_inputs) - 1)
    threads_compared = sorted({1, DEFAULT_THREADS})
    print("section 2: threads and profile", flush=True)
    thread_table = thread_comparison(sizes, threads_compared, csv_rows)
    op_table = small_op_costs(threads_compared)
    profile_table, totals = loop_profile(sizes, threads_compared)
    profile_totals = ", ".join(
        f"{totals[t]:.1f} ms at {t} thread(s)" for t in threads_compared
    )
    large_rows = 2 * sizes["large_batch"]
    large_width = sizes["large_hidden"][0]
    large_mib = large_rows * large_width * 4 / 2**20
    print("section 2: allocator", flush=True)
    allocator_table = allocator_comparison(sizes, csv_rows)
    return f"""## 2. Arithmetic floor

FLOPs of one iteration are counted by `torch.utils.flop_counter.FlopCounterMode`
around one iteration of each loop (ours and naive: the forward pass on the
real batch and the forward and backward passes on the synthetic records;
cached: the forward and backward passes on the synthetic records only, as the
real side is cached; one iteration's count is a run of `n_iter=1` minus a run
of `n_iter=0`, so that the cache pass of the set-up cancels out). The
machine's float32 rate is the best of repeated
{sizes["mm_size"]} x {sizes["mm_size"]} `torch.mm` products, sampled between the
timed runs (so under the same load): **{peak / 1e9:.1f} GFLOP/s** on
{threads} thread(s). The floor is FLOPs / rate: the time of the iteration
if every operation ran at the speed of a large matrix product and nothing else
cost anything. `ours / floor` near 1 means the loop is arithmetic-bound;
far above 1, the time goes to overhead (Python, small operators, memory
traffic, allocation). The first rows take the medians of section 1; the last
row is a wide MLP with large real batches (interleaved runs of ours and naive,
{sizes["large_repeats"]} repeats of {sizes["large_iter"]} iterations; the
cached loop is not run there: its iteration never touches the large real
batch, and its cache pass over the {5 * sizes["large_batch"]:,} rows under
{sizes["n_nets"]} wide networks would take longer than the rest of the section).
`page faults / iter` counts the minor page faults of the loop per iteration
(median over runs): pages of fresh memory touched for the first time, which is
what the large activation tensors of the real batch cost when the C allocator
hands them back to the system after every iteration and maps them again at the
next (about 4 KiB each).

{pd.DataFrame(table).to_markdown(index=False)}

{floor_summary}

### Threads on this machine

Digits as in section 1 (all 1,797 records, standardised), {sizes["threads_iter"]}
iterations per run, {sizes["threads_repeats"]} interleaved repeats of the four
combinations, at 1 thread and at torch's default
({DEFAULT_THREADS}) for this machine. On a machine whose cores are busy with
other work, every operator that splits across threads waits for the thread
the system has descheduled; the minimum shows what a run costs when it is not
interrupted. The medians at {DEFAULT_THREADS} threads measure the other jobs as
much as the loops; that is why the rest of this page runs on {threads}
thread(s) (`--threads`).

{thread_table}

Where our loop's time goes on digits (`torch.profiler`, self CPU time of the
top operators per iteration, {sizes["profile_iter"]} iterations; total
{profile_totals}). On one thread the two large matrix products of the real
batch dominate, as they should:

{profile_table}

Small operators of the loop alone (ms per call, median of 5 batches of 10
calls). One that splits its work across threads (`index_add_`, with which ours
sums the synthetic embeddings per class, and `relu`) costs microseconds when
every thread gets a core at once, and up to a scheduler time slice when one has
to wait for a core; one that does not split (`view` and `sum`, which give the
same per-class sums when every class has the same budget) costs the same at any
thread count.

{op_table}

### Memory allocation

Our loop embeds the real batches of all classes in one forward pass, so its
activations are large blocks (on digits 2,560 x 256 float32, 2.5 MiB each;
in the large configuration {large_rows:,} x {large_width:,} float32,
{large_mib:.1f} MiB each); the naive loop's per-class blocks are a tenth
(digits) or a half (large) of that. glibc's
`malloc` serves a large block from a fresh mapping and unmaps it when it is
freed, or trims its heap when much is free at its top; the next iteration then
touches new pages again (the page faults above). glibc adapts: freeing a mapped
block raises its mapping threshold to that block's size (and its trimming
threshold to twice that), but never above 32 MiB. So the cost depends on what
the process freed before:

- blocks of 32 MiB or more (with malloc's own header, over the limit) are
  always mapped afresh. In the large configuration of the table above, ours
  touches about {floor_inputs[-1]["faults"][0]:,.0f} fresh pages (4 KiB each)
  per iteration and the naive loop about
  {floor_inputs[-1]["faults"][1]:,.0f};
- smaller blocks fault in a process that has not yet freed a block as large
  (a fresh process; this run's in-process rows above come after its first
  `torch.mm` sample freed {sizes["mm_size"] ** 2 * 4 / 2**20:.0f} MiB blocks,
  hence few faults for blocks up to that size).

Digits, both loops in fresh child processes ({sizes["allocator_repeats"]}
alternating runs of each setting, {sizes["allocator_iter"]} iterations,
1 thread), with glibc's defaults and with environment settings that keep freed
memory in the process (medians):

{allocator_table}
"""


def _floor_summary(ratios, n_small):
    """How far each loop is from its floor, in words (measured / floor ranges).

    The first ``n_small`` entries of ``ratios["ours"]`` and ``ratios["naive"]``
    are the data sets of section 1, the last one the large configuration.
    """

    def span(values, fmt="{:,.1f}"):
        low, high = fmt.format(min(values)), fmt.format(max(values))
        return low if low == high else f"{low} to {high}"

    ours, naive = ratios["ours"][:n_small], ratios["naive"][:n_small]
    text = (
        "How close each loop is to its floor on the data sets of section 1 "
        f"(measured ms / floor ms): ours {span(ours)}, naive {span(naive)}"
    )
    if ratios["cached"]:
        text += f", cached {span(ratios['cached'])}"
    text += (
        f"; in the large configuration ours {ratios['ours'][-1]:.1f} and naive "
        f"{ratios['naive'][-1]:.1f}. A loop that does the naive loop's "
        "arithmetic cannot be faster than the naive loop by more than the "
        "naive loop's own ratio (it would have to run above the matrix-product "
        f"rate): at most {max(naive):.1f}x on these data sets, "
    )
    text += (
        "so a 3x per-iteration speed-up of the paper's method (a fresh network "
        "and a real batch every iteration) is out of reach on this CPU by "
        "removing overhead alone; it needs less arithmetic per iteration. "
        if max(naive) < 3
        else "so removing overhead alone could reach 3x only where that ratio "
        "is at least 3. "
    )
    if ratios["cached"]:
        text += (
            "The cached loop does less arithmetic per iteration: it embeds "
            "only the synthetic records, "
            f"{span(ratios['cached_mflop'], '{:,.3g}')} MFLOP against "
            f"{span(ratios['ours_mflop'], '{:,.0f}')} for the default loop, so "
            f"its floor is {span(ratios['cached_floor_ms'], '{:.2g}')} ms. It "
            f"runs at {span(ratios['cached'])} times that floor: the rest, "
            f"{span([100 * (1 - 1 / r) for r in ratios['cached']], '{:.0f}')}% "
            "of its time, is fixed per-iteration overhead (Python, the Adam "
            "step, small operators, the pool member's weights copied into the "
            "network), the more so the smaller the network. That overhead is "
            "what is left to remove; its arithmetic is already a small "
            "fraction of the default loop's."
        )
    return text


# --------------------------------------------------------------------------
# Section 3
# --------------------------------------------------------------------------


def scale_condensers(n_iter):
    """Every default condenser, matching ones with ``n_iter`` iterations."""
    condensers = {}
    for name, condenser in default_condensers().items():
        condenser = clone(condenser).set_params(n_per_class=10, random_state=0)
        if "n_iter" in condenser.get_params():
            condenser.set_params(n_iter=n_iter)
        condensers[name] = (
            condenser,
            f"n_iter={n_iter}" if "n_iter" in condenser.get_params() else "defaults",
        )
    condensers["TrajectoryMatching (cheap experts)"] = (
        TrajectoryMatching(
            n_per_class=10, random_state=0, n_iter=n_iter, **CHEAP_EXPERTS
        ),
        f"n_iter={n_iter}, "
        + ", ".join(f"{key}={value}" for key, value in CHEAP_EXPERTS.items()),
    )
    return condensers


def run_cell(condenser, X, y, X_test, y_test):
    """One condensation: times, peak extra memory and utility."""
    release_memory()
    with PeakMemory() as memory:
        X_res, y_res, timing = fit_timed(condenser, X, y)
    n_iter = condenser.get_params().get("n_iter")
    return {
        "condense_s": timing["total_s"],
        "setup_s": timing["setup_s"],
        "ms_per_iter": 1e3 * timing["loop_s"] / n_iter if n_iter else float("nan"),
        "peak_extra_mb": memory.extra_bytes / 2**20,
        "score": utility(X_res, y_res, X_test, y_test),
    }


def full_data_cell(X, y, X_test, y_test):
    release_memory()
    with PeakMemory() as memory:
        tic = time.perf_counter()
        model = LogisticRegression(max_iter=2000).fit(X, y)
        seconds = time.perf_counter() - tic
    return {
        "condense_s": seconds,
        "setup_s": float("nan"),
        "ms_per_iter": float("nan"),
        "peak_extra_mb": memory.extra_bytes / 2**20,
        "score": roc_auc_score(y_test, model.decision_function(X_test)),
    }


def section3(sizes, threads, csv_rows):
    limit = sizes["cell_limit_s"]
    condensers = scale_condensers(sizes["scale_iter"])
    last = {}  # method -> (rows, seconds) of its last run, for the skip rule
    cells = []
    for n_rows in sizes["rows"]:
        X, y, X_test, y_test = classification_table(n_rows, sizes["test_rows"], 32)
        entries = [("full data (logistic regression)", None, "fit on all rows")]
        entries += [(name, c, setting) for name, (c, setting) in condensers.items()]
        for name, condenser, setting in entries:
            cell = {
                "section": "3 rows",
                "method": name,
                "setting": setting,
                "n_train": n_rows,
                "n_features": 32,
                "n_per_class": 10,
                "threads": threads,
            }
            if name in last:
                seen_rows, seen_s = last[name]
                estimate = seen_s * n_rows / seen_rows
                if estimate > limit:
                    cell["skipped"] = (
                        f"estimated {estimate:.0f} s (time at {seen_rows:,} rows x "
                        f"{n_rows // seen_rows}) > {limit:.0f} s"
                    )
                    cells.append(cell)
                    print(f"  {n_rows:>9,} {name}: {cell['skipped']}", flush=True)
                    continue
            with torch_threads(threads):
                if condenser is None:
                    result = full_data_cell(X, y, X_test, y_test)
                else:
                    result = run_cell(clone(condenser), X, y, X_test, y_test)
            cell.update(result)
            last[name] = (n_rows, result["condense_s"])
            cells.append(cell)
            print(
                f"  {n_rows:>9,} {name}: {result['condense_s']:.2f} s, "
                f"{result['peak_extra_mb']:.0f} MB, AUC {result['score']:.3f}",
                flush=True,
            )
        del X, y
    csv_rows.extend(cells)
    frame = pd.DataFrame(cells)
    sweep = dm_sweep(sizes, threads, csv_rows)
    return _scaling_text(frame, sweep, sizes, threads)


def dm_sweep(sizes, threads, csv_rows):
    """DM at ``sweep_rows`` rows over features (budget 10) and budget (32 features)."""
    n_rows, n_iter = sizes["sweep_rows"], sizes["scale_iter"]
    settings = [(8, 10), (32, 10), (128, 10), (32, 1), (32, 50)]
    cells = []
    for n_features, budget in settings:
        X, y, X_test, y_test = classification_table(
            n_rows, sizes["test_rows"], n_features
        )
        condenser = DistributionMatching(
            n_per_class=budget, n_iter=n_iter, random_state=0
        )
        with torch_threads(threads):
            result = run_cell(condenser, X, y, X_test, y_test)
        cell = {
            "section": "3 sweep",
            "method": "DistributionMatching",
            "setting": f"n_iter={n_iter}",
            "n_train": n_rows,
            "n_features": n_features,
            "n_per_class": budget,
            "threads": threads,
            **result,
        }
        cells.append(cell)
        print(
            f"  sweep {n_features} features, {budget} per class: "
            f"{result['condense_s']:.2f} s",
            flush=True,
        )
    csv_rows.extend(cells)
    table = pd.DataFrame(cells)[
        [
            "n_features",
            "n_per_class",
            "condense_s",
            "setup_s",
            "ms_per_iter",
            "peak_extra_mb",
            "score",
        ]
    ].rename(
        columns={
            "n_features": "features",
            "n_per_class": "records per class",
            "condense_s": "condense s",
            "setup_s": "set-up s",
            "ms_per_iter": "ms / iter",
            "peak_extra_mb": "peak extra MB",
            "score": "ROC-AUC",
        }
    )
    return table.round(
        {
            "condense s": 2,
            "set-up s": 2,
            "ms / iter": 2,
            "peak extra MB": 0,
            "ROC-AUC": 3,
        }
    )


def _pivot(frame, value, fmt):
    """Methods x rows table of ``value``; skipped cells say so."""
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
    return table.reset_index().to_markdown(index=False)


def _scaling_text(frame, sweep, sizes, threads):
    if "skipped" not in frame:
        frame["skipped"] = np.nan
    settings = frame[["method", "setting"]].drop_duplicates().to_markdown(index=False)
    skipped = frame[frame["skipped"].notna()]
    skip_lines = "\n".join(
        f"- {row.method}, {row.n_train:,} rows: {row.skipped}."
        for row in skipped.itertuples()
    )
    skip_text = (
        f"Skipped cells (a cell is skipped when the method's time at the previous "
        f"size, scaled by the ratio of rows, exceeds {sizes['cell_limit_s']:.0f} s):"
        f"\n\n{skip_lines}\n"
        if len(skipped)
        else "No cell was skipped.\n"
    )
    sizes_text = ", ".join(f"{n:,}" for n in sizes["rows"])
    matching = frame[frame["setting"].str.startswith("n_iter")]
    return f"""## 3. Scaling with rows

`make_classification` tables of {sizes_text} training rows, 32 features
(8 informative, 8 redundant), 2 classes, standardised, float32, with a
{sizes["test_rows"]:,}-row test split (stratified). Every condenser of
`default_condensers()` condenses to 10 records per class (seed 0), the
matching ones with {sizes["scale_iter"]} iterations; TrajectoryMatching also
runs with cheap experts ({", ".join(f"`{k}={v}`" for k, v in CHEAP_EXPERTS.items())}:
its experts train on every row, so the default 5 experts x 20 epochs take
minutes from 10^5 rows on). Utility: ROC-AUC of logistic regression trained on
the condensed records, on the test split; *full data (logistic regression)*
is the same learner on all training rows (its "condense s" is its fit time).
Peak extra memory: `sklearn_dc.evaluation.PeakMemory` (resident set size
sampled every 5 ms, minus the size at the start; heap trimmed before each
cell; the training table itself, 128 bytes per row, is already resident). All
on {threads} torch thread(s) (and BLAS / OpenMP limited likewise).

Settings:

{settings}

Condensation wall time (s):

{_pivot(frame, "condense_s", "{:.3g}")}

Set-up time (s; for matching condensers the part before the first iteration:
validation, real records copied to a float32 tensor sorted by class, networks
built, experts trained):

{_pivot(matching, "setup_s", "{:.3g}")}

Time per iteration (ms, matching condensers):

{_pivot(matching, "ms_per_iter", "{:.3g}")}

Peak extra memory (MB):

{_pivot(frame, "peak_extra_mb", "{:.3g}")}

ROC-AUC on the test split:

{_pivot(frame, "score", "{:.3f}")}

{skip_text}
### Distribution matching: features and budget

{sizes["sweep_rows"]:,} training rows, {sizes["scale_iter"]} iterations;
features at 10 records per class, budgets at 32 features.

{sweep.to_markdown(index=False)}
"""


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def cpu_name():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average():
    try:
        return " / ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes: a smoke run of < 1 minute"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch (and BLAS / OpenMP) threads of sections 1-3 (default 1: on a "
        "machine shared with other jobs, more threads make timings erratic; "
        "section 2 compares 1 thread with torch's default anyway)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="markdown page to write (and a .csv beside it); default "
        "docs/speed.md, or a temporary file with --quick",
    )
    parser.add_argument("--probe-allocator", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe_allocator:
        allocator_probe(args.probe_allocator)
        return
    if args.output is None:
        args.output = (
            Path(tempfile.gettempdir()) / "sklearn_dc_speed_quick.md"
            if args.quick
            else ROOT / "docs" / "speed.md"
        )
    sizes = QUICK if args.quick else FULL
    start = time.perf_counter()
    load_before = load_average()
    rates = PeakRate(sizes["mm_size"])
    csv_rows = []
    with threadpool_limits(limits=args.threads):
        rates.sample(args.threads)
        text1, floor_inputs = section1(sizes, args.threads, rates, csv_rows)
        text2 = section2(sizes, args.threads, rates, floor_inputs, csv_rows)
        print("section 3", flush=True)
        text3 = section3(sizes, args.threads, csv_rows)
    minutes = (time.perf_counter() - start) / 60

    niceness = os.nice(0)
    command = shlex.join(["python", "benchmarks/bench_speed.py", *sys.argv[1:]])
    if niceness:
        command = f"nice -n {niceness} {command}"
    versions = (
        f"sklearn_dc {sklearn_dc.__version__}, torch {torch.__version__}, "
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
        f"Python {platform.python_version()}"
    )
    csv_path = args.output.with_suffix(".csv")
    header = f"""# Speed benchmarks: our loop, a naive loop and the arithmetic floor

Produced by

    {command}

on {date.today().isoformat()}: {versions}; {cpu_name()}, {os.cpu_count()} cores,
{args.threads} torch thread(s) unless a table says otherwise (torch's default
here: {DEFAULT_THREADS}), no GPU; whole run {minutes:.1f} minutes. Load average
(1 / 5 / 15 min) {load_before} at the start and {load_average()} at the end: other
jobs shared the machine, so absolute times are noisy; every comparison was
measured within the run, interleaved. Raw rows: `{csv_path.name}`.
"""
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join([header, text1, text2, text3]))
    pd.DataFrame(csv_rows).convert_dtypes().to_csv(csv_path, index=False)
    print(f"wrote {args.output} and {csv_path} in {minutes:.1f} minutes")


if __name__ == "__main__":
    main()
