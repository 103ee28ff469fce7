"""Private distribution matching: calibrated noise, bounded influence, no leaks."""

import math
import sys
import warnings

import numpy as np
import pytest
import torch
from sklearn.utils._param_validation import InvalidParameterError
from torch import nn

from sklearn_dc import DistributionMatching, RandomSubset
from sklearn_dc.base import BudgetWarning
from sklearn_dc.matching import PrivateDistributionMatching
from sklearn_dc.matching._private_distribution_matching import (
    _clipped_class_sums,
    _noisy_class_sums,
)

from .._helpers import accuracy

pytest.importorskip("opacus")


# One sub-sampled setting shared by several tests: opacus's search for its
# noise multiplier takes seconds and is remembered across fits.
SUBSAMPLED = dict(
    epsilon=2.0, delta=1e-4, n_iter=10, batch_real=20, n_samples=300, classes=[0, 1, 2]
)


def test_noise_multiplier_is_opacus_calibration(three_class_table):
    from opacus.accountants import RDPAccountant
    from opacus.accountants.utils import get_noise_multiplier

    X, y = three_class_table  # 300 records, 3 classes
    condenser = PrivateDistributionMatching(random_state=0, **SUBSAMPLED)
    condenser.fit_resample(X, y)
    assert condenser.sample_rate_ == pytest.approx(20 * 3 / 300)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Optimal order")
        expected = get_noise_multiplier(
            target_epsilon=2.0,
            target_delta=1e-4,
            sample_rate=0.2,
            steps=10,
            accountant="rdp",
        )
        # The calibration is tight: 10% less noise would overspend.
        accountant = RDPAccountant()
        accountant.history = [(0.9 * expected, 0.2, 10)]
        assert accountant.get_epsilon(delta=1e-4) > 2.0
    assert condenser.noise_multiplier_ == pytest.approx(expected, rel=1e-12)
    assert 0.97 * 2.0 < condenser.epsilon_ <= 2.0
    assert condenser.delta_ == 1e-4
    assert condenser.neighbouring_ == "add/remove"


@pytest.mark.parametrize(
    "epsilon, delta, n_iter, batch_real",
    [
        (0.5, 1e-5, 5, 200),
        (1.0, 1e-5, 30, 200),
        (8.0, 1e-3, 12, 200),
        (3.0, 1e-6, 1, 100),
    ],
)
def test_epsilon_spent_is_within_budget(epsilon, delta, n_iter, batch_real):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 4)), np.repeat([0, 1], 100)
    condenser = PrivateDistributionMatching(
        n_per_class=2,
        epsilon=epsilon,
        delta=delta,
        n_iter=n_iter,
        batch_real=batch_real,
        classes=[0, 1],
        n_samples=200,
        random_state=0,
    )
    condenser.fit_resample(X, y)
    assert condenser.sample_rate_ == min(1.0, batch_real * 2 / 200)
    assert condenser.epsilon_ <= epsilon
    assert condenser.epsilon_ > 0.97 * epsilon  # the budget is used, not wasted
    assert condenser.delta_ == delta
    assert condenser.neighbouring_ == "add/remove"


def test_without_public_n_the_guarantee_is_for_replacing_a_record():
    from sklearn_dc.privacy._accounting import spent_epsilon

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 4)), np.repeat([0, 1], 100)
    condenser = PrivateDistributionMatching(
        n_per_class=2, epsilon=2.0, n_iter=10, batch_real=50, classes=[0, 1]
    )
    condenser.fit_resample(X, y)
    assert condenser.neighbouring_ == "replace-one"
    assert condenser.sample_rate_ == 0.5  # from the data's size, now public
    # Group privacy: an (e, d) add/remove guarantee is (2e, (1 + e^e) d) for
    # replacing a record; the noise is calibrated to e = epsilon / 2.
    delta_add_remove = 1e-5 / (1 + math.exp(1.0))
    add_remove = spent_epsilon(condenser.noise_multiplier_, 0.5, 10, delta_add_remove)
    assert condenser.epsilon_ == pytest.approx(2 * add_remove)
    assert 0.97 * 2.0 < condenser.epsilon_ <= 2.0
    # More noise than the add/remove calibration at the same epsilon.
    public_n = PrivateDistributionMatching(**condenser.get_params())
    public_n.set_params(n_samples=200).fit_resample(X, y)
    assert public_n.noise_multiplier_ < 0.8 * condenser.noise_multiplier_


def test_clipping_bounds_one_records_influence():
    rng = np.random.default_rng(0)
    embedded = torch.as_tensor(rng.normal(size=(50, 8)) * 3, dtype=torch.float32)
    labels = torch.as_tensor(rng.integers(0, 3, size=50))
    clip = 0.7
    sums = _clipped_class_sums(embedded, labels, 3, clip)
    # The count column is clip_norm times the class counts.
    counts = torch.bincount(labels, minlength=3).float()
    torch.testing.assert_close(sums[:, -1], clip * counts)
    for huge in (1e6, -1e9):
        changed = embedded.clone()
        changed[7] = huge
        delta = _clipped_class_sums(changed, labels, 3, clip) - sums
        # Only the record's own class moves, by at most twice the bound
        # (replacement); removal moves it by at most sqrt(2) * clip_norm.
        assert delta[[c for c in range(3) if c != labels[7]]].abs().max() == 0
        assert torch.linalg.norm(delta) <= 2 * clip + 1e-5
    kept = torch.arange(50) != 7
    removed = _clipped_class_sums(embedded[kept], labels[kept], 3, clip) - sums
    assert torch.linalg.norm(removed) == pytest.approx(math.sqrt(2) * clip, rel=1e-5)


def test_release_adds_noise_of_the_requested_scale():
    embedded = torch.zeros(0, 20_000)
    generator = torch.Generator().manual_seed(0)
    sums = _noisy_class_sums(
        embedded, torch.zeros(0, dtype=torch.long), 2, 1.0, 0.3, generator
    )
    assert sums.shape == (2, 20_001)
    assert sums.std().item() == pytest.approx(0.3, rel=0.02)
    assert abs(sums.mean().item()) < 0.01


def test_noise_is_calibrated_to_the_sensitivity():
    # A network that embeds everything at 0: the real class means are pure
    # noise, N(0, (sigma * sqrt(2) * clip_norm)^2) over about n_c records.
    # The noise is secret (unseeded) and a noisy count divides it: classes of
    # 400 keep that count within about 1%, so the mean loss is within 10% of
    # the formula every time (measured: 0.98-1.02 of it in 25 fits).
    d, n_c, clip = 2000, 400, 0.5

    class Zero(nn.Module):
        def __init__(self, n_features, n_classes):
            super().__init__()
            self.layer = nn.Linear(n_features, d)

        def embed(self, x):
            return 0 * self.layer(x)

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(2 * n_c, 3)), np.repeat([0, 1], n_c)
    condenser = PrivateDistributionMatching(
        net=Zero,
        epsilon=3.0,
        n_iter=20,
        batch_real=n_c,
        clip_norm=clip,
        classes=[0, 1],
        n_samples=2 * n_c,
        random_state=0,
    )
    condenser.fit_resample(X, y)
    assert condenser.sample_rate_ == 1.0
    sigma = condenser.noise_multiplier_
    expected = 2 * d * 2 * (sigma * clip) ** 2 / n_c**2
    assert condenser.loss_history_.mean() == pytest.approx(expected, rel=0.1)


def test_whole_training_set_is_poisson_sampled(three_class_table):
    X, y = three_class_table
    sizes = []

    class Recording(nn.Module):
        def __init__(self, n_features, n_classes):
            super().__init__()
            self.layer = nn.Linear(n_features, 8)

        def embed(self, x):
            sizes.append(len(x))
            return self.layer(x)

    condenser = PrivateDistributionMatching(
        net=Recording, n_per_class=2, random_state=0, **SUBSAMPLED
    )
    condenser.fit_resample(X, y)
    assert condenser.sample_rate_ == pytest.approx(0.2)
    # One record to estimate the memory; then per iteration the synthetic
    # batch and the sampled real one.
    assert sizes[0] == 1
    real = np.array(sizes[2::2])
    assert len(real) == 10 and (np.array(sizes[1::2]) == 6).all()
    # Binomial(300, 0.2) batch sizes: mean 60, they vary.
    assert 52 < real.mean() < 68 and real.std() > 2


def test_learns_with_little_noise_on_digits(digits_split):
    private = PrivateDistributionMatching(
        n_per_class=1, epsilon=1e6, n_iter=60, batch_real=16
    )
    random = accuracy(RandomSubset(n_per_class=1), digits_split, max_iter=500)
    assert accuracy(private, digits_split, [0], max_iter=500) >= random + 0.15
    assert private.epsilon_ <= 1e6
    history = private.loss_history_
    assert history[-10:].mean() < 0.5 * history[:10].mean()


def test_start_does_not_depend_on_the_private_data():
    rng = np.random.default_rng(0)
    X_a, X_b = rng.normal(size=(60, 5)), 10 + 5 * rng.normal(size=(60, 5))
    y = np.repeat([0, 1], 30)
    condenser = PrivateDistributionMatching(n_per_class=50, n_iter=0, random_state=3)
    start_a, _ = condenser.fit_resample(X_a, y)
    start_b, _ = condenser.fit_resample(X_b, y)
    np.testing.assert_array_equal(start_a, start_b)
    # Standard normal, not the mean and spread of the data.
    assert abs(start_a.mean()) < 0.2 and 0.8 < start_a.std() < 1.2
    assert condenser.epsilon_ == 0.0 and condenser.noise_multiplier_ == 0.0
    # The non-private "noise" start uses the data's statistics.
    leaky, _ = DistributionMatching(
        n_per_class=5, n_iter=0, init="noise", random_state=3
    ).fit_resample(X_b, y)
    assert leaky.mean() > 5


def test_public_records_as_start_and_bounds(three_class_table):
    X, y = three_class_table
    rng = np.random.default_rng(1)
    X_public = rng.normal(size=(30, X.shape[1]))
    y_public = np.repeat([0, 1, 2], 10)
    condenser = PrivateDistributionMatching(
        n_per_class=3, n_iter=0, init=(X_public, y_public), random_state=0
    )
    start, labels = condenser.fit_resample(X, y)
    for row, label in zip(start, labels, strict=True):
        matches = np.flatnonzero((np.abs(X_public - row) < 1e-6).all(axis=1))
        assert len(matches) == 1 and y_public[matches[0]] == label
    with pytest.raises(ValueError, match="fewer than its budget"):
        condenser.set_params(n_per_class=11).fit_resample(X, y)
    bounded, _ = PrivateDistributionMatching(
        n_per_class=3,
        n_iter=20,
        lr=0.5,
        epsilon=20.0,
        batch_real=100,
        bounds=(-0.5, np.linspace(0.1, 0.6, X.shape[1])),
        random_state=0,
    ).fit_resample(X, y)
    assert bounded.min() >= -0.5 - 1e-6
    assert (bounded <= np.linspace(0.1, 0.6, X.shape[1]) + 1e-6).all()


def test_budget_needs_no_real_records_and_reads_no_class_size(three_class_table):
    X, y = three_class_table  # the smallest class has about 60 records
    with warnings.catch_warnings():
        warnings.simplefilter("error", BudgetWarning)
        condenser = PrivateDistributionMatching(
            n_per_class={0: 2, 1: 3, 2: 100},
            n_iter=2,
            epsilon=20.0,
            batch_real=100,
            random_state=0,
        )
        X_res, y_res = condenser.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [2, 3, 100]
    assert condenser.n_per_class_ == {0: 2, 1: 3, 2: 100}


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_per_class": 0.5}, "fractions of a class.*private class sizes"),
        ({"bounds": "data"}, "bounds='data'.*not private"),
        ({"bounds": "structure"}, "bounds='structure'.*not private"),
        ({"bounds": "auto"}, "bounds='auto'.*not private"),
        ({"init": "real"}, "init='real'.*init='noise'"),
        ({"init": "herding"}, "init='herding'.*init='noise'"),
        ({"init": "kmeans"}, "init='kmeans'"),
        ({"bounds": (1.0, 0.0)}, "low <= high"),
        ({"bounds": (0.0, np.ones(3))}, "broadcast"),
        ({"init": (np.zeros((4, 3)), [0, 1, 2, 0])}, "shape"),
    ],
)
def test_leaky_or_bad_options_are_refused(params, match, three_class_table):
    X, y = three_class_table
    with pytest.raises(ValueError, match=match):
        PrivateDistributionMatching(n_iter=1, **params).fit_resample(X, y)


@pytest.mark.parametrize(
    "params",
    [
        {"epsilon": 0},
        {"epsilon": -1.0},
        {"delta": 0},
        {"delta": 1.0},
        {"clip_norm": 0},
        {"init": "zeros"},
    ],
)
def test_invalid_parameters_are_refused(params, three_class_table):
    X, y = three_class_table
    with pytest.raises(InvalidParameterError):
        PrivateDistributionMatching(**params).fit_resample(X, y)


def test_unreachable_epsilon_says_what_would_work(three_class_table):
    X, y = three_class_table
    # RDP orders up to 4096 reach epsilon of a few thousandths at most.
    with pytest.raises(ValueError, match=r"cannot reach epsilon=0.001.*larger epsilon"):
        PrivateDistributionMatching(epsilon=0.001, n_iter=5).fit_resample(X, y)


def test_batch_norm_is_refused(three_class_table):
    X, y = three_class_table

    class WithBatchNorm(nn.Module):
        def __init__(self, n_features, n_classes):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(n_features, 8), nn.BatchNorm1d(8))

        def embed(self, x):
            return self.body(x)

    with pytest.raises(ValueError, match="BatchNorm1d.*mixes the records"):
        PrivateDistributionMatching(net=WithBatchNorm, n_iter=1).fit_resample(X, y)


def test_missing_opacus_names_the_extra(monkeypatch, three_class_table):
    X, y = three_class_table
    for name in ("opacus", "opacus.accountants", "opacus.accountants.utils"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"pip install sklearn-dc\[privacy\]"):
        PrivateDistributionMatching(n_iter=1).fit_resample(X, y)


def test_noise_is_secret_a_known_seed_does_not_replay_the_release():
    # The attacker of a DP guarantee knows every parameter, the seed included,
    # and every record but one: rerunning the fit with and without the target
    # record must not reproduce the release.
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), np.repeat([0, 1], 20)
    params = dict(
        n_per_class=2, epsilon=1.0, n_iter=3, batch_real=10, classes=[0, 1],
        n_samples=40,
    )  # fmt: skip
    matches = 0
    for trial in range(20):
        condenser = PrivateDistributionMatching(random_state=trial, **params)
        release, _ = condenser.fit_resample(X, y)
        with_target, _ = condenser.fit_resample(X, y)
        without_target, _ = condenser.fit_resample(X[1:], y[1:])
        matches += np.array_equal(release, with_target)
        matches += np.array_equal(release, without_target)
    assert matches == 0
    # random_state=None after seeding numpy's global generator replays nothing.
    np.random.seed(123)  # noqa: NPY002 (the global state is the point)
    first, _ = PrivateDistributionMatching(**params).fit_resample(X, y)
    np.random.seed(123)  # noqa: NPY002 (the global state is the point)
    second, _ = PrivateDistributionMatching(**params).fit_resample(X, y)
    assert not np.array_equal(first, second)


def test_seed_still_fixes_the_data_independent_draws(three_class_table):
    X, y = three_class_table
    condenser = PrivateDistributionMatching(
        n_per_class=2, random_state=0, **(SUBSAMPLED | {"n_iter": 0})
    )
    start, _ = condenser.fit_resample(X, y)
    again, _ = condenser.fit_resample(X, y)
    np.testing.assert_array_equal(start, again)
    other, _ = condenser.set_params(random_state=1).fit_resample(X, y)
    assert not np.allclose(start, other)


def test_public_classes_fix_the_output_rows(three_class_table):
    X, y = three_class_table
    condenser = PrivateDistributionMatching(
        n_per_class=2, n_iter=2, epsilon=20.0, classes=[0, 1, 2, 3], random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no PrivacyWarning with public classes
        X_res, y_res = condenser.fit_resample(X, y)
    # A class with no record still gets its rows: the row count is public.
    assert y_res.tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert condenser.classes_.tolist() == [0, 1, 2, 3]
    # One record of a new class: refused, not a change in the output's size.
    with pytest.raises(ValueError, match=r"labels \[7\] that are not in the public"):
        condenser.fit_resample(X, np.where(np.arange(len(y)) == 0, 7, y))


def test_classes_read_from_the_data_are_flagged(three_class_table):
    from sklearn_dc.privacy import PrivacyWarning

    X, y = three_class_table
    with pytest.warns(PrivacyWarning, match="classes=\\[...\\]"):
        PrivateDistributionMatching(n_iter=1, epsilon=20.0).fit_resample(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_samples": 100}, "more than the public n_samples=100"),
        ({"classes": [0]}, "at least 2 public class labels"),
        ({"classes": [0, 1, 1, 2]}, "repeated labels"),
    ],
)
def test_public_facts_contradicted_by_the_data_are_refused(
    params, match, three_class_table
):
    X, y = three_class_table
    with pytest.raises(ValueError, match=match):
        PrivateDistributionMatching(n_iter=1, **params).fit_resample(X, y)


def test_warm_start_is_refused_however_it_is_set(three_class_table):
    X, y = three_class_table
    condenser = PrivateDistributionMatching(n_per_class=2, random_state=0, **SUBSAMPLED)
    condenser.fit_resample(X, y)
    condenser.warm_start = True  # not a parameter: set as an attribute
    with pytest.raises(ValueError, match="privacy spent by that fit"):
        condenser.fit_resample(X, y)


def test_values_beyond_float32_are_refused_before_they_escape_clipping(
    three_class_table,
):
    X, y = three_class_table
    X = X.copy()
    X[5, 0] = 1e39  # finite in float64, inf in float32
    with pytest.raises(ValueError, match="beyond the float32 range"):
        PrivateDistributionMatching(**(SUBSAMPLED | {"n_iter": 1})).fit_resample(X, y)
