"""``max_time``: every learned condenser stops on time and returns its records."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import make_classification

from sklearn_dc import DistributionMatching, TrajectoryMatching
from sklearn_dc.matching._base import BaseMatching

from .._instances import all_condensers

LEARNED = [c for c in all_condensers() if isinstance(c, BaseMatching)]


@pytest.fixture(scope="module")
def table():
    # The first optimiser a process builds imports torch._dynamo (seconds),
    # which would count against max_time when this file runs alone.
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])
    X, y = make_classification(
        n_samples=200, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return X.astype(np.float32), y


@pytest.mark.parametrize("condenser", LEARNED, ids=lambda c: type(c).__name__)
def test_max_time_stops_the_run_and_returns_the_records(condenser, table):
    X, y = table
    # The DP accountant's calibration for 20,000 steps takes seconds, and the
    # set-up counts against max_time.
    max_time = 10.0 if hasattr(condenser, "epsilon") else 2.0
    endless = clone(condenser).set_params(n_iter=20_000, max_time=max_time)
    if "early_stopping" in endless.get_params():
        # A check every 1,000 iterations could come due on a fast machine and
        # return that iteration's records; test_early_stopping covers it.
        endless.set_params(early_stopping=False)
    X_syn, y_syn = endless.fit_resample(X, y)

    assert 1 <= endless.n_iter_ < 20_000
    assert endless.loss_history_.shape == (endless.n_iter_,)
    assert X_syn.shape == (9, 6) and np.isfinite(X_syn).all()
    # The records are those of a fit of n_iter_ iterations: it stopped at an
    # iteration boundary, not inside one (DM's pool fixed: "auto" reads n_iter).
    if not hasattr(endless, "epsilon_"):  # the DP noise is secret
        same = clone(endless).set_params(n_iter=endless.n_iter_, max_time=None)
        if hasattr(endless, "n_nets_"):
            same.set_params(n_nets=endless.n_nets_)
        np.testing.assert_array_equal(same.fit_resample(X, y)[0], X_syn)


def test_max_time_spent_by_the_set_up_warns_that_records_did_not_move(table):
    X, y = table
    condenser = TrajectoryMatching(
        n_per_class=3,
        n_experts=2,
        expert_epochs=3,
        max_start_epoch=1,
        expert_epochs_ahead=1,
        init="noise",
        max_time=1e-6,
        random_state=0,
    )
    with pytest.warns(UserWarning, match="before its first iteration"):
        condenser.fit_resample(X, y)
    assert condenser.n_iter_ == 0


def test_a_run_stopped_by_max_time_resumes_from_its_checkpoint(table, tmp_path):
    X, y = table
    path = tmp_path / "run.pt"
    params = dict(n_per_class=3, n_iter=60, batch_real=16, random_state=0)
    stopped = DistributionMatching(**params, max_time=1e-6, checkpoint=path)
    with pytest.warns(UserWarning, match="before its first iteration"):
        stopped.fit_resample(X, y)
    timed = DistributionMatching(**params, max_time=0.2, checkpoint=path)
    timed.fit_resample(X, y)
    resumed = DistributionMatching(**params, checkpoint=path)
    X_resumed, _ = resumed.fit_resample(X, y)
    X_whole, _ = DistributionMatching(**params).fit_resample(X, y)
    np.testing.assert_array_equal(X_resumed, X_whole)
    assert resumed.n_iter_ == 60


def test_max_time_must_be_positive(table):
    X, y = table
    with pytest.raises(ValueError, match="max_time"):
        DistributionMatching(max_time=0).fit_resample(X, y)
