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
