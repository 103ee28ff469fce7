"""A seeded fit returns the same records in every process."""

import subprocess
import sys
import warnings

import numpy as np
from sklearn.pipeline import make_pipeline

from sklearn_dc.datasets import load_sepsis_demo
from sklearn_dc.preprocessing import ChannelStandardScaler, TimeSeriesImputer

# One fit of DistributionMatching on the stays saved at argv[1]; prints the
# SHA-256 of the records it returns.
FIT = """
import hashlib, sys
import numpy as np
from sklearn_dc import DistributionMatching
data = np.load(sys.argv[1])
condenser = DistributionMatching(
    n_per_class=10, n_iter=20, early_stopping=False, random_state=0
)
records, _ = condenser.fit_resample(data["X"], data["y"])
print(hashlib.sha256(np.ascontiguousarray(records).tobytes()).hexdigest())
"""

N_PROCESSES = 10


def test_seeded_fit_is_the_same_in_every_process(tmp_path):
    # In one process the records never differed; across processes they did.
    # With torch's per-tensor Adam this fit returned records that differed in
    # the last bits (the Adam step on forward-filled stays) in 4 of 20
    # processes, so ten processes agree by chance about one time in nine.
    X, y = load_sepsis_demo(return_X_y=True)
    with warnings.catch_warnings():
        # A channel of the demo is never observed: filled with 0, as it says.
        warnings.filterwarnings("ignore", message="Channels .* no observed value")
        X = make_pipeline(TimeSeriesImputer(), ChannelStandardScaler()).fit_transform(X)
    path = tmp_path / "stays.npz"
    np.savez(path, X=X, y=y)
    outputs = []
    # One after another: processes that share the cores slow each other down
    # many times over (each runs torch's thread pool).
    for _ in range(N_PROCESSES):
        run = subprocess.run(
            [sys.executable, "-c", FIT, str(path)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert run.returncode == 0, run.stderr
        outputs.append(run.stdout.strip())
    assert len(set(outputs)) == 1, (
        f"{len(set(outputs))} different records in {N_PROCESSES} runs"
    )
