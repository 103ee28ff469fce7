"""Loaders for clinical data sets (files the user has; nothing is downloaded).

Time-series loaders return float32 arrays ``(n_stays, n_channels, n_hours)``
with NaN where nothing was measured; see :mod:`sklearn_dc.preprocessing`.
"""

from ._mimic3 import load_mimic3_ihm
from ._physionet2012 import load_physionet2012
from ._physionet2019 import load_physionet2019
from ._sepsis_demo import load_sepsis_demo
from ._support2 import load_support2
from ._ucr import load_ucr

__all__ = [
    "load_mimic3_ihm",
    "load_physionet2012",
    "load_physionet2019",
    "load_sepsis_demo",
    "load_support2",
    "load_ucr",
]
