"""Base class of the prototype family: new records computed per class."""

import warnings
from abc import abstractmethod

import numpy as np

from .._out_of_core import class_rows
from ..base import BaseCondenser, RealRecordsWarning


class BasePrototypes(BaseCondenser):
    """Base class for condensers that build new records per class, unlearned.

    Subclasses implement ``_prototypes_class(X_class, n_prototypes, rng)``
    returning an array of shape ``(n_prototypes, n_features)`` computed on the
    flattened records of one class.

    Warning: This class should not be used directly. Use the derived classes
    instead.
    """

    def _fit_resample(self, X, y):
        rng = np.random.default_rng(self._draw_seed())
        budget = self._budget()
        name, prototypes, whole = type(self).__name__, [], []
        for label, n in enumerate(budget):
            members = np.flatnonzero(y == label)
            _, rows = class_rows(X, members, rng, name, self.classes_[label])
            prototypes.append(self._prototypes_class(rows, n, rng))
            if n == len(rows):
                whole.append(self.classes_.tolist()[label])
        if whole:
            # One prototype per record is the record itself.
            warnings.warn(
                f"The budget of classes {whole} equals their size: "
                f"{name} returns their real records unchanged. Do "
                "not share them; lower n_per_class to summarise those classes.",
                RealRecordsWarning,
                stacklevel=4,
            )
        X_res = np.concatenate(prototypes).reshape(-1, *X.shape[1:])
        return X_res, np.repeat(np.arange(len(budget)), budget)

    @abstractmethod
    def _prototypes_class(self, X_class, n_prototypes, rng):
        """``n_prototypes`` new records summarising ``X_class``."""
