"""scikit-learn's and imbalanced-learn's common estimator checks on every condenser."""

from imblearn.utils.estimator_checks import (
    parametrize_with_checks as parametrize_with_imblearn_checks,
)
from sklearn.utils.estimator_checks import parametrize_with_checks

from .conftest import all_condensers

# Checks a condenser fails by design, with the reason.
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {}


def expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


@parametrize_with_checks(
    all_condensers(), expected_failed_checks=expected_failed_checks
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@parametrize_with_imblearn_checks(
    all_condensers(), expected_failed_checks=expected_failed_checks
)
def test_imblearn_compatible(estimator, check):
    check(estimator)
