"""Public estimators document every parameter and export what they promise."""

import inspect
import re

import pytest

import sklearn_dc
from sklearn_dc.nn import NetClassifier

from ._instances import all_condensers


@pytest.mark.parametrize(
    "condenser",
    [*all_condensers(), sklearn_dc.TabularCondenser(), NetClassifier()],
    ids=lambda c: type(c).__name__,
)
def test_every_parameter_is_documented(condenser):
    doc = type(condenser).__doc__
    section = doc.split("Parameters\n    ----------")[1].split("Attributes\n")[0]
    documented = re.findall(r"^    (\w+) :", section, flags=re.MULTILINE)
    assert documented == list(inspect.signature(type(condenser)).parameters)


def test_public_names_are_exported():
    for name in sklearn_dc.__all__:
        assert hasattr(sklearn_dc, name)
    assert {type(c).__name__ for c in all_condensers()} <= set(sklearn_dc.__all__)
