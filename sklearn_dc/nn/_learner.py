"""scikit-learn classifiers that train the package's networks with skorch."""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data
from skorch import NeuralNetClassifier
from skorch.callbacks import EarlyStopping
from skorch.dataset import ValidSplit
from torch import nn

from .._compat import _fit_context
from ..base import MAX_SEED
from ._optim import fused_adam
from ._resolve import AUTO_NETWORKS, NETWORKS

# With max_epochs=None, train for at least this many epochs and steps: a
# condensed set of 20 records is one batch, so epochs alone would be too few.
_MIN_EPOCHS, _MIN_STEPS = 20, 500
# With max_epochs=None and early stopping, train for up to this many epochs:
# the validation loss decides when to stop.
_EARLY_STOPPING_MAX_EPOCHS = 200
# early_stopping="auto" holds out a validation split from this many records on.
_AUTO_EARLY_STOPPING_MIN_SAMPLES = 1000


class NetClassifier(ClassifierMixin, BaseEstimator):
    """Train one of the package's networks as a scikit-learn classifier.

    A thin layer over :class:`skorch.NeuralNetClassifier` that does what
    evaluation on condensed data needs: records of any layout (tables, time
    series, images) are cast to float32, labels of any type are encoded, the
    network is sized from the data, the loss can weight classes, and
    ``random_state`` makes training reproducible without changing the global
    random state.

    Training sets of 1,000 records or more are trained with early stopping
    (``early_stopping="auto"``): a stratified tenth of the records is held
    out, training stops once the validation loss has not improved for
    ``n_iter_no_change`` epochs, and the weights of the best epoch are kept.
    Smaller sets, such as condensed ones of tens of records, hold nothing out
    (``train_split=None``) and train for a fixed number of epochs: they cannot
    spare a tenth of their rows.

    Parameters
    ----------
    module : str or nn.Module subclass, default="auto"
        ``"auto"`` (MLP for tables, TCN for time series, ConvNet for images),
        a name from ``sklearn_dc.nn.NETWORKS``, or a module class taking
        ``n_features`` (tables) or ``n_channels``, and ``n_classes``.
    module_params : dict, default=None
        Further keyword arguments of the module (e.g. ``{"hidden": 32}``).
    max_epochs : int, default=None
        Training epochs (at most, with early stopping). ``None`` trains for at
        least 20 epochs and 500 optimiser steps, whichever is longer (tiny
        condensed sets need many epochs); with early stopping, for at most 200
        epochs, or that many if it is more.
    lr : float, default=1e-3
        Learning rate of AdamW.
    weight_decay : float, default=1e-4
        Weight decay of AdamW.
    batch_size : int, default=64
        Mini-batch size.
    class_weight : "balanced", dict or None, default=None
        Weights of the classes in the loss, as in scikit-learn.
    early_stopping : "auto" or bool, default="auto"
        Whether to hold out a stratified validation split of
        ``validation_fraction`` of the records and stop training when its loss
        has not improved for ``n_iter_no_change`` epochs, keeping the weights
        of the epoch with the lowest validation loss. ``"auto"`` turns it on
        when the training set has at least 1,000 records: condensed sets of
        tens of records must not lose a tenth of their rows. If a class would
        have fewer than 2 records in the validation split, training runs
        without early stopping (with a warning if ``early_stopping=True``);
        ``early_stopping_`` tells which.
    validation_fraction : float, default=0.1
        Fraction of the training records held out for early stopping, in
        (0, 1). Only used with early stopping.
    n_iter_no_change : int, default=10
        Epochs without improvement of the validation loss (by a relative
        1e-4) after which training stops. Only used with early stopping.
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
    early_stopping_ : bool
        Whether training used early stopping: what ``"auto"`` chose, and
        ``False`` where a class was too small for the validation split.
    n_epochs_ : int
        Epochs trained. With early stopping, the kept weights are those of
        the best epoch, ``n_iter_no_change`` epochs before the last if
        training stopped early.

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
        "early_stopping": [StrOptions({"auto"}), "boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
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
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=10,
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
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
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
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(MAX_SEED))
        train_split, n_valid = self._validation_split(y_encoded, rng)
        self.early_stopping_ = train_split is not None
        callbacks = None
        if self.early_stopping_:
            stopper = EarlyStopping(
                monitor="valid_loss", patience=self.n_iter_no_change, load_best=True
            )
            callbacks = [("early_stopping", stopper)]
        n_fit = len(X) - n_valid
        batch_size = min(self.batch_size, n_fit)
        max_epochs = self.max_epochs
        if max_epochs is None:
            steps_per_epoch = math.ceil(n_fit / batch_size)
            max_epochs = max(_MIN_EPOCHS, math.ceil(_MIN_STEPS / steps_per_epoch))
            if self.early_stopping_:
                max_epochs = max(max_epochs, _EARLY_STOPPING_MAX_EPOCHS)
        self.net_ = NeuralNetClassifier(
            module,
            criterion=nn.CrossEntropyLoss,
            optimizer=torch.optim.AdamW,
            optimizer__weight_decay=self.weight_decay,
            # The same weights from a seed in every process (see fused_adam).
            optimizer__fused=fused_adam(self.device),
            lr=self.lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            callbacks=callbacks,
            iterator_train__shuffle=True,
            device=self.device,
            verbose=self.verbose,
            **{f"module__{k}": v for k, v in module_params.items()},
            **{f"criterion__{k}": v for k, v in criterion_params.items()},
        )
        # skorch draws initial weights and shuffles batches from torch's global
        # generator: seed it inside a fork so the caller's state is restored.
        cuda = [torch.device(self.device)] if self.device.startswith("cuda") else []
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(seed)
            self.net_.fit(X, y_encoded.astype(np.int64))
        self.n_epochs_ = len(self.net_.history)
        return self

    def _validation_split(self, y, rng):
        """skorch's ``train_split`` for early stopping and its size, or ``(None, 0)``.

        ``None`` where early stopping is off, or where a class would have fewer
        than 2 records in the validation split (then with a warning if
        ``early_stopping=True`` asked for it).
        """
        if self.early_stopping == "auto":
            if len(y) < _AUTO_EARLY_STOPPING_MIN_SAMPLES:
                return None, 0
        elif not self.early_stopping:
            return None, 0
        split = ValidSplit(
            self.validation_fraction,
            stratified=True,
            random_state=int(rng.randint(MAX_SEED)),
        )
        # The indices skorch's split will draw (it splits np.arange(n), y).
        try:
            _, valid = next(split.check_cv(y).split(np.arange(len(y)), y))
            counts = np.bincount(y[valid], minlength=len(self.classes_))
        except ValueError:  # a class too small for a stratified split at all
            counts = np.zeros(1, dtype=int)
        if counts.min() >= 2:
            return split, len(valid)
        if self.early_stopping != "auto":
            warnings.warn(
                "A class has fewer than 2 records in the validation split "
                f"(validation_fraction={self.validation_fraction}): training "
                "without early stopping (early_stopping_=False). Raise "
                "validation_fraction or pass early_stopping=False.",
                UserWarning,
                stacklevel=4,
            )
        return None, 0

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
