"""Peak resident memory of a block of code, sampled from the operating system."""

from __future__ import annotations

import os
import threading
from pathlib import Path

_STATM = Path("/proc/self/statm")


def resident_bytes() -> float:
    """The process's resident set size in bytes; NaN where it cannot be read.

    Read from ``/proc/self/statm`` (Linux). It counts what torch and numpy
    allocate, which Python's ``tracemalloc`` does not see.
    """
    try:
        resident_pages = int(_STATM.read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return float("nan")
    return float(resident_pages * os.sysconf("SC_PAGE_SIZE"))


class PeakMemory:
    """Context manager measuring the peak resident memory of its block.

    A background thread samples the resident set size every ``interval``
    seconds; ``peak_bytes`` is the highest sample (and the value at exit),
    ``extra_bytes`` the peak minus the value at entry: the memory the block
    needed beyond what the process already held. Both are NaN where the
    resident size cannot be read (anything but Linux). A spike shorter than
    ``interval`` can be missed, so the figures are lower bounds.

    Parameters
    ----------
    interval : float, default=0.005
        Seconds between samples.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dc.evaluation import PeakMemory
    >>> with PeakMemory() as memory:
    ...     block = np.ones(50_000_000)  # 400 MB
    ...     del block
    >>> memory.extra_bytes > 300e6 or np.isnan(memory.extra_bytes)
    True
    """

    def __init__(self, interval: float = 0.005):
        self.interval = interval

    def _sample(self):
        while not self._stop.wait(self.interval):
            self.peak_bytes = max(self.peak_bytes, resident_bytes())

    def __enter__(self):
        self.start_bytes = self.peak_bytes = resident_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()
        self.peak_bytes = max(self.peak_bytes, resident_bytes())
        self.extra_bytes = self.peak_bytes - self.start_bytes
        return False
