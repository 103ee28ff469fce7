"""Dataset condensation as scikit-learn / imbalanced-learn samplers.

A condenser turns a training set into a few records per class on which a model
trains almost as well: ``X_small, y_small = condenser.fit_resample(X, y)``.
"""

from .coreset import Herding, KCenterGreedy, KMeansCentroids, RandomSubset
from .matching import (
    DistributionMatching,
    GradientMatching,
    KernelInducingPoints,
    PrivateDistributionMatching,
    TrajectoryMatching,
)
from .tabular import TabularCondenser

__version__ = "0.1.0.dev0"

__all__ = [
    "DistributionMatching",
    "GradientMatching",
    "Herding",
    "KCenterGreedy",
    "KMeansCentroids",
    "KernelInducingPoints",
    "PrivateDistributionMatching",
    "RandomSubset",
    "TabularCondenser",
    "TrajectoryMatching",
    "__version__",
]
