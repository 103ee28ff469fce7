"""Real-looking sets with known answers, for the privacy tests."""

import numpy as np


def gaussian_sets(seed=0, n_train=200, n_holdout=200, n_features=5):
    """Training and holdout records of one population, with labels."""
    rng = np.random.default_rng(seed)
    X_train = rng.normal(size=(n_train, n_features))
    X_holdout = rng.normal(size=(n_holdout, n_features))
    return X_train, X_train[:, 0] > 0, X_holdout, X_holdout[:, 0] > 0
