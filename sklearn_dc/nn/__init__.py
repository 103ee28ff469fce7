"""Torch networks used by the matching condensers."""

from ._mlp import MLP
from ._resolve import NETWORKS, redraw_weights, resolve_net

__all__ = ["MLP", "NETWORKS", "redraw_weights", "resolve_net"]
