"""Helpers shared by the behaviour tests."""

import numpy as np
from sklearn.linear_model import LogisticRegression


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
