"""A series data set of the shape of the UCR archive's ECG5000, written as UCR files.

The speed targets of ``docs/speed.md`` name a small public benchmark in the
UCR format: 500 training series of 1 channel x 140 points in five unbalanced
classes (292 / 177 / 19 / 10 / 2). That file cannot be downloaded here, so
this module generates heartbeats of that shape: each class is a beat
morphology (sums of Gaussian P, Q, R, S and T waves), each beat is shifted,
stretched and scaled at random, with baseline wander and noise, and
z-normalised as the UCR archive's series are. It is *not* ECG5000: it has its
shape, class sizes and format, so it times the condensers as that file would;
its accuracies are its own.

:func:`write_ucr_shaped` writes ``<name>_TRAIN.tsv`` and ``<name>_TEST.tsv``
(label first, then the values, tab-separated) and the benchmarks read them
back with :func:`sklearn_dc.datasets.load_ucr`, as a user would.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

TRAIN_SIZES = (292, 177, 19, 10, 2)
TEST_SIZES = (584, 354, 38, 20, 4)
LENGTH = 140

# (centre, width, height) of the waves of each class's beat, centres in [0, 1].
_MORPHOLOGIES = [
    [(0.20, 0.03, 0.15), (0.33, 0.01, -0.1), (0.36, 0.012, 1.0), (0.39, 0.01, -0.25),
     (0.62, 0.05, 0.3)],  # normal
    [(0.30, 0.030, 0.9), (0.36, 0.035, -0.6), (0.60, 0.06, -0.3)],  # wide complex
    [(0.15, 0.03, 0.25), (0.36, 0.012, 1.0), (0.39, 0.01, -0.2), (0.55, 0.05, 0.45)],
    [(0.36, 0.012, 0.7), (0.40, 0.02, -0.5), (0.70, 0.05, 0.5)],
    [(0.25, 0.02, 0.5), (0.36, 0.015, 0.8), (0.50, 0.04, -0.4), (0.75, 0.04, 0.3)],
]  # fmt: skip


def make_beats(sizes, seed):
    """``(X, y)``: ``sizes[c]`` beats of class ``c``, shape ``(n, 140)``."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, LENGTH)
    X, y = [], []
    for label, (size, waves) in enumerate(zip(sizes, _MORPHOLOGIES, strict=True)):
        for _ in range(size):
            shift, stretch = rng.normal(0, 0.03), rng.normal(1, 0.08)
            beat = np.zeros(LENGTH)
            for centre, width, height in waves:
                centre = 0.36 + (centre - 0.36) * stretch + shift
                height *= rng.normal(1, 0.15)
                beat += height * np.exp(-0.5 * ((t - centre) / (width * stretch)) ** 2)
            beat += rng.normal(0, 0.05) * np.sin(2 * np.pi * (t * rng.uniform(0.5, 2)))
            beat += rng.normal(0, 0.03, LENGTH)
            X.append((beat - beat.mean()) / beat.std())
            y.append(label + 1)  # UCR labels start at 1
    order = rng.permutation(len(y))
    return np.asarray(X)[order], np.asarray(y)[order]


def write_ucr_shaped(folder, name="ECG5000Shaped", seed=0):
    """Write the training and test files; return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for part, sizes, offset in (("TRAIN", TRAIN_SIZES, 0), ("TEST", TEST_SIZES, 1)):
        X, y = make_beats(sizes, seed + offset)
        path = folder / f"{name}_{part}.tsv"
        np.savetxt(path, np.column_stack([y, X]), delimiter="\t", fmt="%.6g")
        paths.append(path)
    return tuple(paths)
