"""Base classes of the coreset and prototype families."""

import warnings
from abc import abstractmethod

import numpy as np

from .._out_of_core import class_sample, take_rows
from ..base import BaseCondenser, RealRecordsWarning


def _class_rows(condenser, X, members, rng, label):
    """Positions in ``X`` and flattened rows a per-class method works on.

    Every member of the class, except from a memmap too large to read whole:
    then a random sample (see ``class_sample``, which warns).
    """
    name, label = type(condenser).__name__, condenser.classes_[label]
    members = members[class_sample(X, members, rng, name, label)]
    return members, take_rows(X, members).reshape(len(members), -1)


class BaseCoreset(BaseCondenser):
    """Base class for condensers that return real records, chosen per class.

    Subclasses implement ``_select_class(X_class, n_select, rng)``, returning the
    positions of the chosen rows within ``X_class`` (a 2-D float array: records
    of more dimensions are flattened for distances). The chosen positions in the
    caller's data are stored in ``sample_indices_``.

    Warning: This class should not be used directly. Use the derived classes
    instead.
    """

    _returns_real_rows = True
    # Whether _select_class looks at the records (not only at how many).
    _reads_records = True

    def _fit_resample(self, X, y):
        rng = np.random.default_rng(self._draw_seed())
        chosen = []
        for label, n_select in enumerate(self._budget()):
            members = np.flatnonzero(y == label)
            if self._reads_records:
                members, rows = _class_rows(self, X, members, rng, label)
            else:
                rows = np.empty((len(members), 0), dtype=X.dtype)
            chosen.append(members[self._select_class(rows, n_select, rng)])
        self.sample_indices_ = np.concatenate(chosen)
        return take_rows(X, self.sample_indices_), y[self.sample_indices_]

    @abstractmethod
    def _select_class(self, X_class, n_select, rng):
        """Positions of ``n_select`` chosen rows of ``X_class``."""


class BasePrototypes(BaseCondenser):
    """Base class for condensers that build new records per class.

    Subclasses implement ``_prototypes_class(X_class, n_prototypes, rng)``
    returning an array of shape ``(n_prototypes, n_features)`` computed on the
    flattened records of one class.

    Warning: This class should not be used directly. Use the derived classes
    instead.
    """

    def _fit_resample(self, X, y):
        rng = np.random.default_rng(self._draw_seed())
        budget = self._budget()
        prototypes, whole = [], []
        for label, n in enumerate(budget):
            _, rows = _class_rows(self, X, np.flatnonzero(y == label), rng, label)
            prototypes.append(self._prototypes_class(rows, n, rng))
            if n == len(rows):
                whole.append(self.classes_.tolist()[label])
        if whole:
            # One prototype per record is the record itself.
            warnings.warn(
                f"The budget of classes {whole} equals their size: "
                f"{type(self).__name__} returns their real records unchanged. Do "
                "not share them; lower n_per_class to summarise those classes.",
                RealRecordsWarning,
                stacklevel=4,
            )
        X_res = np.concatenate(prototypes).reshape(-1, *X.shape[1:])
        return X_res, np.repeat(np.arange(len(budget)), budget)

    @abstractmethod
    def _prototypes_class(self, X_class, n_prototypes, rng):
        """``n_prototypes`` new records summarising ``X_class``."""
