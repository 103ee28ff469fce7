"""Condensers inside imbalanced-learn pipelines, grid search and cross-validation."""

import numpy as np
from imblearn.pipeline import Pipeline
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.preprocessing import StandardScaler

from sklearn_dc import DistributionMatching, Herding


def test_grid_search_over_the_budget(three_class_table):
    X, y = three_class_table
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("condenser", DistributionMatching(n_iter=20, random_state=0)),
            ("clf", LogisticRegression()),
        ]
    )
    search = GridSearchCV(pipe, {"condenser__n_per_class": [1, 5, 20]}, cv=3)
    search.fit(X, y)
    assert search.best_params_["condenser__n_per_class"] in (1, 5, 20)
    fitted = search.best_estimator_.named_steps["condenser"]
    assert set(fitted.n_per_class_.values()) == {
        search.best_params_["condenser__n_per_class"]
    }
    # The condenser only acts while fitting: predict sees every test row.
    assert search.predict(X).shape == (len(X),)
    # The classifier was trained on the condensed records only.
    clf = search.best_estimator_.named_steps["clf"]
    assert clf.classes_.tolist() == [0, 1, 2]


def test_cross_validate_and_swap_condensers(three_class_table):
    X, y = three_class_table
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("condenser", Herding(n_per_class=10)),
            ("clf", LogisticRegression()),
        ]
    )
    scores = cross_validate(pipe, X, y, cv=3)["test_score"]
    assert np.all(scores > 1 / 3)  # better than chance on 3 classes
    search = GridSearchCV(
        pipe,
        {"condenser": [Herding(n_per_class=5), DistributionMatching(n_iter=10)]},
        cv=3,
    ).fit(X, y)
    assert len(search.cv_results_["mean_test_score"]) == 2
