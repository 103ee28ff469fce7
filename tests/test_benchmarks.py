"""The prepared GPU check runs on the CPU in its dry-run mode."""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).parents[1]
CONDENSERS = {
    "DistributionMatching",
    "GradientMatching",
    "TrajectoryMatching",
    "KernelInducingPoints",
    "PrivateDistributionMatching",
}


def test_gpu_check_dry_run_writes_a_row_per_condenser(tmp_path):
    output = tmp_path / "gpu_check.csv"
    # The scripts import the package of this checkout, as run from its root.
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    subprocess.run(
        [sys.executable, "benchmarks/gpu_check.py", "--dry-run", "--output", output],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": path},
        check=True,
        capture_output=True,
        timeout=120,
    )
    cells = pd.read_csv(output)
    assert not (cells["status"] == "error").any(), cells.query("status == 'error'")
    ran = cells[cells["status"] == "ok"]
    # Every learned condenser ran on the CPU, eager, on both data sets ...
    for dataset in ("sepsis48", "table"):
        done = ran[ran["dataset"] == dataset]
        assert set(done["condenser"]) == CONDENSERS
        assert (done["device"] == "cpu").all() and (done["mode"] == "eager").all()
        assert done[["condense_s", "ms_per_iter", "score"]].notna().all().all()
    # ... and every GPU or compiled cell is a row that says why it was skipped.
    skipped = cells[cells["status"] == "skipped"]
    assert len(skipped) == len(cells) - len(ran) == 30
    assert skipped["reason"].str.startswith("dry run").all()
