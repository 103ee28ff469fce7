"""Kernel inducing points: the kernels are right, the loss falls, it beats random."""

import math

import numpy as np
import pytest
import torch
from sklearn.metrics.pairwise import rbf_kernel as sklearn_rbf_kernel
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_dc import RandomSubset
from sklearn_dc.matching import KernelInducingPoints
from sklearn_dc.matching._kernel_inducing_points import (
    BIAS_VARIANCE,
    WEIGHT_VARIANCE,
    rbf_kernel,
    relu_network_kernel,
)

from .._helpers import accuracy

KERNELS = ["ntk", "nngp", "rbf", "random_features"]


# One intra-op thread: the problems are tiny and the machine is shared.
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def random_rows(n=8, d=5, seed=0):
    rows = torch.randn(n, d, generator=torch.Generator().manual_seed(seed))
    rows = rows.double()
    rows[1] = 0.95 * rows[0] + 0.05 * rows[1]  # a nearly parallel pair
    rows[2] = -rows[0]  # an opposite pair
    return rows


# --- the closed-form kernels -------------------------------------------------


@pytest.mark.parametrize("kind", ["ntk", "nngp"])
@pytest.mark.parametrize("depth", [1, 3])
def test_relu_kernels_are_symmetric_positive_semi_definite(kind, depth):
    X = random_rows(n=30, d=4)
    K = relu_network_kernel(X, X, depth=depth, kind=kind)
    torch.testing.assert_close(K, K.T)
    eigenvalues = torch.linalg.eigvalsh(K)
    assert eigenvalues.min() > -1e-9 * eigenvalues.max()
    # A block of cross terms equals the kernel computed on its own.
    torch.testing.assert_close(
        relu_network_kernel(X[:5], X[10:], depth=depth, kind=kind), K[:5, 10:]
    )


def test_relu_kernels_of_depth_one_match_a_wide_random_network():
    # NNGP: E_w[f(x) f(x')] for the read-out f of one random ReLU layer.
    # NTK: the NNGP plus the gradient term of the first layer.
    X = random_rows(n=6, d=5)
    n_features, width = X.shape[1], 200_000
    g = torch.Generator().manual_seed(1)
    W = torch.randn(width, n_features, generator=g, dtype=torch.float64)
    b = torch.randn(width, generator=g, dtype=torch.float64)
    pre = X @ W.T * math.sqrt(WEIGHT_VARIANCE / n_features) + b * math.sqrt(
        BIAS_VARIANCE
    )
    hidden, slope = torch.relu(pre), (pre > 0).double()
    nngp = WEIGHT_VARIANCE * hidden @ hidden.T / width + BIAS_VARIANCE
    first_layer = WEIGHT_VARIANCE * X @ X.T / n_features + BIAS_VARIANCE
    ntk = nngp + WEIGHT_VARIANCE * (slope @ slope.T / width) * first_layer
    for kind, monte_carlo in [("nngp", nngp), ("ntk", ntk)]:
        K = relu_network_kernel(X, X, depth=1, kind=kind)
        assert (K - monte_carlo).abs().max() < 0.01 * K.abs().max(), kind


def test_depth_zero_is_the_linear_kernel():
    X = random_rows()
    linear = WEIGHT_VARIANCE * X @ X.T / X.shape[1] + BIAS_VARIANCE
    for kind in ["ntk", "nngp"]:
        torch.testing.assert_close(
            relu_network_kernel(X, X, depth=0, kind=kind), linear
        )


@pytest.mark.parametrize("kind", ["ntk", "nngp"])
def test_relu_kernel_gradients_are_exact_on_and_off_the_diagonal(kind):
    X = random_rows(n=5, d=3).requires_grad_(True)
    X.data[2] += 0.3  # keep the pairs off exact (anti-)parallelism
    Z = random_rows(n=4, d=3, seed=1)
    assert torch.autograd.gradcheck(
        lambda a: relu_network_kernel(a, Z, depth=2, kind=kind), (X,)
    )
    # K(X, X): a record's correlation with itself stays 1 under perturbation.
    assert torch.autograd.gradcheck(
        lambda a: relu_network_kernel(a, a, depth=2, kind=kind), (X,)
    )


def test_rbf_kernel_is_sklearns():
    X, Z = random_rows(), random_rows(n=3, seed=2)
    np.testing.assert_allclose(
        rbf_kernel(X, Z, 0.3).numpy(), sklearn_rbf_kernel(X.numpy(), Z.numpy(), 0.3)
    )


# --- the condenser -----------------------------------------------------------


def test_beats_random_subset_at_one_per_class_on_digits(digits_split):
    kip = accuracy(
        KernelInducingPoints(n_per_class=1, n_iter=30, lr=0.1, batch_real=32),
        digits_split,
    )
    random = accuracy(RandomSubset(n_per_class=1), digits_split)
    assert kip >= random + 0.15, (kip, random)


def test_loss_falls_and_rows_move(digits_split):
    X, y = digits_split[:2]
    condenser = KernelInducingPoints(
        n_per_class=2, n_iter=40, lr=0.05, batch_real=32, random_state=0
    )
    X_res, y_res = condenser.fit_resample(X, y)
    history = condenser.loss_history_
    assert history.shape == (40,) and condenser.n_iter_ == 40
    assert history[-5:].mean() < 0.6 * history[:5].mean()
    assert y_res.tolist() == np.repeat(np.arange(10), 2).tolist()
    X_init, _ = condenser.set_params(n_iter=0).fit_resample(X, y)
    gaps_to_real = np.linalg.norm(X_init[:, None] - X[None], axis=2).min(axis=1)
    assert gaps_to_real.max() < 1e-5
    assert np.linalg.norm(X_res - X_init, axis=1).min() > 0.1


@pytest.mark.parametrize("kernel", KERNELS)
def test_every_kernel_learns_on_a_table(kernel, three_class_table):
    X, y = three_class_table
    condenser = KernelInducingPoints(
        n_per_class=3, kernel=kernel, n_iter=30, lr=0.05, batch_real=32,
        random_state=0,
    )  # fmt: skip
    X_res, y_res = condenser.fit_resample(X, y)
    assert X_res.shape == (9, X.shape[1]) and np.isfinite(X_res).all()
    assert y_res.tolist() == [0] * 3 + [1] * 3 + [2] * 3
    history = condenser.loss_history_
    assert history[-5:].mean() < history[:5].mean(), kernel


def test_same_seed_same_records_other_seed_other_records(three_class_table):
    X, y = three_class_table
    for kernel in ["ntk", "random_features"]:
        params = dict(n_per_class=2, kernel=kernel, n_iter=10, batch_real=16)
        first, _ = KernelInducingPoints(**params, random_state=0).fit_resample(X, y)
        again, _ = KernelInducingPoints(**params, random_state=0).fit_resample(X, y)
        other, _ = KernelInducingPoints(**params, random_state=1).fit_resample(X, y)
        np.testing.assert_array_equal(first, again)
        assert not np.allclose(first, other)


def make_series(n=40, n_channels=3, n_timepoints=8, seed=0):
    """Two classes that differ in the level of channel 0."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_channels, n_timepoints)).astype(np.float32)
    y = np.repeat([0, 1], n // 2)
    X[y == 1, 0] += 1.0
    return X, y


@pytest.mark.parametrize("kernel", ["random_features", "ntk"])
def test_time_series_keep_their_shape(kernel):
    X, y = make_series()
    condenser = KernelInducingPoints(
        n_per_class=2, kernel=kernel, n_iter=20, lr=0.05, batch_real=8,
        random_state=0,
    )  # fmt: skip
    X_res, y_res = condenser.fit_resample(X, y)
    assert X_res.shape == (4, 3, 8) and X_res.dtype == np.float32
    assert y_res.tolist() == [0, 0, 1, 1]
    assert condenser.loss_history_[-5:].mean() < condenser.loss_history_[:5].mean()


def test_a_network_that_does_not_fit_the_records_is_explained():
    X, y = make_series()
    with pytest.raises(ValueError, match=r"needs 2-D X.*kernel='ntk'"):
        KernelInducingPoints(
            kernel="random_features", net="mlp", n_iter=1
        ).fit_resample(X, y)
    # The closed-form kernels need no network, so net is not even built.
    X_res, _ = KernelInducingPoints(
        kernel="rbf", net="mlp", n_per_class=2, n_iter=1
    ).fit_resample(X, y)
    assert X_res.shape == (4, 3, 8)


def test_learned_labels_are_exposed_and_move(three_class_table):
    X, y = three_class_table
    condenser = KernelInducingPoints(
        n_per_class=2, learn_labels=True, n_iter=30, lr=0.05, batch_real=16,
        random_state=0,
    )  # fmt: skip
    X_res, y_res = condenser.fit_resample(X, y)
    soft = condenser.soft_labels_
    assert soft.shape == (6, 3) and soft.dtype == np.float64
    onehot = np.eye(3)[y_res]
    assert np.abs(soft - onehot).max() > 0.05  # they were learned
    assert (soft.argmax(axis=1) == y_res).mean() >= 0.5  # and still mostly agree
    # Without learn_labels, no soft labels (and a refit drops stale ones).
    condenser.set_params(learn_labels=False).fit_resample(X, y)
    assert not hasattr(condenser, "soft_labels_")
    assert not hasattr(condenser, "_learned_labels")


@pytest.mark.parametrize(
    "params",
    [
        {"kernel": "laplacian"},
        {"depth": -1},
        {"gamma": 0},
        {"gamma": "auto"},
        {"reg": -1.0},
        {"learn_labels": "yes"},
        {"lr": 0},
    ],
)
def test_invalid_parameters_are_refused(params, three_class_table):
    X, y = three_class_table
    with pytest.raises(InvalidParameterError):
        KernelInducingPoints(**params).fit_resample(X, y)


def test_a_kernel_too_large_for_memory_is_refused_before_allocating(
    three_class_table,
):
    X, y = three_class_table
    with pytest.raises(ValueError, match=r"kernel matrices.*smaller n_per_class"):
        KernelInducingPoints(n_per_class=5, batch_real=10**7).fit_resample(X, y)


def test_a_singular_kernel_asks_for_more_regularisation():
    X = np.vstack([np.ones((2, 3)), np.zeros((2, 3))])
    y = np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match="singular.*larger reg"):
        KernelInducingPoints(
            kernel="rbf", reg=0.0, n_per_class=2, n_iter=1
        ).fit_resample(X, y)
