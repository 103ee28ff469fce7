"""The naive reference loop of distribution matching, and the loops it is timed
against.

``naive_distribution_matching`` is DM written the way the published research
code does it; the speed scripts (``bench_speed_*.py``) compare it with
``DistributionMatching`` at its default (``"ours"``, ``n_nets=None``) and with
a cached pool of networks (``"cached"``, ``n_nets=K``), all through
``run_loop``.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from _harness import fit_timed, minor_page_faults, torch_threads

from sklearn_dc import DistributionMatching
from sklearn_dc.nn import AUTO_NETWORKS, NETWORKS

# The loops compared, in the order of the first repeat.
LOOPS = ("ours", "naive", "cached")
# The settings of every comparison: 10 records per class, DM's learning rate
# and batch of real records.
DM_PARAMS = {"n_per_class": 10, "lr": 0.05, "batch_real": 256}


def default_net_factory(X, n_classes, **kwargs):
    """A function building the network ``DistributionMatching(net="auto")`` uses.

    The same class and constructor arguments as ``sklearn_dc.nn.resolve_nets``:
    ``n_features`` for tables, ``n_channels`` for time series, ``n_classes``.
    """
    cls = NETWORKS[AUTO_NETWORKS[X.ndim - 1]]
    size = {"n_features": X.shape[1]} if X.ndim == 2 else {"n_channels": X.shape[1]}
    return lambda: cls(**size, n_classes=n_classes, **kwargs)


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


def run_loop(method, X, y, *, dm_params, n_iter, seed, make_net, n_nets=None):
    """One fit of ``method``: ``"ours"`` (``DistributionMatching(**dm_params)``),
    ``"cached"`` (the same with ``n_nets``) or ``"naive"`` (the reference loop
    on ``make_net``); returns ``X_syn, y_syn, timing`` as ``fit_timed`` does.

    ``dm_params`` may hold ``net`` (a module for ours and cached; the naive
    loop builds its own with ``make_net``).
    """
    if method == "naive":
        return naive_distribution_matching(
            X,
            y,
            n_per_class=dm_params["n_per_class"],
            n_iter=n_iter,
            lr=dm_params["lr"],
            batch_real=dm_params["batch_real"],
            seed=seed,
            make_net=make_net,
        )
    # "ours" is the per-iteration loop (n_nets=None), whatever the default.
    extra = {"n_nets": n_nets if method == "cached" else None}
    condenser = DistributionMatching(
        **dm_params, **extra, n_iter=n_iter, random_state=seed
    )
    return fit_timed(condenser, X, y)


def warm_up(X, y, make_net, dm_params, threads, methods=LOOPS):
    """A few iterations of every loop, so that no timed run pays first-call costs.

    The cached loop warms up with a pool of 2 networks (its code path, not
    the full cache pass).
    """
    with torch_threads(threads):
        for method in methods:
            run_loop(
                method,
                X,
                y,
                dm_params=dm_params,
                n_iter=3,
                seed=0,
                make_net=make_net,
                n_nets=2,
            )


def real_rows_per_iteration(y, batch_real):
    """Real records embedded per iteration by each loop.

    Ours draws ``batch_real`` per class (with replacement); the naive loop cuts
    a permutation of each class at ``batch_real`` (the whole of a smaller
    class); the cached loop embeds none in its loop.
    """
    sizes = np.bincount(y)
    return {
        "ours": len(sizes) * batch_real,
        "naive": int(np.minimum(sizes, batch_real).sum()),
        "cached": 0,
    }
