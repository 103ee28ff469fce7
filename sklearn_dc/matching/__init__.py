"""Matching condensers: synthetic records learned by gradient descent."""

from ._distribution_matching import DistributionMatching

__all__ = ["DistributionMatching"]
