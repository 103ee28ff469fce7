"""Gradient matching: the distance is right, the loss falls, it beats random."""

import numpy as np
import pytest
import torch
from sklearn.neighbors import NearestCentroid
from sklearn.utils._param_validation import InvalidParameterError
from torch import nn

from sklearn_dc import DistributionMatching, RandomSubset
from sklearn_dc.augment import Augmentation
from sklearn_dc.matching import GradientMatching
from sklearn_dc.matching._gradient_matching import (
    auto_loops,
    gradient_distance,
    layer_distance,
)

from .._helpers import accuracy

# One intra-op thread: the problems are tiny and the machine is shared.
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def make_series(n=60, n_channels=3, n_timepoints=16, seed=0):
    """Two classes that differ in the trend of channel 0."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_channels, n_timepoints))
    y = np.repeat([0, 1], n // 2)
    X[y == 1, 0] += np.linspace(0, 2, n_timepoints)
    return X, y


# --- the layer-wise distance ---------------------------------------------------


def test_identical_gradients_are_at_distance_zero():
    g = torch.Generator().manual_seed(0)
    grads = [torch.randn(4, 3, generator=g), torch.randn(5, 2, 3, generator=g)]
    distance = gradient_distance(grads, [t.clone() for t in grads])
    assert abs(float(distance)) < 1e-5
    # Scaling a unit's gradient does not change its direction.
    scaled = [grads[0] * torch.tensor([[1.0], [2.0], [0.5], [3.0]]), grads[1] * 7]
    assert abs(float(gradient_distance(grads, scaled))) < 1e-5


def test_layer_distance_matches_a_hand_computation():
    real = torch.tensor([[1.0, 0.0], [0.0, 2.0], [3.0, 4.0]])
    synthetic = torch.tensor([[0.0, 1.0], [0.0, -1.0], [4.0, 3.0]])
    # Rows: orthogonal (1 - 0), opposite (1 + 1), cos = 24 / 25.
    expected = 1.0 + 2.0 + (1 - 24 / 25)
    assert float(layer_distance(real, synthetic)) == pytest.approx(expected, abs=1e-5)
    # A convolution's gradient (out, in, k) is one row per output channel.
    conv_real = real.reshape(3, 1, 2).expand(3, 2, 2)
    conv_synthetic = synthetic.reshape(3, 1, 2).expand(3, 2, 2)
    assert float(layer_distance(conv_real, conv_synthetic)) == pytest.approx(
        expected, abs=1e-5
    )
    # Biases are not matched, as in the paper.
    assert float(layer_distance(torch.ones(3), -torch.ones(3))) == 0.0
    total = gradient_distance(
        [real, torch.ones(3), None], [synthetic, -torch.ones(3), None]
    )
    assert float(total) == pytest.approx(expected, abs=1e-5)


def test_auto_loops_follow_the_paper():
    paper = {1: (1, 1), 10: (10, 50), 20: (20, 25), 50: (50, 10)}
    for ipc, loops in paper.items():
        assert auto_loops(ipc) == loops
    assert auto_loops(30) == (30, 17) and auto_loops(200) == (50, 10)


# --- the condenser -------------------------------------------------------------


def test_loss_falls_and_rows_move(three_class_table):
    X, y = three_class_table
    condenser = GradientMatching(
        n_per_class=2, n_iter=60, init="real", early_stopping=False, random_state=0
    )
    X_res, y_res = condenser.fit_resample(X, y)
    history = condenser.loss_history_
    assert history.shape == (60,) and condenser.n_iter_ == 60
    assert (condenser.outer_loop_, condenser.inner_steps_) == (2, 50)
    assert history[-15:].mean() < 0.9 * history[:15].mean()
    X_init, _ = condenser.set_params(n_iter=0).fit_resample(X, y)
    assert np.linalg.norm(X_init[:, None] - X[None], axis=2).min(axis=1).max() < 1e-5
    assert np.linalg.norm(X_res - X_init, axis=1).min() > 0.05
    assert y_res.tolist() == [0, 0, 1, 1, 2, 2]


def test_same_seed_same_records(three_class_table):
    X, y = three_class_table
    condenser = GradientMatching(
        n_per_class=3, n_iter=8, outer_loop=3, inner_steps=2, random_state=0
    )
    first, _ = condenser.fit_resample(X, y)
    torch.manual_seed(1)  # the global RNG plays no part
    again, _ = condenser.fit_resample(X, y)
    np.testing.assert_array_equal(first, again)
    other, _ = condenser.set_params(random_state=1).fit_resample(X, y)
    assert not np.allclose(first, other)


def test_the_network_is_redrawn_every_outer_loop_and_trained_between(
    three_class_table,
):
    X, y = three_class_table
    events = []

    class Recording(nn.Module):
        def __init__(self, n_features, n_classes):
            super().__init__()
            self.hidden = nn.Linear(n_features, 8)
            self.head = nn.Linear(8, n_classes)

        def reset_parameters(self, generator=None):
            events.append("redraw")
            for layer in (self.hidden, self.head):
                nn.init.normal_(layer.weight, std=0.3, generator=generator)
                nn.init.zeros_(layer.bias)

        def embed(self, x):
            return torch.relu(self.hidden(x))

        def forward(self, x):
            events.append(len(x))
            return self.head(self.embed(x))

    GradientMatching(
        net=Recording,
        n_per_class=2,
        n_iter=4,
        outer_loop=2,
        inner_steps=3,
        batch_real=5,
        random_state=0,
    ).fit_resample(X, y)
    # Per iteration and class: the real batch (5), the class's records (2).
    match = [5, 2] * 3
    # Each inner step trains on all 6 synthetic records at once.
    assert events == ["redraw", *match, *[6] * 3, *match] * 2


def nearest_centroid_accuracy(X_condensed, y_condensed, X, y):
    """Accuracy on ``(X, y)`` of the class centres of the condensed records."""
    flat = X_condensed.reshape(len(X_condensed), -1)
    centroids = NearestCentroid().fit(flat, y_condensed)
    return centroids.score(X.reshape(len(X), -1), y)


def test_time_series_records_learn_the_classes_from_noise():
    from skorch import NeuralNetClassifier

    from sklearn_dc.nn import TCN

    X, y = make_series()
    condenser = GradientMatching(
        n_per_class=2,
        n_iter=20,
        lr=0.1,
        batch_real=8,
        inner_steps=2,
        init="noise",
        net=NeuralNetClassifier(TCN, module__width=6),
        random_state=0,
    )
    X_res, y_res = condenser.fit_resample(X, y)
    assert X_res.shape == (4, 3, 16) and y_res.tolist() == [0, 0, 1, 1]
    assert np.isfinite(X_res).all() and np.isfinite(condenser.loss_history_).all()
    # Started from noise, the records now hold what separates the classes:
    # their class centres classify the real series.
    X_init, _ = condenser.set_params(n_iter=0).fit_resample(X, y)
    before = nearest_centroid_accuracy(X_init, y_res, X, y)
    after = nearest_centroid_accuracy(X_res, y_res, X, y)
    assert after >= 0.8 and after >= before + 0.15, (before, after)


def test_images_learn_the_classes_from_noise_with_and_without_augmentation():
    from skorch import NeuralNetClassifier

    from sklearn_dc.nn import ConvNet

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 1, 8, 8)).astype(np.float32)
    y = np.repeat([0, 1], 20)
    X[y == 1, :, :4] += 1.0  # class 1 is brighter in the top half
    net = NeuralNetClassifier(ConvNet, module__width=4, module__depth=2)
    condensed = {}
    for augment in (None, "auto"):
        condenser = GradientMatching(
            n_per_class=2,
            n_iter=10,
            lr=0.1,
            batch_real=8,
            inner_steps=2,
            init="noise",
            net=net,
            augment=augment,
            random_state=0,
        )
        X_res, y_res = condenser.fit_resample(X, y)
        assert X_res.shape == (4, 1, 8, 8) and X_res.dtype == np.float32
        X_init, _ = condenser.set_params(n_iter=0).fit_resample(X, y)
        before = nearest_centroid_accuracy(X_init, y_res, X, y)
        after = nearest_centroid_accuracy(X_res, y_res, X, y)
        assert after >= 0.8 and after >= before + 0.15, (augment, before, after)
        condensed[augment] = X_res
    # The augmentation changes what is matched, so the records.
    assert not np.allclose(condensed[None], condensed["auto"])


@pytest.mark.parametrize("augment", ["auto", ["noise"], "custom", "augmentation"])
def test_augment_works_with_gradient_and_distribution_matching(
    augment, three_class_table
):
    X, y = three_class_table
    calls = []
    if augment == "custom":

        def augment(x, generator):
            calls.append(len(x))
            shift = torch.randn(x.shape[1:], generator=generator)
            return x + 0.1 * shift

    elif augment == "augmentation":
        augment = Augmentation(["noise", "dropout"], mode="all")
    for condenser in (
        GradientMatching(n_per_class=2, n_iter=5, inner_steps=2, random_state=0),
        DistributionMatching(n_per_class=2, n_iter=5, random_state=0),
    ):
        plain, _ = condenser.fit_resample(X, y)
        condenser.set_params(augment=augment)
        augmented, _ = condenser.fit_resample(X, y)
        again, _ = condenser.fit_resample(X, y)
        assert np.isfinite(augmented).all()
        np.testing.assert_array_equal(augmented, again)
        assert not np.allclose(plain, augmented)
    if calls:
        # DM, last: the real batch (every class whole: none is larger than
        # batch_real=256), then the records.
        assert calls[-2:] == [len(y), 6]


def test_augmentation_on_series_with_distribution_matching():
    X, y = make_series()
    condenser = DistributionMatching(
        n_per_class=2, n_iter=5, batch_real=8, augment="auto", random_state=0
    )
    X_res, _ = condenser.fit_resample(X, y)
    assert X_res.shape == (4, 3, 16) and np.isfinite(X_res).all()


def test_augment_that_does_not_fit_the_data_is_explained(three_class_table):
    X, y = three_class_table
    for condenser in (GradientMatching(n_iter=1), DistributionMatching(n_iter=1)):
        with pytest.raises(ValueError, match="'rotate' is for image data"):
            condenser.set_params(augment="rotate").fit_resample(X, y)


def test_batch_normalisation_is_refused(three_class_table):
    X, y = three_class_table

    class WithBatchNorm(nn.Module):
        def __init__(self, n_features, n_classes):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(n_features, 8), nn.BatchNorm1d(8))
            self.head = nn.Linear(8, n_classes)

        def embed(self, x):
            return self.body(x)

        def forward(self, x):
            return self.head(self.embed(x))

    with pytest.raises(ValueError, match="batch normalisation.*BatchNorm1d"):
        GradientMatching(net=WithBatchNorm, n_iter=1).fit_resample(X, y)


@pytest.mark.parametrize(
    "params",
    [
        {"outer_loop": 0},
        {"outer_loop": "paper"},
        {"inner_steps": -1},
        {"net_lr": 0},
        {"augment": 3},
        {"lr": 0},
    ],
)
def test_invalid_parameters_are_refused(params, three_class_table):
    X, y = three_class_table
    with pytest.raises(InvalidParameterError):
        GradientMatching(**params).fit_resample(X, y)


def test_beats_random_subset_at_one_per_class_on_digits(digits_split):
    gm = accuracy(
        GradientMatching(n_per_class=1, n_iter=20, lr=0.1, batch_real=64),
        digits_split,
    )
    random = accuracy(RandomSubset(n_per_class=1), digits_split)
    assert gm >= random + 0.15, (gm, random)
