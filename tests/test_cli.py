import subprocess
import sys

import pytest

from sklearn_dc.cli import main


def test_breast_cancer_demo_prints_the_utility_table(capsys):
    argv = ["demo", "--data", "breast-cancer", "--budgets", "1", "--seeds", "2"]
    assert main([*argv, "--n-iter", "20", "--quiet"]) == 0
    out = capsys.readouterr().out
    for name in [
        "full data",
        "RandomSubset",
        "Herding",
        "KCenterGreedy",
        "KMeansCentroids",
        "DistributionMatching",
        "logistic regression",
        "gradient boosting",
        "compression",
    ]:
        assert name in out


def test_sepsis48_demo_is_the_default(capsys):
    argv = ["demo", "--budgets", "2", "--seeds", "1", "--n-iter", "5"]
    assert main([*argv, "--learners", "logistic regression", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "Sepsis48 demo" in out and "1500 training / 500 test" in out
    for name in ["full data", "DistributionMatching", "logistic regression"]:
        assert name in out


def test_demo_refuses_an_unknown_learner(capsys):
    assert main(["demo", "--learners", "GRU", "--data", "breast-cancer"]) == 2
    assert "unknown learner(s) ['GRU']" in capsys.readouterr().err


def test_module_entry_point_and_help():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_dc", "demo", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--budgets" in result.stdout and "--seeds" in result.stdout


def test_unknown_command_exits_with_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["condense-everything"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
