"""The sepsis48 demo set that ships with the package."""

from __future__ import annotations

from importlib import resources

import numpy as np
from sklearn.utils import Bunch

from ._physionet2019 import _DESCR

_DEMO_DESCR = """Sepsis48 demo: 2,000 stays of PhysioNet 2019 set A
---------------------------------------------------

A stratified sample (seed 0) of 2,000 of the 4,820 sepsis48 stays of the
PhysioNet/Computing in Cardiology Challenge 2019 training set A, shipped with
the package (1.5 MB) so that examples run on a fresh install; 272 positive
(13.6%). Made by tools/make_sepsis_demo.py; use load_physionet2019 on the
full release for real experiments.

"""


def load_sepsis_demo(*, return_X_y: bool = False):
    """Load the bundled sepsis48 demo set (2,000 ICU stays, 48 hours x 40).

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data``: float32 array ``(2000, 40, 48)``, NaN where not measured;
        ``target``: int64 array, 1 = sepsis after the first 48 hours;
        ``feature_names``; ``stay_ids``; ``DESCR`` (source, licence, citation).
    (data, target) : tuple
        With ``return_X_y=True``.

    See Also
    --------
    load_physionet2019 : The full challenge release.

    Examples
    --------
    >>> from sklearn_dc.datasets import load_sepsis_demo
    >>> sepsis = load_sepsis_demo()
    >>> sepsis.data.shape, int(sepsis.target.sum())
    ((2000, 40, 48), 272)
    """
    source = resources.files("sklearn_dc.datasets") / "data" / "sepsis48_demo.npz"
    with resources.as_file(source) as path, np.load(path) as arrays:
        data, target = arrays["data"], arrays["target"].astype(np.int64)
        if return_X_y:
            return data, target
        return Bunch(
            data=data,
            target=target,
            feature_names=arrays["feature_names"].tolist(),
            stay_ids=arrays["stay_ids"],
            DESCR=_DEMO_DESCR + _DESCR.format(hours=48),
        )
