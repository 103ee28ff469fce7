"""Gradient matching (Zhao, Mopuri & Bilen, ICLR 2021)."""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils._param_validation import Interval, StrOptions

from ..nn import redraw_weights
from ._augment import (
    _AUGMENT_CONSTRAINT,
    apply_shared,
    resolve_augment,
)
from ._base import INIT_OR_AUTO, ResumableMatching, matching_parameters
from ._class_batches import ClassBatches
from ._docstrings import fill_docstring
from ._nets import pick, refuse_batch_norm
from ._objective import Objective

# Added to the product of the norms in the cosine, as in the paper.
_EPS = 1e-6


def layer_distance(grad_real, grad_synthetic):
    """The paper's distance between two gradients of one parameter tensor.

    The tensors are read as one row per output unit (the first dimension:
    the output features of a linear layer, the output channels of a
    convolution) holding the flattened gradient of that unit's weights, and
    the distance is the sum over rows of ``1 - cos(row_real,
    row_synthetic)``. One-dimensional tensors (biases, normalisation scales)
    give 0, as in the paper's code: they are not matched.

    Parameters
    ----------
    grad_real, grad_synthetic : torch.Tensor
        Gradients of the same parameter tensor.

    Returns
    -------
    distance : torch.Tensor
        A scalar, between 0 and twice the number of output units.
    """
    if grad_real.ndim < 2:
        return grad_real.new_zeros(())
    real = grad_real.reshape(grad_real.shape[0], -1)
    synthetic = grad_synthetic.reshape(grad_synthetic.shape[0], -1)
    dot = (real * synthetic).sum(dim=1)
    norms = real.norm(dim=1) * synthetic.norm(dim=1)
    return (1 - dot / (norms + _EPS)).sum()


def gradient_distance(grads_real, grads_synthetic):
    """Sum of :func:`layer_distance` over the parameter tensors of a network."""
    total = None
    for real, synthetic in zip(grads_real, grads_synthetic, strict=True):
        if real is None or synthetic is None:
            continue
        distance = layer_distance(real, synthetic)
        total = distance if total is None else total + distance
    if total is None:
        raise ValueError("No parameter received a gradient; nothing to match.")
    return total


def auto_loops(n_per_class):
    """The paper's outer and inner loop lengths for ``n_per_class`` records.

    Zhao et al. (2021) use (outer, inner) = (1, 1), (10, 50), (20, 25),
    (30, 20), (40, 15) and (50, 10) for 1, 10, 20, 30, 40 and 50 images per
    class. This follows them: ``outer = min(n_per_class, 50)``, ``inner = 1``
    for one record per class, else ``round(500 / n_per_class)`` clipped to
    ``[10, 50]``.
    """
    n = int(n_per_class)
    outer = min(n, 50)
    inner = 1 if n == 1 else int(np.clip(round(500 / n), 10, 50))
    return outer, inner


@fill_docstring
@matching_parameters
class GradientMatching(ResumableMatching):
    """Learn synthetic records that train a network like the real ones (DC).

    Gradient matching (Zhao, Mopuri & Bilen, "Dataset Condensation with
    Gradient Matching", ICLR 2021) moves a few synthetic records per class so
    that the gradient of a network's training loss (cross-entropy of
    ``forward``) on them points where the gradient on real records of the
    class points. At every iteration, for each class, a batch of real records
    of the class is drawn, the gradients of the loss on it and on the class's
    synthetic records are computed for every weight tensor, and the layer-wise
    distance of the paper (for each weight tensor, the sum over its output
    units of one minus the cosine similarity of their gradients; see
    :func:`layer_distance`) is summed over tensors and classes. Its gradient
    with respect to the synthetic records goes through the synthetic
    gradients (second-order automatic differentiation), and Adam takes one
    step.

    The network follows the paper's loops: it gets fresh random weights every
    ``outer_loop`` iterations, and between two iterations on the same weights
    it is trained for ``inner_steps`` steps of gradient descent (learning
    rate ``net_lr``, on all the synthetic records at once, detached), so that
    the records are matched along a training trajectory and not only at
    initialisation. ``n_iter`` counts updates of the records: the paper's
    1000 outer iterations are ``n_iter = 1000 * outer_loop`` here.

    Scale the features first (e.g. ``StandardScaler`` before the condenser in
    the pipeline): the defaults assume features with unit variance.

    Parameters
    ----------
    outer_loop : int or "auto", default="auto"
        Iterations between two redraws of the network's weights. ``"auto"``
        follows the paper from the largest class budget ``ipc``:
        ``min(ipc, 50)`` (1 for one record per class, 10 for ten, 50 for
        fifty).

    inner_steps : int or "auto", default="auto"
        Gradient-descent steps of the network on the synthetic records
        between two iterations on the same weights (none after the last
        iteration before a redraw). ``"auto"`` follows the paper: 1 for one
        record per class, else ``round(500 / ipc)`` within ``[10, 50]`` (50
        for ten per class, 10 for fifty).

    net_lr : float, default=0.01
        Learning rate of the network's training steps (the paper's value).

    {augment}

        One draw per class at each iteration; the training of the
        network between iterations is augmented too (a fresh draw).

    {init_by_shape}

    net : str, module, skorch NeuralNet or list, default="auto"
        The network whose training gradients are matched. It is trained, so
        its ``forward(x)`` must return class logits (the package's networks
        do); its weights are drawn anew in place every ``outer_loop``
        iterations. ``"auto"`` takes ``"mlp"`` for tables, ``"tcn"`` for time
        series and ``"convnet"`` for images; other names are in
        ``sklearn_dc.nn.NETWORKS``. A module class, a skorch ``NeuralNet`` or a
        list (one drawn at each redraw) are accepted as by
        :class:`~sklearn_dc.DistributionMatching`. Networks with batch
        normalisation are refused (see Notes).

    Attributes
    ----------
    {fitted_attributes}

    {matching_attributes}

    {early_stopping_attributes}

    outer_loop_ : int
        The number of iterations between redraws of the network.

    inner_steps_ : int
        The number of training steps of the network between iterations.

    See Also
    --------
    DistributionMatching : Matches mean embeddings; cheaper per iteration.
    RandomSubset : Random real records, the baseline to beat.

    Notes
    -----
    One iteration costs, per class, a forward and a backward pass on
    ``batch_real`` real records and a forward and a double backward pass on
    the class's synthetic records, plus ``inner_steps`` training steps of the
    network: it is several times slower than
    :class:`~sklearn_dc.DistributionMatching`, more so on large networks.

    Batch normalisation is refused: the gradient of a class's few synthetic
    records would depend on batch statistics that differ between the real
    batch and the synthetic records (the paper freezes them from real data).
    The package's networks use instance, layer or no normalisation. On a GPU,
    recurrent networks (``"gru"``, ``"lstm"``) need cuDNN to be off for the
    double backward pass (``torch.backends.cudnn.enabled = False``).

    Biases and other one-dimensional parameters are not matched (their
    distance is 0), as in the paper's code; they are trained in the inner
    loop like every weight.

    {not_private}

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.preprocessing import scale
    >>> from sklearn_dc.matching import GradientMatching
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = scale(X)
    >>> condenser = GradientMatching(
    ...     n_per_class=5, n_iter=10, inner_steps=5, batch_real=32, random_state=0
    ... )
    >>> X_syn, y_syn = condenser.fit_resample(X, y)
    >>> condenser.outer_loop_  # "auto": a new network every 5 iterations
    5
    >>> LogisticRegression().fit(X_syn, y_syn).score(X, y) > 0.9
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        **ResumableMatching._parameter_constraints,
        "init": INIT_OR_AUTO,
        "outer_loop": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "inner_steps": [
            StrOptions({"auto"}),
            Interval(Integral, 0, None, closed="left"),
        ],
        "net_lr": [Interval(Real, 0, None, closed="neither")],
        "augment": _AUGMENT_CONSTRAINT,
    }

    outer_loop: int | str = "auto"
    inner_steps: int | str = "auto"
    net_lr: float = 0.01
    augment: str | list | None = None
    n_iter: int = 300
    init: str = "auto"
    early_stopping: bool = True
    batch_real: int = 128

    def _objective(self, X, y, budget, nets, device, generator, rng):
        refuse_batch_norm(
            self,
            nets,
            "which makes the gradient on a class's few synthetic records depend "
            "on batch statistics.",
        )
        for net in nets:
            net.requires_grad_(True)
        return _GradientDistance(X, y, budget, nets, device, generator, rng, self)


class _GradientDistance(Objective):
    """Layer-wise gradient distance, class by class, along a training path.

    Carried from one iteration to the next (and kept in checkpoints): the
    iteration count and which network is being trained.
    """

    def __init__(self, X, y, budget, nets, device, generator, rng, condenser):
        self.nets, self.generator, self.rng = nets, generator, rng
        self.augment = resolve_augment(condenser.augment, X.shape[1:])
        outer, inner = auto_loops(budget.max())
        auto = condenser.outer_loop == "auto"
        self.outer_loop = outer if auto else condenser.outer_loop
        auto = condenser.inner_steps == "auto"
        self.inner_steps = inner if auto else condenser.inner_steps
        self.net_lr, self.batch_real = condenser.net_lr, condenser.batch_real
        self.n_classes = n_classes = len(budget)
        self.real = ClassBatches(X, y, n_classes, self.batch_real, device)
        self.bounds = np.concatenate([[0], np.cumsum(budget)]).tolist()
        self.real_labels = self.real.labels.split(self.real.counts)
        self.synthetic_labels = torch.as_tensor(
            np.repeat(np.arange(n_classes), budget), device=device
        )
        self.step, self.net = 0, 0

    def state_dict(self):
        return {"step": self.step, "net": self.net}

    def load_state_dict(self, state):
        self.step, self.net = state["step"], state["net"]

    def results(self):
        return {"outer_loop_": self.outer_loop, "inner_steps_": self.inner_steps}

    def train_net(self, net, synthetic):
        """``inner_steps`` gradient-descent steps on the synthetic records."""
        params = [p for p in net.parameters() if p.requires_grad]
        records = synthetic.detach()
        for _ in range(self.inner_steps):
            batch = (
                records
                if self.augment is None
                else self.augment(records, self.generator)
            )
            loss = F.cross_entropy(net(batch), self.synthetic_labels)
            grads = torch.autograd.grad(loss, params, allow_unused=True)
            with torch.no_grad():
                for param, grad in zip(params, grads, strict=True):
                    if grad is not None:
                        param.sub_(self.net_lr * grad)

    def loss(self, synthetic):
        if self.step % self.outer_loop == 0:
            self.net = pick(self.nets, self.rng)
            redraw_weights(self.nets[self.net], self.generator)
        else:
            self.train_net(self.nets[self.net], synthetic)
        self.step += 1
        net = self.nets[self.net]
        # The backward pass of the matching loss also reaches the weights;
        # those gradients are not used.
        net.zero_grad(set_to_none=True)
        # Only weight tensors are matched (biases give distance 0).
        weights = [p for p in net.parameters() if p.requires_grad and p.ndim > 1]
        batches = self.real.draw(self.generator).split(self.real.counts)
        bounds, labels = self.bounds, self.synthetic_labels
        loss = 0.0
        for c in range(self.n_classes):
            batch = batches[c]
            records = synthetic[bounds[c] : bounds[c + 1]]
            if self.augment is not None:
                batch, records = apply_shared(
                    self.augment, [batch, records], self.generator
                )
            loss_real = F.cross_entropy(net(batch), self.real_labels[c])
            grads_real = torch.autograd.grad(loss_real, weights, allow_unused=True)
            loss_synthetic = F.cross_entropy(
                net(records), labels[bounds[c] : bounds[c + 1]]
            )
            grads_synthetic = torch.autograd.grad(
                loss_synthetic, weights, create_graph=True, allow_unused=True
            )
            loss = loss + gradient_distance(grads_real, grads_synthetic)
        return loss
