"""Trajectory matching: experts, cache, memory guard, and it beats random records."""

import numpy as np
import pytest
import torch
from sklearn.utils._param_validation import InvalidParameterError
from skorch import NeuralNetClassifier
from torch import nn

import sklearn_dc.matching._trajectory_matching as tm_module
from sklearn_dc import RandomSubset
from sklearn_dc.matching import TrajectoryMatching
from sklearn_dc.nn import MLP, TCN

from .._helpers import accuracy

# Small settings: a few seconds per fit on a 2-core machine.
FAST = dict(
    n_experts=2,
    expert_epochs=6,
    max_start_epoch=4,
    expert_epochs_ahead=2,
    syn_steps=8,
    n_iter=40,
)


# One intra-op thread: the problems are tiny and the machine is shared.
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def count_experts(monkeypatch):
    """Count the experts trained (the real trainer still runs)."""
    calls = []
    train = tm_module.train_expert

    def counting(*args, **kwargs):
        calls.append(kwargs["seed"])
        return train(*args, **kwargs)

    monkeypatch.setattr(tm_module, "train_expert", counting)
    return calls


def forbid_expert_training(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("an expert was trained")

    monkeypatch.setattr(tm_module, "train_expert", fail)


def test_beats_random_subset_at_one_per_class_on_digits(digits_split):
    tm = accuracy(TrajectoryMatching(n_per_class=1, **FAST), digits_split)
    random = accuracy(RandomSubset(n_per_class=1), digits_split)
    assert tm >= random + 0.15, (tm, random)


def test_loss_falls_rows_move_and_the_step_size_is_learned(digits_split):
    X, y = digits_split[:2]
    condenser = TrajectoryMatching(
        n_per_class=2, **FAST, init="real", early_stopping=False, random_state=0
    )
    X_res, y_res = condenser.fit_resample(X, y)
    history = condenser.loss_history_
    assert history.shape == (40,) and condenser.n_iter_ == 40
    assert np.isfinite(history).all()
    assert history[-10:].mean() < 0.7 * history[:10].mean()
    assert y_res.tolist() == np.repeat(np.arange(10), 2).tolist()
    # The step size started at syn_lr_init and was learned.
    assert abs(np.log(condenser.syn_lr_ / condenser.syn_lr_init)) > 0.05
    assert not condenser.experts_from_cache_
    X_init, _ = condenser.set_params(n_iter=0).fit_resample(X, y)
    assert condenser.syn_lr_ == pytest.approx(condenser.syn_lr_init)
    gaps_to_real = np.linalg.norm(X_init[:, None] - X[None], axis=2).min(axis=1)
    assert gaps_to_real.max() < 1e-5
    assert np.linalg.norm(X_res - X_init, axis=1).min() > 0.1


def test_same_seed_same_records_other_seed_other_records(three_class_table):
    X, y = three_class_table
    params = dict(FAST, n_iter=10, n_per_class=2)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    first, _ = TrajectoryMatching(**params, random_state=0).fit_resample(X, y)
    assert torch.equal(torch.rand(3), expected)  # the global RNG is untouched
    again = TrajectoryMatching(**params, random_state=0)
    np.testing.assert_array_equal(first, again.fit_resample(X, y)[0])
    other, _ = TrajectoryMatching(**params, random_state=1).fit_resample(X, y)
    assert not np.allclose(first, other)


def test_mini_batches_of_synthetic_records_learn(three_class_table):
    X, y = three_class_table
    condenser = TrajectoryMatching(n_per_class=4, batch_syn=5, **FAST, random_state=0)
    X_res, y_res = condenser.fit_resample(X, y)
    assert X_res.shape == (12, X.shape[1]) and np.isfinite(X_res).all()
    assert y_res.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    history = condenser.loss_history_
    assert history[-10:].mean() < history[:10].mean()


def test_disk_cache_reuses_experts_of_the_same_data_only(
    three_class_table, tmp_path, monkeypatch, count_experts
):
    X, y = three_class_table
    cache = tmp_path / "experts"
    params = dict(FAST, n_iter=5, expert_cache=cache, random_state=0)
    first, _ = TrajectoryMatching(n_per_class=2, **params).fit_resample(X, y)
    assert len(count_experts) == 2
    files = list(cache.iterdir())
    assert len(files) == 1 and files[0].suffix == ".pt"
    mtime = files[0].stat().st_mtime_ns

    # Same data and expert settings: no expert is trained, even for another
    # budget, and the output is the same as with fresh experts.
    forbid_expert_training(monkeypatch)
    condenser = TrajectoryMatching(n_per_class=2, **params)
    np.testing.assert_array_equal(condenser.fit_resample(X, y)[0], first)
    assert condenser.experts_from_cache_
    condenser.set_params(n_per_class=3).fit_resample(X, y)
    assert condenser.experts_from_cache_
    assert files[0].stat().st_mtime_ns == mtime

    # Changed data, or a changed expert setting: the experts are trained anew.
    for X_new, changed in [
        (X + 0.01, {}),
        (X, {"expert_lr": 0.02}),
        (X, {"random_state": 1}),
    ]:
        with pytest.raises(AssertionError, match="an expert was trained"):
            TrajectoryMatching(n_per_class=2, **{**params, **changed}).fit_resample(
                X_new, y
            )


def test_a_missing_cache_trains_and_fills_it(three_class_table, tmp_path):
    X, y = three_class_table
    cache = str(tmp_path / "a" / "b")  # a str, created with its parents
    condenser = TrajectoryMatching(
        n_per_class=2, **dict(FAST, n_iter=2), expert_cache=cache, random_state=0
    )
    condenser.fit_resample(X, y)
    assert not condenser.experts_from_cache_
    condenser.fit_resample(X, y)
    assert condenser.experts_from_cache_
    # A truncated file is not trusted: the experts are trained and saved again.
    (path,) = (tmp_path / "a" / "b").iterdir()
    path.write_bytes(path.read_bytes()[:100])
    condenser.fit_resample(X, y)
    assert not condenser.experts_from_cache_
    condenser.fit_resample(X, y)
    assert condenser.experts_from_cache_


@pytest.mark.parametrize(
    "params, advice",
    [
        ({"syn_steps": 10**6}, "syn_steps or batch_syn"),
        ({"n_experts": 10**5, "expert_epochs": 100}, "n_experts or expert_epochs"),
    ],
)
def test_too_much_memory_is_refused_before_allocating(
    params, advice, three_class_table, monkeypatch
):
    X, y = three_class_table
    forbid_expert_training(monkeypatch)
    settings = {**FAST, "max_start_epoch": 1, **params}
    with pytest.raises(ValueError, match=rf"GiB.*free. Lower {advice}"):
        TrajectoryMatching(**settings).fit_resample(X, y)


def test_expert_trajectories_are_sgd_paths(three_class_table):
    X, y = three_class_table
    X = X.astype(np.float32)
    module = MLP(n_features=X.shape[1], n_classes=3, hidden=(8,))
    trajectory = tm_module.train_expert(
        module, X, y.astype(np.int64), epochs=3, lr=0.1, batch_size=64,
        device=torch.device("cpu"), seed=0,
    )  # fmt: skip
    n_params = sum(p.numel() for p in module.parameters())
    assert trajectory.shape == (4, n_params) and trajectory.dtype == torch.float32
    # The last snapshot is the trained module; every epoch moved the weights.
    torch.testing.assert_close(
        trajectory[-1], nn.utils.parameters_to_vector(module.parameters())
    )
    assert (trajectory.diff(dim=0).norm(dim=1) > 0).all()


def make_series(n=60, n_channels=3, n_timepoints=12, seed=0):
    """Two classes that differ in the level of channel 0."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_channels, n_timepoints)).astype(np.float32)
    y = np.repeat([0, 1], n // 2)
    X[y == 1, 0] += 1.0
    return X, y


def test_time_series_are_condensed_with_a_series_network():
    X, y = make_series()
    net = NeuralNetClassifier(TCN, module__width=6, module__n_blocks=2)
    condenser = TrajectoryMatching(n_per_class=2, net=net, **FAST, random_state=0)
    X_res, y_res = condenser.fit_resample(X, y)
    assert X_res.shape == (4, 3, 12) and X_res.dtype == np.float32
    assert y_res.tolist() == [0, 0, 1, 1]
    history = condenser.loss_history_
    assert history[-10:].mean() < history[:10].mean()


def test_a_list_of_networks_shares_the_experts_out(three_class_table, monkeypatch):
    X, y = three_class_table
    small = MLP(n_features=X.shape[1], n_classes=3, hidden=(8,))
    n_small = sum(p.numel() for p in small.parameters())
    trained, students = [], []  # parameter counts of experts and of students
    train = tm_module.train_expert
    call = tm_module.functional_call

    def training(module, *args, **kwargs):
        trained.append(sum(p.numel() for p in module.parameters()))
        return train(module, *args, **kwargs)

    def unrolling(module, params, *args, **kwargs):
        students.append(sum(p.numel() for p in params.values()))
        return call(module, params, *args, **kwargs)

    monkeypatch.setattr(tm_module, "train_expert", training)
    monkeypatch.setattr(tm_module, "functional_call", unrolling)
    settings = dict(FAST, n_experts=4, n_iter=6, syn_steps=2)
    condenser = TrajectoryMatching(
        n_per_class=2, net=["mlp", small], **settings, random_state=0
    )
    X_res, _ = condenser.fit_resample(X, y)
    assert X_res.shape == (6, X.shape[1]) and np.isfinite(X_res).all()
    # Four experts, trained once each before the loop, on the two networks
    # in turn; every iteration reuses them (no expert is trained again).
    n_mlp = trained[0]
    assert trained == [n_mlp, n_small, n_mlp, n_small] and n_mlp != n_small
    # Each student unrolls the network of the expert it starts from, and
    # both networks serve as students.
    assert len(students) == 6 * 2 and set(students) == {n_mlp, n_small}
    assert np.isfinite(condenser.loss_history_).all()
    # The same experts, shared out the same way, give the same records.
    again, _ = condenser.fit_resample(X, y)
    np.testing.assert_array_equal(again, X_res)


def test_batch_normalisation_is_refused(three_class_table, monkeypatch):
    X, y = three_class_table
    forbid_expert_training(monkeypatch)

    class WithBatchNorm(nn.Module):
        def __init__(self, n_features, n_classes):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(n_features, 8), nn.BatchNorm1d(8))
            self.head = nn.Linear(8, n_classes)

        def embed(self, x):
            return torch.relu(self.body(x))

        def forward(self, x):
            return self.head(self.embed(x))

    with pytest.raises(ValueError, match=r"normalisation \(BatchNorm1d\).*without"):
        TrajectoryMatching(net=WithBatchNorm, **FAST).fit_resample(X, y)


def test_a_target_beyond_the_trajectory_is_refused(three_class_table):
    X, y = three_class_table
    with pytest.raises(ValueError, match="exceeds expert_epochs=6.*Lower"):
        TrajectoryMatching(
            **{**FAST, "max_start_epoch": 5, "expert_epochs_ahead": 2}
        ).fit_resample(X, y)


@pytest.mark.parametrize(
    "params",
    [
        {"n_experts": 0},
        {"expert_epochs": 0},
        {"expert_lr": 0},
        {"expert_cache": 3},
        {"syn_steps": 0},
        {"expert_epochs_ahead": 0},
        {"max_start_epoch": 0},
        {"syn_lr_init": -0.1},
        {"batch_syn": 0},
        {"net": "resnet"},
    ],
)
def test_invalid_parameters_are_refused(params, three_class_table):
    X, y = three_class_table
    with pytest.raises(InvalidParameterError):
        TrajectoryMatching(**params).fit_resample(X, y)


def test_progress_bars_show_experts_and_loss(three_class_table, capsys):
    X, y = three_class_table
    TrajectoryMatching(**dict(FAST, n_iter=3), verbose=True).fit_resample(X, y)
    err = capsys.readouterr().err
    assert "experts" in err and "TrajectoryMatching" in err and "loss=" in err


def test_student_loss_weights_classes_as_the_real_records_do():
    # Three classes of alike records, 30 / 5 / 1 of them, condensed to 2 / 3 / 4:
    # the weighted cross-entropy of the synthetic records is the real mean.
    y = np.repeat([0, 1, 2], [30, 5, 1])
    budget = [2, 3, 4]
    weights = tm_module.student_class_weights(y, budget)
    logits = torch.randn(3, 3, generator=torch.Generator().manual_seed(0))
    real = nn.functional.cross_entropy(logits[torch.as_tensor(y)], torch.as_tensor(y))
    labels = torch.as_tensor(np.repeat([0, 1, 2], budget))
    synthetic = nn.functional.cross_entropy(
        logits[labels], labels, weight=torch.as_tensor(weights, dtype=torch.float32)
    )
    assert synthetic.item() == pytest.approx(real.item(), rel=1e-5)
    unweighted = nn.functional.cross_entropy(logits[labels], labels)
    assert unweighted.item() != pytest.approx(real.item(), rel=1e-2)


def test_the_student_trains_with_the_class_weights(monkeypatch):
    # The weights must reach the student's loss, not only be computed.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5)).astype(np.float32)
    y = np.repeat([0, 1], [50, 10])
    seen = []
    cross_entropy = nn.functional.cross_entropy

    def spy(*args, weight=None, **kwargs):
        if weight is not None:
            seen.append(weight.detach().numpy().copy())
        return cross_entropy(*args, weight=weight, **kwargs)

    monkeypatch.setattr(nn.functional, "cross_entropy", spy)
    TrajectoryMatching(
        n_per_class=2, **{**FAST, "n_iter": 2}, random_state=0
    ).fit_resample(X, y)
    expected = tm_module.student_class_weights(y, [2, 2])
    assert len(seen) == 2 * FAST["syn_steps"]
    for weight in seen:
        np.testing.assert_allclose(weight, expected, rtol=1e-6)
