"""Every privacy metric of a condensed set in one table, and the DCR plot."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.utils import check_random_state

from ..base import MAX_SEED
from ._distance import _count_copies, _dcr_frame, _ratio, dcr_summary
from ._membership import _check_all_labels, _classifier_attack, _distance_attack
from ._neighbors import _check_confidence, _check_fraction, _neighbors
from ._shadow import shadow_audit
from ._validation import _check_sets, _warn_overlap

_COLUMNS = ["name", "value", "ci_low", "ci_high", "expected", "note"]


def privacy_report(
    X_synthetic: ArrayLike,
    y_synthetic: ArrayLike | None,
    X_train: ArrayLike,
    y_train: ArrayLike | None,
    X_holdout: ArrayLike,
    y_holdout: ArrayLike | None,
    *,
    metric="euclidean",
    near_copy_quantile: float = 0.01,
    n_neighbors: int = 5,
    cv: int = 2,
    estimator=None,
    confidence: float = 0.95,
    low_fpr: float = 0.01,
    random_state=None,
    shadow_condenser=None,
    n_shadows: int = 64,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Measure how much a condensed set leaks about its training records.

    Runs every metric of :mod:`sklearn_dc.privacy` on the same data:
    exact and near copies (:func:`count_copies`), distances to closest
    records (:func:`distance_to_closest_record`, :func:`dcr_summary`), the
    nearest-neighbour distance ratio
    (:func:`nearest_neighbor_distance_ratio`) and two membership-inference
    attacks (:func:`distance_attack`, :func:`classifier_attack`). Each row
    gives the value expected when the synthetic records leak nothing these
    metrics can see, so a value is read against its ``expected``.

    The numbers measure leakage; they do not prove its absence. A condensed
    set is not private by construction, and values close to ``expected``
    only say that these attacks found nothing.

    Parameters
    ----------
    X_synthetic : array-like of shape (n_synthetic, ...)
        The condensed records. Records of more than one dimension (time
        series, images) are flattened; distances are computed in float64.
    y_synthetic : array-like of shape (n_synthetic,) or None
        Their labels (used by the classifier attack). Give all three label
        arrays or none.
    X_train : array-like of shape (n_train, ...)
        The records the synthetic set was condensed from, in the same space
        (same preprocessing, same layout).
    y_train : array-like of shape (n_train,) or None
        Their labels.
    X_holdout : array-like of shape (n_holdout, ...)
        Records of the same population that the condenser never saw, e.g.
        the test split. Records identical to training records raise a
        :class:`HoldoutOverlapWarning`.
    y_holdout : array-like of shape (n_holdout,) or None
        Their labels.
    metric : str or callable, default="euclidean"
        Any metric of :class:`sklearn.neighbors.NearestNeighbors`.
    near_copy_quantile : float, default=0.01
        Sets the near-copy threshold, as ``quantile`` of
        :func:`count_copies`.
    n_neighbors : int, default=5
        Passed to :func:`classifier_attack`.
    cv : int, default=2
        Passed to :func:`classifier_attack`.
    estimator : classifier, default=None
        The attack classifier of :func:`classifier_attack`.
    confidence : float, default=0.95
        Level of every confidence interval.
    low_fpr : float, default=0.01
        False-positive rate at which the attacks' true-positive rates are
        read.
    random_state : int, RandomState instance or None, default=None
        Seeds the classifier attack and, with more than 2000 training
        records, the sample that sets the near-copy threshold. An int gives
        the same table on every run.
    shadow_condenser : condenser, default=None
        Opt-in: also run :func:`shadow_audit` on this condenser (unfitted,
        with the settings that made ``X_synthetic``) over the training and
        holdout records pooled. It refits the condenser ``n_shadows`` times,
        so it costs that many condensations (``n_jobs`` runs them in
        parallel); it audits the *method*, not this one synthetic set, and
        is the strongest attack of the report. Needs the labels.
    n_shadows : int, default=64
        Shadow condensations of the shadow audit.
    n_jobs : int, default=None
        Parallel shadow condensations (joblib).

    Returns
    -------
    report : pandas.DataFrame
        One row per metric with the columns ``name``, ``value``, ``ci_low``
        and ``ci_high`` (NaN where there is no interval), ``expected`` (the
        value expected without leakage; NaN where there is no fixed
        reference) and ``note`` (what the number is). The metrics, by
        ``name``:

        - ``exact copies``, ``near copies``: synthetic records equal to, or
          within the near-copy threshold of, a training record;
        - ``median DCR to train``, ``median DCR to holdout``: median distance
          from a synthetic record to its closest training / holdout record;
        - ``share closer to train``: share of synthetic records whose closest
          real record is a training record (Wilson interval);
        - ``median NNDR``: median nearest-neighbour distance ratio of the
          synthetic records in the training set; expected is that of the
          holdout records;
        - ``membership AUC (distance)``, ``membership AUC (classifier)``:
          ROC-AUC of the attacks (DeLong interval), 0.5 = no leakage found;
        - ``TPR at low FPR (distance)``, ``TPR at low FPR (classifier)``:
          members detected while flagging ``low_fpr`` of non-members;
        - with ``shadow_condenser``: ``membership AUC (shadow models)``
          (combined online LiRA, interval across target runs) and ``TPR at
          0.1% FPR (shadow models)``.

    See Also
    --------
    plot_dcr : Histograms of the distances to closest records.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dc.privacy import privacy_report
    >>> rng = np.random.default_rng(0)
    >>> X_train, X_holdout = rng.normal(size=(200, 4)), rng.normal(size=(200, 4))
    >>> y_train, y_holdout = X_train[:, 0] > 0, X_holdout[:, 0] > 0
    >>> X_synthetic = X_train[:20]                  # a "condenser" that copies
    >>> report = privacy_report(X_synthetic, y_train[:20], X_train, y_train,
    ...                         X_holdout, y_holdout, random_state=0)
    >>> values = report.set_index("name")["value"]
    >>> int(values["exact copies"]), bool(values["share closer to train"] == 1)
    (20, True)
    >>> report["name"].tolist()[:3]
    ['exact copies', 'near copies', 'median DCR to train']
    """
    _check_confidence(confidence)
    _check_fraction(low_fpr, "low_fpr", "0.01")
    sets = _check_sets(X_synthetic=X_synthetic, X_train=X_train, X_holdout=X_holdout)
    _warn_overlap(sets["X_train"], sets["X_holdout"])
    labels = _check_all_labels(sets, y_synthetic, y_train, y_holdout)
    X_syn, X_tr, X_ho = sets["X_synthetic"], sets["X_train"], sets["X_holdout"]
    n_syn = len(X_syn)
    rng = check_random_state(random_state)
    copies_seed, attack_seed = rng.randint(MAX_SEED, size=2)

    rows = []

    def add(name, value, note, ci=(np.nan, np.nan), expected=np.nan):
        rows.append([name, float(value), *map(float, ci), float(expected), note])

    dcr = _dcr_frame(X_syn, X_tr, X_ho, metric)
    copies = _count_copies(
        X_syn,
        X_tr,
        None,
        near_copy_quantile,
        metric,
        copies_seed,
        dcr=dcr["dcr_train"].to_numpy(),
    )
    add(
        "exact copies",
        copies.n_exact,
        f"synthetic records identical to a training record (of {n_syn})",
        expected=0,
    )
    add(
        "near copies",
        copies.n_near,
        f"synthetic records within {copies.threshold:.3g} of a training record (the "
        f"{near_copy_quantile:g} quantile of training nearest-neighbour distances); "
        "expected is the count by chance",
        expected=copies.expected_near,
    )

    summary = dcr_summary(dcr, confidence=confidence)
    add(
        "median DCR to train",
        summary["dcr_train_median"],
        f"distance to the closest training record (minimum "
        f"{summary['dcr_train_min']:.3g}); compare with the holdout median",
    )
    add(
        "median DCR to holdout",
        summary["dcr_holdout_median"],
        "distance to the closest holdout record",
    )
    add(
        "share closer to train",
        summary["share_closer_to_train"],
        "synthetic records whose closest real record is a training record (ties "
        "count 1/2); expected is n_train / (n_train + n_holdout)",
        ci=(summary["share_ci_low"], summary["share_ci_high"]),
        expected=summary["expected_share"],
    )
    holdout_ratio = _ratio(_neighbors(X_ho, X_tr, 2, metric)[0])
    add(
        "median NNDR",
        np.median(dcr["nndr"]),
        "nearest / second-nearest training distance (0 = singles out one "
        "record); expected is the median of holdout records",
        expected=np.median(holdout_ratio),
    )

    distance = _distance_attack(X_syn, X_tr, X_ho, metric, confidence, low_fpr)
    classifier = _classifier_attack(
        sets,
        labels,
        estimator=estimator,
        n_neighbors=n_neighbors,
        cv=cv,
        metric=metric,
        confidence=confidence,
        low_fpr=low_fpr,
        random_state=attack_seed,
    )
    notes = {
        "distance": "score = minus the distance to the closest synthetic record",
        "classifier": (
            f"classifier on distances to the synthetic set, trained on records of "
            f"known membership ({cv}-fold cross-fitting)"
        ),
    }
    for result in (distance, classifier):
        add(
            f"membership AUC ({result.attack})",
            result.auc,
            f"{notes[result.attack]}; 0.5 = no leakage found",
            ci=(result.ci_low, result.ci_high),
            expected=0.5,
        )
        add(
            f"TPR at low FPR ({result.attack})",
            result.tpr_at_low_fpr,
            f"members detected while flagging {low_fpr:g} of non-members",
            expected=low_fpr,
        )
    if shadow_condenser is not None:
        if labels is None:
            raise ValueError(
                "The shadow audit needs the labels: give y_synthetic, y_train "
                "and y_holdout."
            )
        audit = shadow_audit(
            shadow_condenser,
            np.concatenate([X_tr, X_ho]),
            np.concatenate([labels[1], labels[2]]),
            n_shadows=n_shadows,
            random_state=attack_seed,
            n_jobs=n_jobs,
        )
        combined = audit.set_index(["lira", "score"]).loc[("online", "combined")]
        note = (
            f"likelihood-ratio attack with {n_shadows} shadow condensations on "
            f"random halves of the {len(X_tr) + len(X_ho)} real records "
            f"({audit.attrs['seconds']:.0f} s); audits the method"
        )
        add(
            "membership AUC (shadow models)",
            combined["auc"],
            f"{note}; 0.5 = no leakage found",
            ci=(combined["auc_low"], combined["auc_high"]),
            expected=0.5,
        )
        add(
            "TPR at 0.1% FPR (shadow models)",
            combined["tpr_at_0.1%_fpr"],
            "members detected while flagging 0.001 of non-members",
            expected=0.001,
        )
    return pd.DataFrame(rows, columns=_COLUMNS)


def plot_dcr(dcr: pd.DataFrame, *, ax=None, bins=30):
    """Histograms of distances to the closest training and holdout records.

    Without memorisation the two histograms overlap; a synthetic set that
    copies or hugs its training records shifts the training histogram to the
    left (to 0 for exact copies). Dashed lines mark the medians.

    Parameters
    ----------
    dcr : pandas.DataFrame
        The output of :func:`distance_to_closest_record`.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    bins : int or sequence, default=30
        Bins shared by both histograms (as in :func:`numpy.histogram`).

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_dc.privacy import distance_to_closest_record, plot_dcr
    >>> rng = np.random.default_rng(0)
    >>> X_train, X_holdout = rng.normal(size=(200, 4)), rng.normal(size=(200, 4))
    >>> dcr = distance_to_closest_record(X_train[:50], X_train, X_holdout)
    >>> ax = plot_dcr(dcr)
    >>> ax.get_xlabel()
    'distance to closest record'
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("plot_dcr needs matplotlib: pip install matplotlib") from exc
    missing = {"dcr_train", "dcr_holdout"} - set(getattr(dcr, "columns", []))
    if missing:
        raise ValueError(
            "dcr must be the DataFrame returned by distance_to_closest_record; "
            f"it lacks the columns {sorted(missing)}."
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    train, holdout = dcr["dcr_train"].to_numpy(), dcr["dcr_holdout"].to_numpy()
    edges = np.histogram_bin_edges(np.concatenate([train, holdout]), bins=bins)
    for values, label, color in [
        (train, "synthetic to train", "C3"),
        (holdout, "synthetic to holdout", "C0"),
    ]:
        ax.hist(values, bins=edges, alpha=0.5, color=color, label=label)
        ax.axvline(np.median(values), color=color, ls="--", lw=1)
    ax.set_xlabel("distance to closest record")
    ax.set_ylabel("synthetic records")
    ax.legend(fontsize="small")
    return ax
