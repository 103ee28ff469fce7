"""Distances from synthetic records to real ones: DCR, NNDR and copies."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.utils import Bunch, check_random_state

from ._neighbors import _check_confidence, _neighbors, _wilson_interval
from ._validation import _check_sets, _find_copies, _warn_overlap

# Training records whose nearest-neighbour distance sets the near-copy scale.
_MAX_REFERENCE = 2000


def distance_to_closest_record(
    X_synthetic: ArrayLike,
    X_train: ArrayLike,
    X_holdout: ArrayLike,
    *,
    metric="euclidean",
) -> pd.DataFrame:
    """Distance from each synthetic record to the closest training and holdout record.

    The distance to closest record (DCR) of a synthetic record is its distance
    to the nearest real record. Measured against the training records (which
    the condenser saw) and against holdout records (which it did not, drawn
    from the same population), it tells memorisation from resemblance: a
    condensed set that generalises sits as close to the holdout as to the
    training records; one that memorises sits closer to the training records.
    Summarise the table with :func:`dcr_summary` and draw it with
    :func:`plot_dcr`.

    Parameters
    ----------
    X_synthetic : array-like of shape (n_synthetic, ...)
        The condensed records. Records of more than one dimension (time
        series ``(n, channels, time)``, images ``(n, channels, height,
        width)``) are flattened; distances are computed in float64.
    X_train : array-like of shape (n_train, ...)
        The records the synthetic set was condensed from, in the same space
        (same preprocessing, same layout) as ``X_synthetic``.
    X_holdout : array-like of shape (n_holdout, ...)
        Real records of the same population that the condenser never saw,
        e.g. the test split. Records identical to training records raise a
        :class:`HoldoutOverlapWarning`.
    metric : str or callable, default="euclidean"
        Any metric of :class:`sklearn.neighbors.NearestNeighbors`. Scale the
        features first (as for condensation) so that none dominates.

    Returns
    -------
    dcr : pandas.DataFrame
        One row per synthetic record (with the index of ``X_synthetic`` when
        it is a DataFrame) and the columns

        - ``dcr_train``, ``dcr_holdout``: distance to the closest training
          and holdout record (0 for an exact copy);
        - ``closer_to``: ``"train"``, ``"holdout"`` or ``"tie"``;
        - ``train_index``, ``holdout_index``: position of that closest record
          in ``X_train`` and ``X_holdout``;
        - ``nndr``: the nearest-neighbour distance ratio of the record in
          the training set (see :func:`nearest_neighbor_distance_ratio`).

        ``dcr.attrs`` holds ``n_train``, ``n_holdout`` and ``metric``, used by
        :func:`dcr_summary`.

    See Also
    --------
    dcr_summary : The share of synthetic records closer to training records.
    privacy_report : Every privacy metric in one table.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dc.privacy import distance_to_closest_record
    >>> rng = np.random.default_rng(0)
    >>> X_train, X_holdout = rng.normal(size=(200, 4)), rng.normal(size=(200, 4))
    >>> X_synthetic = np.vstack([X_train[:5], rng.normal(size=(5, 4))])
    >>> dcr = distance_to_closest_record(X_synthetic, X_train, X_holdout)
    >>> dcr["closer_to"].tolist()[:5]
    ['train', 'train', 'train', 'train', 'train']
    >>> print(dcr["dcr_train"].head(5).tolist())
    [0.0, 0.0, 0.0, 0.0, 0.0]
    """
    sets = _check_sets(X_synthetic=X_synthetic, X_train=X_train, X_holdout=X_holdout)
    _warn_overlap(sets["X_train"], sets["X_holdout"])
    dcr = _dcr_frame(sets["X_synthetic"], sets["X_train"], sets["X_holdout"], metric)
    index = getattr(X_synthetic, "index", None)
    if index is not None and hasattr(X_synthetic, "columns"):
        dcr.index = index
    return dcr


def _dcr_frame(X_syn, X_train, X_holdout, metric) -> pd.DataFrame:
    dist_train, ind_train = _neighbors(X_syn, X_train, 2, metric)
    dist_holdout, ind_holdout = _neighbors(X_syn, X_holdout, 1, metric)
    d_train, d_holdout = dist_train[:, 0], dist_holdout[:, 0]
    closer = np.where(
        d_train < d_holdout, "train", np.where(d_train > d_holdout, "holdout", "tie")
    )
    dcr = pd.DataFrame(
        {
            "dcr_train": d_train,
            "dcr_holdout": d_holdout,
            "closer_to": closer,
            "train_index": ind_train[:, 0],
            "holdout_index": ind_holdout[:, 0],
            "nndr": _ratio(dist_train),
        }
    )
    dcr.attrs.update(n_train=len(X_train), n_holdout=len(X_holdout), metric=metric)
    return dcr


def dcr_summary(dcr: pd.DataFrame, *, confidence: float = 0.95) -> pd.Series:
    """Summarise a DCR table: medians and the share closer to training records.

    If the synthetic records were fresh draws from the population, the
    training and holdout records would be interchangeable to them, and the
    closest of the ``n_train + n_holdout`` real records would be a training
    record with probability ``n_train / (n_train + n_holdout)`` — 0.5 for
    equal-sized sets. A share above that expectation means the synthetic
    records sit closer to the records they were condensed from than to new
    patients: memorisation.

    Parameters
    ----------
    dcr : pandas.DataFrame
        The output of :func:`distance_to_closest_record`.
    confidence : float, default=0.95
        Level of the Wilson score interval of the share. It treats the
        synthetic records as independent trials; it covers the sampling of
        synthetic records, not the randomness of condensation.

    Returns
    -------
    summary : pandas.Series
        ``n_synthetic``; ``dcr_train_median``, ``dcr_holdout_median`` and
        ``dcr_train_min``; ``share_closer_to_train`` (ties count one half)
        with ``share_ci_low`` and ``share_ci_high``; ``expected_share``, the
        share expected without memorisation.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dc.privacy import dcr_summary, distance_to_closest_record
    >>> rng = np.random.default_rng(0)
    >>> X_train, X_holdout = rng.normal(size=(300, 3)), rng.normal(size=(300, 3))
    >>> fresh = rng.normal(size=(100, 3))
    >>> summary = dcr_summary(distance_to_closest_record(fresh, X_train, X_holdout))
    >>> print(summary["expected_share"])
    0.5
    >>> bool(summary["share_ci_low"] < 0.5 < summary["share_ci_high"])
    True
    """
    _check_confidence(confidence)
    missing = {"dcr_train", "dcr_holdout", "closer_to"} - set(dcr.columns)
    if missing or not {"n_train", "n_holdout"} <= set(dcr.attrs):
        raise ValueError(
            "dcr must be the DataFrame returned by distance_to_closest_record "
            "(with its columns and its attrs n_train and n_holdout); recompute it "
            "rather than building it by hand."
        )
    if len(dcr) == 0:
        raise ValueError("dcr has no rows; it needs at least one synthetic record.")
    n_train, n_holdout = dcr.attrs["n_train"], dcr.attrs["n_holdout"]
    closer = dcr["closer_to"].to_numpy()
    share = float(np.mean((closer == "train") + 0.5 * (closer == "tie")))
    low, high = _wilson_interval(share, len(dcr), confidence)
    return pd.Series(
        {
            "n_synthetic": len(dcr),
            "dcr_train_median": float(dcr["dcr_train"].median()),
            "dcr_holdout_median": float(dcr["dcr_holdout"].median()),
            "dcr_train_min": float(dcr["dcr_train"].min()),
            "share_closer_to_train": share,
            "share_ci_low": low,
            "share_ci_high": high,
            "expected_share": n_train / (n_train + n_holdout),
        },
        name="dcr",
    )


def nearest_neighbor_distance_ratio(
    X_synthetic: ArrayLike, X_train: ArrayLike, *, metric="euclidean"
) -> np.ndarray:
    """Distance to the nearest over the second-nearest training record.

    A ratio near 0 means a synthetic record lies much closer to one training
    record than to any other: it singles that patient out even if it is not
    a copy. A ratio near 1 means it lies between several records, as a
    summary of many patients does. Compare with the ratios of holdout records
    (``nearest_neighbor_distance_ratio(X_holdout, X_train)``), the values
    expected of records the condenser never saw.

    Parameters
    ----------
    X_synthetic : array-like of shape (n_synthetic, ...)
        The condensed records (flattened to 2-D, float64).
    X_train : array-like of shape (n_train, ...)
        The records they were condensed from; at least two.
    metric : str or callable, default="euclidean"
        Any metric of :class:`sklearn.neighbors.NearestNeighbors`.

    Returns
    -------
    ratio : ndarray of shape (n_synthetic,)
        Values in [0, 1]; 0 for an exact copy of a training record.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dc.privacy import nearest_neighbor_distance_ratio
    >>> X_train = np.array([[0.0], [1.0], [10.0]])
    >>> nearest_neighbor_distance_ratio([[0.1], [0.5], [1.0]], X_train).round(3)
    array([0.111, 1.   , 0.   ])
    """
    sets = _check_sets(X_synthetic=X_synthetic, X_train=X_train)
    if len(sets["X_train"]) < 2:
        raise ValueError(
            "The nearest-neighbour distance ratio needs at least 2 training records; "
            f"X_train has {len(sets['X_train'])}."
        )
    dist, _ = _neighbors(sets["X_synthetic"], sets["X_train"], 2, metric)
    return _ratio(dist)


def _ratio(dist: np.ndarray) -> np.ndarray:
    """First over second column of sorted distances; 0 for exact copies."""
    if dist.shape[1] < 2:
        return np.full(len(dist), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = dist[:, 0] / dist[:, 1]
    return np.where(dist[:, 0] == 0, 0.0, ratio)


def count_copies(
    X_synthetic: ArrayLike,
    X_train: ArrayLike,
    *,
    threshold: float | None = None,
    quantile: float = 0.01,
    metric="euclidean",
    random_state=None,
) -> Bunch:
    """Count synthetic records that copy, or nearly copy, a training record.

    An *exact copy* is a synthetic record equal to a training record in every
    value at float32 precision (so a record that went through a condenser's
    float32 computation unchanged still counts). A *near copy* is a synthetic record
    whose distance to the closest training record is at most ``threshold``;
    exact copies are near copies too.

    The default threshold is relative to the data: the ``quantile`` (1%) of
    the distances from training records to their own nearest *other*
    training record. A synthetic record under it is closer to a patient than
    99% of patients are to anyone else in the training set. A record drawn
    afresh from the population falls under it with probability about
    ``quantile``, so about ``quantile * n_synthetic`` near copies are expected
    by chance (``expected_near``); many more flag memorisation.

    Parameters
    ----------
    X_synthetic : array-like of shape (n_synthetic, ...)
        The condensed records (flattened to 2-D, float64).
    X_train : array-like of shape (n_train, ...)
        The records they were condensed from.
    threshold : float, default=None
        Distance at or under which a record is a near copy, in the units of
        ``metric``. ``None`` derives it from ``quantile``.
    quantile : float, default=0.01
        Quantile of the training records' nearest-neighbour distances used as
        the threshold when ``threshold=None``. With more than 2000 training
        records, the distances of 2000 records drawn with ``random_state``
        are used.
    metric : str or callable, default="euclidean"
        Any metric of :class:`sklearn.neighbors.NearestNeighbors`.
    random_state : int, RandomState instance or None, default=None
        Draws the training records that set the threshold (more than 2000
        training records only).

    Returns
    -------
    copies : sklearn.utils.Bunch
        ``n_exact`` and ``n_near`` (counts), ``exact`` and ``near`` (boolean
        masks over the synthetic records), ``dcr`` (distance to the closest
        training record), ``threshold`` (the threshold used) and
        ``expected_near`` (near copies expected by chance; ``nan`` when
        ``threshold`` was given).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dc.privacy import count_copies
    >>> rng = np.random.default_rng(0)
    >>> X_train = rng.normal(size=(500, 3))
    >>> X_synthetic = np.vstack([
    ...     X_train[:4],                       # 4 exact copies
    ...     X_train[4:7] + 1e-6,               # 3 near copies
    ...     rng.normal(size=(10, 3)),          # 10 fresh records
    ... ])
    >>> copies = count_copies(X_synthetic, X_train)
    >>> int(copies.n_exact), bool(copies.n_near >= 7)
    (4, True)
    """
    sets = _check_sets(X_synthetic=X_synthetic, X_train=X_train)
    return _count_copies(
        sets["X_synthetic"], sets["X_train"], threshold, quantile, metric, random_state
    )


def _count_copies(
    X_syn, X_train, threshold, quantile, metric, random_state, dcr=None
) -> Bunch:
    """Copies of training records; ``dcr`` reuses distances already computed."""
    expected = np.nan
    if threshold is None:
        if not 0 <= quantile <= 1:
            raise ValueError(f"quantile must be in [0, 1]; got {quantile!r}.")
        if len(X_train) < 2:
            raise ValueError(
                "A threshold relative to the data needs at least 2 training "
                f"records; X_train has {len(X_train)}. Pass threshold= explicitly."
            )
        reference = _train_nn_distances(X_train, metric, random_state)
        threshold = float(np.quantile(reference, quantile))
        expected = quantile * len(X_syn)
    elif not np.isfinite(threshold) or threshold < 0:
        raise ValueError(f"threshold must be a distance >= 0; got {threshold!r}.")
    if dcr is None:
        dcr = _neighbors(X_syn, X_train, 1, metric)[0][:, 0]
    # Compared at float32 precision: the matching condensers compute in
    # float32, so a real record they return unchanged is rounded.
    with np.errstate(over="ignore"):
        exact = _find_copies(X_syn.astype(np.float32), X_train.astype(np.float32)) >= 0
    near = exact | (dcr <= threshold)
    return Bunch(
        n_exact=int(exact.sum()),
        n_near=int(near.sum()),
        exact=exact,
        near=near,
        dcr=dcr,
        threshold=float(threshold),
        expected_near=float(expected),
    )


def _train_nn_distances(X_train, metric, random_state) -> np.ndarray:
    """Distance from (up to 2000) training records to their nearest other one."""
    query = X_train
    if len(X_train) > _MAX_REFERENCE:
        rng = check_random_state(random_state)
        rows = np.sort(rng.choice(len(X_train), _MAX_REFERENCE, replace=False))
        query = X_train[rows]
    dist, _ = _neighbors(query, X_train, 2, metric)
    # The record itself is at distance 0, so the second distance is that of
    # the nearest other record (0 when the record is duplicated).
    return dist[:, 1]
