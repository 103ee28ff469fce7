"""Differentiable siamese augmentations (DSA) of the matching condensers.

The transforms live beside their users, in ``sklearn_dc.matching._augment``;
this module is their documented public path. See
:class:`~sklearn_dc.augment.Augmentation` and the ``augment=`` parameter of
:class:`~sklearn_dc.DistributionMatching` and
:class:`~sklearn_dc.GradientMatching`.
"""

from .matching._augment import (
    AUGMENTATIONS,
    PRESETS,
    Augmentation,
    apply_shared,
    resolve_augment,
)

__all__ = [
    "AUGMENTATIONS",
    "PRESETS",
    "Augmentation",
    "apply_shared",
    "resolve_augment",
]
