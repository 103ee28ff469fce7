import subprocess
import sys

import pytest

from sklearn_dc.cli import main


def test_demo_prints_the_utility_table(capsys):
    assert (
        main(["demo", "--budgets", "1", "--seeds", "2", "--n-iter", "20", "--quiet"])
        == 0
    )
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
