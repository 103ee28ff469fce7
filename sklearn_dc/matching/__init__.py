"""Matching condensers: synthetic records learned by gradient descent."""

from ._distribution_matching import DistributionMatching
from ._gradient_matching import GradientMatching
from ._kernel_inducing_points import KernelInducingPoints
from ._private_distribution_matching import PrivateDistributionMatching
from ._trajectory_matching import TrajectoryMatching

__all__ = [
    "DistributionMatching",
    "GradientMatching",
    "KernelInducingPoints",
    "PrivateDistributionMatching",
    "TrajectoryMatching",
]
