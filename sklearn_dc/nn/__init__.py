"""Torch networks used by the matching condensers and as learners.

Every network takes records in the package's layout (tables
``(n, n_features)``, time series ``(n, n_channels, n_timepoints)``, images
``(n, n_channels, height, width)``) and has ``embed(x)`` (features) and
``forward(x)`` (class logits).
"""

from ._base import EmbeddingNet
from ._convnet import ConvNet
from ._init import init_weights_
from ._learner import NetClassifier
from ._mlp import MLP
from ._recurrent import GRU, LSTM
from ._resolve import (
    AUTO_NETWORKS,
    NETWORKS,
    auto_size,
    redraw_weights,
    resolve_nets,
)
from ._tcn import TCN
from ._transformer import Transformer

__all__ = [
    "AUTO_NETWORKS",
    "GRU",
    "LSTM",
    "MLP",
    "NETWORKS",
    "NetClassifier",
    "TCN",
    "ConvNet",
    "EmbeddingNet",
    "Transformer",
    "auto_size",
    "init_weights_",
    "redraw_weights",
    "resolve_nets",
]
