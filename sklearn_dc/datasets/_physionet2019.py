"""Loader for the PhysioNet/CinC Challenge 2019 sepsis data ("sepsis48" task)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._hourly import _check_hours

FEATURES = [
    # 8 vital signs
    "HR", "O2Sat", "Temp", "SBP", "MAP", "DBP", "Resp", "EtCO2",
    # 26 laboratory values
    "BaseExcess", "HCO3", "FiO2", "pH", "PaCO2", "SaO2", "AST", "BUN",
    "Alkalinephos", "Calcium", "Chloride", "Creatinine", "Bilirubin_direct",
    "Glucose", "Lactate", "Magnesium", "Phosphate", "Potassium",
    "Bilirubin_total", "TroponinI", "Hct", "Hgb", "PTT", "WBC", "Fibrinogen",
    "Platelets",
    # 6 demographics
    "Age", "Gender", "Unit1", "Unit2", "HospAdmTime", "ICULOS",
]  # fmt: skip
_LABEL = "SepsisLabel"

_DESCR = """PhysioNet/Computing in Cardiology Challenge 2019: sepsis48
-----------------------------------------------------------

Early Prediction of Sepsis from Clinical Data (v1.0.0): one pipe-separated
``.psv`` file per ICU stay, one row per ICU hour, 40 variables (8 vital signs,
26 laboratory values, 6 demographics) and the hourly ``SepsisLabel`` (1 from 6
hours before clinical sepsis onset). Training set A has 20,336 stays, set B
(another hospital system) 20,000.

Task "sepsis48": stays with at least {hours} hourly rows whose ``SepsisLabel`` is
0 throughout the first {hours} hours. Input: the first {hours} hours of the 40
variables, shape (n_stays, 40, {hours}), float32, NaN where not measured.
Label: 1 if ``SepsisLabel`` becomes 1 at any later hour. On set A (48 hours):
4,820 stays, 13.6% positive.

Licence: Creative Commons Attribution 4.0 International. Cite: Reyna MA, Josef
CS, Jeter R, et al. Early Prediction of Sepsis From Clinical Data: The
PhysioNet/Computing in Cardiology Challenge 2019. Critical Care Medicine
48(2):210-217 (2020); and Goldberger et al., PhysioBank, PhysioToolkit, and
PhysioNet, Circulation 101(23) (2000).
"""


def load_physionet2019(path, *, hours: int = 48, return_X_y: bool = False):
    """Load the PhysioNet 2019 sepsis challenge data as the sepsis48 task.

    Reads the official release (set A or B): a folder of ``.psv`` files
    (searched recursively) or a zip of them, and keeps the stays with at least
    ``hours`` hourly rows and no sepsis label in those hours. Input is the first
    ``hours`` hours of the 40 variables; the label says whether sepsis is
    labelled at any later hour.

    Parameters
    ----------
    path : str or path-like
        A ``.zip`` of the release (e.g. ``training_setA.zip``) or a folder
        holding its ``.psv`` files.
    hours : int, default=48
        Length of the observation window, in hourly rows.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data``: float32 array ``(n_stays, 40, hours)`` (channels first, NaN
        where not measured); ``target``: int64 array, 1 = sepsis later;
        ``feature_names``: the 40 variable names; ``stay_ids``: file stems
        such as ``"p000001"``; ``DESCR``.
    (data, target) : tuple
        With ``return_X_y=True``.

    Examples
    --------
    >>> from sklearn_dc.datasets import load_physionet2019
    >>> sepsis = load_physionet2019(
    ...     "../shared/data/physionet2019/training_setA.zip")  # doctest: +SKIP
    >>> sepsis.data.shape, round(sepsis.target.mean(), 3)  # doctest: +SKIP
    ((4820, 40, 48), 0.136)
    """
    _check_hours(hours)
    stays = list(_read_stays(Path(path)))
    if not stays:
        raise ValueError(f"No .psv files found in {path}.")
    kept = [(stay, body, n) for stay, body, n in stays if n >= hours]
    if not kept:
        raise ValueError(
            f"None of the {len(stays)} stays in {path} has {hours} hourly rows."
        )
    ids, bodies, lengths = zip(*kept, strict=True)
    values = _parse(bodies)

    lengths = np.asarray(lengths)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    window = values[starts[:, None] + np.arange(hours), : len(FEATURES)]
    label = values[:, len(FEATURES)]
    label_sum = np.concatenate([[0], np.cumsum(label, dtype=np.float64)])
    early = label_sum[starts + hours] - label_sum[starts] > 0
    later = label_sum[starts + lengths] - label_sum[starts + hours] > 0

    data = np.ascontiguousarray(window[~early].transpose(0, 2, 1))
    target = later[~early].astype(np.int64)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        feature_names=list(FEATURES),
        stay_ids=np.asarray(ids)[~early],
        DESCR=_DESCR.format(hours=hours),
    )


def _read_stays(path):
    """Yield ``(stay_id, body_bytes, n_rows)`` of every ``.psv`` file."""
    if path.is_dir():
        files = sorted(path.rglob("*.psv"))
        members = ((f.stem, f.name, f.read_bytes) for f in files)
    elif path.is_file() and zipfile.is_zipfile(path):
        archive = zipfile.ZipFile(path)
        names = sorted(n for n in archive.namelist() if n.endswith(".psv"))
        members = ((Path(n).stem, n, lambda n=n: archive.read(n)) for n in names)
    elif path.exists():
        raise ValueError(
            f"{path} is neither a folder nor a zip file; pass the challenge "
            "release (training_setA.zip, or the folder of its .psv files)."
        )
    else:
        raise FileNotFoundError(
            f"{path} does not exist; pass the PhysioNet 2019 challenge release "
            "(training_setA.zip / training_setB.zip, or a folder of .psv files)."
        )
    expected = "|".join([*FEATURES, _LABEL]).encode()
    for stay, name, read in members:
        raw = read()
        header, _, body = raw.partition(b"\n")
        if header.strip() != expected:
            raise ValueError(
                f"{name} does not have the challenge's columns "
                f"(HR|O2Sat|...|ICULOS|SepsisLabel); its header is "
                f"{header[:120].decode(errors='replace')!r}."
            )
        if body and not body.endswith(b"\n"):
            body += b"\n"
        n_rows = body.count(b"\n")
        # A cheap whole-file count; the row-by-row search runs only on failure.
        if body.count(b"|") != n_rows * len(FEATURES):
            for line in body.splitlines():
                if line.count(b"|") != len(FEATURES):
                    raise ValueError(
                        f"{name} has a row with {line.count(b'|') + 1} fields "
                        f"instead of {len(FEATURES) + 1}: {line[:80].decode()!r}."
                    )
        yield stay, body, n_rows


def _parse(bodies):
    """Parse the rows of every stay at once (one C-parser call, not 20,000)."""
    frame = pd.read_csv(
        io.BytesIO(b"".join(bodies)),
        sep="|",
        header=None,
        dtype=np.float32,
        na_values=["NaN"],
    )
    return frame.to_numpy()
