"""The evaluation protocol on a Dask cluster, through joblib's Dask backend."""

import socket
import sys
import time

import pandas as pd
import pytest
from joblib import parallel_config
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_dc import DistributionMatching, KMeansCentroids, RandomSubset
from sklearn_dc.evaluation import evaluate_condensers
from sklearn_dc.evaluation._utility import RESULT_COLUMNS as ALL_COLUMNS
from sklearn_dc.parallel import dask_client

distributed = pytest.importorskip("distributed")

# What the results are; times and memory depend on where they ran.
RESULT_COLUMNS = [
    column
    for column in ALL_COLUMNS
    if column
    not in {"condense_seconds", "condense_memory_mb", "fit_seconds", "fit_speedup"}
]


@pytest.fixture(scope="module")
def local_cluster_client():
    """A client of a 2-process Dask cluster on loopback, closed after the tests."""
    client = dask_client(n_workers=2, threads_per_worker=1)
    try:
        yield client
    finally:
        client.close()


def _evaluate(n_jobs):
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    condensers = {
        "RandomSubset": RandomSubset(),
        "KMeansCentroids": KMeansCentroids(),
        "DistributionMatching": DistributionMatching(n_iter=20),
    }
    return evaluate_condensers(
        condensers,
        X_train,
        y_train,
        X_test,
        y_test,
        budgets=[2],
        n_seeds=2,
        learners={"logistic regression": LogisticRegression(max_iter=2000)},
        preprocessor=StandardScaler(),
        n_jobs=n_jobs,
    )


def test_dask_cluster_gives_the_local_results(local_cluster_client):
    client = local_cluster_client
    assert len(client.scheduler_info()["workers"]) == 2
    assert client.scheduler.address.startswith("tcp://127.0.0.1:")
    local = _evaluate(n_jobs=1)
    with distributed.get_task_stream(client) as stream:
        with parallel_config(backend="dask"):
            remote = _evaluate(n_jobs=2)
    # The condensations and fits ran on the workers, not in this process.
    assert len(stream.data) > 0
    pd.testing.assert_frame_equal(
        remote[RESULT_COLUMNS], local[RESULT_COLUMNS], check_exact=True
    )


def test_unreachable_scheduler_fails_fast_and_says_where(free_loopback_address):
    start = time.perf_counter()
    with pytest.raises(ConnectionError, match=free_loopback_address) as info:
        dask_client(free_loopback_address, timeout=1)
    assert time.perf_counter() - start < 5
    assert "tcp://host:8786" in str(info.value) and "firewall" in str(info.value)
    assert isinstance(info.value.__cause__, OSError)


def test_silent_server_does_not_hang_the_client():
    # Accepts connections (the kernel's backlog) and never answers, like a
    # service that is not a Dask scheduler.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        start = time.perf_counter()
        with pytest.raises(ConnectionError, match="no Dask handshake"):
            dask_client(address, timeout=1)
    assert time.perf_counter() - start < 5


def test_bad_address_and_arguments():
    with pytest.raises(ValueError, match="not a Dask scheduler address"):
        dask_client("foo://127.0.0.1:8786")
    with pytest.raises(TypeError, match="n_workers"):
        dask_client("tcp://127.0.0.1:8786", n_workers=2)


def test_missing_distributed_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r'pip install "sklearn-dc\[distributed\]"'):
        dask_client()
