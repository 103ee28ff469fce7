"""Dataset condensation as scikit-learn / imbalanced-learn samplers.

A condenser turns a training set into a few records per class on which a model
trains almost as well: ``X_small, y_small = condenser.fit_resample(X, y)``.

The public names are imported on first use (PEP 562), so that
``import sklearn_dc`` does not pay for torch until a matching condenser or a
network is needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_attributes

__version__ = "0.1.0.dev0"

# Public name -> the subpackage that defines it.
_LAZY = {
    "Herding": "coreset",
    "KCenterGreedy": "coreset",
    "KMeansCentroids": "prototypes",
    "RandomSubset": "coreset",
    "DistributionMatching": "matching",
    "GradientMatching": "matching",
    "KernelInducingPoints": "matching",
    "PrivateDistributionMatching": "matching",
    "TrajectoryMatching": "matching",
    "TabularCondenser": "tabular",
}

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

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from .coreset import Herding, KCenterGreedy, RandomSubset
    from .matching import (
        DistributionMatching,
        GradientMatching,
        KernelInducingPoints,
        PrivateDistributionMatching,
        TrajectoryMatching,
    )
    from .prototypes import KMeansCentroids
    from .tabular import TabularCondenser


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
