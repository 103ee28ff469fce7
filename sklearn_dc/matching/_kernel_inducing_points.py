"""Kernel inducing points (Nguyen, Chen & Lee, ICLR 2021)."""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from .._out_of_core import element_variance
from ..nn import redraw_weights
from ._base import ResumableMatching, matching_parameters
from ._class_batches import ClassBatches
from ._docstrings import fill_docstring
from ._nets import pick
from ._objective import Objective

# Prior variances of the infinite-width ReLU network behind kernel="ntk" and
# kernel="nngp": every weight has variance WEIGHT_VARIANCE / fan_in (He
# initialisation, so the signal keeps its scale through the layers), every
# bias BIAS_VARIANCE.
WEIGHT_VARIANCE = 2.0
BIAS_VARIANCE = 0.01

# Largest kernel problem accepted: entries of K_ss (n_synthetic x n_synthetic)
# plus K_ts (real batch x n_synthetic), 2**26 float64 values = 512 MiB. The
# automatic differentiation keeps several matrices of that size per layer.
MAX_KERNEL_ENTRIES = 2**26

KERNELS = ("ntk", "nngp", "rbf", "random_features")


def relu_network_kernel(X1, X2, *, depth=3, kind="ntk"):
    """NTK or NNGP kernel of an infinite-width fully connected ReLU network.

    The network has ``depth`` hidden ReLU layers and a linear read-out, weights
    of variance ``WEIGHT_VARIANCE / fan_in`` and biases of variance
    ``BIAS_VARIANCE``. The kernel is computed in closed form with the
    arc-cosine recursion (Cho & Saul, 2009; Jacot et al., 2018; Lee et al.,
    2018), in the dtype of the inputs.

    Parameters
    ----------
    X1 : torch.Tensor of shape (n1, n_features)
        Flattened records.
    X2 : torch.Tensor of shape (n2, n_features)
        Flattened records.
    depth : int, default=3
        Number of hidden layers; ``0`` gives the linear kernel
        ``WEIGHT_VARIANCE * <x1, x2> / n_features + BIAS_VARIANCE``.
    kind : {"ntk", "nngp"}, default="ntk"
        The neural tangent kernel (gradient-descent training of every layer)
        or the neural network Gaussian process kernel (read-out layer only).

    Returns
    -------
    K : torch.Tensor of shape (n1, n2)
    """
    n_features = X1.shape[1]
    sw, sb = WEIGHT_VARIANCE, BIAS_VARIANCE
    # Covariance of the first pre-activations, and its diagonals.
    cov = sw * (X1 @ X2.T) / n_features + sb
    var1 = sw * (X1 * X1).sum(dim=1) / n_features + sb
    var2 = sw * (X2 * X2).sum(dim=1) / n_features + sb
    ntk = cov
    # Keep the correlation off +-1: arccos has an infinite slope there. A
    # record's correlation with itself is exactly 1 and does not move, so
    # clamping gives its (zero) gradient correctly.
    eps = torch.finfo(cov.dtype).eps ** 0.5
    for _ in range(depth):
        norm = torch.sqrt(var1[:, None] * var2[None, :])
        cos = (cov / norm).clamp(-1 + eps, 1 - eps)
        theta = torch.arccos(cos)
        # E[relu(u) relu(v)] and E[relu'(u) relu'(v)] for the Gaussian (u, v).
        cov = sw / (2 * math.pi) * norm * (torch.sin(theta) + (math.pi - theta) * cos)
        cov = cov + sb
        if kind == "ntk":
            ntk = cov + sw * (math.pi - theta) / (2 * math.pi) * ntk
        var1 = sw * var1 / 2 + sb
        var2 = sw * var2 / 2 + sb
    return ntk if kind == "ntk" else cov


def rbf_kernel(X1, X2, gamma):
    """``exp(-gamma * ||x1 - x2||^2)`` between flattened records."""
    sq = (X1 * X1).sum(dim=1)[:, None] + (X2 * X2).sum(dim=1)[None, :] - 2 * (X1 @ X2.T)
    return torch.exp(-gamma * sq.clamp_min(0))


@fill_docstring
@matching_parameters
class KernelInducingPoints(ResumableMatching):
    """Learn synthetic records on which kernel ridge regression fits the data (KIP).

    Kernel inducing points (Nguyen, Chen & Lee, "Dataset Meta-Learning from
    Kernel Ridge-Regression", ICLR 2021) moves a few synthetic records per
    class so that kernel ridge regression (KRR) fitted on them predicts the
    labels of the real records. At every iteration a batch of real records is
    drawn (``batch_real`` per class), the kernel matrices ``K_ss`` (synthetic
    x synthetic) and ``K_ts`` (real batch x synthetic) are computed, the KRR
    weights ``alpha`` solve ``(K_ss + reg * tr(K_ss) / n_s * I) alpha = Y_s``,
    and the mean squared error between ``K_ts alpha`` and the real batch's
    targets is minimised with respect to the synthetic records (and, with
    ``learn_labels=True``, their labels) by differentiating through the solve.

    Targets are one-hot rows minus ``1 / n_classes`` (centred, so that KRR
    without an intercept predicts ``0`` far from every record). The kernel
    matrices and the solve are computed in float64 (a tiny relative ridge
    makes ``K_ss`` ill-conditioned for float32).

    Scale the features first (e.g. ``StandardScaler`` before the condenser in
    the pipeline): the defaults assume features with unit variance.

    Parameters
    ----------
    kernel : {{"ntk", "nngp", "rbf", "random_features"}}, default="ntk"
        The kernel of the ridge regression.

        - ``"ntk"``: neural tangent kernel of an infinite-width, fully
          connected ReLU network with ``depth`` hidden layers, weight
          variance ``2 / fan_in`` and bias variance ``0.01``, in closed form;
        - ``"nngp"``: the Gaussian-process kernel of the same network;
        - ``"rbf"``: ``exp(-gamma * ||x - x'||^2)``;
        - ``"random_features"``: the inner product of the embeddings of
          ``net`` with random weights, divided by the embedding size, with
          the weights drawn anew at every iteration (as in RFAD, Loo et al.,
          2022).

        ``"ntk"``, ``"nngp"`` and ``"rbf"`` read every record as one flat
        vector, so they take tables, time series and images alike (a fully
        connected network flattens its input too). ``"random_features"``
        keeps the records' shape: its network must suit it (the default
        picks one for tables, time series or images).

    depth : int, default=3
        Number of hidden layers of the network behind ``"ntk"`` and
        ``"nngp"`` (``0`` gives a linear kernel). Ignored by the other
        kernels.

    gamma : "scale" or float, default="scale"
        Width of the ``"rbf"`` kernel. ``"scale"`` uses
        ``1 / (n_features * X.var())`` over the flattened training data, as
        :class:`sklearn.svm.SVC` does. Ignored by the other kernels.

    reg : float, default=1e-6
        Ridge regularisation, relative to the mean of the diagonal of
        ``K_ss``: the ridge added to ``K_ss`` is ``reg * tr(K_ss) / n_s``.

    learn_labels : bool, default=False
        Also learn the synthetic records' (soft) labels, with the same
        optimiser and learning rate. They start as the records' one-hot
        targets and are exposed as ``soft_labels_``; ``fit_resample`` still
        returns the hard labels of the budget.

    net : str, module, skorch NeuralNet or list, default="auto"
        Used only with ``kernel="random_features"`` (ignored otherwise): the
        random network whose embeddings are the random features, with weights
        drawn anew in place at every iteration. ``"auto"`` takes ``"mlp"``
        for tables, ``"tcn"`` for time series and ``"convnet"`` for images;
        other names are in ``sklearn_dc.nn.NETWORKS``. A module class, a
        skorch ``NeuralNet`` or a list (one drawn per iteration) are accepted
        as by :class:`~sklearn_dc.DistributionMatching`.

    Attributes
    ----------
    {fitted_attributes}

    {matching_attributes}

    {early_stopping_attributes}

    soft_labels_ : ndarray of shape (n_synthetic, n_classes)
        Only with ``learn_labels=True``: the learned labels of the synthetic
        records (rows in the order of the output, columns in ``classes_``
        order), in one-hot units: they start as the one-hot rows of the
        records' classes.

    See Also
    --------
    DistributionMatching : Matches mean embeddings under random networks.
    RandomSubset : Random real records, the baseline to beat.

    Notes
    -----
    One iteration costs ``O(n_s^3 + n_b n_s d)`` for ``n_s`` synthetic
    records, ``n_b = batch_real * n_classes`` real records and ``d``
    features, so KIP suits budgets of up to a few thousand records. Before
    allocating anything, the condenser refuses a problem whose kernel
    matrices ``K_ss`` and ``K_ts`` hold more than ``2**26`` values (512 MiB in
    float64; the automatic differentiation keeps several such matrices): use
    a smaller ``n_per_class`` or ``batch_real``.

    The records are optimised for kernel ridge regression with the chosen
    kernel. Other learners trained on them may gain less, especially at
    larger budgets: evaluate with the learners you will use.

    {not_private}

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.kernel_ridge import KernelRidge
    >>> from sklearn.preprocessing import scale
    >>> from sklearn_dc.matching import KernelInducingPoints
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = scale(X)
    >>> kip = KernelInducingPoints(n_per_class=5, n_iter=50, learn_labels=True,
    ...                            kernel="rbf", random_state=0)
    >>> X_syn, y_syn = kip.fit_resample(X, y)
    >>> kip.soft_labels_.shape  # learned targets, one column per class
    (10, 2)
    >>> ridge = KernelRidge(kernel="rbf", gamma=1 / 30).fit(X_syn, kip.soft_labels_)
    >>> float(np.mean(ridge.predict(X).argmax(1) == y)) > 0.9
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        **ResumableMatching._parameter_constraints,
        "kernel": [StrOptions(set(KERNELS))],
        "depth": [Interval(Integral, 0, None, closed="left")],
        "gamma": [StrOptions({"scale"}), Interval(Real, 0, None, closed="neither")],
        "reg": [Interval(Real, 0, None, closed="left")],
        "learn_labels": ["boolean"],
    }

    kernel: str = "ntk"
    depth: int = 3
    gamma: float | str = "scale"
    reg: float = 1e-6
    learn_labels: bool = False
    n_iter: int = 1000
    early_stopping: bool = True
    lr: float = 0.01
    batch_real: int = 128

    def _fit_resample(self, X, y):
        # A fit without learn_labels leaves no soft labels of an earlier fit.
        if hasattr(self, "soft_labels_"):
            del self.soft_labels_
        return super()._fit_resample(X, y)

    def _resolve_nets(self, X, n_classes):
        # Only the random-feature kernel embeds records with a network.
        if self.kernel != "random_features":
            return [], []
        try:
            return super()._resolve_nets(X, n_classes)
        except ValueError as exc:
            raise ValueError(
                f"{exc} (kernel='random_features' embeds the records with net; "
                "kernel='ntk', 'nngp' or 'rbf' take records of any shape, "
                "flattened.)"
            ) from exc

    def _objective(self, X, y, budget, nets, device, generator, rng):
        n_classes = len(budget)
        n_synthetic = int(budget.sum())
        n_batch = self.batch_real * n_classes
        entries = n_synthetic**2 + n_batch * n_synthetic
        if entries > MAX_KERNEL_ENTRIES:
            raise ValueError(
                f"{type(self).__name__} would build kernel matrices of "
                f"{n_synthetic} x {n_synthetic} (synthetic) and {n_batch} x "
                f"{n_synthetic} (real batch x synthetic): {entries} float64 values, "
                f"{entries * 8 / 2**30:.2f} GiB before automatic differentiation "
                f"multiplies it; the limit is {MAX_KERNEL_ENTRIES} values "
                f"({MAX_KERNEL_ENTRIES * 8 / 2**30:.2f} GiB). Use a smaller "
                "n_per_class or batch_real, or a coreset (e.g. KMeansCentroids) "
                "for large budgets."
            )
        for net in nets:
            net.requires_grad_(False)
        kernel = self._closed_form_kernel(X)
        return _KernelRidgeError(
            X, y, budget, nets, device, generator, rng, kernel, self
        )

    def _check_memory(self, X, nets, budget, device):
        # Closed-form kernels use no network; their kernel matrices are
        # checked when the loss is built.
        if self.kernel == "random_features":
            super()._check_memory(X, nets, budget, device)

    def _closed_form_kernel(self, X):
        """``kernel(X1, X2)`` on flattened records, or None for random features."""
        if self.kernel in ("ntk", "nngp"):
            depth, kind = self.depth, self.kernel
            return lambda X1, X2: relu_network_kernel(X1, X2, depth=depth, kind=kind)
        if self.kernel == "rbf":
            if self.gamma == "scale":
                variance = element_variance(X)
                n_elements = int(np.prod(X.shape[1:]))
                gamma = 1.0 / (n_elements * variance) if variance > 0 else 1.0
            else:
                gamma = float(self.gamma)
            return lambda X1, X2: rbf_kernel(X1, X2, gamma)
        return None


class _KernelRidgeError(Objective):
    """Error on a real batch of kernel ridge regression fitted on the records.

    With ``learn_labels``, the synthetic records' (centred) labels are a
    learned parameter, handed back as ``soft_labels_``.
    """

    def __init__(self, X, y, budget, nets, device, generator, rng, kernel, condenser):
        self.nets, self.generator, self.rng, self.kernel = nets, generator, rng, kernel
        self.batch_real, self.reg = condenser.batch_real, condenser.reg
        self.n_classes = n_classes = len(budget)
        self.n_synthetic = int(budget.sum())
        # Closed-form kernels read the records flattened, in float64.
        self.real = ClassBatches(
            X,
            y,
            n_classes,
            self.batch_real,
            device,
            dtype=torch.float32 if kernel is None else torch.float64,
            draw_dtype=torch.float64,
            flatten=kernel is not None,
        )

        def targets(classes):
            onehot = np.eye(n_classes)[classes] - 1.0 / n_classes
            return torch.as_tensor(onehot, dtype=torch.float64, device=device)

        self.n_batch = sum(self.real.counts)
        self.real_targets = targets(self.real.labels.cpu().numpy())
        # Each class weighs the same in the error, however many of its
        # records a draw holds (a small class is drawn whole).
        counts = torch.as_tensor(self.real.counts, dtype=torch.float64, device=device)
        self.row_weights = (1.0 / (n_classes * counts))[self.real.labels]
        self.labels = targets(np.repeat(np.arange(n_classes), budget))
        if condenser.learn_labels:
            self.labels = self.labels.float().requires_grad_(True)
            self.parameters = (self.labels,)
        self.eye = torch.eye(self.n_synthetic, dtype=torch.float64, device=device)

    def results(self):
        if not self.parameters:
            return {}
        soft = self.labels.detach().cpu().numpy().astype(np.float64)
        return {"soft_labels_": soft + 1.0 / self.n_classes}

    def loss(self, synthetic):
        batch = self.real.draw(self.generator)
        if self.kernel is None:
            net = self.nets[pick(self.nets, self.rng)]
            redraw_weights(net, self.generator)
            with torch.no_grad():
                features_real = net.embed(batch).flatten(1).double()
            features = net.embed(synthetic).flatten(1).double()
            width = features.shape[1]
            k_ss = features @ features.T / width
            k_ts = features_real @ features.T / width
        else:
            flat_synthetic = synthetic.reshape(self.n_synthetic, -1).double()
            both = self.kernel(torch.cat([batch, flat_synthetic]), flat_synthetic)
            k_ts, k_ss = both[: self.n_batch], both[self.n_batch :]
        ridge = self.reg * torch.trace(k_ss) / self.n_synthetic
        try:
            alpha = torch.linalg.solve(k_ss + ridge * self.eye, self.labels.double())
        except torch.linalg.LinAlgError as exc:
            raise ValueError(
                f"The synthetic kernel matrix is singular ({exc}); use a larger reg."
            ) from exc
        errors = ((k_ts @ alpha - self.real_targets) ** 2).mean(1)
        return (self.row_weights * errors).sum()
