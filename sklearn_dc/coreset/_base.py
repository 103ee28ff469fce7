"""Base classes of the coreset and prototype families."""

from abc import abstractmethod

import numpy as np

from ..base import BaseCondenser


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

    def _fit_resample(self, X, y):
        rng = np.random.default_rng(self._draw_seed())
        flat = X.reshape(len(X), -1)
        chosen = []
        for label, n_select in enumerate(self._budget()):
            members = np.flatnonzero(y == label)
            chosen.append(members[self._select_class(flat[members], n_select, rng)])
        self.sample_indices_ = np.concatenate(chosen)
        return X[self.sample_indices_], y[self.sample_indices_]

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
        flat = X.reshape(len(X), -1)
        budget = self._budget()
        prototypes = [
            self._prototypes_class(flat[y == label], n, rng)
            for label, n in enumerate(budget)
        ]
        X_res = np.concatenate(prototypes).reshape(-1, *X.shape[1:])
        return X_res, np.repeat(np.arange(len(budget)), budget)

    @abstractmethod
    def _prototypes_class(self, X_class, n_prototypes, rng):
        """``n_prototypes`` new records summarising ``X_class``."""
