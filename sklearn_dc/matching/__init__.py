"""Matching condensers: synthetic records learned by gradient descent."""

from ._distribution_matching import DistributionMatching
from ._kernel_inducing_points import KernelInducingPoints
from ._private_distribution_matching import PrivateDistributionMatching

__all__ = [
    "DistributionMatching",
    "KernelInducingPoints",
    "PrivateDistributionMatching",
]
