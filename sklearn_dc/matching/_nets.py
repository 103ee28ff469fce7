"""The matching networks: which one an iteration uses, and what they may hold."""

from __future__ import annotations

from torch.nn.modules.batchnorm import _BatchNorm


def pick(nets, rng) -> int:
    """Index of the network to use: drawn with ``rng`` when there are several."""
    return int(rng.integers(len(nets))) if len(nets) > 1 else 0


def refuse_batch_norm(estimator, nets, why: str) -> None:
    """Raise a ValueError naming the batch normalisation in ``nets``.

    ``why`` says what batch statistics break in ``estimator``'s method.
    """
    for net in nets:
        found = sorted(
            {type(m).__name__ for m in net.modules() if isinstance(m, _BatchNorm)}
        )
        if found:
            raise ValueError(
                f"{type(estimator).__name__} cannot use {type(net).__name__}: it "
                f"has batch normalisation ({', '.join(found)}), {why} Use a "
                "network without it (those of sklearn_dc.nn have none; GroupNorm "
                "or LayerNorm are fine), e.g. net='auto'."
            )
