"""Fixtures of the matching tests."""

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification


@pytest.fixture
def one_torch_thread():
    """One intra-op torch thread for the test, then the previous count."""
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)


@pytest.fixture
def table():
    """240 records of 6 features in 3 classes, float32."""
    X, y = make_classification(
        n_samples=240, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return X.astype(np.float32), y
