"""The interface every network of the package shares."""

from __future__ import annotations

import torch
from torch import nn

from ._init import init_weights_


class EmbeddingNet(nn.Module):
    """Base class: a feature extractor ``embed`` followed by a linear ``head``.

    Subclasses build ``self.head`` (an ``nn.Linear`` from the embedding to the
    class logits) and implement ``embed``. ``input_ndim`` is the number of
    dimensions of one record the network reads: 1 for tables
    ``(n_features,)``, 2 for time series ``(n_channels, n_timepoints)``, 3 for
    images ``(n_channels, height, width)``.
    """

    input_ndim: int = 1

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Features of each record, shape ``(n, embedding_dim)``."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits, shape ``(n, n_classes)``."""
        return self.head(self.embed(x))

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """Draw new weights in place, from ``generator`` when given."""
        init_weights_(self, generator)
