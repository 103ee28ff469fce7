"""Build the sepsis demo set that ships in ``sklearn_dc/datasets/data/``.

Run from the repository root with the PhysioNet 2019 training set A beside it::

    python tools/make_sepsis_demo.py ../shared/data/physionet2019/training_setA.zip

It draws 2,000 of the 4,820 sepsis48 stays of set A, stratified by label (seed
0), and writes them as a compressed ``.npz`` (about 1.5 MB).
"""

import sys
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from sklearn_dc.datasets import load_physionet2019

N_STAYS = 2000
ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "sklearn_dc" / "datasets" / "data" / "sepsis48_demo.npz"


def main(path):
    sepsis = load_physionet2019(path)
    keep, _ = train_test_split(
        np.arange(len(sepsis.target)),
        train_size=N_STAYS,
        stratify=sepsis.target,
        random_state=0,
    )
    keep = np.sort(keep)
    np.savez_compressed(
        OUTPUT,
        data=sepsis.data[keep],
        target=sepsis.target[keep],
        stay_ids=sepsis.stay_ids[keep].astype(str),
        feature_names=np.asarray(sepsis.feature_names),
    )
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main(sys.argv[1])
