"""Loader for the SUPPORT2 table (seriously ill hospitalised adults)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.utils import Bunch

# Outcome columns and model estimates that leak the label, and a duplicate.
_DROPPED = {
    "pid": "record id",
    "event": "outcome (death during follow-up)",
    "time": "outcome (days of follow-up)",
    "num_surv2m": "the study's own survival estimate: leaks the outcome",
    "num_surv6m": "the study's own survival estimate: leaks the outcome",
    "fac_sfdm2": "functional outcome at 2 months ('<2 mo. follow-up' = died)",
    "fac_num_co": "duplicate of num_num_co",
}

_DESCR = """SUPPORT2: 180-day mortality of seriously ill hospitalised adults
-------------------------------------------------------------------

The Study to Understand Prognoses Preferences Outcomes and Risks of Treatment
(Knaus et al., Ann Intern Med 1995): 9,105 adults from five US medical centres.
Target: death within 180 days of study entry (``event == 1 and time <= 180``,
46.8% positive; no record is censored before day 180, so the label is exact).

Features: the numeric physiology, laboratory values and scores (``num_*``,
float, NaN where missing) and the categorical fields (``fac_*``, pandas
categories; 0/1 fields stay numeric). Dropped: ``pid``, the outcome columns
``event`` and ``time``, the study's survival estimates ``num_surv2m`` and
``num_surv6m`` and the two-month functional outcome ``fac_sfdm2`` (they leak
the outcome), and ``fac_num_co`` (a copy of ``num_num_co``).
"""


def load_support2(path, *, return_X_y: bool = False):
    """Load SUPPORT2 with its 180-day mortality task.

    Parameters
    ----------
    path : str or path-like
        The ``support2.csv`` file (columns ``pid``, ``event``, ``time``,
        ``num_*``, ``fac_*``), or a folder holding it.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (DataFrame of 9,105 rows and 31 features, with NaN where
        missing), ``target`` (Series, 1 = died within 180 days),
        ``feature_names``, ``numeric_features``, ``categorical_features``,
        ``ids`` (the ``pid`` column) and ``DESCR``.
    (data, target) : tuple
        With ``return_X_y=True``.

    Examples
    --------
    >>> from sklearn_dc.datasets import load_support2
    >>> support = load_support2("../shared/data/support2")  # doctest: +SKIP
    >>> support.data.shape, round(support.target.mean(), 3)  # doctest: +SKIP
    ((9105, 31), 0.468)
    """
    path = Path(path)
    if path.is_dir():
        path = path / "support2.csv"
    if not path.is_file():
        raise FileNotFoundError(
            f"SUPPORT2 file not found at {path}. Pass the path of support2.csv "
            "(the public SUPPORT2 file of the Vanderbilt Department of "
            "Biostatistics) or of the folder that holds it."
        )
    frame = pd.read_csv(path)
    missing = [c for c in ("pid", "event", "time") if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{path} lacks the columns {missing}; is it the SUPPORT2 file with "
            "pid, event, time, num_* and fac_* columns?"
        )
    target = ((frame["event"] == 1) & (frame["time"] <= 180)).astype("int64")
    target.name = "death_180d"
    data = frame.drop(columns=[c for c in _DROPPED if c in frame.columns])
    categorical = [
        c for c in data.columns if not pd.api.types.is_numeric_dtype(data[c])
    ]
    data[categorical] = data[categorical].astype("category")
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        feature_names=list(data.columns),
        numeric_features=[c for c in data.columns if c not in categorical],
        categorical_features=categorical,
        ids=frame["pid"].to_numpy(),
        DESCR=_DESCR,
    )
