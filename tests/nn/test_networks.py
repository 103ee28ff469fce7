"""Every network reads its record layout, any length, and can learn."""

import pytest
import torch

from sklearn_dc.nn import GRU, LSTM, MLP, TCN, ConvNet, Transformer

SERIES = [TCN, GRU, LSTM, Transformer]


@pytest.mark.parametrize("cls", SERIES)
@pytest.mark.parametrize("n_timepoints", [1, 24, 48])
def test_series_networks_take_any_length(cls, n_timepoints):
    net = cls(n_channels=5, n_classes=3)
    x = torch.randn(4, 5, n_timepoints)
    assert net(x).shape == (4, 3)
    assert net.embed(x).shape[0] == 4


def test_embeddings_do_not_depend_on_the_batch():
    # No batch normalisation: a record's embedding is the same alone or batched.
    torch.manual_seed(0)
    x = torch.randn(6, 5, 20)
    for net in [cls(n_channels=5) for cls in SERIES] + [MLP(n_features=5)]:
        data = x if net.input_ndim == 2 else x[:, :, 0]
        together = net.embed(data)
        alone = torch.cat([net.embed(data[i : i + 1]) for i in range(len(data))])
        torch.testing.assert_close(together, alone, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls", [*SERIES, ConvNet])
def test_networks_learn_a_separable_task(cls):
    # A class signal in channel 0; a few Adam steps must fit it.
    generator = torch.Generator().manual_seed(0)
    shape = (1, 8, 8) if cls is ConvNet else (3, 16)
    x = torch.randn(64, *shape, generator=generator)
    y = torch.arange(64) % 2
    x[y == 1, 0] += 2.0
    torch.manual_seed(0)
    net = cls(
        n_channels=shape[0], n_classes=2, **({"width": 8} if cls is ConvNet else {})
    )
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(60):
        loss = torch.nn.functional.cross_entropy(net(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert (net(x).argmax(1) == y).float().mean() > 0.9


def test_tcn_refuses_even_kernels():
    with pytest.raises(ValueError, match="odd"):
        TCN(n_channels=3, kernel_sizes=(2, 3))


@pytest.mark.parametrize("n_timepoints", [9, 48])
def test_tcn_block_equals_its_branches_run_one_by_one(n_timepoints):
    # The block runs its branches as one zero-padded convolution; the output
    # must be what each branch's own convolution gives, concatenated, and the
    # gradients must reach every branch's weights.
    torch.manual_seed(0)
    net = TCN(n_channels=3, width=12, kernel_sizes=(3, 5, 7), n_blocks=3)
    x = torch.randn(4, 3, n_timepoints)
    h = torch.relu(net.lift(x))
    for block in net.blocks:
        branches = torch.cat([torch.relu(b(h)) for b in block.branches], dim=1)
        expected = h + torch.relu(block.mix(branches))
        got = block(h)
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)
        h = expected
    net.embed(x).sum().backward()
    for block in net.blocks:
        assert all(b.weight.grad.abs().sum() > 0 for b in block.branches)


@pytest.mark.parametrize("length", [1, 5, 16, 141])
@pytest.mark.parametrize("dilation", [1, 2, 4, 8])
def test_dilated_conv1d_equals_torch(length, dilation):
    from sklearn_dc.nn._tcn import _dilated_conv1d

    torch.manual_seed(0)
    x = torch.randn(3, 4, length, requires_grad=True)
    weight, bias = torch.randn(6, 4, 7), torch.randn(6)
    expected = torch.nn.functional.conv1d(
        x, weight, bias, padding=3 * dilation, dilation=dilation
    )
    got = _dilated_conv1d(x, weight, bias, dilation)
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)
    (grad_expected,) = torch.autograd.grad(expected.square().sum(), x)
    (grad_got,) = torch.autograd.grad(got.square().sum(), x)
    torch.testing.assert_close(grad_got, grad_expected, rtol=1e-4, atol=1e-4)
