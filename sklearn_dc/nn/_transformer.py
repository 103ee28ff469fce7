"""Transformer encoder for clinical time series."""

from __future__ import annotations

import math

import torch
from torch import nn

from ._base import EmbeddingNet


def sinusoidal_positions(n_timepoints: int, dim: int, device=None) -> torch.Tensor:
    """The fixed sine / cosine position encoding, shape ``(n_timepoints, dim)``."""
    position = torch.arange(n_timepoints, device=device, dtype=torch.float32)[:, None]
    frequency = torch.exp(
        torch.arange(0, dim, 2, device=device, dtype=torch.float32)
        * (-math.log(10000.0) / dim)
    )
    encoding = torch.zeros(n_timepoints, dim, device=device)
    encoding[:, 0::2] = torch.sin(position * frequency)
    encoding[:, 1::2] = torch.cos(position * frequency)[:, : dim // 2]
    return encoding


class Transformer(EmbeddingNet):
    """A transformer encoder over time steps; the embedding is the time mean.

    Input ``(n, n_channels, n_timepoints)``. Each time step is projected to
    ``d_model`` features, a sinusoidal position encoding is added, and
    ``n_layers`` encoder layers (pre-norm, GELU) follow.

    Parameters
    ----------
    n_channels : int
        Number of input channels (variables).
    n_classes : int, default=2
        Number of output logits.
    d_model : int, default=64
        Width of the encoder.
    n_heads : int, default=4
        Attention heads.
    n_layers : int, default=2
        Encoder layers.
    dropout : float, default=0.0
        Dropout inside the encoder (kept at 0 for matching, where the
        network's randomness comes from its weights).

    Examples
    --------
    >>> import torch
    >>> from sklearn_dc.nn import Transformer
    >>> Transformer(n_channels=40, d_model=16).embed(torch.zeros(3, 40, 48)).shape
    torch.Size([3, 16])
    """

    input_ndim = 2

    def __init__(
        self,
        n_channels: int,
        n_classes: int = 2,
        d_model: int = 64,
        n_heads: int = 4,
        n_layers: int = 2,
        dropout: float = 0.0,
    ):
        super().__init__()
        self.project = nn.Linear(n_channels, d_model)
        layer = nn.TransformerEncoderLayer(
            d_model,
            n_heads,
            dim_feedforward=2 * d_model,
            dropout=dropout,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        # The nested-tensor fast path only applies to inference with masks.
        self.encoder = nn.TransformerEncoder(
            layer, n_layers, enable_nested_tensor=False
        )
        self.head = nn.Linear(d_model, n_classes)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        steps = self.project(x.transpose(1, 2))
        steps = steps + sinusoidal_positions(steps.shape[1], steps.shape[2], x.device)
        return self.encoder(steps).mean(dim=1)
