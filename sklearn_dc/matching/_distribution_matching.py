"""Distribution matching (Zhao & Bilen, WACV 2023)."""

from __future__ import annotations

from numbers import Integral
from typing import ClassVar

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from .._out_of_core import BLOCK_BYTES
from ..nn import redraw_weights
from ._augment import (
    _AUGMENT_CONSTRAINT,
    apply_shared,
    resolve_augment,
)
from ._base import INIT_OR_AUTO, ResumableMatching, matching_parameters
from ._class_batches import CLASS_SAMPLE_BATCHES, ClassBatches, sample_per_class
from ._docstrings import fill_docstring
from ._early_stopping import summary_boosting
from ._nets import pick
from ._objective import Objective

# n_nets="auto": the pool it takes, and how many times fewer real records
# the pool's pass (over CLASS_SAMPLE_BATCHES batches of each large class)
# must embed than the loop would. Fixed networks
# cost utility on sepsis48 (mean ROC-AUC 0.586-0.613 against 0.622 at 40 per
# class; docs/speed.md), so the pool is taken only where the data are small
# beside n_iter batches: there the loop embeds the same records again and again.
AUTO_POOL = 64
AUTO_SAVING = 10

# init="auto" on series: k-means centres when every class has at least this
# many records per synthetic record, else random real records. On sepsis48
# (492 / 3,123 training stays) the k-means start lifted the mean ROC-AUC of
# six learners at 10 per class (ratio 49) from 0.558 to 0.609 and lowered it
# at 40 (ratio 12; 0.623 against 0.635) and at 100 (0.627 against 0.641).
AUTO_KMEANS_RATIO = 20

# batch_real="auto": real records per class and iteration. Tables take a
# larger batch: the class means they are matched to are noisier at 256 than
# the cheap tabular embeddings need them to be. On SUPPORT2 at 10 per class
# (3,630 / 3,198 training records, seeds 0-9) 512 lifted logistic regression
# from 0.808 to 0.814 (higher on 8 of 10 seeds) with gradient boosting level.
# On sepsis48 (LR, GB and a TCN, 3 seeds) it lowered the mean at 10 per class
# (0.616 against 0.633), moved 40 and 100 by under 0.006 and took half as
# long again, so series (and images) keep 256.
AUTO_TABLE_BATCH = 512
PAPER_BATCH = 256


@fill_docstring
@matching_parameters
class DistributionMatching(ResumableMatching):
    """Learn synthetic records whose embeddings match the real ones (DM).

    Distribution matching (Zhao & Bilen, "Dataset Condensation with
    Distribution Matching", WACV 2023) moves a few synthetic records per class
    so that, under randomly initialised networks, the mean embedding of each
    class's synthetic records equals the mean embedding of its real records.
    At every iteration the network gets fresh random weights, a batch of real
    records is drawn per class, and the squared distance between the per-class
    mean embeddings (summed over classes) is minimised with respect to the
    synthetic records. All classes go through the network together: one
    forward pass for the real batch and one for the synthetic records.

    It is the method of Wang et al., "Medical records condensation: a roadmap
    towards healthcare data democratisation" (2023). Scale the features first
    (e.g. ``StandardScaler`` before the condenser in the pipeline): the
    defaults assume features with unit variance.

    Parameters
    ----------
    match : {{"auto", "quantiles", "mean"}}, default="auto"
        What is matched, per class, under each random network. ``"mean"``
        (the paper's DM): the mean embedding. ``"quantiles"``: the whole
        distribution of each embedding dimension, by the squared 1-D
        Wasserstein distance (the ``i``-th smallest synthetic value against
        the real ``(i + 1/2) / m`` quantile, ``m`` records of the class, in
        units of the dimension's real standard deviation). Mean matching
        gathers the records at the class centre; quantile matching spreads
        them over the class. ``"auto"``: ``"quantiles"`` for time series
        (on sepsis48 it lifts gradient boosting and logistic regression on
        the stays' summaries, ``docs/sepsis48.md``), ``"mean"`` for tables
        and images (where prototypes at the class centre serve a linear
        learner better, ``docs/benchmarks.md``).

    summaries : bool or "auto", default="auto"
        Also match, per class and in the same way (``match``), what tabular
        learners see of each record: a table's columns; for series, each
        channel's mean, standard deviation, minimum, maximum and last value
        (as :class:`~sklearn_dc.preprocessing.SeriesSummary`). Ignored for
        images. ``"auto"``: for time series only.

    {bounds}

        ``DistributionMatching(match="mean", summaries=False, bounds=None,
        early_stopping=False, init="real")`` is the reference paper's method
        (on tables, the defaults are that).

    {augment}

        One draw per iteration serves every class.

    n_nets : int, "auto" or None, default="auto"
        ``None`` (the paper's method) draws fresh network weights at every
        iteration and embeds a new real batch. An int draws that many networks
        once and caches each class's mean embedding of its real records under
        each of them (one pass over the data, block by block for a memmap;
        a class larger than ``4 * batch_real`` records is represented by that
        many, drawn without replacement, which gives its mean with half the
        standard error of one ``batch_real`` batch of ``None``); every
        iteration then picks one of these networks and embeds only the
        synthetic records, against the cached class means. The iterations
        are several times cheaper (see ``docs/speed.md``), the real-side
        target has no batch noise, and the
        matching sees ``n_nets`` networks rather than ``n_iter``. The one-off
        cost is ``n_nets`` forward passes over (that sample of) the training
        data. ``"auto"`` takes a pool of 64 when that one-off pass embeds at
        most a tenth of the real records ``n_iter`` iterations of ``None``
        would (small data beside the iterations: digits, breast cancer, a
        500-series set), and ``None`` otherwise (and always with ``augment``,
        which changes the real records at every iteration): on larger data
        the fresh networks of ``None`` are worth their cost (on sepsis48 the
        pool lost 0.01-0.04 of mean ROC-AUC). ``n_nets_`` says which it took.

    batch_real : int or "auto", default="auto"
        {batch_real_draw}
        ``"auto"``: 512 for tables (on SUPPORT2 the less noisy class means
        lifted logistic regression, ``docs/benchmarks.md``), 256 for time
        series and images (the paper's batch). ``batch_real_`` says which
        was taken.

    init : {{"auto", "real", "herding", "noise", "kmeans"}}, default="auto"
        {init_starts}
        ``"auto"``: for time series whose every class has at least
        20 records per synthetic record, ``"kmeans"`` (a few records that
        each stand for many start best as averages: on sepsis48 at 10 per
        class it lifted every learner above its random-subset score), else
        ``"real"`` (at 40 and 100 per class there the random real starts
        scored higher, ``docs/sepsis48.md``); ``"real"`` for tables and
        images (on SUPPORT2 at 10 per class the k-means start cost gradient
        boosting 0.05 of ROC-AUC). ``init_`` says which was taken.

    early_stopping : bool or "auto", default="auto"
        {early_stopping_checks}
        ``"auto"``: on for time series, off for tables and images. For
        series with ``validation_estimator=None`` it fits gradient boosting
        on each stay's per-channel summaries
        (:class:`~sklearn_dc.preprocessing.SeriesSummary`) and scores
        ROC-AUC (one-vs-rest): on sepsis48 the matched stays served that
        learner worst, and keeping the records it scores best lifted it
        without costing the others, in a third of the time
        (``docs/sepsis48.md``). On tables and images, mean-matched records
        held their score over the run. ``True`` uses
        ``validation_estimator`` (None: logistic regression on the
        flattened records) whatever the data.

    Attributes
    ----------
    {fitted_attributes}

    {matching_attributes}

    {early_stopping_attributes}

    n_nets_ : int or None
        The pool of networks used (``n_nets``, or what ``"auto"`` chose).

    batch_real_ : int
        The real records per class at each iteration (``batch_real``, or
        what ``"auto"`` took).

    See Also
    --------
    KMeansCentroids : Per-class k-means centres, a cheaper prototype baseline.
    RandomSubset : Random real records, the baseline to beat.

    Notes
    -----
    {not_private}

    Examples
    --------
    >>> from imblearn.pipeline import make_pipeline
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_dc import DistributionMatching
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> condenser = DistributionMatching(n_per_class=5, n_iter=100, random_state=0)
    >>> X_syn, y_syn = condenser.fit_resample(StandardScaler().fit_transform(X), y)
    >>> X_syn.shape, y_syn.tolist()
    ((10, 30), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    >>> pipe = make_pipeline(StandardScaler(), condenser, LogisticRegression())
    >>> pipe.fit(X, y).score(X, y) > 0.9
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        **ResumableMatching._parameter_constraints,
        "augment": _AUGMENT_CONSTRAINT,
        "n_nets": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
            None,
        ],
        "match": [StrOptions({"auto", "mean", "quantiles"})],
        "summaries": [StrOptions({"auto"}), "boolean"],
        "early_stopping": [StrOptions({"auto"}), "boolean"],
        "init": INIT_OR_AUTO,
        "batch_real": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
    }

    n_iter: int = 1000
    batch_real: int | str = "auto"
    augment: str | list | None = None
    n_nets: int | str | None = "auto"
    match: str = "auto"
    summaries: bool | str = "auto"
    bounds: str | None = "auto"
    early_stopping: bool | str = "auto"
    init: str = "auto"

    def _init(self, X, y, budget):
        if self.init != "auto":
            return self.init
        if X.ndim != 3:
            return "real"
        # Few records standing for many: averages of the class start better.
        ratio = np.bincount(y, minlength=len(budget)) / np.maximum(budget, 1)
        return "kmeans" if ratio.min() >= AUTO_KMEANS_RATIO else "real"

    def _batch_real(self, X):
        if self.batch_real != "auto":
            return self.batch_real
        return AUTO_TABLE_BATCH if X.ndim == 2 else PAPER_BATCH

    def _objective(self, X, y, budget, nets, device, generator, rng):
        # Only the synthetic records are optimised; the networks stay fixed.
        for net in nets:
            net.requires_grad_(False)
        n_nets = self._pool_size(X, y)
        if n_nets is None:
            return _BatchMeans(X, y, budget, nets, device, generator, rng, self)
        if self.augment is not None:
            raise ValueError(
                f"n_nets={n_nets} caches the real records' embeddings, which "
                f"augment={self.augment!r} would change at every iteration. Use "
                "n_nets=None with augmentation, or augment=None."
            )
        return _CachedMeans(X, y, budget, nets, device, generator, rng, self, n_nets)

    def _validation(self, X):
        """``early_stopping="auto"``: gradient boosting on the summaries of
        series (unless ``validation_estimator`` is given), by ROC-AUC (unless
        ``validation_scoring`` is); off for tables and images."""
        if self.early_stopping != "auto":
            return super()._validation(X)
        if X.ndim != 3:
            return None
        estimator = self.validation_estimator
        scoring = self.validation_scoring
        return (
            summary_boosting() if estimator is None else estimator,
            "roc_auc_ovr" if scoring is None else scoring,
        )

    def _match(self, X):
        """``match``, or what ``"auto"`` takes for this data."""
        if self.match != "auto":
            return self.match
        return "quantiles" if X.ndim == 3 else "mean"

    def _summaries(self, X):
        """Whether the records' own statistics are matched (not for images)."""
        if self.summaries == "auto":
            return X.ndim == 3
        return self.summaries and X.ndim <= 3

    def _pool_size(self, X, y):
        """``n_nets``, or what ``"auto"`` takes for these records."""
        if self.n_nets != "auto":
            return self.n_nets
        if self.augment is not None:
            return None
        sizes = np.bincount(y)
        batch_real = self._batch_real(X)
        per_iteration = np.minimum(sizes, batch_real).sum()
        sample = np.minimum(sizes, CLASS_SAMPLE_BATCHES * batch_real)
        pool_pass = AUTO_POOL * sample.sum()
        saving = self.n_iter * per_iteration / max(pool_pass, 1)
        return AUTO_POOL if saving >= AUTO_SAVING else None


def record_statistics(records):
    """What a tabular learner sees of each record, differentiably.

    A table's columns as they are; for series ``(n, channels, time)``, each
    channel's mean, standard deviation, minimum, maximum and last value (the
    statistics of :class:`~sklearn_dc.preprocessing.SeriesSummary`).
    """
    if records.dim() == 2:
        return records
    return torch.cat(
        [
            records.mean(dim=2),
            records.std(dim=2, unbiased=False),
            records.amin(dim=2),
            records.amax(dim=2),
            records[:, :, -1],
        ],
        dim=1,
    )


class _EmbeddingMatch(Objective):
    """The distance between real and synthetic records, class by class.

    ``match="mean"``: the squared distance between the class means of the
    embeddings (the paper's DM), summed over dimensions. ``match="quantiles"``:
    for each dimension, the squared 1-D Wasserstein-2 distance between the
    class's synthetic values and its real ones, in units of the dimension's
    standard deviation in the real records, averaged over dimensions: the
    ``i``-th smallest of ``m`` synthetic values is matched to the real
    ``(i + 1/2) / m`` quantile, so the records spread over the class rather
    than gather at its mean. With ``summaries``, the records' own statistics
    (:func:`record_statistics`) are matched the same way, beside the
    embeddings.
    """

    def __init__(self, budget, device, match, summaries):
        self.match, self.summaries = match, summaries
        self.budget = [int(n) for n in budget]
        self.synthetic_labels = torch.as_tensor(
            np.repeat(np.arange(len(budget)), budget), device=device
        )
        self.budget_sizes = torch.as_tensor(budget, dtype=torch.float32, device=device)
        self.levels = [
            (torch.arange(n, dtype=torch.float32, device=device) + 0.5) / n
            for n in self.budget
        ]

    def statistics_target(self, records, counts):
        """The class targets of the statistics of real ``records`` (grouped by
        class, ``counts[c]`` of class ``c``), or None without ``summaries``."""
        if not self.summaries:
            return None
        return self.class_target(record_statistics(records), counts)

    def class_target(self, values, counts):
        """Per-class means, or per-class quantiles and the scale, of ``values``."""
        parts = torch.split(values, list(counts))
        if self.match == "mean":
            return torch.stack([part.mean(dim=0) for part in parts])
        std = values.std(dim=0) if len(values) > 1 else torch.ones_like(values[0])
        # A dimension (nearly) constant in the real records, e.g. a unit that
        # a ReLU keeps at 0, counts as if it varied a tenth as much as the
        # others: a unit scale would let its first synthetic deviation dominate.
        scale = std.clamp_min(0.1 * std.mean() + 1e-12)
        quantiles = [
            _quantiles(part / scale, levels)
            for part, levels in zip(parts, self.levels, strict=True)
        ]
        return quantiles, scale

    def class_distance(self, values, target):
        """The distance of synthetic ``values`` (grouped by class) to ``target``."""
        if self.match == "mean":
            synthetic_mean = (
                torch.zeros_like(target).index_add_(0, self.synthetic_labels, values)
                / self.budget_sizes[:, None]
            )
            return ((target - synthetic_mean) ** 2).sum()
        quantiles, scale = target
        parts = torch.split(values / scale, self.budget)
        return sum(
            ((part.sort(dim=0).values - quantile) ** 2).mean()
            for part, quantile in zip(parts, quantiles, strict=True)
        )

    def distance(self, net, synthetic, target):
        """The loss of ``synthetic`` under ``net`` against ``target``."""
        embedded, statistics = target
        loss = self.class_distance(net.embed(synthetic), embedded)
        if statistics is not None:
            loss = loss + self.class_distance(record_statistics(synthetic), statistics)
        return loss


def _quantiles(values, levels):
    """Per-column quantiles of ``values`` at ``levels``, Hazen's definition.

    The quantile at level ``p`` of ``n`` sorted values is at position
    ``p * n - 1/2`` (interpolated linearly, clipped to the ends), so the
    quantiles at ``(i + 1/2) / n`` are the sorted values themselves: records
    that are the real ones have loss 0.
    """
    ordered = values.sort(dim=0).values
    n = len(ordered)
    position = (levels * n - 0.5).clamp(0, n - 1)
    low = position.floor().long()
    high = position.ceil().long()
    weight = (position - low)[:, None]
    return ordered[low] * (1 - weight) + ordered[high] * weight


class _BatchMeans(_EmbeddingMatch):
    """The paper's loop: fresh weights and a fresh real batch at every iteration."""

    def __init__(self, X, y, budget, nets, device, generator, rng, condenser):
        super().__init__(budget, device, condenser._match(X), condenser._summaries(X))
        self.n_classes = len(budget)
        self.nets, self.generator, self.rng = nets, generator, rng
        self.batch_real = condenser._batch_real(X)
        self.real = ClassBatches(X, y, self.n_classes, self.batch_real, device)
        self.augment = resolve_augment(condenser.augment, X.shape[1:])
        # The records' statistics do not depend on the network: each real
        # record's are computed once, and a draw picks its rows' (the
        # per-batch target is kept: a target from a larger class sample, with
        # less noise, scored 0.615 against 0.630 on sepsis48 at 40 per class).
        self.statistics = None
        if self.summaries and self.augment is None:
            self.statistics = self.real.map_records(record_statistics)

    def results(self):
        return {"n_nets_": None, "batch_real_": self.batch_real}

    def loss(self, synthetic):
        net = self.nets[pick(self.nets, self.rng)]
        redraw_weights(net, self.generator)
        rows = self.real.draw_rows(self.generator)
        batch = self.real.take(rows)
        if self.augment is not None:
            # One draw for the real batch and the synthetic records.
            batch, synthetic = apply_shared(
                self.augment, [batch, synthetic], self.generator
            )
        counts = self.real.counts
        with torch.no_grad():
            embedded = self.class_target(net.embed(batch), counts)
            if self.statistics is None:
                statistics = self.statistics_target(batch, counts)
            else:
                statistics = self.class_target(self.statistics[rows], counts)
        return self.distance(net, synthetic, (embedded, statistics))


class _CachedMeans(_EmbeddingMatch):
    """DM against class targets cached for a pool of ``n_nets`` networks."""

    def __init__(self, X, y, budget, nets, device, generator, rng, condenser, n_nets):
        super().__init__(budget, device, condenser._match(X), condenser._summaries(X))
        self.nets, self.rng, self.n_nets = nets, rng, n_nets
        # The pool: which network each member is, and its weights.
        self.kinds = [pick(nets, rng) for _ in range(self.n_nets)]
        self.weights = []
        for kind in self.kinds:
            redraw_weights(nets[kind], generator)
            self.weights.append([p.detach().clone() for p in nets[kind].parameters()])
        self.batch_real = condenser._batch_real(X)
        cap = CLASS_SAMPLE_BATCHES * self.batch_real
        sample, counts = sample_per_class(X, y, len(budget), cap, rng)
        sample = torch.as_tensor(sample, device=device)
        step = max(1, BLOCK_BYTES // max(1, X[:1].nbytes))
        with torch.no_grad():
            # The records' statistics do not depend on the network: once.
            statistics = self.statistics_target(sample, counts)
            self.targets = []
            for k in range(self.n_nets):
                net = self.load(k)
                embedded = torch.cat(
                    [net.embed(part) for part in torch.split(sample, step)]
                )
                self.targets.append((self.class_target(embedded, counts), statistics))

    def results(self):
        return {"n_nets_": self.n_nets, "batch_real_": self.batch_real}

    def load(self, k):
        """Network ``k`` of the pool, its weights copied in (not aliased)."""
        net = self.nets[self.kinds[k]]
        for param, value in zip(net.parameters(), self.weights[k], strict=True):
            param.data.copy_(value)
        return net

    def loss(self, synthetic):
        k = int(self.rng.integers(self.n_nets))
        return self.distance(self.load(k), synthetic, self.targets[k])
