"""The condenser of CONTRIBUTING.md's "how to add a condenser", built as written.

The guide claims that a new method is one module; this test writes its code
block as a module of ``sklearn_dc.matching`` and holds it to what every
condenser must do: scikit-learn's checks, a falling loss, moved records.
"""

import importlib.util
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

GUIDE = Path(__file__).parents[1] / "CONTRIBUTING.md"


@pytest.fixture(scope="module")
def mean_matching(tmp_path_factory):
    (code,) = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.S)
    path = tmp_path_factory.mktemp("guide") / "_mean_matching.py"
    path.write_text(code)
    name = "sklearn_dc.matching._mean_matching"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module.MeanMatching
    finally:
        del sys.modules[name]


def test_the_guide_condenser_passes_scikit_learn_checks(mean_matching):
    check_estimator(mean_matching(n_per_class=2, n_iter=3, random_state=0))


def test_the_guide_condenser_matches_the_class_means(mean_matching):
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    condenser = mean_matching(n_per_class=5, n_iter=200, lr=0.05, random_state=0)
    X_syn, y_syn = condenser.fit_resample(X, y)

    history = condenser.loss_history_
    assert history[-20:].mean() < 0.35 * history[:20].mean()
    start = mean_matching(n_per_class=5, n_iter=0, random_state=0)
    assert not np.allclose(X_syn, start.fit_resample(X, y)[0])
    for label in (0, 1):
        gap = X_syn[y_syn == label].mean(0) - X[y == label].mean(0)
        assert np.linalg.norm(gap) < 0.5
    assert condenser.get_params()["batch_real"] == 64
