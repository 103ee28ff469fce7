"""scikit-learn classifiers that train the package's networks with skorch."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data
from skorch import NeuralNetClassifier
from torch import nn

from .._compat import _fit_context
from ..base import MAX_SEED
from ._resolve import AUTO_NETWORKS, NETWORKS

# With max_epochs=None, train for at least this many epochs and steps: a
# condensed set of 20 records is one batch, so epochs alone would be too few.
_MIN_EPOCHS, _MIN_STEPS = 20, 500


class NetClassifier(ClassifierMixin, BaseEstimator):
    """Train one of the package's networks as a scikit-learn classifier.

    A thin layer over :class:`skorch.NeuralNetClassifier` that does what
    evaluation on condensed data needs: records of any layout (tables, time
    series, images) are cast to float32, labels of any type are encoded, the
    network is sized from the data, no validation split is held out
    (``train_split=None``), the loss can weight classes, and ``random_state``
    makes training reproducible without changing the global random state.

    Parameters
    ----------
    module : str or nn.Module subclass, default="auto"
        ``"auto"`` (MLP for tables, TCN for time series, ConvNet for images),
        a name from ``sklearn_dc.nn.NETWORKS``, or a module class taking
        ``n_features`` (tables) or ``n_channels``, and ``n_classes``.
    module_params : dict, default=None
        Further keyword arguments of the module (e.g. ``{"hidden": 32}``).
    max_epochs : int, default=None
        Training epochs. ``None`` trains for at least 20 epochs and 500
        optimiser steps, whichever is longer (tiny condensed sets need many
        epochs).
    lr : float, default=1e-3
        Learning rate of AdamW.
    weight_decay : float, default=1e-4
        Weight decay of AdamW.
    batch_size : int, default=64
        Mini-batch size.
    class_weight : "balanced", dict or None, default=None
        Weights of the classes in the loss, as in scikit-learn.
    device : str, default="cpu"
        Torch device.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation and batch shuffling.
    verbose : int, default=0
        skorch's training log.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    net_ : skorch.NeuralNetClassifier
        The trained skorch net (its ``module_`` is the torch module).
    n_features_in_ : int
        Second dimension of ``X`` (features or channels).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dc.nn import NetClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 3, 24))
    >>> y = np.repeat(["alive", "dead"], 30)
    >>> X[y == "dead", 0] += 1.0
    >>> clf = NetClassifier("gru", module_params={"hidden": 8}, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    """

    _parameter_constraints: dict = {
        "module": [StrOptions({"auto", *NETWORKS}), type],
        "module_params": [dict, None],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), None],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        module="auto",
        *,
        module_params=None,
        max_epochs=None,
        lr=1e-3,
        weight_decay=1e-4,
        batch_size=64,
        class_weight=None,
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.module = module
        self.module_params = module_params
        self.max_epochs = max_epochs
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.class_weight = class_weight
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the network on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Records: ``(n, n_features)``, ``(n, n_channels, n_timepoints)`` or
            ``(n, n_channels, height, width)``; no NaN.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : NetClassifier
            The trained classifier.
        """
        X, y = validate_data(self, X, y, allow_nd=True, dtype=np.float32)
        check_classification_targets(y)
        self.classes_, y_encoded = np.unique(y, return_inverse=True)
        module = self.module
        if module == "auto":
            module = AUTO_NETWORKS.get(X.ndim - 1, "mlp")
        module = NETWORKS.get(module, module)
        size = {"n_features": X.shape[1]} if X.ndim == 2 else {"n_channels": X.shape[1]}
        module_params = {
            **size,
            "n_classes": len(self.classes_),
            **(self.module_params or {}),
        }
        criterion_params = {}
        if self.class_weight is not None:
            weight = compute_class_weight(self.class_weight, classes=self.classes_, y=y)
            criterion_params["weight"] = torch.as_tensor(weight, dtype=torch.float32)
        batch_size = min(self.batch_size, len(X))
        max_epochs = self.max_epochs
        if max_epochs is None:
            steps_per_epoch = math.ceil(len(X) / batch_size)
            max_epochs = max(_MIN_EPOCHS, math.ceil(_MIN_STEPS / steps_per_epoch))
        self.net_ = NeuralNetClassifier(
            module,
            criterion=nn.CrossEntropyLoss,
            optimizer=torch.optim.AdamW,
            optimizer__weight_decay=self.weight_decay,
            lr=self.lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=None,
            iterator_train__shuffle=True,
            device=self.device,
            verbose=self.verbose,
            **{f"module__{k}": v for k, v in module_params.items()},
            **{f"criterion__{k}": v for k, v in criterion_params.items()},
        )
        seed = int(check_random_state(self.random_state).randint(MAX_SEED))
        # skorch draws initial weights and shuffles batches from torch's global
        # generator: seed it inside a fork so the caller's state is restored.
        cuda = [torch.device(self.device)] if self.device.startswith("cuda") else []
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(seed)
            self.net_.fit(X, y_encoded.astype(np.int64))
        return self

    def predict_proba(self, X):
        """Class probabilities, shape ``(n_samples, n_classes)``."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, allow_nd=True, dtype=np.float32)
        return self.net_.predict_proba(X)

    def predict(self, X):
        """Predicted class labels."""
        check_is_fitted(self)
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags
