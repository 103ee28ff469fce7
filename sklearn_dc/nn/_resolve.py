"""Turn the ``net=`` parameter of matching condensers into torch modules."""

from __future__ import annotations

import copy
import inspect

import numpy as np
import torch
from torch import nn

from ._base import EmbeddingNet
from ._convnet import ConvNet
from ._mlp import MLP
from ._recurrent import GRU, LSTM
from ._tcn import TCN
from ._transformer import Transformer

NETWORKS: dict[str, type[nn.Module]] = {
    "mlp": MLP,
    "tcn": TCN,
    "gru": GRU,
    "lstm": LSTM,
    "transformer": Transformer,
    "convnet": ConvNet,
}
# ``net="auto"``: the default network for records of each number of dimensions.
AUTO_NETWORKS = {1: "mlp", 2: "tcn", 3: "convnet"}


def auto_size(name: str, input_shape: tuple[int, ...]) -> dict:
    """The size ``net="auto"`` gives network ``name`` for records of ``input_shape``.

    A random network's cost grows with the square of its width, and a network
    sized for rich records wastes that cost on poor ones. Series: the TCN's
    width follows the number of channels (8 per channel, between 24 and 32):
    a one-channel signal gets 24, records of 4 or more channels 32 (on
    sepsis48, 40 channels, distribution matching at width 32 gave records
    about as good as at 64, mean ROC-AUC 0.636 against 0.641 over 3 seeds, in
    less than half the time per iteration: ``docs/speed.md``).
    Images: one ConvNet block per halving down to 2 x 2 pixels, at most
    three (three for 28 x 28 and 32 x 32, two for 8 x 8), 128 channels from
    28 pixels up, else 64. Tables keep the MLP's defaults.

    Parameters
    ----------
    name : str
        A key of ``NETWORKS`` (``"mlp"``, ``"tcn"`` or ``"convnet"``).
    input_shape : tuple of int
        Shape of one record.

    Returns
    -------
    kwargs : dict
        Constructor arguments of the network (empty: its defaults).

    Examples
    --------
    >>> from sklearn_dc.nn import auto_size
    >>> auto_size("tcn", (1, 140)), auto_size("tcn", (80, 48))
    ({'width': 24}, {'width': 32})
    >>> auto_size("convnet", (1, 8, 8))
    {'depth': 2, 'width': 64}
    """
    if name == "tcn":
        return {"width": int(np.clip(8 * input_shape[0], 24, 32))}
    if name == "convnet":
        side = min(input_shape[1:])
        depth = int(np.clip(np.floor(np.log2(max(side, 2) / 2)), 1, 3))
        return {"depth": depth, "width": 128 if side >= 28 else 64}
    return {}


def resolve_nets(net, *, input_shape: tuple[int, ...], n_classes: int):
    """Build the matching networks named or given by ``net``.

    Parameters
    ----------
    net : str, nn.Module subclass or instance, skorch NeuralNet, or list of these
        ``"auto"`` (MLP for tables, TCN for time series, ConvNet for images),
        a name from ``NETWORKS``, a module class (called with ``n_features``
        for tables or ``n_channels`` otherwise, and ``n_classes``), a module
        instance (copied), or a skorch ``NeuralNet`` whose ``module`` and
        ``module__*`` parameters are used. A list gives several networks.
    input_shape : tuple of int
        Shape of one record: ``(n_features,)``, ``(n_channels, n_timepoints)``
        or ``(n_channels, height, width)``.
    n_classes : int
        Number of classes.

    Returns
    -------
    modules : list of nn.Module
        Freshly built modules (on the CPU) with an ``embed`` method. Building
        them leaves the global random state untouched.
    devices : list of str or None
        The device of each skorch ``NeuralNet`` (None for other entries).
    """
    specs = net if isinstance(net, list | tuple) else [net]
    if not specs:
        raise ValueError("net is an empty list; give at least one network.")
    modules, devices = [], []
    for spec in specs:
        module, device = _build(spec, tuple(input_shape), n_classes)
        modules.append(module)
        devices.append(device)
    return modules, devices


def _build(spec, input_shape, n_classes):
    device, kwargs = None, {}
    if _is_skorch_net(spec):
        device = spec.device
        kwargs = spec.get_params_for("module")
        spec = spec.module
    if spec == "auto":
        if len(input_shape) not in AUTO_NETWORKS:
            raise ValueError(
                f"No default network for records of shape {input_shape}; X must "
                "be 2-D (tables), 3-D (time series) or 4-D (images)."
            )
        spec = AUTO_NETWORKS[len(input_shape)]
        kwargs = {**auto_size(spec, input_shape), **kwargs}
    if isinstance(spec, str):
        if spec not in NETWORKS:
            raise ValueError(
                f"Unknown net={spec!r}; choose 'auto' or one of {sorted(NETWORKS)}."
            )
        spec = NETWORKS[spec]
    if isinstance(spec, nn.Module):
        module = copy.deepcopy(spec)
    elif inspect.isclass(spec) and issubclass(spec, nn.Module):
        module = _construct(spec, input_shape, n_classes, kwargs)
    else:
        raise TypeError(
            "net must be 'auto', a name in NETWORKS, a torch.nn.Module class or "
            f"instance, a skorch NeuralNet, or a list of these; got {spec!r}."
        )
    if not hasattr(module, "embed"):
        raise TypeError(
            f"{type(module).__name__} has no embed(x) method; matching compares "
            "embeddings (subclass sklearn_dc.nn.EmbeddingNet)."
        )
    return module, device


def _construct(cls, input_shape, n_classes, kwargs):
    expected = getattr(cls, "input_ndim", None)
    if expected is not None and expected != len(input_shape):
        kinds = {1: "2-D X (n_samples, n_features)",
                 2: "3-D X (n_samples, n_channels, n_timepoints)",
                 3: "4-D X (n_samples, n_channels, height, width)"}  # fmt: skip
        raise ValueError(
            f"net={cls.__name__} needs {kinds[expected]}; got records of shape "
            f"{input_shape}. Choose net='auto' or a network for that shape"
            + (", or flatten X with X.reshape(len(X), -1)." if expected == 1 else ".")
        )
    size = (
        {"n_features": input_shape[0]}
        if len(input_shape) == 1
        else {"n_channels": input_shape[0]}
    )
    # Construction draws initial weights; fork so the caller's global RNG is
    # untouched (matching redraws the weights from its own generator anyway).
    with torch.random.fork_rng(devices=[]):
        return cls(**{**size, "n_classes": n_classes, **kwargs})


def _is_skorch_net(obj) -> bool:
    from skorch import NeuralNet

    return isinstance(obj, NeuralNet)


def redraw_weights(module: nn.Module, generator: torch.Generator) -> None:
    """Draw new weights for ``module`` in place from ``generator``.

    Modules of this package take the generator directly. For any other module,
    each submodule's own ``reset_parameters`` runs under a forked global RNG
    seeded from ``generator``, so the global random state is left untouched.
    """
    # Called every matching iteration: the package's own networks skip the
    # signature inspection.
    if isinstance(module, EmbeddingNet):
        module.reset_parameters(generator=generator)
        return
    reset = getattr(module, "reset_parameters", None)
    if reset is not None and "generator" in inspect.signature(reset).parameters:
        reset(generator=generator)
        return
    seed = int(torch.randint(2**62, (1,), generator=generator, device=generator.device))
    device = _cuda_device(module)
    devices = [device] if device is not None else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        for sub in module.modules():
            if sub is not module and hasattr(sub, "reset_parameters"):
                sub.reset_parameters()


def _cuda_device(module: nn.Module):
    param = next(module.parameters(), None)
    if param is not None and param.device.type == "cuda":
        return param.device
    return None
