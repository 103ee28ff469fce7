"""Distribution matching (Zhao & Bilen, WACV 2023)."""

from __future__ import annotations

from numbers import Integral
from typing import ClassVar

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from .._out_of_core import BLOCK_BYTES, take_rows
from ..nn import redraw_weights
from ._augment import (
    _AUGMENT_CONSTRAINT,
    apply_shared,
    resolve_augment,
)
from ._base import ResumableMatching, matching_parameters
from ._class_batches import ClassBatches
from ._docstrings import fill_docstring
from ._nets import pick
from ._objective import Objective

# n_nets="auto": the pool it takes, the sample of a large class (in batches
# of batch_real) whose mean stands for the class's, and how many times fewer
# real records the pool's pass must embed than the loop would. Fixed networks
# cost utility on sepsis48 (mean ROC-AUC 0.586-0.613 against 0.622 at 40 per
# class; docs/speed.md), so the pool is taken only where the data are small
# beside n_iter batches: there the loop embeds the same records again and again.
AUTO_POOL = 64
POOL_SAMPLE = 4
AUTO_SAVING = 10


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

    Attributes
    ----------
    {fitted_attributes}

    {matching_attributes}

    n_nets_ : int or None
        The pool of networks used (``n_nets``, or what ``"auto"`` chose).

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
    }

    n_iter: int = 1000
    batch_real: int = 256
    augment: str | list | None = None
    n_nets: int | str | None = "auto"

    def _objective(self, X, y, budget, nets, device, generator, rng):
        # Only the synthetic records are optimised; the networks stay fixed.
        for net in nets:
            net.requires_grad_(False)
        n_nets = self._pool_size(y)
        if n_nets is None:
            return _BatchMeans(X, y, budget, nets, device, generator, rng, self)
        if self.augment is not None:
            raise ValueError(
                f"n_nets={n_nets} caches the real records' embeddings, which "
                f"augment={self.augment!r} would change at every iteration. Use "
                "n_nets=None with augmentation, or augment=None."
            )
        cap = POOL_SAMPLE * self.batch_real
        return _CachedMeans(X, y, budget, nets, device, generator, rng, n_nets, cap)

    def _pool_size(self, y):
        """``n_nets``, or what ``"auto"`` takes for these classes."""
        if self.n_nets != "auto":
            return self.n_nets
        if self.augment is not None:
            return None
        sizes = np.bincount(y)
        per_iteration = np.minimum(sizes, self.batch_real).sum()
        pool_pass = AUTO_POOL * np.minimum(sizes, POOL_SAMPLE * self.batch_real).sum()
        saving = self.n_iter * per_iteration / max(pool_pass, 1)
        return AUTO_POOL if saving >= AUTO_SAVING else None


class _MeanEmbeddings(Objective):
    """Squared distance between real and synthetic class-mean embeddings."""

    def __init__(self, budget, device):
        n_classes = len(budget)
        self.synthetic_labels = torch.as_tensor(
            np.repeat(np.arange(n_classes), budget), device=device
        )
        self.budget = torch.as_tensor(budget, dtype=torch.float32, device=device)

    def distance(self, net, synthetic, real_mean):
        """The loss of ``synthetic`` under ``net`` against ``real_mean``."""
        embedded = net.embed(synthetic)
        synthetic_mean = (
            torch.zeros_like(real_mean).index_add_(0, self.synthetic_labels, embedded)
            / self.budget[:, None]
        )
        return ((real_mean - synthetic_mean) ** 2).sum()


class _BatchMeans(_MeanEmbeddings):
    """The paper's DM: fresh weights and a fresh real batch at every iteration."""

    def __init__(self, X, y, budget, nets, device, generator, rng, condenser):
        super().__init__(budget, device)
        self.n_classes = len(budget)
        self.nets, self.generator, self.rng = nets, generator, rng
        self.batch_real = condenser.batch_real
        self.real = ClassBatches(X, y, self.n_classes, self.batch_real, device)
        self.augment = resolve_augment(condenser.augment, X.shape[1:])

    def results(self):
        return {"n_nets_": None}

    def loss(self, synthetic):
        net = self.nets[pick(self.nets, self.rng)]
        redraw_weights(net, self.generator)
        batch = self.real.draw(self.generator)
        if self.augment is not None:
            # One draw for the real batch and the synthetic records.
            batch, synthetic = apply_shared(
                self.augment, [batch, synthetic], self.generator
            )
        with torch.no_grad():
            real_mean = self.real.class_means(net.embed(batch))
        return self.distance(net, synthetic, real_mean)


class _CachedMeans(_MeanEmbeddings):
    """DM against class means cached for a pool of ``n_nets`` networks."""

    def __init__(self, X, y, budget, nets, device, generator, rng, n_nets, cap):
        super().__init__(budget, device)
        n_classes = len(budget)
        self.nets, self.rng, self.n_nets = nets, rng, n_nets
        # The pool: which network each member is, and its weights.
        self.kinds = [pick(nets, rng) for _ in range(n_nets)]
        self.weights = []
        for kind in self.kinds:
            redraw_weights(nets[kind], generator)
            self.weights.append([p.detach().clone() for p in nets[kind].parameters()])
        # The rows whose embeddings make the class means: all of a class up
        # to ``cap``, else ``cap`` of them without replacement (in file order,
        # so a memmap is read forwards).
        rows = []
        for c in range(n_classes):
            members = np.flatnonzero(y == c)
            if len(members) > cap:
                members = np.sort(rng.choice(members, cap, replace=False))
            rows.append(members)
        rows = np.sort(np.concatenate(rows))
        # Sums block by block (all at once could exhaust memory): one read.
        sums = [None] * n_nets
        step = max(1, BLOCK_BYTES // max(1, X[:1].nbytes))
        with torch.no_grad():
            for start in range(0, len(rows), step):
                chunk = rows[start : start + step]
                block = take_rows(X, chunk)
                records = torch.as_tensor(block, dtype=torch.float32, device=device)
                labels = torch.as_tensor(y[chunk], device=device)
                for k in range(n_nets):
                    embedded = self.load(k).embed(records)
                    if sums[k] is None:
                        sums[k] = embedded.new_zeros(n_classes, embedded.shape[1])
                    sums[k].index_add_(0, labels, embedded)
        counts = torch.as_tensor(
            np.bincount(y[rows], minlength=n_classes),
            dtype=torch.float32,
            device=device,
        )
        self.means = [total / counts[:, None] for total in sums]

    def results(self):
        return {"n_nets_": self.n_nets}

    def load(self, k):
        """Network ``k`` of the pool, its weights copied in (not aliased)."""
        net = self.nets[self.kinds[k]]
        for param, value in zip(net.parameters(), self.weights[k], strict=True):
            param.data.copy_(value)
        return net

    def loss(self, synthetic):
        k = int(self.rng.integers(self.n_nets))
        return self.distance(self.load(k), synthetic, self.means[k])
