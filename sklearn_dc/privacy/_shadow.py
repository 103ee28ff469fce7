"""Shadow-model membership audit (LiRA) of a condenser."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from numpy.typing import ArrayLike
from scipy.special import logsumexp
from scipy.stats import beta
from sklearn.base import BaseEstimator, clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state

from ._neighbors import _neighbors
from ._validation import _check_labels, _check_rows

SCORES = (
    "distance (same class)",
    "distance (any class)",
    "logistic regression",
    "class mean",
    "random features",
)
# Width of the random-feature map; the logit score is clipped to this bound
# (a probability within about 1e-13 of 0 or 1 carries no more information).
_WIDTH = 256
_LOGIT_CLIP = 30.0
_MIN_RECORDS, _MIN_PER_CLASS, _MIN_SHADOWS = 20, 4, 8


def shadow_audit(
    condenser: BaseEstimator,
    X: ArrayLike,
    y: ArrayLike,
    *,
    n_shadows: int = 64,
    random_state: int | np.random.RandomState | None = None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Membership audit of a condenser by shadow models (LiRA).

    The likelihood-ratio attack of Carlini et al. (2022), "Membership
    inference attacks from first principles", run against the condensation
    *algorithm*: the condenser is refitted ``n_shadows`` times, each time on
    a random stratified half of the records (the shadow's members), and
    every record is scored against every shadow's synthetic set. A record
    whose scores differ between the shadows that saw it and those that did
    not is exposed by the condenser.

    For each shadow and each record five scores are computed (higher means
    "more likely a member"), on the records flattened to float64:

    - ``distance (same class)``: ``-log(1e-12 + d)`` with ``d`` the distance
      to the nearest synthetic record of the record's class (of any class
      when the synthetic set has none of it);
    - ``distance (any class)``: the same to the nearest synthetic record;
    - ``logistic regression``: the logit of ``p(y_i | x_i)`` of a
      standardised logistic regression (``C=1``) trained on the synthetic
      set, ``log p - log(1 - p)``, clipped to +-30 (0 when the synthetic
      set has a single class);
    - ``class mean``: ``<x_i - m, mu(y_i) - m>``, with ``m`` the mean of all
      records and ``mu(c)`` the mean of the synthetic records of class ``c``;
    - ``random features``: the same projection after a fixed random ReLU
      feature map of width 256 (weights ``N(0, 1/d)``, biases ``N(0, 1)``),
      each record's features scaled to L2 norm at most 1, as distribution
      matching clips embeddings.

    Each shadow in turn is the target, scored with the statistics of the
    *other* shadows: the shadows come in complementary pairs (one fitted on
    a half, the other on the rest), and the target's pair is left out, so
    that every record keeps as many member as non-member scores (leaving out
    the target alone biases the AUC below 0.5 when few shadows are used).
    For record ``i``, Gaussians are fitted to its scores from the shadows
    where it was a member
    (``mu_in, sigma_in``) and where it was not (``mu_out, sigma_out``).
    The **online** statistic is ``log N(s; mu_in, sigma_in) - log N(s;
    mu_out, sigma_out)`` of its score ``s`` on the target, the **offline**
    one ``(s - mu_out) / sigma_out`` (it needs no shadow that saw the
    record). ``combined`` sums the five statistics. The standard deviations
    are floored at ``1e-6 + 1e-3`` times the pooled standard deviation of
    the score.

    Parameters
    ----------
    condenser : estimator with ``fit_resample``
        The condenser to audit, with the settings it is used with; it is
        cloned for every shadow and never fitted itself. Its
        ``random_state`` (and any ``*__random_state`` of a nested estimator)
        is replaced by a fresh seed for every shadow, so that the audit
        averages over the condenser's own randomness.
    X : array-like of shape (n_records, ...)
        The pool of records, numeric, without missing values, in the space
        the condenser sees (after preprocessing); a DataFrame is converted
        to a float64 array. Records of more than one dimension (time
        series, images) are passed to the condenser as they are and
        flattened for the scores. At least 20 records.
    y : array-like of shape (n_records,)
        Their class labels (numbers or strings); every class needs at least
        4 records.
    n_shadows : int, default=64
        Number of shadow fits, at least 8. Each record is a member of
        exactly half of the shadows (when ``n_shadows`` is even), so the
        Gaussians are fitted to about ``n_shadows / 2`` scores each.
    random_state : int, RandomState instance or None, default=None
        Draws the shadows' members, the condenser's seeds and the random
        features. With an int the audit is reproducible, except for
        condensers whose own noise is secret (see Notes).
    n_jobs : int or None, default=None
        Shadows fitted in parallel by :class:`joblib.Parallel`; ``None``
        means 1 unless in a :func:`joblib.parallel_backend` context (a Dask
        backend distributes the shadows over a cluster).

    Returns
    -------
    audit : pandas.DataFrame
        One row per score and LiRA variant, the online rows first and
        ``combined`` last in each block, with columns:

        - ``score``: the score's name, or ``"combined"``;
        - ``lira``: ``"online"`` or ``"offline"``;
        - ``auc``, ``auc_low``, ``auc_high``: the ROC-AUC of telling the
          target's members from its non-members, averaged over the targets,
          and the 2.5 and 97.5 percentiles of the targets' AUCs (0.5 = no
          leakage this attack can see);
        - ``tpr_at_1%_fpr``, ``tpr_at_0.1%_fpr``: the share of members
          detected while flagging at most 1% (0.1%) of the non-members, from
          the statistics of all targets pooled.

        ``audit.attrs`` holds ``n_shadows``, ``n_records``, ``condenser``
        (its class name) and ``seconds`` (wall time of the audit); for a
        condenser with an ``epsilon`` parameter (differentially private)
        also ``epsilon`` (the mean ``epsilon_`` of the fitted shadows),
        ``delta`` and ``empirical_epsilon`` (see Notes).

    See Also
    --------
    distance_attack : Distance attack on one synthetic set, no refitting.
    classifier_attack : Attack classifier trained on known memberships.
    privacy_report : Copies, distances and attacks in one table.

    Notes
    -----
    **Threat model.** The attacker knows the algorithm and all its settings,
    holds the whole pool of records (members and non-members alike, with
    their labels) and can run the condenser as often as it likes; it does
    not know which half a synthetic set was fitted on. This is the standard
    a reviewer applies to a release, stronger than an outsider who holds a
    single synthetic set; an AUC near 0.5 still only says that these five
    scores do not separate members, not that none could.

    **Cost.** ``n_shadows`` fits of the condenser on half of the records,
    parallel over shadows with ``n_jobs``; the scoring is cheap beside
    them. With few shadows the per-record Gaussians are noisy and the attack
    weaker: 64 is the usual setting, 16 a quick look.

    **Reproducibility.** With an integer ``random_state`` the result is
    identical run after run, with any ``n_jobs``, for condensers that are
    deterministic given their seed (on CPU). The noise and sampling of
    :class:`~sklearn_dc.matching.PrivateDistributionMatching` are drawn from
    the operating system's entropy, not from ``random_state``, so its audit
    varies slightly from run to run.

    **Empirical epsilon.** For a condenser with ``epsilon`` and ``delta``
    parameters, ``attrs["empirical_epsilon"]`` is a lower bound in the style
    of Jagielski et al. (2020), "Auditing differentially private machine
    learning": the combined online statistic of the first half of the
    targets (pooled) chooses a threshold, and on the second half the
    attack's true and false positives give Clopper-Pearson 95% bounds (the
    ends of two-sided intervals) on its TPR (lower) and FPR (upper);
    ``max(log((TPR - delta) / FPR), log((1 - FPR - delta) / (1 - TPR)), 0)``.
    This is a heuristic, average-case bound over records, not a proof: the
    guesses about different records of one shadow are not independent
    trials, and the two worlds compared differ in more than the one record
    scored. It can be compared with ``attrs["epsilon"]`` as a sanity check;
    a value far below ``epsilon`` says only that this attack does not reach
    it, not that the condenser is more private than claimed.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dc import RandomSubset
    >>> from sklearn_dc.privacy import shadow_audit
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 4))
    >>> y = np.repeat([0, 1], 30)
    >>> audit = shadow_audit(
    ...     RandomSubset(n_per_class=5), X, y, n_shadows=8, random_state=0
    ... )
    >>> audit.columns.tolist()
    ['score', 'lira', 'auc', 'auc_low', 'auc_high', 'tpr_at_1%_fpr', 'tpr_at_0.1%_fpr']
    >>> audit["score"].tolist()[:6]  # doctest: +NORMALIZE_WHITESPACE
    ['distance (same class)', 'distance (any class)', 'logistic regression',
     'class mean', 'random features', 'combined']
    >>> combined = audit.query("score == 'combined' and lira == 'online'")
    >>> bool(combined["auc"].iloc[0] > 0.5)  # copied records leak
    True
    >>> audit.attrs["n_shadows"], audit.attrs["condenser"]
    (8, 'RandomSubset')
    """
    start = time.perf_counter()
    _check_n_shadows(n_shadows)
    condenser = _check_condenser(condenser)
    X = _check_rows(X, "X")
    classes, codes = _check_targets(y, X)
    y = classes[codes]  # the caller's labels, as a fresh array

    rng = check_random_state(random_state)
    inside = _draw_members(codes, len(classes), n_shadows, rng)
    seeds = rng.randint(np.iinfo(np.int32).max, size=n_shadows)
    pool = _Pool.make(X.reshape(len(X), -1), codes, classes, rng)
    seed_names = [
        name
        for name in condenser.get_params()
        if name == "random_state" or name.endswith("__random_state")
    ]
    shadows = Parallel(n_jobs=n_jobs)(
        delayed(_shadow)(
            condenser, X, y, inside[s], dict.fromkeys(seed_names, int(seeds[s])), pool
        )
        for s in range(n_shadows)
    )
    scores = np.stack([scores for scores, _ in shadows], axis=1)
    online, offline = _lira(scores, inside)

    rows = []
    for variant, statistics in [("online", online), ("offline", offline)]:
        for name, statistic in zip(
            [*SCORES, "combined"], [*statistics, statistics.sum(axis=0)], strict=True
        ):
            rows.append({"score": name, "lira": variant, **_metrics(statistic, inside)})
    audit = pd.DataFrame(rows)
    audit.attrs.update(
        n_shadows=n_shadows,
        n_records=len(X),
        condenser=type(condenser).__name__,
    )
    if hasattr(condenser, "epsilon") and hasattr(condenser, "delta"):
        spent = [epsilon for _, epsilon in shadows if epsilon is not None]
        audit.attrs.update(
            epsilon=float(np.mean(spent)) if spent else float(condenser.epsilon),
            delta=float(condenser.delta),
            empirical_epsilon=_empirical_epsilon(
                online.sum(axis=0), inside, float(condenser.delta)
            ),
        )
    audit.attrs["seconds"] = time.perf_counter() - start
    return audit


def _check_n_shadows(n_shadows):
    if (
        not isinstance(n_shadows, Integral)
        or isinstance(n_shadows, bool)
        or n_shadows < _MIN_SHADOWS
    ):
        raise ValueError(
            f"n_shadows must be an integer >= {_MIN_SHADOWS}; got {n_shadows!r}. "
            "Each record's member and non-member scores are fitted from the "
            "other shadows: use 64 for an audit, 16 for a quick look."
        )


def _check_condenser(condenser):
    """A clone of ``condenser``, which must be a cloneable sampler."""
    if not hasattr(condenser, "fit_resample"):
        raise ValueError(
            f"condenser {condenser!r} has no fit_resample method; pass a condenser "
            "(an imbalanced-learn sampler such as sklearn_dc.DistributionMatching) "
            "with the settings to audit."
        )
    try:
        return clone(condenser)
    except Exception as exc:
        raise ValueError(
            f"condenser {condenser!r} cannot be cloned by sklearn.base.clone "
            f"({exc}); the audit refits fresh copies of it. Pass an estimator "
            "instance (not a class) whose __init__ stores its parameters "
            "unchanged."
        ) from exc


def _check_targets(y, X):
    """Sorted classes and the code of each record; refuse too little data."""
    if y is None:
        raise ValueError("y is None; pass one class label per record.")
    y = _check_labels(y, X, "y", "X")
    if pd.isna(y).any():
        raise ValueError(
            "y contains missing labels (NaN or None); drop those records or give "
            "them a class before the audit."
        )
    if len(X) < _MIN_RECORDS:
        raise ValueError(
            f"The audit needs at least {_MIN_RECORDS} records; X has {len(X)}. "
            "Each shadow is fitted on half of them: pass the whole pool."
        )
    classes, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
    if len(classes) < 2:
        raise ValueError(
            f"y has a single class ({classes[0]!r}); condensation and the audit "
            "need at least 2 classes."
        )
    small = {
        c: int(k)
        for c, k in zip(classes.tolist(), counts, strict=True)
        if k < _MIN_PER_CLASS
    }
    if small:
        raise ValueError(
            f"Every class needs at least {_MIN_PER_CLASS} records (each shadow "
            f"gets half of each class); these have fewer: {small}. Add records "
            "or merge or drop those classes."
        )
    return classes, codes.ravel()


def _draw_members(codes, n_classes, n_shadows, rng):
    """Which records each shadow is fitted on, shape ``(n_shadows, n_records)``.

    Shadows come in complementary pairs (Carlini et al.'s design): a random
    half of each class (floor or ceil, at random) and its complement, so
    every record is a member of exactly half of the shadows and its member
    and non-member Gaussians are fitted to equally many scores.
    """
    inside = np.zeros((n_shadows, len(codes)), dtype=bool)
    members = [np.flatnonzero(codes == c) for c in range(n_classes)]
    for s in range(0, n_shadows, 2):
        for rows in members:
            size = len(rows) // 2 + int(len(rows) % 2 == 1 and rng.rand() < 0.5)
            inside[s, rng.choice(rows, size=size, replace=False)] = True
        if s + 1 < n_shadows:
            inside[s + 1] = ~inside[s]
    return inside


@dataclass(frozen=True)
class _Pool:
    """The records as the scores see them, shared by every shadow."""

    X: np.ndarray  # flattened float64 records
    codes: np.ndarray  # class index of each record
    classes: np.ndarray
    weights: np.ndarray  # random-feature map
    bias: np.ndarray
    features: np.ndarray  # the records' random features

    @classmethod
    def make(cls, X, codes, classes, rng):
        d = X.shape[1]
        weights = rng.normal(scale=1 / np.sqrt(d), size=(d, _WIDTH))
        bias = rng.normal(size=_WIDTH)
        features = _random_features(X, weights, bias)
        return cls(X, codes, classes, weights, bias, features)

    def embed(self, X):
        return _random_features(X, self.weights, self.bias)


def _random_features(X, weights, bias):
    """ReLU random features, each row scaled to L2 norm at most 1.

    The scaling bounds every record's pull on a class mean, as the clipping
    of private distribution matching does.
    """
    features = np.maximum(X @ weights + bias, 0.0)
    norms = np.linalg.norm(features, axis=1, keepdims=True)
    return features / np.maximum(norms, 1.0)


def _shadow(condenser, X, y, inside, seeds, pool):
    """Fit one shadow; the five scores of every record and its ``epsilon_``."""
    shadow = clone(condenser).set_params(**seeds)
    with warnings.catch_warnings():
        # Budget caps, privacy reminders and convergence notes repeat for
        # every shadow and say nothing about leakage.
        warnings.simplefilter("ignore", UserWarning)
        X_syn, y_syn = shadow.fit_resample(X[inside], y[inside])
        scores = _scores(X_syn, y_syn, pool)
    return scores, getattr(shadow, "epsilon_", None)


def _scores(X_syn, y_syn, pool):
    """Scores of shape ``(5, n_records)`` against one synthetic set."""
    X_syn = np.asarray(X_syn, dtype=np.float64).reshape(len(X_syn), -1)
    lookup = {label: k for k, label in enumerate(pool.classes.tolist())}
    syn_codes = np.array(
        [lookup.get(label, -1) for label in np.asarray(y_syn).tolist()]
    )
    X, codes = pool.X, pool.codes

    nearest = _neighbors(X, X_syn, 1, "euclidean")[0][:, 0]
    nearest_own = nearest.copy()
    for c in range(len(pool.classes)):
        rows, own = codes == c, syn_codes == c
        if own.any():
            nearest_own[rows] = _neighbors(X[rows], X_syn[own], 1, "euclidean")[0][:, 0]

    centre, centre_features = X.mean(axis=0), pool.features.mean(axis=0)
    return np.stack(
        [
            -np.log(1e-12 + nearest_own),
            -np.log(1e-12 + nearest),
            _logit_scores(X_syn, syn_codes, X, codes),
            _projection(X, codes, X_syn, syn_codes, centre),
            _projection(
                pool.features, codes, pool.embed(X_syn), syn_codes, centre_features
            ),
        ]
    )


def _logit_scores(X_syn, syn_codes, X, codes):
    """``log p(y_i | x_i) - log(1 - p(y_i | x_i))`` of a model of the synthetic set."""
    present = np.unique(syn_codes[syn_codes >= 0])
    if len(present) < 2:
        return np.zeros(len(X))
    known = syn_codes >= 0
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=5000))
    model.fit(X_syn[known], syn_codes[known])
    logits = model.decision_function(X)
    if logits.ndim == 1:  # binary: softmax of (0, f) is the sigmoid of f
        logits = np.column_stack([np.zeros_like(logits), logits])
    # From the logits rather than predict_log_proba, whose log of a rounded
    # probability saturates at -inf.
    column = np.searchsorted(present, codes).clip(max=len(present) - 1)
    has_class = present[column] == codes
    own = logits[np.arange(len(X)), column]
    others = np.where(np.arange(len(present)) == column[:, None], -np.inf, logits)
    scores = np.where(has_class, own - logsumexp(others, axis=1), -_LOGIT_CLIP)
    return scores.clip(-_LOGIT_CLIP, _LOGIT_CLIP)


def _projection(X, codes, X_syn, syn_codes, centre):
    """``<x_i - centre, mean of the synthetic records of class y_i - centre>``."""
    means = np.tile(centre, (codes.max() + 1, 1))
    for c in range(len(means)):
        own = syn_codes == c
        if own.any():
            means[c] = X_syn[own].mean(axis=0)
    return np.einsum("ij,ij->i", X - centre, means[codes] - centre)


def _lira(scores, inside):
    """Online and offline LiRA statistics, each of shape ``(5, n_shadows, n)``.

    Every shadow in turn is the target; a record's Gaussians come from the
    other shadows, through per-record sums from which the target's
    contribution is subtracted, and that of its complementary partner.
    Leaving out the target alone would leave one score fewer on the side the
    record is on in the target: its own side's Gaussian, fitted to fewer
    scores, fits the target's score worse, which pushes members' online
    statistics down and the AUC of a condenser that leaks nothing below 0.5
    (about 0.36 with 8 shadows, 0.45 with 16). Without the pair both sides
    keep equally many scores.
    """
    # Standardise each score over everything: the statistics do not change
    # (they are affine-invariant), the sums of squares lose less precision,
    # and the floor of the standard deviations becomes a constant.
    spread = scores.std(axis=(1, 2), keepdims=True)
    z = (scores - scores.mean(axis=(1, 2), keepdims=True)) / np.where(
        spread > 0, spread, 1.0
    )
    member = inside[None]
    sum_in, sq_in = (z * member).sum(axis=1), (z**2 * member).sum(axis=1)
    sum_out, sq_out = (z * ~member).sum(axis=1), (z**2 * ~member).sum(axis=1)
    n_in = inside.sum(axis=0)
    n_out = len(inside) - n_in
    online, offline = np.empty_like(z), np.empty_like(z)
    for t in range(len(inside)):
        # Pairs are (0, 1), (2, 3), ...; an odd last shadow has no partner.
        left_out = [t, t ^ 1] if t ^ 1 < len(inside) else [t]
        z_left, in_left = z[:, left_out], member[:, left_out]
        mu_in, sd_in = _gaussian(
            sum_in - (z_left * in_left).sum(axis=1),
            sq_in - (z_left**2 * in_left).sum(axis=1),
            n_in - in_left[0].sum(axis=0),
        )
        mu_out, sd_out = _gaussian(
            sum_out - (z_left * ~in_left).sum(axis=1),
            sq_out - (z_left**2 * ~in_left).sum(axis=1),
            n_out - (~in_left[0]).sum(axis=0),
        )
        s = z[:, t]
        online[:, t] = _log_normal(s, mu_in, sd_in) - _log_normal(s, mu_out, sd_out)
        offline[:, t] = (s - mu_out) / sd_out
    return online, offline


def _gaussian(total, squares, count):
    """Mean and floored standard deviation from sums over ``count`` scores.

    Scores are standardised, so the pooled distribution (mean 0, sd 1) stands
    in where a record has fewer than two scores on one side.
    """
    n = np.maximum(count, 1)
    mean = np.where(count > 0, total / n, 0.0)
    variance = np.maximum(squares - n * mean**2, 0.0) / np.maximum(count - 1, 1)
    sd = np.where(count > 1, np.sqrt(variance), 1.0)
    return mean, np.maximum(sd, 1e-6 + 1e-3)


def _log_normal(x, mean, sd):
    return -0.5 * ((x - mean) / sd) ** 2 - np.log(sd)


def _metrics(statistic, inside):
    """Mean AUC over targets with its spread, and pooled TPR at low FPR."""
    aucs = [roc_auc_score(is_in, s) for is_in, s in zip(inside, statistic, strict=True)]
    fpr, tpr, _ = roc_curve(inside.ravel(), statistic.ravel())
    low, high = np.percentile(aucs, [2.5, 97.5])
    return {
        "auc": float(np.mean(aucs)),
        "auc_low": float(low),
        "auc_high": float(high),
        "tpr_at_1%_fpr": float(tpr[fpr <= 0.01].max()),
        "tpr_at_0.1%_fpr": float(tpr[fpr <= 0.001].max()),
    }


def _empirical_epsilon(statistic, inside, delta, confidence=0.95):
    """Epsilon lower bound: a threshold from the first half of the targets,
    the bound from the second half."""
    half = len(inside) // 2
    threshold = _best_threshold(statistic[:half], inside[:half], delta, confidence)
    guess = statistic[half:] >= threshold
    is_in = inside[half:]
    counts = [
        np.sum(guess & is_in),
        np.sum(~guess & is_in),
        np.sum(guess & ~is_in),
        np.sum(~guess & ~is_in),
    ]
    return float(_epsilon_bound(*map(np.asarray, counts), delta, confidence))


def _best_threshold(statistic, inside, delta, confidence):
    """The threshold ``s >= t`` whose bound is largest on these targets."""
    values, is_in = statistic.ravel(), inside.ravel()
    candidates = np.unique(values)
    members, others = np.sort(values[is_in]), np.sort(values[~is_in])
    tp = len(members) - np.searchsorted(members, candidates, side="left")
    fp = len(others) - np.searchsorted(others, candidates, side="left")
    bounds = _epsilon_bound(
        tp, len(members) - tp, fp, len(others) - fp, delta, confidence
    )
    return candidates[np.argmax(bounds)]


def _epsilon_bound(tp, fn, fp, tn, delta, confidence):
    """Jagielski et al.'s bound from Clopper-Pearson limits of TPR and FPR."""
    alpha = (1 - confidence) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        tpr_low = np.where(tp > 0, beta.ppf(alpha, tp, fn + 1), 0.0)
        fpr_high = np.where(tn > 0, beta.ppf(1 - alpha, fp + 1, tn), 1.0)
        ratios = [
            (tpr_low - delta) / fpr_high,
            (1 - fpr_high - delta) / (1 - tpr_low),
        ]
        logs = [np.where(r > 0, np.log(np.where(r > 0, r, 1.0)), 0.0) for r in ratios]
    return np.maximum(np.maximum(*logs), 0.0)
