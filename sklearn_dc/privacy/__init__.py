"""Measure how much a condensed set leaks about its training records.

Condensed data are not private by construction. These functions measure
leakage (copies, distances to closest records, membership inference); they do
not prove its absence.
"""

from ._accounting import PrivacyWarning
from ._distance import (
    count_copies,
    dcr_summary,
    distance_to_closest_record,
    nearest_neighbor_distance_ratio,
)
from ._membership import MembershipInferenceResult, classifier_attack, distance_attack
from ._report import plot_dcr, privacy_report
from ._shadow import shadow_audit
from ._validation import HoldoutOverlapWarning

__all__ = [
    "HoldoutOverlapWarning",
    "MembershipInferenceResult",
    "PrivacyWarning",
    "classifier_attack",
    "count_copies",
    "dcr_summary",
    "distance_attack",
    "distance_to_closest_record",
    "nearest_neighbor_distance_ratio",
    "plot_dcr",
    "privacy_report",
    "shadow_audit",
]
