"""Checkpoints: a run saved every k iterations resumes to the uninterrupted result."""

import numpy as np
import pytest
import torch

from sklearn_dc import (
    DistributionMatching,
    GradientMatching,
    KernelInducingPoints,
    TrajectoryMatching,
)

from .._helpers import ctrl_c_during

# Each carries state across iterations that a resume must restore: Adam's
# moments (all), the network trained between redraws (GM's inner loop), soft
# labels (KIP), the step size and the permutation of synthetic batches (TM).
CONDENSERS = [
    DistributionMatching(n_per_class=3, batch_real=16, augment="noise"),
    DistributionMatching(n_per_class=3, n_nets=4),
    GradientMatching(n_per_class=3, batch_real=16, outer_loop=4, inner_steps=2),
    KernelInducingPoints(n_per_class=3, batch_real=16, learn_labels=True),
    TrajectoryMatching(
        n_per_class=3,
        n_experts=2,
        expert_epochs=4,
        max_start_epoch=2,
        syn_steps=3,
        batch_syn=4,
    ),
]


@pytest.mark.parametrize("condenser", CONDENSERS, ids=lambda c: repr(c)[:40])
def test_resumed_run_equals_uninterrupted_run(condenser, table, tmp_path):
    X, y = table
    # Without early stopping, which would return the best records of each
    # run (test_early_stopping.py resumes a run with it).
    condenser.set_params(random_state=0, n_iter=11, early_stopping=False)
    X_full, y_full = condenser.fit_resample(X, y)
    history = condenser.loss_history_

    path = tmp_path / "run.pt"
    # Stop at 5: TM is then part way through a permutation of its records.
    first = condenser.set_params(n_iter=5, checkpoint=path, checkpoint_every=4)
    X_part, _ = first.fit_resample(X, y)
    assert not np.array_equal(X_part, X_full)  # stopped half way
    saved = torch.load(path, weights_only=True)
    assert saved["step"] == 5  # the end of the run is saved too

    resumed = condenser.set_params(n_iter=11)
    X_res, y_res = resumed.fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X_full)
    np.testing.assert_array_equal(y_res, y_full)
    np.testing.assert_array_equal(resumed.loss_history_, history)
    assert resumed.n_iter_ == 11
    assert [p.name for p in tmp_path.iterdir()] == ["run.pt"]  # no partial files


def test_finished_checkpoint_returns_its_records(table, tmp_path):
    X, y = table
    path = tmp_path / "run.pt"
    condenser = DistributionMatching(
        n_per_class=2, n_iter=5, checkpoint=path, random_state=0
    )
    X_first, _ = condenser.fit_resample(X, y)
    X_again, _ = condenser.fit_resample(X, y)
    np.testing.assert_array_equal(X_again, X_first)
    assert condenser.n_iter_ == 5


def test_checkpoint_of_other_settings_is_refused(table, tmp_path):
    X, y = table
    path = tmp_path / "run.pt"
    DistributionMatching(n_per_class=2, n_iter=3, checkpoint=path).set_params(
        random_state=0
    ).fit_resample(X, y)
    before = path.read_bytes()
    for other in [
        DistributionMatching(n_per_class=2, n_iter=3, random_state=1),
        DistributionMatching(n_per_class=2, n_iter=3, lr=0.1, random_state=0),
        DistributionMatching(n_per_class=3, n_iter=3, random_state=0),
    ]:
        with pytest.raises(ValueError, match="other data, budget or parameters"):
            other.set_params(checkpoint=path).fit_resample(X, y)
    with pytest.raises(ValueError, match="other data"):
        DistributionMatching(
            n_per_class=2, n_iter=3, checkpoint=path, random_state=0
        ).fit_resample(X + 1, y)
    assert path.read_bytes() == before  # never overwritten


def test_checkpoint_longer_than_n_iter(table, tmp_path):
    X, y = table
    path = tmp_path / "run.pt"
    condenser = DistributionMatching(
        n_per_class=2, n_iter=6, checkpoint=path, random_state=0
    )
    condenser.fit_resample(X, y)
    with pytest.raises(ValueError, match="holds 6 iterations, more than n_iter=4"):
        condenser.set_params(n_iter=4).fit_resample(X, y)


def test_unreadable_checkpoint(table, tmp_path):
    X, y = table
    path = tmp_path / "run.pt"
    path.write_text("not a checkpoint")
    with pytest.raises(ValueError, match="cannot be read as a checkpoint"):
        DistributionMatching(n_iter=2, checkpoint=path).fit_resample(X, y)


def test_bad_checkpoint_every():
    with pytest.raises(ValueError, match="checkpoint_every"):
        DistributionMatching(checkpoint_every=0).fit_resample(
            np.zeros((4, 2)), [0, 0, 1, 1]
        )


def test_ctrl_c_keeps_a_checkpoint_that_resumes_exactly(table, tmp_path):
    X, y = table
    settings = dict(n_per_class=2, n_iter=9, batch_real=16, random_state=0)
    X_full, _ = DistributionMatching(**settings).fit_resample(X, y)
    path = tmp_path / "run.pt"
    condenser = DistributionMatching(**settings, checkpoint=path, checkpoint_every=4)
    # Ctrl-C drops iteration 6 after its loss has moved the generators.
    with ctrl_c_during(6, after_loss=True):
        with pytest.warns(UserWarning, match="interrupted after 5 of 9"):
            condenser.fit_resample(X, y)
    assert torch.load(path, weights_only=True)["step"] == 4
    X_res, _ = condenser.fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X_full)
