import pytest
import torch
from skorch import NeuralNetClassifier
from torch import nn

from sklearn_dc.nn import GRU, MLP, TCN, ConvNet, redraw_weights, resolve_nets


def test_auto_picks_a_network_per_record_shape():
    for shape, cls in [((7,), MLP), ((4, 12), TCN), ((1, 16, 16), ConvNet)]:
        (module,), _ = resolve_nets("auto", input_shape=shape, n_classes=3)
        assert isinstance(module, cls)
        assert module(torch.zeros(2, *shape)).shape == (2, 3)


def test_auto_sizes_the_network_to_the_records_and_names_keep_the_defaults():
    def built(net, shape):
        (module,), _ = resolve_nets(net, input_shape=shape, n_classes=2)
        return module

    assert built("auto", (1, 140)).lift.out_channels == 24
    assert built("auto", (80, 48)).lift.out_channels == 32
    assert built("tcn", (1, 140)).lift.out_channels == 64  # a name: defaults
    digits = built("auto", (1, 8, 8))
    convolutions = [m for m in digits.modules() if isinstance(m, nn.Conv2d)]
    assert len(convolutions) == 2 and convolutions[0].out_channels == 64
    assert len([m for m in built("auto", (3, 32, 32)).modules()
                if isinstance(m, nn.Conv2d)]) == 3  # fmt: skip


def test_names_classes_instances_lists_and_skorch_nets():
    (module,), _ = resolve_nets("gru", input_shape=(4, 12), n_classes=2)
    assert isinstance(module, GRU)
    instance = TCN(n_channels=4, width=6)
    (copy,), _ = resolve_nets(instance, input_shape=(4, 12), n_classes=2)
    assert isinstance(copy, TCN) and copy is not instance
    modules, _ = resolve_nets(["tcn", "lstm", "transformer"], input_shape=(4, 12),
                              n_classes=2)  # fmt: skip
    assert [type(m).__name__ for m in modules] == ["TCN", "LSTM", "Transformer"]
    skorch_net = NeuralNetClassifier(TCN, module__width=6, device="cpu")
    (module,), devices = resolve_nets(skorch_net, input_shape=(4, 12), n_classes=2)
    assert isinstance(module, TCN) and module.lift.out_channels == 6
    assert devices == ["cpu"]


def test_bad_nets_are_explained():
    with pytest.raises(ValueError, match="Unknown net='resnet'"):
        resolve_nets("resnet", input_shape=(7,), n_classes=2)
    with pytest.raises(TypeError, match="no embed"):
        resolve_nets(nn.Linear(3, 2), input_shape=(7,), n_classes=2)
    with pytest.raises(TypeError, match="Module class"):
        resolve_nets(42, input_shape=(7,), n_classes=2)
    with pytest.raises(ValueError, match=r"needs 3-D X.*shape \(7,\)"):
        resolve_nets("tcn", input_shape=(7,), n_classes=2)
    with pytest.raises(ValueError, match=r"needs 2-D X.*reshape"):
        resolve_nets("mlp", input_shape=(4, 12), n_classes=2)
    with pytest.raises(ValueError, match="empty list"):
        resolve_nets([], input_shape=(7,), n_classes=2)


def test_building_leaves_the_global_rng_alone():
    torch.manual_seed(0)
    expected = torch.rand(2)
    torch.manual_seed(0)
    resolve_nets(["tcn", "gru", "transformer"], input_shape=(4, 12), n_classes=2)
    assert torch.equal(torch.rand(2), expected)


@pytest.mark.parametrize(
    "name", ["mlp", "tcn", "gru", "lstm", "transformer", "convnet"]
)
def test_redraw_is_in_place_seeded_and_changes_every_weight(name):
    shape = {"mlp": (5,), "convnet": (1, 8, 8)}.get(name, (3, 10))
    (net,), _ = resolve_nets(name, input_shape=shape, n_classes=2)
    params = list(net.parameters())
    before = [p.detach().clone() for p in params]
    redraw_weights(net, torch.Generator().manual_seed(0))
    first = [p.detach().clone() for p in net.parameters()]
    assert all(a is b for a, b in zip(params, net.parameters(), strict=True))
    # Every weight matrix is redrawn (norm weights stay at one, biases may be 0).
    for old, new in zip(before, first, strict=True):
        if new.dim() > 1:
            assert not torch.equal(old, new)
    redraw_weights(net, torch.Generator().manual_seed(0))
    assert all(torch.equal(a, b) for a, b in zip(first, net.parameters(), strict=True))


def test_default_init_scale_matches_torch():
    net = MLP(n_features=100, hidden=(400,))
    redraw_weights(net, torch.Generator().manual_seed(0))
    reference = nn.Linear(100, 400)
    assert net.body[0].weight.std().item() == pytest.approx(
        reference.weight.std().item(), rel=0.05
    )
