"""Differential-privacy accounting shared by the private condensers.

Three concerns, each small: the opacus accountant tools (an optional
dependency), the neighbouring relation a guarantee is stated for, and the
secret randomness of a release.
"""

from __future__ import annotations

import functools
import math
import secrets
import warnings
from contextlib import contextmanager

import numpy as np

__all__ = ["PrivacyWarning"]

ADD_REMOVE = "add/remove"
REPLACE_ONE = "replace-one"
# exp() of more overflows a float; epsilons that large guarantee nothing anyway.
_MAX_EXPONENT = 700.0
# RDP orders: opacus's defaults (1.1 .. 63) and larger ones, which small
# epsilons at sample rate 1 need (a single release at epsilon 0.1, say).
_ALPHAS = (
    [1 + x / 10.0 for x in range(1, 100)]
    + list(range(12, 64))
    + [80, 96, 128, 192, 256, 384, 512, 768, 1024, 2048, 4096]
)


class PrivacyWarning(UserWarning):
    """A fact the privacy guarantee relies on was read from the private data.

    The release is then differentially private only for neighbouring data
    sets that share that fact (for example the set of class labels). Give the
    fact publicly (e.g. ``classes=``) to remove the caveat.
    """


def import_opacus():
    """``(RDPAccountant, get_noise_multiplier)``, imported when a fit needs them."""
    try:
        from opacus.accountants import RDPAccountant
        from opacus.accountants.utils import get_noise_multiplier
    except ImportError as exc:
        raise ImportError(
            "Differentially private condensation needs opacus for its privacy "
            "accountant; install it with `pip install sklearn-dc[privacy]` (or "
            "`pip install opacus`)."
        ) from exc
    return RDPAccountant, get_noise_multiplier


@contextmanager
def quiet_alpha_range():
    """Silence opacus's note that the RDP bound is loose at extreme epsilons.

    It fires when the best RDP order is the smallest or the largest one tried
    (very large or very small epsilons per step): the epsilon reported is then
    an over-estimate, which errs on the safe side.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message="Optimal order is the (smallest|largest) alpha",
            category=UserWarning,
        )
        yield


@functools.lru_cache(maxsize=128)
def calibrate(epsilon: float, delta: float, sample_rate: float, steps: int) -> float:
    """opacus's noise multiplier for these settings, remembered across fits.

    The noise multiplier of a (sub-sampled) Gaussian mechanism with unit
    sensitivity run ``steps`` times at ``sample_rate`` that spends ``epsilon``
    at ``delta`` under add/remove neighbours (RDP accountant). The search is
    pure but takes seconds at sample rates below 1; grid searches and
    cross-validation refit with the same settings many times.
    """
    _, get_noise_multiplier = import_opacus()
    with quiet_alpha_range():
        return float(
            get_noise_multiplier(
                target_epsilon=epsilon,
                target_delta=delta,
                sample_rate=sample_rate,
                steps=steps,
                accountant="rdp",
                alphas=_ALPHAS,
            )
        )


def spent_epsilon(noise_multiplier, sample_rate, steps, delta) -> float:
    """The add/remove epsilon an RDP accountant gives ``steps`` such releases."""
    if steps == 0:
        return 0.0
    accountant_cls, _ = import_opacus()
    accountant = accountant_cls()
    accountant.history = [(noise_multiplier, sample_rate, steps)]
    with quiet_alpha_range():
        return float(accountant.get_epsilon(delta=delta, alphas=_ALPHAS))


def add_remove_budget(epsilon: float, delta: float, relation: str):
    """The add/remove budget giving ``(epsilon, delta)`` under ``relation``.

    Replacing one record is removing it and adding another: by group privacy
    an ``(e, d)`` add/remove guarantee gives ``(2 e, (1 + exp(e)) d)`` under
    replace-one, so a replace-one target asks for half the epsilon and a
    proportionally smaller delta.
    """
    if relation == ADD_REMOVE:
        return epsilon, delta
    half = epsilon / 2
    return half, delta / (1 + math.exp(min(half, _MAX_EXPONENT)))


def guarantee_under(epsilon: float, delta: float, relation: str):
    """``(epsilon, delta)`` under ``relation`` of an add/remove guarantee."""
    if relation == ADD_REMOVE:
        return epsilon, delta
    return 2 * epsilon, (1 + math.exp(min(epsilon, _MAX_EXPONENT))) * delta


def secret_seed() -> int:
    """A seed from the operating system's entropy, never from ``random_state``.

    The noise and sampling of a differentially private release must be
    unknown to an attacker who knows every parameter, the seed included.
    """
    return secrets.randbits(63)


def secret_torch_generator(device):
    """A ``torch.Generator`` on ``device`` seeded with :func:`secret_seed`."""
    import torch  # here, so that the privacy metrics do not need torch

    return torch.Generator(device=device).manual_seed(secret_seed())


def secret_numpy_generator() -> np.random.Generator:
    """A numpy generator seeded with :func:`secret_seed`."""
    return np.random.default_rng(secret_seed())
