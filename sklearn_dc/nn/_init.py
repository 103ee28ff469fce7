"""Weight initialisation from an explicit ``torch.Generator``."""

from __future__ import annotations

import math

import torch
from torch import nn


@torch.no_grad()
def init_weights_(module: nn.Module, generator: torch.Generator | None = None) -> None:
    """Draw new weights for every layer of ``module`` in place.

    Each layer gets the distribution torch gives it at construction (Kaiming
    uniform for linear and convolution layers, ``U(-1/sqrt(h), 1/sqrt(h))`` for
    recurrent layers, Xavier uniform for attention projections, ones and zeros
    for normalisation layers), but drawn from ``generator``, so that matching
    loops re-draw networks without touching the global random state.

    Parameters
    ----------
    module : nn.Module
        The module whose layers are re-initialised.
    generator : torch.Generator, default=None
        Source of randomness, on the module's device.
    """
    for layer in module.modules():
        if isinstance(layer, nn.Linear | nn.Conv1d | nn.Conv2d):
            nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
            if layer.bias is not None:
                fan_in = layer.weight[0].numel()
                bound = 1.0 / math.sqrt(fan_in)
                nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
        elif isinstance(layer, nn.RNNBase):
            bound = 1.0 / math.sqrt(layer.hidden_size)
            for weight in layer.parameters():
                nn.init.uniform_(weight, -bound, bound, generator=generator)
        elif isinstance(layer, nn.MultiheadAttention):
            nn.init.xavier_uniform_(layer.in_proj_weight, generator=generator)
            nn.init.zeros_(layer.in_proj_bias)
            nn.init.zeros_(layer.out_proj.bias)
        elif (
            isinstance(layer, nn.LayerNorm | nn.GroupNorm) and layer.weight is not None
        ):
            nn.init.ones_(layer.weight)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
