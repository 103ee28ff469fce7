"""Shared fixtures: small data sets and the location of ../shared/data."""

import os
import socket
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_classification
from sklearn.preprocessing import StandardScaler

SHARED_DATA = Path(
    os.environ.get(
        "SKLEARN_DC_SHARED_DATA", Path(__file__).resolve().parents[1] / "../shared/data"
    )
).resolve()


@pytest.fixture
def shared_data():
    """Path of ../shared/data; skips the test when the real data are absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def three_class_table():
    X, y = make_classification(
        n_samples=300,
        n_features=6,
        n_informative=4,
        n_classes=3,
        weights=[0.5, 0.3, 0.2],
        random_state=0,
    )
    return X, y


@pytest.fixture(scope="session")
def digits_split():
    """load_digits, standardised on the training half."""
    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(X))
    train, test = order[:1200], order[1200:]
    scaler = StandardScaler().fit(X[train])
    return scaler.transform(X[train]), y[train], scaler.transform(X[test]), y[test]


@pytest.fixture
def free_loopback_address():
    """``tcp://127.0.0.1:<port>`` with nothing listening on the port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"tcp://127.0.0.1:{port}"
