"""Multilayer perceptron for tables."""

from __future__ import annotations

import torch
from torch import nn

from ._base import EmbeddingNet


class MLP(EmbeddingNet):
    """A ReLU multilayer perceptron with an embedding and a linear head.

    ``embed(x)`` returns the last hidden layer (the features distribution
    matching compares); ``forward(x)`` returns class logits. There is no
    normalisation layer, so a record's embedding does not depend on the other
    records of its batch.

    Parameters
    ----------
    n_features : int
        Number of input features.
    n_classes : int, default=2
        Number of output logits.
    hidden : tuple of int, default=(256, 256)
        Widths of the hidden layers.

    Examples
    --------
    >>> import torch
    >>> from sklearn_dc.nn import MLP
    >>> net = MLP(n_features=4, n_classes=3, hidden=(8,))
    >>> net.embed(torch.zeros(5, 4)).shape, net(torch.zeros(5, 4)).shape
    (torch.Size([5, 8]), torch.Size([5, 3]))
    """

    input_ndim = 1

    def __init__(
        self, n_features: int, n_classes: int = 2, hidden: tuple[int, ...] = (256, 256)
    ):
        super().__init__()
        widths = (n_features, *hidden)
        layers = []
        for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(widths[-1], n_classes)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)
