"""Loader for the PhysioNet/CinC Challenge 2012 ICU mortality data."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._hourly import _check_hours, _hourly, _read_csv_files

TIME_SERIES = [
    "Albumin", "ALP", "ALT", "AST", "Bilirubin", "BUN", "Cholesterol",
    "Creatinine", "DiasABP", "FiO2", "GCS", "Glucose", "HCO3", "HCT", "HR", "K",
    "Lactate", "Mg", "MAP", "MechVent", "Na", "NIDiasABP", "NIMAP", "NISysABP",
    "PaCO2", "PaO2", "pH", "Platelets", "RespRate", "SaO2", "SysABP", "Temp",
    "TroponinI", "TroponinT", "Urine", "WBC", "Weight",
]  # fmt: skip
STATIC = ["Age", "Gender", "Height", "ICUType"]
FEATURES = TIME_SERIES + STATIC
# The general descriptors recorded at 00:00; -1 means "not recorded" for them.
_DESCRIPTORS = {"RecordID", *STATIC, "Weight"}
_COLUMNS = ("Time", "Parameter", "Value")
_OUTCOME_COLUMNS = ("RecordID", "In-hospital_death")
_SUBSETS = ("a", "b", "c")

_DESCR = """PhysioNet/Computing in Cardiology Challenge 2012: in-hospital mortality
----------------------------------------------------------------------

"Predicting Mortality of ICU Patients" (v1.0.0): 12,000 adult ICU stays of at
least 48 hours from MIMIC-II, split into sets a, b and c of 4,000 records each
(one ``<RecordID>.txt`` file per stay with rows ``Time,Parameter,Value``, time
as HH:MM since ICU admission) and ``Outcomes-<set>.txt``. Set a: 554 deaths
(13.9%).

Task: in-hospital death (the ``In-hospital_death`` column of the outcomes
file) from the first {hours} hours of the stay.

Data: float32 array (n_stays, 41, {hours}) in the channels-first order of
aeon / torch Conv1d. Channels 0-36 are the 37 time series, binned by the hour
(hour h holds times in [h, h+1) hours since admission; of several values in
one hour the last one is kept; NaN where nothing was measured). Channels
37-40 are the static descriptors Age, Gender (0 female, 1 male), Height (cm)
and ICUType (1 coronary care, 2 cardiac surgery recovery, 3 medical, 4
surgical), constant over the hours, NaN where recorded as -1. Stays are sorted
by RecordID.

Licence: Open Data Commons Attribution License v1.0. Cite: Silva I, Moody G,
Scott DJ, Celi LA, Mark RG. Predicting In-Hospital Mortality of ICU Patients:
The PhysioNet/Computing in Cardiology Challenge 2012. Computing in Cardiology
39:245-248 (2012); and Goldberger et al., PhysioBank, PhysioToolkit, and
PhysioNet, Circulation 101(23) (2000).
"""

_LAYOUT = (
    "Pass the folder of the PhysioNet 2012 challenge release that holds "
    "set-{s}/ (one <RecordID>.txt file per ICU stay) and Outcomes-{s}.txt, or "
    "the set-{s} folder itself with Outcomes-{s}.txt beside it."
)


def load_physionet2012(
    path: str | os.PathLike,
    *,
    subset: str | None = None,
    hours: int = 48,
    return_X_y: bool = False,
) -> Bunch | tuple[np.ndarray, np.ndarray]:
    """Load the PhysioNet 2012 challenge data with its in-hospital mortality task.

    Reads every record file of one set, bins the 37 time series by the hour
    over the first ``hours`` hours and appends the static descriptors as
    constant channels.

    Parameters
    ----------
    path : str or path-like
        The folder holding ``set-a/`` and ``Outcomes-a.txt`` (or the files of
        another ``subset``), or a ``set-<x>`` folder itself, in which case
        ``Outcomes-<x>.txt`` is read from the folder beside it.
    subset : {"a", "b", "c"}, default=None
        Which set to read. ``None`` means ``"a"``, or the set named by ``path``
        when ``path`` is a ``set-<x>`` folder.
    hours : int, default=48
        Number of hourly steps kept. Hour ``h`` holds the measurements taken
        in ``[h, h + 1)`` hours since ICU admission; later ones are ignored.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data``: float32 array ``(n_stays, 41, hours)``, NaN where nothing
        was measured. Channels 0-36 are the time series ``Albumin``, ``ALP``,
        ..., ``Weight`` (see ``feature_names``); when a variable was measured
        several times in one hour the last value (latest time, then latest
        row of the file) is kept. Channels 37-40 are the descriptors ``Age``,
        ``Gender``, ``Height`` and ``ICUType``, repeated over every hour, NaN
        where recorded as -1 (a Weight of -1 is also treated as missing).
        ``target``: int64 array, 1 = died in hospital. ``feature_names``: the
        41 channel names. ``stay_ids``: int64 RecordIDs, ascending (the order
        of ``data``). ``DESCR``.
    (data, target) : tuple
        With ``return_X_y=True``.

    Warns
    -----
    UserWarning
        Once, listing the parameter names that are not among the 37 time
        series and the descriptors; their rows are ignored.

    Examples
    --------
    >>> from sklearn_dc.datasets import load_physionet2012
    >>> icu = load_physionet2012("../shared/data/physionet2012")  # doctest: +SKIP
    >>> icu.data.shape, round(icu.target.mean(), 3)  # doctest: +SKIP
    ((4000, 41, 48), 0.139)
    >>> icu.feature_names[14], icu.feature_names[-1]  # doctest: +SKIP
    ('HR', 'ICUType')
    """
    _check_hours(hours)
    set_dir, outcomes_file = _locate(Path(path), subset)
    files = _record_files(set_dir)
    if not files:
        raise ValueError(
            f"{set_dir} holds no .txt record files; expected one "
            "<RecordID>.txt file per ICU stay (e.g. 132539.txt)."
        )
    record_ids = _record_ids(files)
    frame, owner = _read_csv_files(
        files,
        check_header=_check_record_header,
        dtype={"Time": "category", "Parameter": "category", "Value": np.float64},
    )

    # Stays in ascending RecordID order; ``stay`` gives each row's stay index.
    by_id = np.argsort(record_ids, kind="stable")
    rank = np.empty_like(by_id)
    rank[by_id] = np.arange(len(by_id))
    stay_ids = record_ids[by_id]

    categories = frame["Parameter"].cat.categories.str.strip()
    codes = frame["Parameter"].cat.codes.to_numpy()
    present = codes >= 0  # blank lines have no parameter
    time = _parse_times(frame["Time"], present, owner, files)
    value = frame["Value"].to_numpy(dtype=np.float64, copy=True)

    unknown = sorted(set(categories) - set(FEATURES) - _DESCRIPTORS)
    if unknown:
        warnings.warn(
            f"Ignoring the rows of parameters that are not PhysioNet 2012 "
            f"variables: {unknown}.",
            UserWarning,
            stacklevel=2,
        )

    def per_row(per_category, missing):
        # Code -1 (no parameter) picks the appended ``missing``.
        return np.append(per_category, missing)[codes]

    index = {c: i for i, c in enumerate(FEATURES)}
    channel = per_row([index.get(c, -1) for c in categories], -1).astype(np.int64)
    descriptor = per_row(categories.isin(list(_DESCRIPTORS)), False).astype(bool)
    value[descriptor & (value == -1)] = np.nan

    is_id = per_row(categories == "RecordID", False).astype(bool)
    wrong = is_id & ~np.isnan(value) & (value != record_ids[owner])
    if wrong.any():
        row = int(np.flatnonzero(wrong)[0])
        bad = files[owner[row]]
        raise ValueError(
            f"{bad} holds RecordID {value[row]:g}, not the {bad.stem} of its file name."
        )

    stay = rank[owner]
    series = (channel >= 0) & (channel < len(TIME_SERIES))
    data = _hourly(
        stay[series],
        channel[series],
        time[series],
        value[series],
        (len(files), len(FEATURES), hours),
    )
    static = channel >= len(TIME_SERIES)
    descriptors = _hourly(
        stay[static],
        channel[static] - len(TIME_SERIES),
        np.zeros(static.sum()),  # the last value, whatever its time
        value[static],
        (len(files), len(STATIC), 1),
    )
    data[:, len(TIME_SERIES) :, :] = descriptors

    target = _outcomes(outcomes_file, stay_ids, set_dir)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        feature_names=list(FEATURES),
        stay_ids=stay_ids,
        DESCR=_DESCR.format(hours=hours),
    )


def _locate(path, subset):
    """The set folder and the outcomes file that ``path`` and ``subset`` name."""
    named = None
    if path.name.startswith("set-") and path.name[4:] in _SUBSETS:
        named = path.name[4:]
    if subset is None:
        subset = named or "a"
    if subset not in _SUBSETS:
        raise ValueError(f"subset must be one of {list(_SUBSETS)}; got {subset!r}.")
    if named is not None and named != subset:
        raise ValueError(
            f"path names set-{named} but subset={subset!r}; pass the folder "
            f"that holds set-{subset}, or leave subset out."
        )
    layout = _LAYOUT.format(s=subset)
    if not path.is_dir():
        raise FileNotFoundError(f"PhysioNet 2012 folder not found at {path}. {layout}")
    if (path / f"set-{subset}").is_dir():
        set_dir, outcomes_file = path / f"set-{subset}", path / f"Outcomes-{subset}.txt"
    elif named is not None or _record_files(path):
        set_dir, outcomes_file = path, path.parent / f"Outcomes-{subset}.txt"
    else:
        raise FileNotFoundError(f"{path / f'set-{subset}'} not found. {layout}")
    if not outcomes_file.is_file():
        raise FileNotFoundError(f"Outcomes file not found at {outcomes_file}. {layout}")
    return set_dir, outcomes_file


def _record_files(folder):
    """The ``.txt`` files of ``folder`` except outcomes files, sorted."""
    return sorted(f for f in folder.glob("*.txt") if not f.name.startswith("Outcomes"))


def _record_ids(files):
    stems = pd.Series([f.stem for f in files])
    ids = pd.to_numeric(stems, errors="coerce")
    if ids.isna().any():
        bad = files[int(np.flatnonzero(ids.isna())[0])]
        raise ValueError(
            f"{bad} is not a record file: record files are named "
            "<RecordID>.txt with an integer RecordID (e.g. 132539.txt)."
        )
    return ids.to_numpy(dtype=np.int64)


def _check_record_header(file, columns):
    if tuple(columns) != _COLUMNS:
        raise ValueError(
            f"{file} does not look like a PhysioNet 2012 record: its columns "
            f"are {list(columns)[:10]}, expected {list(_COLUMNS)}."
        )


def _parse_times(time, present, owner, files):
    """Hours since admission (float) of ``"HH:MM"`` strings; NaN for blank rows."""
    categories = time.cat.categories
    parts = categories.str.extract(r"^\s*(\d+):([0-5]\d)\s*$").astype(float)
    per_category = (parts[0] + parts[1] / 60).to_numpy()
    codes = time.cat.codes.to_numpy()
    hours = np.where(codes >= 0, per_category[codes], np.nan)
    bad = present & np.isnan(hours)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{files[owner[row]]} has the time {time.iloc[row]!r}; times are "
            "written HH:MM (hours and minutes since ICU admission)."
        )
    return hours


def _outcomes(outcomes_file, stay_ids, set_dir):
    outcomes = pd.read_csv(outcomes_file)
    outcomes.columns = outcomes.columns.str.strip()
    missing = [c for c in _OUTCOME_COLUMNS if c not in outcomes.columns]
    if missing:
        raise ValueError(
            f"{outcomes_file} lacks the columns {missing}; expected the "
            "challenge's outcomes file with columns RecordID, SAPS-I, SOFA, "
            "Length_of_stay, Survival, In-hospital_death."
        )
    death = outcomes.drop_duplicates("RecordID", keep="last").set_index("RecordID")
    death = death["In-hospital_death"].reindex(stay_ids)
    if death.isna().any():
        lost = stay_ids[death.isna().to_numpy()]
        shown = ", ".join(str(i) for i in lost[:10])
        more = f" and {len(lost) - 10} more" if len(lost) > 10 else ""
        raise ValueError(
            f"{outcomes_file} has no In-hospital_death for {len(lost)} record(s) "
            f"of {set_dir}: RecordID {shown}{more}."
        )
    return death.to_numpy(dtype=np.int64)
