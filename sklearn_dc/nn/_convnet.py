"""The ConvNet of the dataset-condensation literature, for images."""

from __future__ import annotations

import torch
from torch import nn

from ._base import EmbeddingNet


class ConvNet(EmbeddingNet):
    """Blocks of 3x3 convolution, instance normalisation, ReLU and 2x2 pooling.

    Input ``(n, n_channels, height, width)``. The architecture used by the
    dataset condensation papers (DC, DSA, DM, MTT); instance normalisation
    (not batch normalisation) keeps each record's embedding independent of its
    batch. The last block is pooled to ``4 x 4`` and flattened, so any image
    size of at least ``2**depth`` pixels works.

    Parameters
    ----------
    n_channels : int
        Number of image channels.
    n_classes : int, default=10
        Number of output logits.
    width : int, default=128
        Channels of every convolution.
    depth : int, default=3
        Number of blocks.

    Examples
    --------
    >>> import torch
    >>> from sklearn_dc.nn import ConvNet
    >>> ConvNet(n_channels=1, width=8).embed(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 128])
    """

    input_ndim = 3

    def __init__(
        self, n_channels: int, n_classes: int = 10, width: int = 128, depth: int = 3
    ):
        super().__init__()
        layers = []
        for i in range(depth):
            layers += [
                nn.Conv2d(n_channels if i == 0 else width, width, 3, padding=1),
                nn.GroupNorm(width, width),  # instance normalisation
                nn.ReLU(),
                nn.AvgPool2d(2),
            ]
        self.body = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(4), nn.Flatten())
        self.head = nn.Linear(width * 16, n_classes)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)
