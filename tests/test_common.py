"""scikit-learn's and imbalanced-learn's common estimator checks on every condenser."""

import pytest
from imblearn.utils.estimator_checks import (
    parametrize_with_checks as parametrize_with_imblearn_checks,
)
from sklearn.utils.estimator_checks import parametrize_with_checks

from ._instances import all_condensers

# Checks a condenser fails by design, with the reason.
_SECRET_NOISE = (
    "compares two fits on the same data; the DP noise is seeded by the "
    "operating system, so two fits differ by design"
)
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {
    "PrivateDistributionMatching": {
        check: _SECRET_NOISE
        for check in (
            "check_samplers_sparse",
            "check_samplers_pandas",
            "check_samplers_pandas_sparse",
            "check_samplers_list",
            "check_samplers_multiclass_ova",
        )
    }
}


def expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


def listed(mark):
    """The parametrize mark with its values in a list: both libraries pass a
    generator, which pytest is deprecating."""
    names, values, *rest = mark.args
    return pytest.mark.parametrize(names, list(values), *rest, **mark.kwargs)


@listed(
    parametrize_with_checks(
        all_condensers(), expected_failed_checks=expected_failed_checks
    )
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@listed(
    parametrize_with_imblearn_checks(
        all_condensers(), expected_failed_checks=expected_failed_checks
    )
)
def test_imblearn_compatible(estimator, check):
    check(estimator)
