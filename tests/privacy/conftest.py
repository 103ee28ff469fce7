"""Real-looking sets with known answers: copies, fresh draws, both sizes."""

import numpy as np
import pytest

from ._sets import gaussian_sets


@pytest.fixture
def sets():
    return gaussian_sets()


@pytest.fixture
def fresh(sets):
    """A synthetic set drawn independently from the same population."""
    rng = np.random.default_rng(123)
    X = rng.normal(size=(200, sets[0].shape[1]))
    return X, X[:, 0] > 0
