"""Out-of-core input: condensers read a numpy.memmap without loading it whole."""

import sys

import numpy as np
import pytest
from sklearn.datasets import make_classification

from sklearn_dc import (
    DistributionMatching,
    GradientMatching,
    Herding,
    KCenterGreedy,
    KernelInducingPoints,
    KMeansCentroids,
    RandomSubset,
    TrajectoryMatching,
    _out_of_core,
)
from sklearn_dc.evaluation import PeakMemory


def _memmap(tmp_path, X, mode="r", name="X.dat"):
    """``X`` written to a file and opened again as a memmap in ``mode``."""
    path = tmp_path / name
    writer = np.memmap(path, dtype=X.dtype, mode="w+", shape=X.shape)
    writer[:] = X
    writer.flush()
    del writer
    return np.memmap(path, dtype=X.dtype, mode=mode, shape=X.shape)


@pytest.fixture
def table():
    X, y = make_classification(
        n_samples=300, n_features=8, n_informative=4, random_state=0
    )
    return X.astype(np.float32), y


CONDENSERS = [
    RandomSubset(n_per_class=4),
    Herding(n_per_class=4),
    KCenterGreedy(n_per_class=4),
    KMeansCentroids(n_per_class=4),
    DistributionMatching(n_per_class=4, n_iter=5, batch_real=16),
    DistributionMatching(
        n_per_class=4, n_iter=5, batch_real=16, init="noise", bounds="data"
    ),
    DistributionMatching(n_per_class=4, n_iter=5, batch_real=16, init="kmeans"),
    DistributionMatching(n_per_class=4, n_iter=5, n_nets=3),
    GradientMatching(n_per_class=4, n_iter=4, inner_steps=2, batch_real=16),
    KernelInducingPoints(n_per_class=4, n_iter=5, batch_real=16),
    KernelInducingPoints(n_per_class=4, n_iter=5, batch_real=16, kernel="rbf"),
    KernelInducingPoints(
        n_per_class=4, n_iter=5, batch_real=16, kernel="random_features"
    ),
    TrajectoryMatching(
        n_per_class=4,
        n_iter=2,
        syn_steps=2,
        n_experts=1,
        expert_epochs=3,
        max_start_epoch=1,
        batch_real=64,
    ),
]


@pytest.mark.parametrize("condenser", CONDENSERS, ids=lambda c: repr(c)[:60])
def test_memmap_gives_the_in_memory_result(condenser, table, tmp_path):
    X, y = table
    X_disk = _memmap(tmp_path, X)
    condenser.set_params(random_state=0)
    X_syn, y_syn = condenser.fit_resample(X, y)
    X_mm, y_mm = condenser.fit_resample(X_disk, y)
    assert type(X_mm) is np.ndarray  # the records, not a view of the file
    assert X_mm.dtype == np.float32
    if condenser.get_params().get("init") == "noise":
        # The noise's mean and scale are summed block by block in float64.
        np.testing.assert_allclose(X_mm, X_syn, rtol=1e-4, atol=1e-5)
    else:
        np.testing.assert_array_equal(X_mm, X_syn)
    np.testing.assert_array_equal(y_mm, y_syn)
    np.testing.assert_array_equal(X_disk, X)  # the file is untouched


def test_memmap_time_series_with_data_bounds(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 3, 12)).astype(np.float32)
    X[:, 2] = np.arange(12) + rng.integers(0, 5, size=(120, 1))  # a clock channel
    y = np.repeat([0, 1], 60)
    condenser = DistributionMatching(
        n_per_class=3, n_iter=3, bounds="data", batch_real=8, random_state=0
    )
    expected = condenser.fit_resample(X, y)[0]
    got = condenser.fit_resample(_memmap(tmp_path, X), y)[0]
    np.testing.assert_array_equal(got, expected)


def test_blocks_cover_every_row(table, tmp_path, monkeypatch):
    X, _ = table
    X_disk = _memmap(tmp_path, X)
    blocks = list(_out_of_core.iter_blocks(X_disk, block_bytes=X[:1].nbytes * 7))
    assert len(blocks) == -(-len(X) // 7)
    np.testing.assert_array_equal(np.concatenate(blocks), X)
    low, high = _out_of_core.column_range(X_disk)
    np.testing.assert_array_equal(low, X.min(axis=0))
    np.testing.assert_array_equal(high, X.max(axis=0))
    mean, std = _out_of_core.column_mean_std(X_disk)
    np.testing.assert_allclose(mean, X.mean(axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(std, X.std(axis=0), rtol=1e-5)
    assert _out_of_core.element_variance(X_disk) == pytest.approx(X.var(), rel=1e-5)
    rows = np.array([5, 3, 5, 299, 0])
    np.testing.assert_array_equal(_out_of_core.take_rows(X_disk, rows), X[rows])


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/statm")
def test_memory_grows_with_the_batch_not_the_rows(tmp_path, monkeypatch):
    # 96 MB of records on disk, scanned in 4 MB blocks (the noise init's
    # statistics); then the fit reads batches of 2 x 64 rows.
    monkeypatch.setattr(_out_of_core, "BLOCK_BYTES", 4 * 2**20)
    n_rows, n_features = 200_000, 120
    path = tmp_path / "big.dat"
    writer = np.memmap(path, dtype=np.float32, mode="w+", shape=(n_rows, n_features))
    for start in range(0, n_rows, 20_000):
        writer[start : start + 20_000] = np.random.default_rng(start).standard_normal(
            (20_000, n_features), dtype=np.float32
        )
    writer.flush()
    del writer
    X = np.memmap(path, dtype=np.float32, mode="r", shape=(n_rows, n_features))
    y = np.arange(n_rows) % 2
    condenser = DistributionMatching(
        n_per_class=5, n_iter=20, batch_real=64, init="noise", random_state=0
    )
    with PeakMemory() as memory:
        condenser.fit_resample(X, y)
    # Reading the file whole would take at least X.nbytes.
    assert memory.extra_bytes < 0.5 * X.nbytes


def test_whole_class_methods_sample_a_large_class(table, tmp_path, monkeypatch):
    X, y = table
    monkeypatch.setattr(_out_of_core, "CLASS_SAMPLE_BYTES", X[:1].nbytes * 50)
    condenser = KCenterGreedy(n_per_class=4, random_state=0)
    with pytest.warns(UserWarning, match="random sample of 50 of the 150"):
        X_res, y_res = condenser.fit_resample(_memmap(tmp_path, X), y)
    assert len(np.unique(condenser.sample_indices_)) == 8
    np.testing.assert_array_equal(X_res, X[condenser.sample_indices_])
    np.testing.assert_array_equal(y[condenser.sample_indices_], y_res)


def test_copy_on_write_memmap_keeps_the_callers_changes(table, tmp_path):
    X, y = table
    X_disk = _memmap(tmp_path, X, mode="c")
    X_disk[0] = 100.0  # a change in memory only
    DistributionMatching(n_per_class=2, n_iter=2, random_state=0).fit_resample(
        X_disk, y
    )
    assert (X_disk[0] == 100.0).all()


@pytest.mark.parametrize(
    "dtype, shape, n_labels, match",
    [
        (np.int16, (300, 8), 300, "dtype int16.*float32 or float64"),
        (np.float32, (2400,), 300, "1-D numpy.memmap"),
        (np.float32, (150, 16), 300, "150 rows but y has 300"),
    ],
)
def test_bad_memmap(tmp_path, dtype, shape, n_labels, match):
    X = _memmap(tmp_path, np.zeros(shape, dtype=dtype))
    y = np.arange(n_labels) % 2
    with pytest.raises(ValueError, match=match):
        DistributionMatching(n_iter=1).fit_resample(X, y)


def test_memmap_with_nan(table, tmp_path):
    X, y = table
    X = X.copy()
    X[123, 4] = np.nan
    with pytest.raises(ValueError, match="contains NaN.*SimpleImputer"):
        RandomSubset().fit_resample(_memmap(tmp_path, X), y)
