"""Loader for univariate series in the format of the UCR time-series archive."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def load_ucr(path, *, dtype=np.float32):
    """Load one split of a univariate UCR-archive data set.

    The UCR archive (Dau et al., 2019) stores each split as a text file, one
    series a line: the class label first, then the values, separated by tabs
    (``*_TRAIN.tsv``, ``*_TEST.tsv``), commas or spaces (older ``.txt``
    files). Series of unequal length are padded with NaN in the file; the
    package's preprocessing (:class:`~sklearn_dc.preprocessing.TimeSeriesImputer`)
    fills them.

    Parameters
    ----------
    path : str or path-like
        The file of one split.
    dtype : numpy dtype, default=np.float32
        dtype of the series.

    Returns
    -------
    X : ndarray of shape (n_series, 1, n_timepoints)
        The series, as one-channel time series (the layout the matching
        condensers take).
    y : ndarray of shape (n_series,)
        The labels as written in the file (integers when they all are).

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from sklearn_dc.datasets import load_ucr
    >>> path = os.path.join(tempfile.mkdtemp(), "Toy_TRAIN.tsv")
    >>> np.savetxt(path, [[1, 0.1, 0.2, 0.3], [2, 0.5, 0.4, 0.3]], delimiter="\\t")
    >>> X, y = load_ucr(path)
    >>> X.shape, y.tolist()
    ((2, 1, 3), [1, 2])
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"UCR file not found at {path}. Pass the path of one split, e.g. "
            "ECG5000/ECG5000_TRAIN.tsv from the UCR archive."
        )
    text = path.read_text()
    delimiter = "\t" if "\t" in text else ("," if "," in text else None)
    try:
        table = np.loadtxt(
            text.splitlines(), delimiter=delimiter, ndmin=2, dtype=np.float64
        )
    except ValueError as exc:
        raise ValueError(
            f"{path} is not a UCR-format file (a label, then the values, on each "
            f"line, all numbers): {exc}"
        ) from exc
    if table.shape[1] < 2:
        raise ValueError(f"{path} has no values after the label column.")
    labels = table[:, 0]
    y = labels.astype(np.int64) if np.all(labels == np.round(labels)) else labels
    return table[:, None, 1:].astype(dtype), y
