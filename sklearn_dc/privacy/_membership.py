"""Membership-inference attacks against a condensed set."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import norm, rankdata
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_curve
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state

from ..base import MAX_SEED
from ._neighbors import _check_confidence, _check_fraction, _neighbors
from ._validation import _check_labels, _check_sets, _warn_overlap


@dataclass
class MembershipInferenceResult:
    """Outcome of a membership-inference attack.

    The attack scores every real record, training records (members) and
    holdout records (non-members); a higher score means "more likely a
    member". Its ROC-AUC is the probability that a random member scores
    above a random non-member: 0.5 means the attack cannot tell them apart
    (no leakage it can detect), 1 means it identifies every member.

    Attributes
    ----------
    attack : str
        Name of the attack.
    auc : float
        ROC-AUC of the scores for telling members from non-members.
    ci_low, ci_high : float
        DeLong confidence interval of ``auc``: a normal approximation with
        the DeLong variance (mid-ranks, so ties count one half), clipped to
        [0, 1]. It is deterministic and covers the sampling of the real
        records; the synthetic set and the condensation are held fixed. For
        the classifier attack it is conservative (see
        :func:`classifier_attack`).
    confidence : float
        Level of the interval.
    tpr_at_low_fpr : float
        Share of members detected when at most ``low_fpr`` of the non-members
        are wrongly flagged. Without leakage it is about ``low_fpr``. It
        shows attacks that expose a few records with certainty, which the
        AUC averages away.
    low_fpr : float
        The false-positive rate of ``tpr_at_low_fpr``.
    scores : ndarray of shape (n_train + n_holdout,)
        Score of every record, training records first, then holdout records,
        in the order given.
    is_member : ndarray of shape (n_train + n_holdout,)
        True for training records.
    fold : ndarray of shape (n_train + n_holdout,) or None
        For cross-fitted attacks, the fold in which each record was scored;
        scores are comparable within a fold. None when one scoring rule
        scored every record.
    """

    attack: str
    auc: float
    ci_low: float
    ci_high: float
    confidence: float
    tpr_at_low_fpr: float
    low_fpr: float
    scores: np.ndarray = field(repr=False)
    is_member: np.ndarray = field(repr=False)
    fold: np.ndarray | None = field(default=None, repr=False)


def distance_attack(
    X_synthetic: ArrayLike,
    X_train: ArrayLike,
    X_holdout: ArrayLike,
    *,
    metric="euclidean",
    confidence: float = 0.95,
    low_fpr: float = 0.01,
) -> MembershipInferenceResult:
    """Membership inference by distance to the closest synthetic record.

    The attacker holds the synthetic set and a candidate record, and guesses
    "member" when the record lies close to a synthetic record: the score is
    minus the distance from the record to its nearest synthetic record. The
    attack is evaluated on the training records (members) and the holdout
    records (non-members). It needs no labels, no model and no membership
    knowledge, so it is the weakest attacker worth checking; a condensed set
    that copies or hugs training records fails it.

    Parameters
    ----------
    X_synthetic : array-like of shape (n_synthetic, ...)
        The condensed records; records of more than one dimension are
        flattened, distances are computed in float64.
    X_train : array-like of shape (n_train, ...)
        The records the synthetic set was condensed from (members).
    X_holdout : array-like of shape (n_holdout, ...)
        Records of the same population the condenser never saw
        (non-members), e.g. the test split.
    metric : str or callable, default="euclidean"
        Any metric of :class:`sklearn.neighbors.NearestNeighbors`.
    confidence : float, default=0.95
        Level of the DeLong interval of the AUC.
    low_fpr : float, default=0.01
        False-positive rate at which ``tpr_at_low_fpr`` is read.

    Returns
    -------
    result : MembershipInferenceResult

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dc.privacy import distance_attack
    >>> rng = np.random.default_rng(0)
    >>> X_train, X_holdout = rng.normal(size=(200, 5)), rng.normal(size=(200, 5))
    >>> copied = distance_attack(X_train[:100], X_train, X_holdout)  # half copied
    >>> print(0.7 < copied.auc < 0.8, copied.ci_low > 0.5)
    True True
    >>> fresh = distance_attack(rng.normal(size=(100, 5)), X_train, X_holdout)
    >>> bool(fresh.ci_low < 0.5 < fresh.ci_high)
    True
    """
    _check_confidence(confidence)
    _check_fraction(low_fpr, "low_fpr", "0.01")
    sets = _check_sets(X_synthetic=X_synthetic, X_train=X_train, X_holdout=X_holdout)
    _warn_overlap(sets["X_train"], sets["X_holdout"])
    X_syn, X_train, X_holdout = sets["X_synthetic"], sets["X_train"], sets["X_holdout"]
    return _distance_attack(X_syn, X_train, X_holdout, metric, confidence, low_fpr)


def _distance_attack(X_syn, X_train, X_holdout, metric, confidence, low_fpr):
    _check_members(X_train, X_holdout, 2)
    candidates = np.vstack([X_train, X_holdout])
    dist, _ = _neighbors(candidates, X_syn, 1, metric)
    is_member = _membership(X_train, X_holdout)
    return _result("distance", -dist[:, 0], is_member, confidence, low_fpr)


def classifier_attack(
    X_synthetic: ArrayLike,
    y_synthetic: ArrayLike | None,
    X_train: ArrayLike,
    y_train: ArrayLike | None,
    X_holdout: ArrayLike,
    y_holdout: ArrayLike | None,
    *,
    estimator=None,
    n_neighbors: int = 5,
    cv: int = 2,
    metric="euclidean",
    confidence: float = 0.95,
    low_fpr: float = 0.01,
    random_state=None,
) -> MembershipInferenceResult:
    """Membership inference by a classifier trained on records of known membership.

    Each candidate record is described by where it lies relative to the
    synthetic set, and an attack classifier learns from records whose
    membership it knows which of these descriptions mark members. The
    features are (distances scaled by their median over all candidates and
    passed through ``log1p``):

    - the distance to the nearest synthetic record and the mean distance to
      the ``n_neighbors`` nearest;
    - the ratio of the nearest to the second-nearest synthetic distance;
    - with labels: the distance to the nearest synthetic record of the
      record's own class and of any other class.

    **What the attacker is assumed to know**: the synthetic set (with its
    labels when given), the candidate records (with their labels when
    given), and the membership of a share of the candidates. With ``cv=2``
    the records are split in two stratified halves; a classifier trained on
    one half, labelled member or non-member, scores the other half, and
    the other way round (cross-fitting, as
    :func:`~sklearn.model_selection.cross_val_predict` does), so every
    record is scored by a model that never saw its membership. This is
    stronger than a real outsider, who rarely knows any memberships: it is
    an auditor's estimate of what this family of features can reveal. The
    attacker does not see the records' own features, only their relation to
    the synthetic set, so an AUC above 0.5 is leakage through the synthetic
    set (if training and holdout records are exchangeable) rather than a
    difference between the two real sets. No condenser is run (no shadow
    models).

    The AUC and ``tpr_at_low_fpr`` are the means over the held-out folds
    (scores of different models are not pooled). The folds' AUCs are
    positively correlated, because each fold's model is learned from the
    other folds' records, so the interval uses the mean of the folds' DeLong
    variances, an upper bound of the variance of their mean: it is
    conservative (wider than nominal).

    Parameters
    ----------
    X_synthetic : array-like of shape (n_synthetic, ...)
        The condensed records; records of more than one dimension are
        flattened, distances are computed in float64.
    y_synthetic : array-like of shape (n_synthetic,) or None
        Their labels. Give all three label arrays or none.
    X_train : array-like of shape (n_train, ...)
        The records the synthetic set was condensed from (members).
    y_train : array-like of shape (n_train,) or None
        Their labels.
    X_holdout : array-like of shape (n_holdout, ...)
        Records of the same population the condenser never saw
        (non-members), e.g. the test split.
    y_holdout : array-like of shape (n_holdout,) or None
        Their labels.
    estimator : classifier, default=None
        The attack classifier (cloned), with ``predict_proba`` or
        ``decision_function``. ``None`` means a standardised logistic
        regression with balanced class weights.
    n_neighbors : int, default=5
        Synthetic neighbours averaged in the mean-distance feature (capped at
        the size of the synthetic set).
    cv : int, default=2
        Number of stratified folds; the attacker knows the membership of
        ``(cv - 1) / cv`` of the records for each model.
    metric : str or callable, default="euclidean"
        Any metric of :class:`sklearn.neighbors.NearestNeighbors`.
    confidence : float, default=0.95
        Level of the DeLong interval of the AUC.
    low_fpr : float, default=0.01
        False-positive rate at which ``tpr_at_low_fpr`` is read.
    random_state : int, RandomState instance or None, default=None
        Shuffles the folds and seeds ``estimator`` when it has a
        ``random_state`` parameter.

    Returns
    -------
    result : MembershipInferenceResult
        Cross-fitted member probabilities (or decision values) as
        ``scores``, comparable within a ``fold``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dc.privacy import classifier_attack
    >>> rng = np.random.default_rng(0)
    >>> X_train, X_holdout = rng.normal(size=(200, 5)), rng.normal(size=(200, 5))
    >>> y_train, y_holdout = X_train[:, 0] > 0, X_holdout[:, 0] > 0
    >>> result = classifier_attack(
    ...     X_train, y_train, X_train, y_train, X_holdout, y_holdout,
    ...     random_state=0)
    >>> bool(result.auc > 0.9)
    True
    """
    _check_confidence(confidence)
    _check_fraction(low_fpr, "low_fpr", "0.01")
    sets = _check_sets(X_synthetic=X_synthetic, X_train=X_train, X_holdout=X_holdout)
    _warn_overlap(sets["X_train"], sets["X_holdout"])
    labels = _check_all_labels(sets, y_synthetic, y_train, y_holdout)
    options = dict(
        estimator=estimator,
        n_neighbors=n_neighbors,
        cv=cv,
        metric=metric,
        confidence=confidence,
        low_fpr=low_fpr,
        random_state=random_state,
    )
    return _classifier_attack(sets, labels, **options)


def _check_all_labels(sets, y_synthetic, y_train, y_holdout):
    """The three label arrays, or None when none is given."""
    given = [y is not None for y in (y_synthetic, y_train, y_holdout)]
    if not any(given):
        return None
    if not all(given):
        raise ValueError(
            "Give labels for all three sets (y_synthetic, y_train, y_holdout) or "
            "for none; the class features compare a record with the synthetic "
            "records of its own class."
        )
    return (
        _check_labels(y_synthetic, sets["X_synthetic"], "y_synthetic", "X_synthetic"),
        _check_labels(y_train, sets["X_train"], "y_train", "X_train"),
        _check_labels(y_holdout, sets["X_holdout"], "y_holdout", "X_holdout"),
    )


def _classifier_attack(
    sets,
    labels,
    *,
    estimator,
    n_neighbors,
    cv,
    metric,
    confidence,
    low_fpr,
    random_state,
):
    X_syn, X_train, X_holdout = sets["X_synthetic"], sets["X_train"], sets["X_holdout"]
    if not isinstance(cv, int | np.integer) or cv < 2:
        raise ValueError(f"cv must be an integer >= 2; got {cv!r}.")
    if not isinstance(n_neighbors, int | np.integer) or n_neighbors < 1:
        raise ValueError(f"n_neighbors must be an integer >= 1; got {n_neighbors!r}.")
    # Every held-out fold needs two members and two non-members.
    _check_members(X_train, X_holdout, 2 * cv)
    candidates = np.vstack([X_train, X_holdout])
    if labels is None:
        y_syn = y_candidates = None
    else:
        y_syn = labels[0]
        y_candidates = np.concatenate([labels[1], labels[2]])
    features = _attack_features(
        X_syn, y_syn, candidates, y_candidates, n_neighbors, metric
    )
    is_member = _membership(X_train, X_holdout)

    rng = check_random_state(random_state)
    folds = StratifiedKFold(cv, shuffle=True, random_state=rng.randint(MAX_SEED))
    if estimator is None:
        estimator = make_pipeline(
            StandardScaler(), LogisticRegression(class_weight="balanced")
        )
    estimator = clone(estimator)
    seeds = {
        k: rng.randint(MAX_SEED)
        for k in estimator.get_params()
        if k == "random_state" or k.endswith("__random_state")
    }
    estimator.set_params(**seeds)
    if not hasattr(estimator, "predict_proba") and not hasattr(
        estimator, "decision_function"
    ):
        raise ValueError(
            f"estimator {estimator!r} has neither predict_proba nor "
            "decision_function; pass a classifier that scores records."
        )
    scores = np.empty(len(is_member))
    held_out = []
    for known, unknown in folds.split(features, is_member):
        model = clone(estimator).fit(features[known], is_member[known])
        if hasattr(model, "predict_proba"):
            proba = model.predict_proba(features[unknown])
            scores[unknown] = proba[:, list(model.classes_).index(True)]
        else:
            scores[unknown] = model.decision_function(features[unknown])
        held_out.append(unknown)
    return _result("classifier", scores, is_member, confidence, low_fpr, folds=held_out)


def _attack_features(X_syn, y_syn, candidates, y_candidates, n_neighbors, metric):
    """Where each candidate lies relative to the synthetic set."""
    k = min(max(n_neighbors, 2), len(X_syn))
    dist, _ = _neighbors(candidates, X_syn, k, metric)
    nearest = dist[:, 0]
    columns = [nearest, dist[:, :n_neighbors].mean(axis=1)]
    if k >= 2:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(nearest == 0, 0.0, nearest / dist[:, 1])
        columns.append(ratio)
    if y_syn is not None:
        own = np.full(len(candidates), np.inf)
        other = np.full(len(candidates), np.inf)
        for label in np.unique(y_candidates):
            rows = y_candidates == label
            same = y_syn == label
            for target, synthetic in [(own, same), (other, ~same)]:
                if synthetic.any():
                    found, _ = _neighbors(candidates[rows], X_syn[synthetic], 1, metric)
                    target[rows] = found[:, 0]
        columns += [_fill_inf(own), _fill_inf(other)]
    positive = nearest[nearest > 0]
    scale = float(np.median(positive)) if len(positive) else 1.0
    features = np.column_stack(columns)
    distances = np.ones(features.shape[1], dtype=bool)
    if k >= 2:
        distances[2] = False  # the ratio has no unit
    features[:, distances] = np.log1p(features[:, distances] / scale)
    return features


def _fill_inf(values):
    """Replace inf (no synthetic record of that kind) by the largest finite value."""
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros_like(values)
    return np.where(finite, values, values[finite].max())


def _check_members(X_train, X_holdout, minimum):
    for name, X in [("X_train", X_train), ("X_holdout", X_holdout)]:
        if len(X) < minimum:
            raise ValueError(
                f"A membership-inference attack needs at least {minimum} records in "
                f"each of X_train and X_holdout; {name} has {len(X)}."
            )


def _membership(X_train, X_holdout):
    return np.r_[np.ones(len(X_train), dtype=bool), np.zeros(len(X_holdout), bool)]


def _result(attack, scores, is_member, confidence, low_fpr, folds=None):
    """Score an attack; with ``folds``, average the metrics of each held-out fold.

    The AUCs of cross-fitted folds are correlated (each fold's model is
    learned from the other folds' records), so the variance of their mean is
    bounded by the mean of their DeLong variances rather than divided by the
    number of folds: a conservative interval.
    """
    fold = None
    if folds is None:
        folds = [np.arange(len(scores))]
    else:
        fold = np.empty(len(scores), dtype=np.int64)
        for k, rows in enumerate(folds):
            fold[rows] = k
    per_fold = []
    for rows in folds:
        auc, variance = _delong(scores[rows], is_member[rows])
        fpr, tpr, _ = roc_curve(is_member[rows], scores[rows], drop_intermediate=False)
        per_fold.append((auc, variance, tpr[fpr <= low_fpr].max()))
    auc, variance, tpr_at_low_fpr = np.mean(per_fold, axis=0)
    half = norm.ppf(0.5 + confidence / 2) * np.sqrt(variance)
    return MembershipInferenceResult(
        attack=attack,
        auc=float(auc),
        ci_low=float(max(0.0, auc - half)),
        ci_high=float(min(1.0, auc + half)),
        confidence=confidence,
        tpr_at_low_fpr=float(tpr_at_low_fpr),
        low_fpr=low_fpr,
        scores=np.asarray(scores, dtype=np.float64),
        is_member=is_member,
        fold=fold,
    )


def _delong(scores, is_member) -> tuple[float, float]:
    """ROC-AUC and its DeLong variance, from mid-ranks (ties count one half).

    DeLong, DeLong & Clarke-Pearson (1988), computed with the mid-rank
    formulation of Sun & Xu (2014).
    """
    positive, negative = scores[is_member], scores[~is_member]
    m, n = len(positive), len(negative)
    ranks = rankdata(np.concatenate([positive, negative]))
    # For a member: the share of non-members scored below it; for a
    # non-member: the share of members scored above it (ties count one half).
    member_place = (ranks[:m] - rankdata(positive)) / n
    non_member_place = 1 - (ranks[m:] - rankdata(negative)) / m
    auc = float(member_place.mean())
    variance = member_place.var(ddof=1) / m + non_member_place.var(ddof=1) / n
    return auc, float(variance)
