"""Turn the ``net=`` parameter of matching condensers into a torch module."""

from __future__ import annotations

import inspect
import math

import torch
from torch import nn

from ._mlp import MLP

# Names accepted by ``net=``, with the input dimensionality each module needs.
NETWORKS: dict[str, type[nn.Module]] = {"mlp": MLP}
_TABLE_NETWORKS = (MLP,)


def resolve_net(net, *, input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    """Build the matching network named or given by ``net``.

    Parameters
    ----------
    net : str or nn.Module subclass
        A name from ``NETWORKS`` or a module class. A class is called with
        ``n_features`` and ``n_classes`` keyword arguments and must define
        ``embed(x)``.
    input_shape : tuple of int
        Shape of one record (``(n_features,)`` for a table).
    n_classes : int
        Number of classes.

    Returns
    -------
    module : nn.Module
        A freshly built module (on the CPU) with an ``embed`` method. Building
        it leaves the global random state untouched.
    """
    if isinstance(net, str):
        if net not in NETWORKS:
            raise ValueError(f"Unknown net={net!r}; choose one of {sorted(NETWORKS)}.")
        net = NETWORKS[net]
    if not (inspect.isclass(net) and issubclass(net, nn.Module)):
        raise TypeError(
            f"net must be a name in {sorted(NETWORKS)} or a torch.nn.Module subclass; "
            f"got {net!r}."
        )
    if not hasattr(net, "embed"):
        raise TypeError(
            f"{net.__name__} has no embed(x) method; matching compares embeddings."
        )
    if issubclass(net, _TABLE_NETWORKS) and len(input_shape) != 1:
        raise ValueError(
            f"net={net.__name__} needs 2-D X of shape (n_samples, n_features); got "
            f"records of shape {input_shape}. Flatten them with "
            "X.reshape(len(X), -1) or choose a network for that shape."
        )
    # Construction draws initial weights; fork so the caller's global RNG is
    # untouched (matching redraws the weights from its own generator anyway).
    with torch.random.fork_rng(devices=[]):
        return net(n_features=math.prod(input_shape), n_classes=n_classes)


def redraw_weights(module: nn.Module, generator: torch.Generator) -> None:
    """Draw new weights for ``module`` in place from ``generator``.

    Modules of this package take the generator directly. For any other module,
    each submodule's own ``reset_parameters`` runs under a forked global RNG
    seeded from ``generator``, so the global random state is left untouched.
    """
    reset = getattr(module, "reset_parameters", None)
    if reset is not None and "generator" in inspect.signature(reset).parameters:
        reset(generator=generator)
        return
    seed = int(torch.randint(2**62, (1,), generator=generator))
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
