"""Helpers shared by the behaviour tests."""

import os
import signal
from contextlib import contextmanager

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from sklearn_dc import DistributionMatching


def accuracy(condenser, digits_split, seeds=range(3), max_iter=2000):
    """Test accuracy of a logistic regression trained on the condensed digits.

    The mean over one fit of ``condenser`` per seed in ``seeds``;
    ``digits_split`` is the fixture ``(X_train, y_train, X_test, y_test)``.
    """
    X_train, y_train, X_test, y_test = digits_split
    scores = []
    for seed in seeds:
        X_res, y_res = condenser.set_params(random_state=seed).fit_resample(
            X_train, y_train
        )
        clf = LogisticRegression(max_iter=max_iter).fit(X_res, y_res)
        scores.append(clf.score(X_test, y_test))
    return np.mean(scores)


@contextmanager
def ctrl_c_during(call, *, after_loss=False, send_sigint=False):
    """``DistributionMatching`` fits in the block meet Ctrl-C during iteration ``call``.

    The ``call``-th loss raises ``KeyboardInterrupt``: before computing the
    loss, or after it when ``after_loss`` (the random generators have then
    moved); with ``send_sigint`` the process first sends itself SIGINT, as a
    terminal does.
    """
    original = DistributionMatching._objective

    def interrupting_objective(self, *args):
        objective = original(self, *args)
        loss_fn = objective.loss
        calls = []

        def loss(synthetic):
            calls.append(1)
            value = loss_fn(synthetic) if after_loss else None
            if len(calls) == call:
                if send_sigint:
                    os.kill(os.getpid(), signal.SIGINT)
                raise KeyboardInterrupt
            return value if after_loss else loss_fn(synthetic)

        objective.loss = loss
        return objective

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DistributionMatching, "_objective", interrupting_objective)
        yield
