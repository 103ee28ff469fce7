"""The starting records of the matching condensers: k-means centres and "auto"."""

import numpy as np
import pytest

from sklearn_dc import KMeansCentroids
from sklearn_dc.matching import GradientMatching, TrajectoryMatching

TM_FAST = dict(n_experts=1, expert_epochs=3, max_start_epoch=1, syn_steps=2)


@pytest.fixture
def two_record_class(three_class_table):
    """The table with a fourth class of two records."""
    X, y = three_class_table
    return np.concatenate([X, X[:2] + 5]), np.concatenate([y, [3, 3]])


@pytest.mark.parametrize(
    "condenser",
    [GradientMatching(n_per_class=4), TrajectoryMatching(n_per_class=4, **TM_FAST)],
    ids=["GradientMatching", "TrajectoryMatching"],
)
def test_auto_starts_series_from_k_means_centres_and_tables_from_real_records(
    condenser, three_class_table
):
    X, y = three_class_table
    condenser.set_params(n_iter=0, random_state=0)
    # The table's records as series of 2 channels.
    start, y_start = condenser.fit_resample(X.reshape(len(X), 2, -1), y)
    assert condenser.init_ == "kmeans"
    assert y_start.tolist() == np.repeat([0, 1, 2], 4).tolist()
    start = start.reshape(len(start), -1)
    for label in range(3):
        members, centres = X[y == label], start[y_start == label]
        # Lloyd's fixed point: each centre is the mean of the class records
        # nearest to it.
        nearest = np.linalg.norm(members[:, None] - centres[None], axis=2).argmin(1)
        means = np.stack([members[nearest == k].mean(0) for k in range(4)])
        np.testing.assert_allclose(centres, means, atol=1e-4)
        # Averages, not records of the data.
        gaps = np.linalg.norm(centres[:, None] - members[None], axis=2).min(axis=1)
        assert gaps.min() > 0.1
    # Tables start from random real records, copied.
    with pytest.warns(UserWarning, match="real records, copied"):
        rows, _ = condenser.fit_resample(X, y)
    assert condenser.init_ == "real"
    gaps = np.abs(rows[:, None] - X[None]).max(axis=2).min(axis=1)
    np.testing.assert_allclose(gaps, 0, atol=1e-6)
    # ... except one record per class: the class mean.
    means, y_means = condenser.set_params(n_per_class=1).fit_resample(X, y)
    assert condenser.init_ == "kmeans"
    np.testing.assert_allclose(
        means, [X[y == label].mean(0) for label in y_means], atol=1e-5
    )


def test_auto_starts_images_as_tables(three_class_table):
    X, y = three_class_table
    images = X.reshape(len(X), 1, 2, 3)
    condenser = GradientMatching(n_per_class=2, n_iter=0, random_state=0)
    with pytest.warns(UserWarning, match="real records, copied"):
        condenser.fit_resample(images, y)
    assert condenser.init_ == "real"
    condenser.set_params(n_per_class=1).fit_resample(images, y)
    assert condenser.init_ == "kmeans"


def test_k_means_start_of_a_class_no_larger_than_its_budget_warns(two_record_class):
    from sklearn_dc.base import BudgetWarning, RealRecordsWarning

    X, y = two_record_class
    condenser = GradientMatching(n_per_class=3, n_iter=0, init="kmeans", random_state=0)
    with (
        pytest.warns(BudgetWarning),
        pytest.warns(RealRecordsWarning, match=r"Classes \[3\].*init='kmeans'"),
    ):
        start, y_start = condenser.fit_resample(X, y)
    # Each of the class's two records is its own centre.
    np.testing.assert_allclose(
        np.sort(start[y_start == 3], axis=0), np.sort(X[-2:], axis=0), rtol=1e-5
    )


def test_data_card_says_a_k_means_start_of_a_whole_class_is_real(two_record_class):
    from sklearn_dc.io import make_data_card

    X, y = two_record_class
    condenser = GradientMatching(n_per_class=3, n_iter=2, init="kmeans", random_state=0)
    with pytest.warns(UserWarning):
        condenser.fit_resample(X, y)
    card = make_data_card(condenser, X, y)
    assert card["real_records"].startswith("close, classes [3]")
    with pytest.warns(UserWarning):
        condenser.set_params(n_iter=0).fit_resample(X, y)
    assert make_data_card(condenser, X, y)["real_records"].startswith(
        "yes, classes [3]"
    )
    # Classes larger than their budget start from averages: nothing to flag.
    condenser.set_params(n_per_class=1).fit_resample(X, y)
    assert make_data_card(condenser, X, y)["real_records"].startswith("no:")
    # KMeansCentroids at a class's size returns the class's records.
    prototypes = KMeansCentroids(n_per_class=3, random_state=0)
    with pytest.warns(UserWarning):
        prototypes.fit_resample(X, y)
    assert make_data_card(prototypes, X, y)["real_records"].startswith(
        "yes, classes [3]"
    )


def test_dm_auto_starts_series_from_k_means_and_tables_from_real_records(
    three_class_table,
):
    from sklearn_dc import DistributionMatching

    X, y = three_class_table  # classes of 150 / 89 / 61 records
    # The table's records as series of 2 channels (bounds=None: the
    # structure projection needs no say in where the start is).
    series = X.reshape(len(X), 2, -1)
    condenser = DistributionMatching(
        n_per_class=2, n_iter=0, bounds=None, random_state=0
    )
    start, y_start = condenser.fit_resample(series, y)
    # At least 20 records per synthetic record in every class (30 here).
    assert condenser.init_ == "kmeans"
    flat = start.reshape(len(start), -1)
    for label in range(3):
        members, centres = X[y == label], flat[y_start == label]
        nearest = np.linalg.norm(members[:, None] - centres[None], axis=2).argmin(1)
        means = np.stack([members[nearest == k].mean(0) for k in range(2)])
        np.testing.assert_allclose(centres, means, atol=1e-4)
    # 15.25 records per synthetic record in the smallest class: real records.
    with pytest.warns(UserWarning, match="real records, copied"):
        rows, _ = condenser.set_params(n_per_class=4).fit_resample(series, y)
    assert condenser.init_ == "real"
    rows = rows.reshape(len(rows), -1)
    gaps = np.abs(rows[:, None] - X[None]).max(axis=2).min(axis=1)
    np.testing.assert_allclose(gaps, 0, atol=1e-6)
    # Tables: real records at any budget.
    with pytest.warns(UserWarning, match="real records, copied"):
        condenser.set_params(n_per_class=2).fit_resample(X, y)
    assert condenser.init_ == "real"


def test_data_card_reads_the_start_dm_auto_took(three_class_table):
    from sklearn_dc import DistributionMatching
    from sklearn_dc.io import make_data_card

    X, y = three_class_table
    condenser = DistributionMatching(n_per_class=3, n_iter=0, random_state=0)
    with pytest.warns(UserWarning):
        condenser.fit_resample(X, y)
    # init="auto" took random real records for the table.
    assert make_data_card(condenser, X, y)["real_records"].startswith(
        "yes: n_iter=0 with init='real'"
    )
