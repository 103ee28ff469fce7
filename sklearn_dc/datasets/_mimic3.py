"""Loader for the MIMIC-III benchmark's in-hospital mortality task."""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._hourly import _check_hours, _hourly, _read_csv_files

FEATURES = [
    "Capillary refill rate",
    "Diastolic blood pressure",
    "Fraction inspired oxygen",
    "Glascow coma scale eye opening",
    "Glascow coma scale motor response",
    "Glascow coma scale total",
    "Glascow coma scale verbal response",
    "Glucose",
    "Heart Rate",
    "Height",
    "Mean blood pressure",
    "Oxygen saturation",
    "Respiratory rate",
    "Systolic blood pressure",
    "Temperature",
    "Weight",
    "pH",
]
_TIME = "Hours"
_SPLITS = ("train", "test")

# Glasgow coma scale answers written as text only (compared in lower case).
# Text that starts with a number ("4 Spontaneously", "1.0 ET/Trach") takes
# that number instead.
GCS_TEXT = {
    "Glascow coma scale eye opening": {
        "spontaneously": 4,
        "to speech": 3,
        "to pain": 2,
        "no response": 1,
        "none": 1,  # CareVue's "None": the eyes do not open
    },
    "Glascow coma scale motor response": {
        "obeys commands": 6,
        "localizes pain": 5,
        "flex-withdraws": 4,
        "abnormal flexion": 3,
        "abnormal extension": 2,
        "no response": 1,
    },
    "Glascow coma scale verbal response": {
        "oriented": 5,
        "confused": 4,
        "inappropriate words": 3,
        "incomprehensible sounds": 2,
        "no response": 1,
        "no response-ett": 1,
    },
    "Glascow coma scale total": {},
}
_LEADING_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)(?:\s|$)")
_NA_VALUES = ["", "NaN", "nan", "NA", "N/A", "NULL", "null"]

_DESCR = """MIMIC-III benchmark: in-hospital mortality
------------------------------------------

The in-hospital mortality task of the MIMIC-III benchmarks (Harutyunyan et
al. 2019; github.com/YerevaNN/mimic3-benchmarks): ICU stays of adults from
MIMIC-III v1.4 that last at least 48 hours; one ``*_timeseries.csv`` file per
stay with 17 clinical variables and ``Hours`` since ICU admission, and a
``listfile.csv`` (``stay,y_true``) per split. The benchmark's split has about
17,900 training stays (its train and validation lists together) and 3,236
test stays; about 13% die in hospital.

Task: in-hospital death (``y_true``) from the first {hours} hours.

Data: float32 array (n_stays, 17, {hours}) in the channels-first order of
aeon / torch Conv1d, channels in the files' column order. Hour h holds the
measurements taken in [h, h+1) hours since admission; of several values in
one hour the last one is kept; NaN where nothing was measured. The Glasgow
coma scale answers are converted to their scores (the leading number, or a
fixed table for the text-only answers); capillary refill rate is 0 (normal)
or 1 (abnormal). Stays follow the order of ``listfile.csv``.

Licence: MIMIC-III is credentialed-access data under the PhysioNet
Credentialed Health Data License 1.5.0 and its data use agreement; do not
share the files or anything that can reproduce records. Cite: Johnson AEW,
Pollard TJ, Shen L, et al. MIMIC-III, a freely accessible critical care
database. Scientific Data 3:160035 (2016); and Harutyunyan H, Khachatrian H,
Kale DC, Ver Steeg G, Galstyan A. Multitask learning and benchmarking with
clinical time series data. Scientific Data 6:96 (2019).
"""

_LAYOUT = (
    "Pass the in-hospital-mortality folder made by mimic3-benchmarks "
    "(mimic3benchmark.scripts.create_in_hospital_mortality): it holds train/ "
    "and test/, each with listfile.csv (columns stay,y_true) and the "
    "*_timeseries.csv file of every stay."
)


def load_mimic3_ihm(
    path: str | os.PathLike,
    *,
    split: str = "train",
    hours: int = 48,
    return_X_y: bool = False,
) -> Bunch | tuple[np.ndarray, np.ndarray]:
    """Load the MIMIC-III benchmark's in-hospital mortality task.

    Reads the stays of ``listfile.csv`` of one split and bins their 17
    variables by the hour over the first ``hours`` hours.

    Parameters
    ----------
    path : str or path-like
        The ``in-hospital-mortality`` folder of the benchmark, holding
        ``train/`` and ``test/``, each with ``listfile.csv`` and the stays'
        ``*_timeseries.csv`` files.
    split : {"train", "test"}, default="train"
        Which split to read. ``"train"`` is the benchmark's training and
        validation stays together.
    hours : int, default=48
        Number of hourly steps kept. Hour ``h`` holds the measurements taken
        in ``[h, h + 1)`` hours since ICU admission; earlier and later ones are
        ignored.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data``: float32 array ``(n_stays, 17, hours)``, NaN where nothing
        was measured; when a variable was measured several times in one hour
        the last value (latest time, then latest row of the file) is kept.
        The Glasgow coma scale columns hold scores: text starting with a
        number gives that number (``"4 Spontaneously"`` -> 4), the text-only
        answers are scored by ``GCS_TEXT`` (``"Obeys Commands"`` -> 6); other
        text becomes NaN with a warning. ``target``: int64 array, 1 = died in
        hospital. ``feature_names``: the 17 variables, in the files' column
        order. ``stay_ids``: the ``stay`` file names of ``listfile.csv``, in
        its order (the order of ``data``). ``DESCR``.
    (data, target) : tuple
        With ``return_X_y=True``.

    Warns
    -----
    UserWarning
        Once, listing the text values that are not understood; they become
        NaN.

    Examples
    --------
    >>> from sklearn_dc.datasets import load_mimic3_ihm
    >>> ihm = load_mimic3_ihm("data/in-hospital-mortality")  # doctest: +SKIP
    >>> ihm.data.shape, ihm.stay_ids[0]  # doctest: +SKIP
    ((17903, 17, 48), '10011_episode1_timeseries.csv')
    >>> load_mimic3_ihm("data/in-hospital-mortality", split="test",
    ...                 return_X_y=True)[0].shape  # doctest: +SKIP
    (3236, 17, 48)
    """
    _check_hours(hours)
    if split not in _SPLITS:
        raise ValueError(f"split must be one of {list(_SPLITS)}; got {split!r}.")
    folder = Path(path) / split
    if not folder.is_dir():
        raise FileNotFoundError(
            f"MIMIC-III benchmark folder {folder} not found. {_LAYOUT}"
        )
    stays, target = _read_listfile(folder / "listfile.csv")
    files = [folder / stay for stay in stays]
    absent = [f for f in files if not f.is_file()]
    if absent:
        more = f" (and {len(absent) - 1} more)" if len(absent) > 1 else ""
        raise FileNotFoundError(
            f"{absent[0]}{more} is listed in {folder / 'listfile.csv'} but does "
            f"not exist. {_LAYOUT}"
        )

    frame, owner = _read_csv_files(
        files,
        check_header=_check_header,
        keep_default_na=False,
        na_values=_NA_VALUES,
        dtype={c: "category" for c in ("Capillary refill rate", *GCS_TEXT)},
    )
    time = _numbers(frame[_TIME])
    bad = np.isnan(time) & frame.notna().any(axis=1).to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{files[owner[row]]} has the time {frame[_TIME].iloc[row]!r}; the "
            f"{_TIME} column holds hours since ICU admission."
        )

    # Long format, one column at a time: (row, channel, value) of each measurement.
    rows, channels, values = [np.zeros(0, int)], [np.zeros(0, int)], [np.zeros(0)]
    unknown: dict[str, list[str]] = {}
    for j, column in enumerate(FEATURES):
        if column in frame:
            value = _numbers(frame[column], GCS_TEXT.get(column), unknown)
            measured = np.flatnonzero(~np.isnan(value))
            rows.append(measured)
            channels.append(np.full(len(measured), j))
            values.append(value[measured])
    if unknown:
        warnings.warn(
            f"Set to NaN the values that are not understood: {unknown}.",
            UserWarning,
            stacklevel=2,
        )

    row = np.concatenate(rows)
    data = _hourly(
        owner[row],
        np.concatenate(channels),
        time[row],
        np.concatenate(values),
        (len(files), len(FEATURES), hours),
    )
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        feature_names=list(FEATURES),
        stay_ids=np.asarray(stays, dtype=object),
        DESCR=_DESCR.format(hours=hours),
    )


def _read_listfile(listfile):
    if not listfile.is_file():
        raise FileNotFoundError(f"{listfile} not found. {_LAYOUT}")
    listing = pd.read_csv(listfile, dtype={"stay": str})
    listing.columns = listing.columns.str.strip()
    missing = [c for c in ("stay", "y_true") if c not in listing.columns]
    if missing:
        raise ValueError(
            f"{listfile} lacks the columns {missing}; expected the benchmark's "
            "listfile.csv with columns stay,y_true."
        )
    if listing.empty:
        raise ValueError(f"{listfile} lists no stays.")
    if listing["stay"].isna().any():
        raise ValueError(f"{listfile} has rows without a stay file name.")
    target = pd.to_numeric(listing["y_true"], errors="coerce")
    if target.isna().any() or not target.isin([0, 1]).all():
        raise ValueError(f"{listfile} has y_true values other than 0 and 1.")
    return listing["stay"].str.strip().tolist(), target.to_numpy(dtype=np.int64)


def _check_header(file, columns):
    unknown = [c for c in columns if c not in FEATURES and c != _TIME]
    if unknown or _TIME not in columns:
        raise ValueError(
            f"{file} does not look like a MIMIC-III benchmark time series: "
            f"unknown columns {unknown[:10]}"
            + ("" if _TIME in columns else f" and no {_TIME!r} column")
            + f"; expected {_TIME} and the 17 variables ({', '.join(FEATURES)})."
        )


def _numbers(column, text=None, unknown=None):
    """The column as float64; text is scored through ``text`` (a GCS table).

    Numbers written as text are read as numbers. With a ``text`` table, text
    starting with a number gives that number and the table scores the rest.
    Anything else becomes NaN and is recorded in ``unknown``.
    """
    if pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    column = column.astype("category")
    categories = column.cat.categories.astype(str)
    scores = pd.to_numeric(pd.Series(categories), errors="coerce").to_numpy(
        dtype=np.float64, copy=True
    )
    for k, label in enumerate(categories):
        if not np.isnan(scores[k]) or text is None:
            continue
        match = _LEADING_NUMBER.match(label)
        if match:
            scores[k] = float(match.group(1))
        else:
            scores[k] = text.get(label.strip().lower(), np.nan)
    if unknown is not None:
        lost = [label for k, label in enumerate(categories) if np.isnan(scores[k])]
        if lost:
            unknown[column.name] = lost
    return np.append(scores, np.nan)[column.cat.codes.to_numpy()]
