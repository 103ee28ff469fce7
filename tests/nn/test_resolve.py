import pytest
import torch
from torch import nn

from sklearn_dc.nn import MLP, redraw_weights, resolve_net


def test_names_and_classes_resolve_to_fresh_modules():
    net = resolve_net("mlp", input_shape=(7,), n_classes=3)
    assert isinstance(net, MLP)
    assert net(torch.zeros(2, 7)).shape == (2, 3)
    assert resolve_net(MLP, input_shape=(7,), n_classes=3) is not net


def test_bad_nets_are_explained():
    with pytest.raises(ValueError, match="Unknown net='tcn'"):
        resolve_net("tcn", input_shape=(7,), n_classes=2)
    with pytest.raises(TypeError, match="no embed"):
        resolve_net(nn.Linear, input_shape=(7,), n_classes=2)
    with pytest.raises(TypeError, match="Module subclass"):
        resolve_net(42, input_shape=(7,), n_classes=2)


def test_redraw_is_in_place_seeded_and_changes_weights():
    net = MLP(n_features=5, hidden=(8,))
    weight = net.body[0].weight
    before = weight.detach().clone()
    redraw_weights(net, torch.Generator().manual_seed(0))
    assert net.body[0].weight is weight  # same tensor, new values
    assert not torch.equal(before, weight)
    first = weight.detach().clone()
    redraw_weights(net, torch.Generator().manual_seed(0))
    assert torch.equal(first, weight)


def test_default_init_scale_matches_torch():
    net = MLP(n_features=100, hidden=(400,))
    redraw_weights(net, torch.Generator().manual_seed(0))
    reference = nn.Linear(100, 400)
    assert net.body[0].weight.std().item() == pytest.approx(
        reference.weight.std().item(), rel=0.05
    )
