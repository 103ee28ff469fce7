import pytest

from sklearn_dc.datasets import load_support2


@pytest.mark.shared_data
def test_loads_the_documented_counts(shared_data):
    support = load_support2(shared_data / "support2")
    assert support.data.shape == (9105, 31)
    assert round(support.target.mean(), 3) == 0.468
    leaking = {"num_surv2m", "num_surv6m", "fac_sfdm2", "event", "time", "pid"}
    assert not leaking & set(support.data.columns)
    assert set(support.categorical_features) == {
        "fac_sex",
        "fac_dzgroup",
        "fac_dzclass",
        "fac_race",
        "fac_ca",
        "fac_dnr",
        "fac_income",
    }
    assert len(support.numeric_features) + len(support.categorical_features) == 31
    assert 0.05 < support.data[support.numeric_features].isna().mean().mean() < 0.3
    X, y = load_support2(shared_data / "support2" / "support2.csv", return_X_y=True)
    assert X.shape == (9105, 31) and len(y) == 9105


def test_missing_file_says_what_to_pass(tmp_path):
    with pytest.raises(FileNotFoundError, match="support2.csv"):
        load_support2(tmp_path)


def test_wrong_file_is_explained(tmp_path):
    (tmp_path / "support2.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="lacks the columns"):
        load_support2(tmp_path)
