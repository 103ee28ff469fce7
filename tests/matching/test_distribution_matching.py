"""Distribution matching works: the loss falls, rows move, it beats random records."""

import signal

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError
from torch import nn

from sklearn_dc import DistributionMatching, RandomSubset

from .._helpers import accuracy, ctrl_c_during


def test_beats_random_subset_at_one_per_class_on_digits(digits_split):
    # 50 iterations on batches of 64 records per class already clear the bar
    # by about 0.25 (200 iterations: about 0.29), in a tenth of the time.
    condenser = DistributionMatching(n_per_class=1, n_iter=50, batch_real=64)
    dm = accuracy(condenser, digits_split)
    random = accuracy(RandomSubset(n_per_class=1), digits_split)
    assert dm >= random + 0.15, (dm, random)


def test_loss_falls_and_rows_move(digits_split):
    X, y = digits_split[:2]
    condenser = DistributionMatching(n_per_class=5, n_iter=150, random_state=0)
    X_res, _ = condenser.fit_resample(X, y)
    history = condenser.loss_history_
    assert history.shape == (150,) and condenser.n_iter_ == 150
    assert history[-20:].mean() < 0.5 * history[:20].mean()
    start = DistributionMatching(n_per_class=5, n_iter=0, random_state=0)
    X_init, _ = start.fit_resample(X, y)
    # n_iter=0 returns the initial real records (computed in float32);
    # optimisation moves every one of them.
    gaps_to_real = np.linalg.norm(X_init[:, None] - X[None], axis=2).min(axis=1)
    assert gaps_to_real.max() < 1e-5
    assert np.linalg.norm(X_res - X_init, axis=1).min() > 0.1


@pytest.mark.parametrize("init", ["real", "herding", "noise", "kmeans"])
def test_every_init_learns(init, three_class_table):
    X, y = three_class_table
    condenser = DistributionMatching(
        n_per_class=3, n_iter=60, init=init, random_state=0
    )
    X_res, y_res = condenser.fit_resample(X, y)
    assert X_res.shape == (9, X.shape[1]) and np.isfinite(X_res).all()
    assert condenser.loss_history_[-10:].mean() < condenser.loss_history_[:10].mean()


def test_herding_init_starts_from_the_herding_coreset(three_class_table):
    from sklearn_dc import Herding
    from sklearn_dc.base import RealRecordsWarning

    X, y = three_class_table
    with pytest.warns(RealRecordsWarning, match="init='herding'"):
        start, y_start = DistributionMatching(
            n_per_class=4, n_iter=0, init="herding"
        ).fit_resample(X, y)
    chosen, y_chosen = Herding(n_per_class=4).fit_resample(X, y)
    np.testing.assert_allclose(start, chosen, rtol=1e-6)
    assert y_start.tolist() == y_chosen.tolist()


def test_classes_are_matched_in_one_batched_pass(three_class_table):
    X, y = three_class_table
    calls = []

    class CountingMLP(nn.Module):
        def __init__(self, n_features, n_classes):
            super().__init__()
            self.layer = nn.Linear(n_features, 16)

        def embed(self, x):
            calls.append(len(x))
            return torch.relu(self.layer(x))

    DistributionMatching(
        net=CountingMLP, n_per_class=4, n_iter=3, batch_real=10, random_state=0
    ).fit_resample(X, y)
    # One record first, to estimate the memory of an iteration; then per
    # iteration one forward of 3 x 10 real rows, one of 3 x 4 synthetic rows.
    assert calls == [1] + [30, 12] * 3


def test_a_module_class_without_generator_leaves_global_rng_alone(three_class_table):
    X, y = three_class_table

    class Plain(nn.Module):
        def __init__(self, n_features, n_classes):
            super().__init__()
            self.layer = nn.Linear(n_features, 8)

        def embed(self, x):
            return self.layer(x)

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    first, _ = DistributionMatching(net=Plain, n_iter=5, random_state=0).fit_resample(
        X, y
    )
    assert torch.equal(torch.rand(3), expected)
    again, _ = DistributionMatching(net=Plain, n_iter=5, random_state=0).fit_resample(
        X, y
    )
    np.testing.assert_array_equal(first, again)


def test_float32_and_float64_give_the_same_records(three_class_table):
    X, y = three_class_table
    condenser = DistributionMatching(n_per_class=2, n_iter=10, random_state=0)
    X32, _ = condenser.fit_resample(X.astype(np.float32), y)
    X64, _ = condenser.fit_resample(X, y)
    assert X32.dtype == np.float32 and X64.dtype == np.float64
    np.testing.assert_allclose(X32, X64, rtol=1e-5, atol=1e-5)


def test_progress_bar_shows_the_loss(three_class_table, capsys):
    X, y = three_class_table
    DistributionMatching(n_iter=5, verbose=True, random_state=0).fit_resample(X, y)
    err = capsys.readouterr().err
    assert "DistributionMatching" in err and "loss=" in err


def test_time_series_with_a_table_net_is_refused():
    X = np.zeros((20, 3, 8))
    y = np.repeat([0, 1], 10)
    with pytest.raises(ValueError, match=r"needs 2-D X.*reshape"):
        DistributionMatching(net="mlp", n_iter=1).fit_resample(X, y)


def make_series(n=120, n_channels=4, n_timepoints=24, seed=0):
    """Two classes that differ in the trend of channel 0."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_channels, n_timepoints))
    y = np.repeat([0, 1], n // 2)
    X[y == 1, 0] += np.linspace(0, 2, n_timepoints)
    return X, y


@pytest.mark.parametrize(
    "net",
    ["auto", ["tcn", "lstm", "transformer"], "gru"],
    ids=["auto-tcn", "paper-mix", "gru"],
)
def test_time_series_are_condensed_with_series_networks(net):
    X, y = make_series()
    condenser = DistributionMatching(n_per_class=3, n_iter=40, net=net, random_state=0)
    X_res, y_res = condenser.fit_resample(X, y)
    assert X_res.shape == (6, 4, 24) and y_res.tolist() == [0] * 3 + [1] * 3
    history = condenser.loss_history_
    assert history[-10:].mean() < history[:10].mean()


def test_series_learned_from_noise_carry_the_class_signal():
    # Class 1 is raised by 1 on average in channel 0; records learned from
    # noise must show it, and the other channels must stay near 0.
    X, y = make_series(n=200)
    X_res, y_res = DistributionMatching(
        n_per_class=2, n_iter=150, init="noise", random_state=0
    ).fit_resample(X, y)
    level = X_res[:, 0].mean(axis=1)
    assert level[y_res == 1].mean() > level[y_res == 0].mean() + 0.5
    assert np.abs(X_res[:, 1:].mean(axis=(1, 2))).max() < 0.3


def test_a_skorch_net_lends_its_module_and_parameters():
    from skorch import NeuralNetClassifier

    from sklearn_dc.nn import TCN

    X, y = make_series()
    net = NeuralNetClassifier(TCN, module__width=6, device="cpu")
    condenser = DistributionMatching(net=net, n_iter=5, device="auto", random_state=0)
    condenser.fit_resample(X, y)
    assert condenser.get_params()["net__module__width"] == 6


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_cuda_without_a_gpu_is_explained(three_class_table):
    X, y = three_class_table
    with pytest.raises(ValueError, match="torch.cuda.is_available.*device='cpu'"):
        DistributionMatching(device="cuda", n_iter=1).fit_resample(X, y)
    X_res, _ = DistributionMatching(device="auto", n_iter=1).fit_resample(X, y)
    assert X_res.shape == (30, X.shape[1])


@pytest.mark.parametrize(
    "params",
    [
        {"net": "resnet"},
        {"init": "zeros"},
        {"lr": 0},
        {"n_iter": -1},
        {"batch_real": 0},
    ],
)
def test_invalid_parameters_are_refused(params, three_class_table):
    X, y = three_class_table
    with pytest.raises(InvalidParameterError):
        DistributionMatching(**params).fit_resample(X, y)


def test_unknown_device_is_explained(three_class_table):
    X, y = three_class_table
    with pytest.raises(ValueError, match="not a torch device"):
        DistributionMatching(device="gpu", n_iter=1).fit_resample(X, y)


def test_bounds_keep_records_within_the_data_range(three_class_table):
    X, y = three_class_table
    X = np.column_stack([X, np.full(len(X), 3.0), (X[:, 0] > 0).astype(float)])
    condenser = DistributionMatching(
        n_per_class=5, n_iter=100, lr=0.5, bounds="data", random_state=0
    )
    X_res, _ = condenser.fit_resample(X, y)
    assert (X_res >= X.min(axis=0) - 1e-6).all() and (
        X_res <= X.max(axis=0) + 1e-6
    ).all()
    np.testing.assert_allclose(X_res[:, -2], 3.0)  # a constant stays constant
    free, _ = condenser.set_params(bounds=None).fit_resample(X, y)
    assert not np.allclose(free[:, -2], 3.0)  # unconstrained, it drifts


def test_bounds_keep_static_and_clock_channels_of_series():
    X, y = make_series(n=80)
    rng = np.random.default_rng(1)
    X[:, 2] = rng.normal(size=(80, 1))  # a static variable (e.g. age)
    X[:, 3] = np.arange(24) + rng.integers(0, 5, size=(80, 1))  # hours since admission
    X_res, _ = DistributionMatching(
        n_per_class=3, n_iter=60, lr=0.2, bounds="data", random_state=0
    ).fit_resample(X, y)
    np.testing.assert_allclose(np.ptp(X_res[:, 2], axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(np.diff(X_res[:, 3], axis=1), 1, atol=1e-4)
    assert np.ptp(X_res[:, 0], axis=1).min() > 0.1  # other channels still vary


def sparse_lab_series(n=120, seed=0):
    """Series with a sparse lab (mostly its fill value, a few measured steps)
    and a binary static channel (e.g. sex), as imputed ICU stays look."""
    X, y = make_series(n=n, seed=seed)
    rng = np.random.default_rng(seed)
    X[:, 1] = -0.3  # the lab's fill value in most hours
    for i in rng.choice(n, n // 3, replace=False):  # measured in a third of stays
        first = rng.integers(0, 20)
        X[i, 1, first:] = rng.normal() + (y[i] == 1)  # carried forward
        X[i, 1, first + 2 :] = rng.normal() + (y[i] == 1)  # measured again
    X[:, 2] = rng.integers(0, 2, size=(n, 1))
    return X.astype(np.float32), y


def test_structure_keeps_common_values_and_the_steps_of_each_stay():
    from sklearn_dc.matching._projection import make_projection

    X, _ = sparse_lab_series()
    start = X[:10].copy()
    project = make_projection("structure", X, start, torch.device("cpu"))
    moved = torch.as_tensor(start) + torch.randn(
        start.shape, generator=torch.Generator().manual_seed(0)
    )
    project(moved)
    moved = moved.numpy()
    # The fill value and the sexes are common values: where the start had
    # one, the record keeps it.
    fill = start[:, 1] == np.float32(-0.3)
    np.testing.assert_array_equal(moved[:, 1][fill], start[:, 1][fill])
    np.testing.assert_array_equal(moved[:, 2], start[:, 2])
    # Elsewhere values moved, but only where the start changes does the
    # record change: a step function on the start's segments.
    assert not np.allclose(moved[:, 0], start[:, 0])
    changes = np.diff(moved, axis=2) != 0
    assert not (changes & (np.diff(start, axis=2) == 0)).any()


def test_structure_keeps_the_stays_realistic_end_to_end():
    X, y = sparse_lab_series()
    settings = dict(n_per_class=5, n_iter=40, lr=0.2, random_state=0)
    kept, _ = DistributionMatching(bounds="structure", **settings).fit_resample(X, y)
    free, _ = DistributionMatching(bounds=None, **settings).fit_resample(X, y)
    real_values = set(np.unique(X[:, 2]).tolist())
    assert set(np.unique(kept[:, 2]).tolist()) <= real_values  # sexes stay 0 / 1
    assert not set(np.unique(free[:, 2]).tolist()) <= real_values
    # The lab: at most three values per stay, most stays at the fill value.
    steps = [len(np.unique(stay)) for stay in kept[:, 1]]
    assert max(steps) <= 3 and (kept[:, 1] == np.float32(-0.3)).mean() > 0.3
    assert (free[:, 1] == np.float32(-0.3)).mean() == 0
    assert np.ptp(kept[:, 0], axis=1).min() > 0.1  # dense channels still vary


def test_auto_defaults_follow_the_data_shape():
    from sklearn_dc.matching._projection import make_projection

    X, _ = sparse_lab_series()
    condenser = DistributionMatching()
    assert condenser._match(X) == "quantiles" and condenser._summaries(X)
    table = X[:, :, 0]
    assert condenser._match(table) == "mean" and not condenser._summaries(table)
    cpu = torch.device("cpu")
    assert make_projection("auto", table, table[:3], cpu) is None
    # On series "auto" is "structure": the fill values of the lab stay put.
    project = make_projection("auto", X, X[:3], cpu)
    moved = torch.as_tensor(X[:3]) + 1.0
    project(moved)
    fill = X[:3, 1] == np.float32(-0.3)
    np.testing.assert_array_equal(moved[:, 1].numpy()[fill], X[:3, 1][fill])


def test_record_statistics_are_what_series_summary_gives_the_learners():
    from sklearn_dc.matching._distribution_matching import record_statistics
    from sklearn_dc.preprocessing import SeriesSummary

    X, _ = make_series(n=10)
    np.testing.assert_allclose(
        record_statistics(torch.as_tensor(X)).numpy(),
        SeriesSummary().fit_transform(X),
        rtol=1e-5,
        atol=1e-6,
    )


def test_precomputed_statistics_give_the_per_batch_target(monkeypatch):
    # Each real record's statistics are computed once and a draw picks its
    # rows'; the records must be those of computing them on every batch.
    from sklearn_dc.matching._class_batches import ClassBatches

    X, y = make_series()
    settings = dict(n_per_class=3, n_iter=15, batch_real=8, n_nets=None)
    cached, _ = DistributionMatching(**settings, random_state=0).fit_resample(X, y)
    monkeypatch.setattr(ClassBatches, "map_records", lambda self, function: None)
    per_batch, _ = DistributionMatching(**settings, random_state=0).fit_resample(X, y)
    np.testing.assert_allclose(cached, per_batch, rtol=1e-4, atol=1e-5)


def test_summaries_give_series_their_real_per_channel_statistics():
    from scipy.stats import wasserstein_distance

    from sklearn_dc.preprocessing import SeriesSummary

    X, y = make_series()
    real = SeriesSummary().fit_transform(X)
    settings = dict(n_per_class=10, n_iter=150, init="noise", random_state=0)
    gap = {}
    for summaries in (False, True):
        X_res, y_res = DistributionMatching(
            summaries=summaries, **settings
        ).fit_resample(X, y)
        condensed = SeriesSummary().fit_transform(X_res)
        gap[summaries] = np.mean(
            [
                wasserstein_distance(condensed[y_res == c, j], real[y == c, j])
                for c in (0, 1)
                for j in range(real.shape[1])
            ]
        )
    # Measured: 0.147 without, 0.066 with.
    assert gap[True] < 0.7 * gap[False], gap


def test_quantile_matching_gives_each_class_its_real_distributions(
    three_class_table,
):
    from scipy.stats import wasserstein_distance

    X, y = three_class_table
    # From noise: mean matching moves each class's records to the class's
    # means; quantile matching gives them the class's spread too.
    settings = dict(
        n_per_class=10, n_iter=150, init="noise", summaries=True, bounds=None
    )
    gap = {}
    for match in ("mean", "quantiles"):
        X_res, y_res = DistributionMatching(
            match=match, random_state=0, **settings
        ).fit_resample(X, y)
        gap[match] = np.mean(
            [
                wasserstein_distance(X_res[y_res == c, j], X[y == c, j])
                for c in range(3)
                for j in range(X.shape[1])
            ]
        )
    assert gap["quantiles"] < 0.8 * gap["mean"], gap


def test_images_are_condensed_with_the_convnet():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 1, 8, 8)).astype(np.float32)
    y = np.repeat([0, 1], 20)
    X[y == 1, :, :4] += 1.0  # class 1 is brighter in the top half
    condenser = DistributionMatching(
        n_per_class=2, n_iter=60, init="noise", random_state=0
    )
    X_res, y_res = condenser.fit_resample(X, y)
    assert X_res.shape == (4, 1, 8, 8) and X_res.dtype == np.float32
    # Learned from noise, the class-1 records are brighter on top.
    top_minus_bottom = X_res[:, 0, :4].mean(axis=(1, 2)) - X_res[:, 0, 4:].mean(
        axis=(1, 2)
    )
    assert top_minus_bottom[y_res == 1].min() > top_minus_bottom[y_res == 0].max()


@pytest.mark.parametrize("how", ["KeyboardInterrupt", "SIGINT"])
def test_ctrl_c_stops_at_the_iteration_boundary(digits_split, how):
    X_train, y_train, _, _ = digits_split
    condenser = DistributionMatching(n_per_class=2, n_iter=50, random_state=0)
    handler = signal.getsignal(signal.SIGINT)
    # The user presses Ctrl-C during iteration 4.
    with ctrl_c_during(4, send_sigint=how == "SIGINT"):
        with pytest.warns(UserWarning, match="interrupted after 3 of 50"):
            X_res, y_res = condenser.fit_resample(X_train, y_train)
    # Iteration 4 is dropped: the records are those of 3 iterations.
    assert condenser.n_iter_ == 3 and len(condenser.loss_history_) == 3
    X_three, _ = clone(condenser).set_params(n_iter=3).fit_resample(X_train, y_train)
    np.testing.assert_array_equal(X_res, X_three)
    # The process's handler was never replaced.
    assert signal.getsignal(signal.SIGINT) is handler


def test_warm_start_continues_the_previous_fit(digits_split):
    X_train, y_train, _, _ = digits_split
    condenser = DistributionMatching(n_per_class=2, n_iter=5, random_state=0)
    X_first, _ = condenser.fit_resample(X_train, y_train)
    first_history = condenser.loss_history_.copy()
    condenser.set_params(warm_start=True, n_iter=0)
    X_again, _ = condenser.fit_resample(X_train, y_train)
    np.testing.assert_array_equal(X_again, X_first)  # starts where it stopped
    condenser.set_params(n_iter=5)
    X_more, _ = condenser.fit_resample(X_train, y_train)
    assert condenser.n_iter_ == 10
    np.testing.assert_array_equal(condenser.loss_history_[:5], first_history)
    assert not np.array_equal(X_more, X_first)
    with pytest.raises(ValueError, match="warm_start=True continues"):
        condenser.set_params(n_per_class=3).fit_resample(X_train, y_train)
    # Without warm_start every fit starts afresh.
    condenser.set_params(n_per_class=2, warm_start=False)
    X_fresh, _ = condenser.fit_resample(X_train, y_train)
    np.testing.assert_array_equal(X_fresh, X_first)
    assert condenser.n_iter_ == 5


def test_cached_pool_beats_random_subset_and_loss_falls(digits_split):
    condenser = DistributionMatching(n_per_class=1, n_iter=200, n_nets=16)
    cached = accuracy(condenser, digits_split, seeds=range(5))
    random = accuracy(RandomSubset(n_per_class=1), digits_split, seeds=range(5))
    assert cached >= random + 0.15, (cached, random)
    history = condenser.loss_history_
    assert history[-20:].mean() < 0.5 * history[:20].mean()


@pytest.mark.parametrize("match", ["mean", "quantiles"])
def test_cached_pool_matches_exact_class_targets(three_class_table, match):
    X, y = three_class_table
    # Every real record as a synthetic one (a budget of the whole class): their
    # class means are the exact means, so against the cache the loss is 0
    # under every network, while a real batch (the default) only estimates
    # them.
    settings = dict(n_per_class=1.0, n_iter=5, lr=1e-12, match=match, random_state=0)
    # (batch_real=64: the pool reads up to 4 * 64 records of a class, all here.)
    cached = DistributionMatching(n_nets=3, batch_real=64, **settings)
    cached.fit_resample(X, y)
    batched = DistributionMatching(n_nets=None, batch_real=16, **settings)
    batched.fit_resample(X, y)
    assert cached.n_nets_ == 3 and batched.n_nets_ is None
    assert cached.loss_history_.max() < 1e-6 * batched.loss_history_.min()


@pytest.mark.parametrize("match", ["mean", "quantiles"])
def test_a_class_no_larger_than_the_batch_is_used_whole(three_class_table, match):
    X, y = three_class_table
    assert np.bincount(y).max() <= 256
    # Whole classes as the budget: with the default batch_real every draw is
    # the whole class (no duplicates, no sampling noise), so the loss is 0.
    settings = dict(
        n_per_class=1.0, n_iter=5, lr=1e-12, n_nets=None, match=match, random_state=0
    )
    whole = DistributionMatching(batch_real=256, **settings)
    whole.fit_resample(X, y)
    sampled = DistributionMatching(batch_real=16, **settings)
    sampled.fit_resample(X, y)
    assert whole.loss_history_.max() < 1e-6 * sampled.loss_history_.min()


def test_large_classes_are_sampled_without_replacement():
    from sklearn_dc.matching._class_batches import ClassBatches

    y = np.repeat([0, 1, 2], [1000, 7, 40])
    X = np.arange(len(y), dtype=np.float32)[:, None]
    batches = ClassBatches(X, y, 3, 16, torch.device("cpu"))
    assert batches.counts == [16, 7, 16]
    generator = torch.Generator().manual_seed(0)
    seen = np.zeros(len(y))
    for _ in range(2000):
        rows = batches.draw(generator)[:, 0].numpy().astype(int)
        for c, part in enumerate(np.split(rows, np.cumsum(batches.counts)[:-1])):
            assert len(set(part)) == len(part) and (y[part] == c).all()
        seen[rows] += 1
    # The small class every time; each row of a large class about equally often.
    assert (seen[1000:1007] == 2000).all()
    share = seen[:1000] / 2000
    assert abs(share.mean() - 16 / 1000) < 1e-3 and share.min() > 0.005


def test_auto_pool_is_taken_when_it_embeds_fewer_real_records(three_class_table):
    X, y = three_class_table
    # 300 rows: the pool's pass (64 x 300) is a tenth of 1,000 iterations'
    # (1,000 x 300) but not of 100 iterations'.
    many = DistributionMatching(n_iter=1000, n_per_class=2, random_state=0)
    many.fit_resample(X, y)
    few = DistributionMatching(n_iter=100, n_per_class=2, random_state=0)
    few.fit_resample(X, y)
    assert many.n_nets_ == 64 and few.n_nets_ is None


def test_cached_pool_refuses_augmentation(three_class_table):
    X, y = three_class_table
    with pytest.raises(ValueError, match="n_nets=4 caches .* augment='noise'"):
        DistributionMatching(n_nets=4, augment="noise", n_iter=1).fit_resample(X, y)


def test_a_batch_too_large_for_memory_is_refused_before_allocating(
    three_class_table, monkeypatch
):
    X, y = three_class_table
    from sklearn_dc.matching import _memory

    monkeypatch.setattr(_memory, "free_memory_bytes", lambda device: 4 * 2**20)
    condenser = DistributionMatching(n_per_class=2, n_iter=1, batch_real=100_000)
    with pytest.raises(
        ValueError, match=r"only 0.00391 GiB are free: batch_real <= \d+ fits"
    ):
        condenser.fit_resample(X, y)
    fits = DistributionMatching(n_per_class=2, n_iter=1, batch_real=64)
    fits.fit_resample(X, y)  # a batch that fits runs


def _large_classes(shape):
    """Two classes of 700 and 300 records of ``shape``: larger than a batch."""
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], [700, 300])
    X = rng.normal(size=(len(y), *shape)).astype(np.float32) + y.reshape(
        -1, *[1] * len(shape)
    )
    return X, y


@pytest.mark.parametrize(("shape", "taken"), [((6,), 512), ((3, 8), 256)])
def test_auto_batch_is_larger_for_tables(shape, taken):
    X, y = _large_classes(shape)
    settings = dict(n_per_class=3, n_iter=3, n_nets=None, random_state=0)
    auto = DistributionMatching(**settings)
    X_auto, _ = auto.fit_resample(X, y)
    assert auto.batch_real_ == taken
    spelt_out = DistributionMatching(batch_real=taken, **settings)
    np.testing.assert_array_equal(spelt_out.fit_resample(X, y)[0], X_auto)
    assert spelt_out.batch_real_ == taken
    # The other batch moves the records differently: the choice matters.
    other = DistributionMatching(batch_real=768 - taken, **settings)
    assert not np.array_equal(other.fit_resample(X, y)[0], X_auto)


def test_memory_check_estimates_the_batch_auto_takes(monkeypatch):
    from sklearn_dc.matching import _memory

    X, y = _large_classes((6,))
    monkeypatch.setattr(_memory, "free_memory_bytes", lambda device: 2**10)
    with pytest.raises(ValueError, match=r"batch_real=512 real records per class"):
        DistributionMatching(n_per_class=2, n_iter=1).fit_resample(X, y)
