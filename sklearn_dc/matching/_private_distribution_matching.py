"""Differentially private distribution matching."""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import torch
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, StrOptions

from .._out_of_core import is_out_of_core, take_rows
from ..nn import redraw_weights
from ..privacy._accounting import (
    ADD_REMOVE,
    REPLACE_ONE,
    PrivacyWarning,
    add_remove_budget,
    calibrate,
    guarantee_under,
    import_opacus,
    secret_torch_generator,
    spent_epsilon,
)
from ._base import STARTS, BaseMatching, matching_parameters
from ._docstrings import fill_docstring
from ._nets import pick, refuse_batch_norm
from ._objective import Objective


def _clip_rows(embedded, clip_norm):
    """Scale each row of ``embedded`` down to L2 norm at most ``clip_norm``."""
    norms = torch.linalg.vector_norm(embedded, dim=1, keepdim=True)
    return embedded * torch.clamp(clip_norm / norms.clamp_min(1e-12), max=1.0)


def _clipped_class_sums(embedded, labels, n_classes, clip_norm):
    """Per-class sums of clipped embeddings, with a count column.

    Each record contributes the row ``(clip(e_i), clip_norm)`` to the row of
    its class, so one record moves the returned ``(n_classes, d + 1)`` matrix
    by at most ``sqrt(2) * clip_norm`` in Frobenius norm. The last column is
    ``clip_norm`` times the number of records of each class.
    """
    contributions = torch.cat(
        [
            _clip_rows(embedded, clip_norm),
            torch.full_like(embedded[:, :1], clip_norm),
        ],
        dim=1,
    )
    sums = torch.zeros(
        n_classes,
        contributions.shape[1],
        dtype=contributions.dtype,
        device=contributions.device,
    )
    return sums.index_add_(0, labels, contributions)


def _noisy_class_sums(embedded, labels, n_classes, clip_norm, noise_std, generator):
    """The released matrix: clipped per-class sums and counts, plus noise.

    Gaussian noise of standard deviation ``noise_std`` is added to every entry
    of :func:`_clipped_class_sums`, whose sensitivity to adding or removing
    one record is ``sqrt(2) * clip_norm``.
    """
    sums = _clipped_class_sums(embedded, labels, n_classes, clip_norm)
    noise = torch.randn(
        sums.shape, generator=generator, device=sums.device, dtype=sums.dtype
    )
    return sums + noise_std * noise


@fill_docstring
@matching_parameters
class PrivateDistributionMatching(BaseMatching):
    """Distribution matching with (epsilon, delta)-differential privacy (DP-DM).

    The synthetic records are learned as in :class:`DistributionMatching`, but
    the real data are only seen through a Gaussian mechanism: at every
    iteration the network gets fresh random weights, real records are drawn by
    Poisson sampling from the whole training set, each record's embedding is
    clipped to L2 norm ``clip_norm``, the clipped embeddings and the record
    counts are summed per class, and Gaussian noise is added to the sums. The
    synthetic records, which start from noise (or public data), are moved so
    that their per-class mean embeddings match the noisy real ones. An opacus
    RDP accountant sets the noise for the requested ``(epsilon, delta)`` and
    reports the epsilon spent.

    Requires opacus (``pip install sklearn-dc[privacy]``). Scale the features
    with statistics that are not private (see Notes).

    Parameters
    ----------
    n_per_class : int or dict, default=10
        The condensation budget: an ``int`` gives every class that many
        synthetic records, a ``dict`` ``{{class_label: int}}`` gives each class
        its own. Fractions of the class sizes are refused (they would read the
        private class sizes), and a budget is never capped at the class size:
        the synthetic records start from noise or public data, so a class may
        get more synthetic records than it has real ones.

    epsilon : float, default=1.0
        The privacy budget epsilon of the (epsilon, delta)-differential
        privacy guarantee; smaller is more private and noisier.

    delta : float, default=1e-5
        The delta of the guarantee, in (0, 1); take it well below
        ``1 / n_samples``.

    clip_norm : float, default=1.0
        Bound on the L2 norm of one record's embedding: larger embeddings are
        scaled down to it before they are summed (the synthetic records'
        embeddings are scaled the same way). It sets the sensitivity, so the
        noise grows with it.

    classes : array-like or None, default=None
        The public list of class labels. The output has ``n_per_class``
        records for each of them, whether or not the data hold any, so the
        number of output rows does not depend on the private labels; a label
        in ``y`` outside the list is refused. ``None`` reads the classes from
        ``y`` with a :class:`~sklearn_dc.privacy.PrivacyWarning`: the
        guarantee then holds only between data sets with the same classes.

    n_samples : int or None, default=None
        A public upper bound on the number of training records (e.g. the
        size of the registry the data come from). It sets the sample rate
        ``q``, and the guarantee is for adding or removing one record. Data
        with more records are refused. ``None`` takes the size of the data as
        public: the guarantee is then for replacing one record (data sets of
        the same size), see Notes.

    batch_real : int, default=64
        Expected number of real records per class (for balanced classes) at
        each iteration. Real records are drawn by Poisson sampling from the
        whole training set, each independently with probability
        ``q = min(1, batch_real * n_classes / n_samples)``; more records per
        iteration raise ``q`` and with it the noise needed for the same
        epsilon.

    init : "noise" or tuple (X_public, y_public), default="noise"
        Starting point of the synthetic records, which must not depend on the
        private data: ``"noise"`` draws them from a standard normal
        distribution (the features are assumed standardised), a tuple gives
        public labelled records, in the space the condenser sees (after any
        preprocessing), from which each class's starting records are drawn
        without replacement (every class needs at least its budget).
        ``"real"`` and ``"kmeans"`` read private records and are refused.

    bounds : tuple (low, high) or None, default=None
        Known, public ranges that keep the synthetic records within
        ``[low, high]`` by clipping (the starting records, and the records
        after each step); ``low`` and ``high`` are scalars or arrays that
        broadcast to one record. ``"data"`` (the range of the private data) is
        refused: the minimum and maximum of private records are not private.
        ``None`` leaves the records unconstrained.

    random_state : int, RandomState instance, default=None
        Seeds the draws that do not touch the private data: the networks'
        weights and the starting records (noise, or the choice of public
        records). The Poisson sampling of real records and the Gaussian noise
        are drawn from a generator seeded by the operating system's entropy,
        never from ``random_state``: an attacker who knows the seed must not
        be able to replay them. A fit is therefore not reproducible bit for
        bit, even with an int seed.

    Attributes
    ----------
    {fitted_attributes}

    {matching_attributes}

    epsilon_ : float
        The epsilon actually spent, computed by an opacus ``RDPAccountant``
        from the steps run, ``sample_rate_`` and ``noise_multiplier_``; at most
        ``epsilon`` (0 when ``n_iter=0``).

    delta_ : float
        The delta of the guarantee.

    noise_multiplier_ : float
        Standard deviation of the Gaussian noise relative to the sensitivity
        (``sqrt(2) * clip_norm``), from opacus's ``get_noise_multiplier``.

    sample_rate_ : float
        Poisson sampling rate ``q`` of the real records (from ``n_samples``,
        or from the data's size when it is public).

    neighbouring_ : str
        The relation ``epsilon_`` and ``delta_`` hold for: ``"add/remove"``
        (one record added or removed; with ``n_samples``) or
        ``"replace-one"`` (one record replaced by another; without it).

    See Also
    --------
    DistributionMatching : The same method without privacy.
    RandomSubset : Random real records, the (non-private) baseline.

    Notes
    -----
    **Mechanism.** Let ``n`` be ``n_samples`` (or the number of training
    records), ``C = clip_norm`` and ``q = min(1, batch_real * n_classes /
    n)``. Each iteration draws network weights (independent of the data),
    includes every real record independently with probability ``q``, and
    computes the ``(n_classes, d + 1)`` matrix whose row ``k`` is the sum over
    the sampled records of class ``k`` of ``(clip(e_i), C)``, where ``e_i`` is
    the record's ``d``-dimensional embedding and ``clip`` scales it to norm at
    most ``C``. The last column thus holds ``C`` times the class counts: the
    counts are released through the same mechanism rather than read exactly.
    Adding or removing one record changes one row by a vector of norm at most
    ``S = sqrt(2) * C`` (its label is treated as part of the record), so
    Gaussian noise of standard deviation ``noise_multiplier_ * S`` is added to
    every entry. This is the sampled Gaussian mechanism analysed by opacus's
    RDP accountant; ``noise_multiplier_`` is chosen with
    ``opacus.accountants.utils.get_noise_multiplier`` for ``n_iter`` steps at
    sample rate ``q``. Everything after the release is post-processing: the
    noisy real mean of class ``k`` is its noisy embedding sum divided by its
    noisy count (the noisy count divided by ``C``, floored at 1), and the loss
    is the squared distance to the mean of the synthetic records' clipped
    embeddings, summed over classes, minimised by Adam as in distribution
    matching. The synthetic records start from a standard normal draw or from
    public records, never from private ones, and the budget does not read the
    class sizes. The sampling masks and the noise come from a generator seeded
    by the operating system, so knowing ``random_state`` does not let anyone
    replay them.

    **Guarantee.** The returned records and every fitted attribute are
    ``(epsilon_, delta_)``-differentially private under ``neighbouring_``:

    - with ``n_samples`` (public), for adding or removing one record: the
      accountant's epsilon, calibrated to ``epsilon``;
    - without it, the data's size is public (it sets ``sample_rate_``) and the
      guarantee is for replacing one record. Replacing is removing one record
      and adding another: by group privacy an ``(e, d)`` add/remove guarantee
      gives ``(2 e, (1 + exp(e)) d)``, so the noise is calibrated to
      ``e = epsilon / 2`` and ``d = delta / (1 + exp(epsilon / 2))``, and
      ``epsilon_`` reports ``2 e``.

    Treated as public: the class list (``classes``; read from ``y`` with a
    warning when not given), ``n_samples``, the shape of a record, the
    parameters and any public data given.

    The noise multiplier grows with ``n_iter`` and ``q``: on small data sets
    with a small epsilon, fewer iterations or a smaller ``batch_real`` often
    give better records than the defaults.

    **Not covered.** The guarantee is about the data the condenser receives.
    Preprocessing fitted on the private data is outside it: a
    ``StandardScaler`` fitted on the private records (including one placed
    before the condenser in a pipeline) publishes their means and standard
    deviations through the scale of the output, and an imputer or encoder
    fitted on them leaks similarly. Fit preprocessing on public data, scale
    with known clinical ranges, or let
    :class:`~sklearn_dc.tabular.TabularCondenser` release what its encoder
    needs under differential privacy. The guarantee also assumes that records
    are independent patients (group privacy applies to patients with several
    records) and does not cover floating-point side channels of the Gaussian
    sampler.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_dc.matching import PrivateDistributionMatching
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)  # in practice: fit on public data
    >>> condenser = PrivateDistributionMatching(
    ...     n_per_class=5, epsilon=10.0, classes=[0, 1], n_samples=600,
    ...     n_iter=50, random_state=0,
    ... )
    >>> X_syn, y_syn = condenser.fit_resample(X, y)
    >>> X_syn.shape, y_syn.tolist()
    ((10, 30), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    >>> bool(condenser.epsilon_ <= 10.0), condenser.delta_, condenser.neighbouring_
    (True, 1e-05, 'add/remove')
    >>> LogisticRegression().fit(X_syn, y_syn).score(X, y) > 0.8
    True
    """

    # TabularCondenser keeps everything it releases inside the guarantee.
    _differentially_private = True

    _parameter_constraints: ClassVar[dict] = {
        **BaseMatching._parameter_constraints,
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "delta": [Interval(Real, 0, 1, closed="neither")],
        "clip_norm": [Interval(Real, 0, None, closed="neither")],
        # "real", "kmeans", "data", fractions and strategy words pass
        # validation so that fitting can explain why they are refused.
        "n_per_class": BaseMatching._parameter_constraints["n_per_class"],
        "init": [StrOptions(STARTS), tuple],
        "bounds": [StrOptions({"auto", "data", "structure"}), tuple, None],
        "classes": ["array-like", None],
        "n_samples": [Interval(Integral, 1, None, closed="left"), None],
    }

    epsilon: float = 1.0
    delta: float = 1e-5
    clip_norm: float = 1.0
    classes: npt.ArrayLike | None = None
    n_samples: int | None = None
    n_iter: int = 200
    batch_real: int = 64
    init: str | tuple = "noise"
    bounds: str | tuple | None = None

    def _encode_classes(self, y):
        if self.classes is None:
            warnings.warn(
                f"{type(self).__name__} read the class list from the private "
                "labels: the release is differentially private only between data "
                "sets with the same classes (one record of a new class would add "
                "its synthetic rows). Pass the public class list as classes=[...] "
                "to cover it.",
                PrivacyWarning,
                stacklevel=5,
            )
            return super()._encode_classes(y)
        classes = np.asarray(self.classes)
        if classes.ndim != 1 or len(classes) < 2:
            raise ValueError(
                "classes must be a list of at least 2 public class labels; got "
                f"{self.classes!r}."
            )
        sorted_classes = np.unique(classes)
        if len(sorted_classes) != len(classes):
            raise ValueError(f"classes has repeated labels: {self.classes!r}.")
        unknown = sorted(set(np.unique(y).tolist()) - set(sorted_classes.tolist()))
        if unknown:
            raise ValueError(
                f"y has labels {unknown} that are not in the public classes="
                f"{sorted_classes.tolist()}; add them to classes, or drop those "
                "records before condensing."
            )
        return sorted_classes, np.searchsorted(sorted_classes, y)

    def _resolve_budget(self, class_counts):
        n_per_class = self.n_per_class
        if not isinstance(n_per_class, Integral | dict) or (
            isinstance(n_per_class, dict)
            and any(not isinstance(v, Integral) for v in n_per_class.values())
        ):
            raise ValueError(
                f"{type(self).__name__} cannot use n_per_class={n_per_class!r}: "
                "strategy words, fractions of a class and classes kept whole "
                "read the private class sizes (and keeping a class whole "
                "releases its records). Give the number of synthetic records per "
                "class as an int or a dict of ints."
            )
        # Never capped: the class sizes are private and no real record is
        # needed, so the base class resolves ints and dicts against no limit.
        no_limit = np.full(len(class_counts), np.iinfo(np.int64).max)
        return super()._resolve_budget(no_limit)

    def _fit_resample(self, X, y):
        import_opacus()
        if isinstance(self.init, str) and self.init != "noise":
            raise ValueError(
                f"init={self.init!r} starts the synthetic records from private "
                "records, which the privacy guarantee does not cover. Use "
                "init='noise' or init=(X_public, y_public) with public records."
            )
        if isinstance(self.bounds, str):
            raise ValueError(
                f"bounds={self.bounds!r} constrains the synthetic records by "
                "statistics of the private data (their ranges, common values or "
                "records), which are not private. Give known public ranges as "
                "bounds=(low, high), or bounds=None."
            )
        # Check public data and ranges before the accountant's search.
        if isinstance(self.init, tuple):
            _check_public(self.init, X.shape[1:])
        if isinstance(self.bounds, tuple):
            _check_bounds(self.bounds, X.shape[1:])
        return super()._fit_resample(X, y)

    def _warm_start_state(self, X, budget):
        if getattr(self, "warm_start", False):
            raise ValueError(
                f"{type(self).__name__} cannot continue a previous fit: the "
                "privacy spent by that fit would not be counted. Fit afresh with "
                "the total n_iter (and warm_start unset)."
            )
        return None

    def _noise_multiplier(self, epsilon, delta, sample_rate):
        """The noise multiplier spending add/remove ``(epsilon, delta)``."""
        try:
            return calibrate(
                float(epsilon), float(delta), float(sample_rate), int(self.n_iter)
            )
        except ValueError as exc:
            floor = spent_epsilon(1e6, sample_rate, self.n_iter, delta)
            raise ValueError(
                f"The RDP accountant cannot reach epsilon={self.epsilon} at "
                f"delta={self.delta} in n_iter={self.n_iter} steps at sample rate "
                f"{sample_rate:.3g}: even a noise multiplier of 1e6 spends epsilon "
                f"{floor:.3g} (add/remove). Ask for a larger epsilon; fewer "
                "iterations (n_iter) or a smaller batch_real (a lower sample "
                "rate) reduce the noise needed, but cannot go below that floor. "
                f"(opacus: {exc})"
            ) from exc

    def _objective(self, X, y, budget, nets, device, generator, rng):
        refuse_batch_norm(
            self,
            nets,
            "which mixes the records of a batch, so one record's influence is no "
            "longer bounded by clipping.",
        )
        for net in nets:
            net.requires_grad_(False)
        if self.n_samples is None:
            # The data's size sets the sample rate, so it is public: only data
            # sets of that size are neighbours.
            n_public, relation = len(X), REPLACE_ONE
        elif len(X) > self.n_samples:
            raise ValueError(
                f"The data have {len(X)} records, more than the public "
                f"n_samples={self.n_samples}. n_samples is a public upper bound "
                "on the number of records (it sets the sample rate); give the "
                "right one, or n_samples=None to take the data's size as public "
                "(the guarantee is then for replacing one record)."
            )
        else:
            n_public, relation = self.n_samples, ADD_REMOVE
        sample_rate = min(1.0, self.batch_real * len(self.classes_) / n_public)
        epsilon, delta = add_remove_budget(self.epsilon, self.delta, relation)
        noise_multiplier = (
            self._noise_multiplier(epsilon, delta, sample_rate)
            if self.n_iter > 0
            else 0.0  # nothing is released
        )
        mechanism = _Mechanism(
            sample_rate,
            noise_multiplier,
            float(self.clip_norm),
            relation,
            delta,
            float(self.delta),
        )
        return _PrivateMeans(X, y, budget, nets, device, generator, rng, mechanism)

    def _initial_records(self, X, y, budget, rng):
        shape = X.shape[1:]
        if isinstance(self.init, str):
            # Standard normal, not the data's mean and spread.
            records = rng.standard_normal((budget.sum(), *shape))
        else:
            records = self._public_records(budget, shape, rng)
        if self.bounds is not None:
            records = np.clip(records, *_check_bounds(self.bounds, shape))
        return records

    def _public_records(self, budget, shape, rng):
        """Each class's starting records, drawn from ``init=(X_public, y_public)``."""
        X_public, y_public = _check_public(self.init, shape)
        parts = []
        for label, n in zip(self.classes_, budget, strict=True):
            rows = np.flatnonzero(y_public == label)
            if len(rows) < n:
                raise ValueError(
                    f"init=(X_public, y_public) has {len(rows)} public records of "
                    f"class {label!r}, fewer than its budget of {n}; give more "
                    "public records or a smaller n_per_class."
                )
            parts.append(X_public[rng.choice(rows, size=n, replace=False)])
        return np.concatenate(parts)

    def _make_projection(self, X, start, device):
        if self.bounds is None:
            return None
        low, high = _check_bounds(self.bounds, X.shape[1:])
        low = torch.as_tensor(low, dtype=torch.float32, device=device)
        high = torch.as_tensor(high, dtype=torch.float32, device=device)

        @torch.no_grad()
        def project(synthetic):
            torch.clamp_(synthetic, low, high)

        return project


def _check_public(init, shape):
    """Validate ``init=(X_public, y_public)``."""
    if len(init) != 2:
        raise ValueError(
            "init as a tuple must be (X_public, y_public): public records and "
            f"their labels; got a tuple of length {len(init)}."
        )
    X_public = check_array(
        init[0], allow_nd=True, dtype=[np.float64, np.float32], input_name="X_public"
    )
    y_public = np.asarray(init[1])
    if X_public.shape[1:] != shape:
        raise ValueError(
            f"init=(X_public, y_public) has records of shape {X_public.shape[1:]}; "
            f"the training records have shape {shape}."
        )
    if y_public.shape != (len(X_public),):
        raise ValueError(
            f"init=(X_public, y_public) needs one label per public record; got "
            f"labels of shape {y_public.shape} for {len(X_public)} records."
        )
    return X_public, y_public


def _check_bounds(bounds, shape):
    """Validate ``bounds=(low, high)`` and broadcast it to one record."""
    if len(bounds) != 2:
        raise ValueError(
            "bounds as a tuple must be (low, high), public ranges of the "
            f"features; got a tuple of length {len(bounds)}."
        )
    try:
        low, high = (
            np.broadcast_to(np.asarray(b, dtype=np.float64), shape).copy()
            for b in bounds
        )
    except ValueError as exc:
        raise ValueError(
            f"bounds=(low, high) must be scalars or arrays that broadcast to one "
            f"record, of shape {shape} ({exc})."
        ) from exc
    if not (low <= high).all():
        raise ValueError("bounds=(low, high) needs low <= high everywhere.")
    return low, high


class _Mechanism:
    """The sampled Gaussian mechanism of one fit, and the releases it made.

    ``delta`` is the add/remove delta the noise is calibrated to (for
    ``relation``, see ``add_remove_budget``), ``target_delta`` the delta
    asked for, which the guarantee reports. The sampling mask and the noise
    are secret: drawn from a generator seeded by the operating system, never
    from ``random_state``, which an attacker may know.
    """

    def __init__(
        self, sample_rate, noise_multiplier, clip_norm, relation, delta, target_delta
    ):
        self.sample_rate, self.noise_multiplier = sample_rate, noise_multiplier
        self.clip_norm, self.relation, self.delta = clip_norm, relation, delta
        self.target_delta = target_delta
        self.noise_std = noise_multiplier * math.sqrt(2.0) * clip_norm
        self.steps = 0

    def release(self, embedded, labels, n_classes, secret):
        """Noisy clipped class sums of the records; one step of the accountant."""
        sums = _noisy_class_sums(
            embedded, labels, n_classes, self.clip_norm, self.noise_std, secret
        )
        self.steps += 1
        return sums

    def guarantee(self):
        """The fitted attributes of the guarantee, from the releases made."""
        # Recomputed from the releases actually made (fewer when interrupted).
        spent = spent_epsilon(
            self.noise_multiplier, self.sample_rate, self.steps, self.delta
        )
        return {
            "epsilon_": guarantee_under(spent, self.delta, self.relation)[0],
            "delta_": self.target_delta,
            "neighbouring_": self.relation,
            "noise_multiplier_": self.noise_multiplier,
            "sample_rate_": self.sample_rate,
        }


class _PrivateMeans(Objective):
    """DM's loss against class means released by the Gaussian mechanism."""

    def __init__(self, X, y, budget, nets, device, generator, rng, mechanism):
        self.nets, self.generator, self.rng = nets, generator, rng
        self.mechanism = mechanism
        self.n_classes = n_classes = len(budget)
        self.n_samples = len(X)
        self.device = device
        self.secret = secret_torch_generator(device)
        if is_out_of_core(X):

            def real_rows(rows):
                records = take_rows(X, rows.cpu().numpy())
                return torch.as_tensor(records, dtype=torch.float32, device=device)

            self.real_rows = real_rows
        else:
            records = torch.tensor(X, dtype=torch.float32, device=device)
            self.real_rows = records.__getitem__
        self.labels = torch.as_tensor(y, device=device)
        self.synthetic_labels = torch.as_tensor(
            np.repeat(np.arange(n_classes), budget), device=device
        )
        self.budget = torch.as_tensor(budget, dtype=torch.float32, device=device)

    def results(self):
        return self.mechanism.guarantee()

    def loss(self, synthetic):
        mechanism, clip_norm = self.mechanism, self.mechanism.clip_norm
        net = self.nets[pick(self.nets, self.rng)]
        redraw_weights(net, self.generator)
        # The synthetic records' embeddings are clipped like the real ones,
        # so that like is compared with like.
        embedded = net.embed(synthetic)
        synthetic_sums = _clipped_class_sums(
            embedded, self.synthetic_labels, self.n_classes, clip_norm
        )
        synthetic_mean = synthetic_sums[:, :-1] / self.budget[:, None]
        # Poisson sampling over the whole training set, as the accountant
        # assumes.
        draws = torch.rand(self.n_samples, generator=self.secret, device=self.device)
        sampled = torch.nonzero(draws < mechanism.sample_rate).squeeze(1)
        with torch.no_grad():
            if len(sampled):
                embedded_real = net.embed(self.real_rows(sampled))
            else:
                embedded_real = embedded.new_zeros((0, embedded.shape[1]))
            sums = mechanism.release(
                embedded_real, self.labels[sampled], self.n_classes, self.secret
            )
            # Post-processing of the release: noisy sum over noisy count.
            counts = (sums[:, -1:] / clip_norm).clamp_min(1.0)
            real_mean = sums[:, :-1] / counts
        return ((real_mean - synthetic_mean) ** 2).sum()
