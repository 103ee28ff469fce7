"""Differentiable siamese augmentations: shared draws, gradients, shapes, errors."""

import pytest
import torch

from sklearn_dc.augment import (
    AUGMENTATIONS,
    PRESETS,
    Augmentation,
    apply_shared,
    resolve_augment,
)

SHAPES = {"table": (6, 5), "series": (6, 3, 20), "image": (6, 3, 12, 10)}
CASES = [(kind, name) for kind, names in AUGMENTATIONS.items() for name in names]
IDS = [f"{kind}-{name}" for kind, name in CASES]


# One intra-op thread: the problems are tiny and the machine is shared.
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def records(kind, n=None, seed=0):
    shape = SHAPES[kind] if n is None else (n, *SHAPES[kind][1:])
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed))


def generator(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize(("kind", "name"), CASES, ids=IDS)
def test_shape_is_kept_and_gradients_reach_the_input(kind, name):
    x = records(kind).requires_grad_(True)
    out = Augmentation(name)(x, generator())
    assert out.shape == x.shape and out.dtype == x.dtype
    weights = torch.randn(out.shape, generator=generator(1))
    (out * weights).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


@pytest.mark.parametrize(("kind", "name"), CASES, ids=IDS)
def test_each_augmentation_changes_its_input(kind, name):
    # Some draws may be the identity (a flip with probability 1/2, a shift of
    # 0): over a few draws the input must change.
    x, g = records(kind), generator()
    assert any(not torch.equal(Augmentation(name)(x, g), x) for _ in range(8))


@pytest.mark.parametrize(("kind", "name"), CASES, ids=IDS)
def test_the_draw_is_shared_between_batches(kind, name):
    real, synthetic = records(kind, n=7, seed=0), records(kind, n=2, seed=1)
    augment = Augmentation(name)
    both = torch.cat([real, synthetic])
    g = generator(3)
    real_aug, synthetic_aug = apply_shared(augment, [real, synthetic], g)
    after_pair = torch.rand(1, generator=g)
    g = generator(3)
    expected = augment(both, g)
    # Augmenting each part from the same state = augmenting the concatenation,
    # and the generator ends where one call leaves it.
    torch.testing.assert_close(torch.cat([real_aug, synthetic_aug]), expected)
    assert torch.equal(torch.rand(1, generator=g), after_pair)
    # Identical records get identical outputs in the two batches.
    same = apply_shared(augment, [real[:3], real[:3].clone()], generator(4))
    assert torch.equal(*same)


@pytest.mark.parametrize("kind", list(SHAPES))
def test_a_seeded_generator_gives_the_same_output(kind):
    augment = Augmentation("auto", mode="all")
    x = records(kind)
    torch.testing.assert_close(augment(x, generator(5)), augment(x, generator(5)))
    assert not torch.equal(augment(x, generator(5)), augment(x, generator(6)))


def test_no_global_random_state_is_used():
    torch.manual_seed(0)
    expected = torch.rand(2)
    torch.manual_seed(0)
    for kind in SHAPES:
        Augmentation("auto", mode="all")(records(kind), generator())
    assert torch.equal(torch.rand(2), expected)


def test_auto_is_the_preset_and_mode_one_picks_one():
    x = records("series")
    for kind, preset in PRESETS.items():
        assert set(preset) <= set(AUGMENTATIONS[kind])
    # mode="one" applies exactly one of the transforms: the same draw with the
    # transforms one by one reproduces it.
    augment = Augmentation(["jitter", "shift"])
    out = augment(x, generator(2))
    singles = []
    for name in ["jitter", "shift"]:
        g = generator(2)
        torch.randint(2, (1,), generator=g)  # the choice
        singles.append(Augmentation(name)(x, g))
    assert any(torch.equal(out, single) for single in singles)


def test_shift_pads_with_edge_values():
    x = torch.arange(16.0).reshape(1, 1, 16)
    outs = [Augmentation("shift")(x, generator(s)) for s in range(6)]
    for out in outs:
        # A shifted ramp: consecutive values, clamped at the ends.
        assert set(out.ravel().tolist()) <= set(x.ravel().tolist())
        assert (out.diff(dim=2) >= 0).all()
    assert any(out[0, 0, 0] == 0 and out[0, 0, 1] == 0 for out in outs) or any(
        out[0, 0, -1] == 15 and out[0, 0, -2] == 15 for out in outs
    )


def test_mask_channels_keeps_a_channel():
    x = torch.ones(2, 1, 5)
    for seed in range(10):
        assert torch.equal(Augmentation("mask_channels")(x, generator(seed)), x)


@pytest.mark.parametrize(
    ("names", "shape", "match"),
    [
        ("bogus", (4, 5), r"unknown augmentation 'bogus' for table data.*'noise'"),
        ("rotate", (4, 5), r"'rotate' is for image data, not for table data"),
        ("jitter", (4, 3, 8, 8), r"'jitter' is for series data, not for image"),
        ("noise", (4, 3, 8), r"'noise' is for table data.*'mask_time'"),
        ("noise", (4, 3, 2, 2, 2), r"tables \(2-D X\), time series"),
    ],
)
def test_bad_names_and_shapes_are_explained(names, shape, match):
    with pytest.raises(ValueError, match=match):
        Augmentation(names)(torch.zeros(shape), generator())
    with pytest.raises(ValueError, match=match):
        resolve_augment(names, shape[1:])


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="mode must be"):
        Augmentation("auto", mode="some")
    with pytest.raises(ValueError, match="empty"):
        Augmentation([])
    with pytest.raises(TypeError, match="strings"):
        Augmentation([1])
    with pytest.raises(TypeError, match="augment must be"):
        resolve_augment(3, (5,))


def test_resolve_augment():
    assert resolve_augment(None, (5,)) is None

    def user(x, g):
        return x

    assert resolve_augment(user, (5,)) is user
    out = resolve_augment(["noise", "dropout"], (5,))(records("table"), generator())
    assert out.shape == SHAPES["table"]
    assert "noise" in repr(Augmentation(["noise", "dropout"]))
