"""Recurrent networks (GRU, LSTM) for clinical time series."""

from __future__ import annotations

import torch
from torch import nn

from ._base import EmbeddingNet


class _Recurrent(EmbeddingNet):
    input_ndim = 2
    _cell: type[nn.RNNBase]

    def __init__(
        self, n_channels: int, n_classes: int = 2, hidden: int = 64, n_layers: int = 1
    ):
        super().__init__()
        self.rnn = self._cell(n_channels, hidden, num_layers=n_layers, batch_first=True)
        self.head = nn.Linear(hidden, n_classes)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        # (n, channels, time) -> (n, time, channels); the last step's output.
        out, _ = self.rnn(x.transpose(1, 2))
        return out[:, -1]


_DOCSTRING = """A {kind} network; the embedding is its last output.

    Input ``(n, n_channels, n_timepoints)``.

    Parameters
    ----------
    n_channels : int
        Number of input channels (variables).
    n_classes : int, default=2
        Number of output logits.
    hidden : int, default=64
        Hidden state size.
    n_layers : int, default=1
        Number of stacked recurrent layers.

    Examples
    --------
    >>> import torch
    >>> from sklearn_dc.nn import {name}
    >>> {name}(n_channels=40, hidden=16).embed(torch.zeros(3, 40, 48)).shape
    torch.Size([3, 16])
    """


class GRU(_Recurrent):
    __doc__ = _DOCSTRING.format(kind="gated recurrent unit", name="GRU")
    _cell = nn.GRU


class LSTM(_Recurrent):
    __doc__ = _DOCSTRING.format(kind="long short-term memory", name="LSTM")
    _cell = nn.LSTM
