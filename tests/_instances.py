"""One fast instance of every public condenser, for the shared tests."""

from sklearn_dc import (
    DistributionMatching,
    Herding,
    KCenterGreedy,
    KMeansCentroids,
    RandomSubset,
)
from sklearn_dc.matching import (
    GradientMatching,
    KernelInducingPoints,
    PrivateDistributionMatching,
    TrajectoryMatching,
)


def all_condensers():
    """One fast instance of every public condenser."""
    return [
        RandomSubset(n_per_class=3, random_state=0),
        Herding(n_per_class=3, random_state=0),
        KCenterGreedy(n_per_class=3, random_state=0),
        KMeansCentroids(n_per_class=3, random_state=0, n_init=1),
        DistributionMatching(n_per_class=3, n_iter=5, batch_real=32, random_state=0),
        KernelInducingPoints(n_per_class=3, n_iter=5, batch_real=16, random_state=0),
        GradientMatching(
            n_per_class=3, n_iter=5, batch_real=16, inner_steps=2, random_state=0
        ),
        PrivateDistributionMatching(
            n_per_class=3, n_iter=5, batch_real=32, epsilon=10.0, random_state=0
        ),
        TrajectoryMatching(
            n_per_class=3,
            n_iter=5,
            n_experts=1,
            expert_epochs=2,
            max_start_epoch=1,
            expert_epochs_ahead=1,
            syn_steps=2,
            random_state=0,
        ),
    ]
