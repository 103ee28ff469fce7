"""Base class of the coreset family: real records, chosen per class."""

from abc import abstractmethod

import numpy as np

from .._out_of_core import class_rows, take_rows
from ..base import BaseCondenser


class BaseCoreset(BaseCondenser):
    """Base class for condensers that return real records, chosen per class.

    Subclasses implement ``_select_class(X_class, n_select, rng)``, returning the
    positions of the chosen rows within ``X_class`` (a 2-D float array: records
    of more dimensions are flattened for distances). ``_fit_resample`` returns
    the chosen rows and stores their positions in the caller's data in
    ``sample_indices_``.

    Warning: This class should not be used directly. Use the derived classes
    instead.
    """

    _returns_real_rows = True
    # Whether _select_class looks at the records (not only at how many).
    _reads_records = True

    def _fit_resample(self, X, y):
        rng = np.random.default_rng(self._draw_seed())
        name, chosen = type(self).__name__, []
        for label, n_select in enumerate(self._budget()):
            members = np.flatnonzero(y == label)
            if self._reads_records:
                members, rows = class_rows(X, members, rng, name, self.classes_[label])
            else:
                rows = np.empty((len(members), 0), dtype=X.dtype)
            chosen.append(members[self._select_class(rows, n_select, rng)])
        self.sample_indices_ = np.concatenate(chosen)
        return take_rows(X, self.sample_indices_), y[self.sample_indices_]

    @abstractmethod
    def _select_class(self, X_class, n_select, rng):
        """Positions of ``n_select`` chosen rows of ``X_class``."""
