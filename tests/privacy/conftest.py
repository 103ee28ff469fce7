"""Real-looking sets with known answers: copies, fresh draws, both sizes."""

import numpy as np
import pytest


def gaussian_sets(seed=0, n_train=200, n_holdout=200, n_features=5):
    """Training and holdout records of one population, with labels."""
    rng = np.random.default_rng(seed)
    X_train = rng.normal(size=(n_train, n_features))
    X_holdout = rng.normal(size=(n_holdout, n_features))
    return X_train, X_train[:, 0] > 0, X_holdout, X_holdout[:, 0] > 0


@pytest.fixture
def sets():
    return gaussian_sets()


@pytest.fixture
def fresh(sets):
    """A synthetic set drawn independently from the same population."""
    rng = np.random.default_rng(123)
    X = rng.normal(size=(200, sets[0].shape[1]))
    return X, X[:, 0] > 0
