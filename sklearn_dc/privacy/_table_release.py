"""Differentially private release of what a table encoder needs.

Every column's values are counted in a histogram whose bins do not depend on
the data, and one Gaussian mechanism releases all the histograms at once. The
encoder's statistics (ranges, centres, scales, category levels, the class
list) are then computed from the noisy counts only: post-processing, free of
further privacy cost.

- Numeric columns: bins on a fixed symmetric logarithmic grid (two per
  octave, from 2**-20 to 2**40 in magnitude, a bin for zero and one for
  missing values), public whatever the data.
- Text columns: the observed levels, released only when their noisy count
  clears a threshold set so that a level held by a single record is released
  with probability at most ``delta_selection`` (partition selection).

Adding or removing one record changes one count of every column's histogram
by one, so the L2 sensitivity of all histograms together is ``sqrt(d)`` for
``d`` columns.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import norm

from ._accounting import (
    add_remove_budget,
    calibrate,
    guarantee_under,
    secret_numpy_generator,
    spent_epsilon,
)

# The public grid of numeric bins: edges at +-2**(k / 2), k in [-40, 80].
_GRID_EXPONENTS = np.arange(-40, 81) / 2
_EDGES = 2.0**_GRID_EXPONENTS
_N_SIDE = len(_EDGES) - 1  # bins on each side of zero
# Chance that pure noise clears the threshold in at least one bin of a column.
_FALSE_BIN_RATE = 0.01

MECHANISM = (
    "Gaussian mechanism on per-column histograms (numeric values on a fixed "
    "logarithmic grid, two bins per octave; text levels with partition selection)"
)


def _numeric_bins(values: np.ndarray) -> np.ndarray:
    """Bin of each value: 0 .. 2 * _N_SIDE (zero in the middle), -1 if missing."""
    bins = np.full(len(values), -1, dtype=np.int64)
    observed = ~np.isnan(values)
    magnitude = np.abs(values[observed])
    with np.errstate(divide="ignore"):
        step = np.floor(2 * np.log2(magnitude)) - 2 * _GRID_EXPONENTS[0]
    step = np.clip(step, 0, _N_SIDE - 1).astype(np.int64)
    side = np.sign(values[observed]).astype(np.int64)
    position = np.where(magnitude < _EDGES[0], 0, side * (step + 1))
    bins[observed] = position + _N_SIDE
    return bins


def _bin_edges():
    """``(low, high)`` of every numeric bin, in bin order."""
    positive = np.column_stack([_EDGES[:-1], _EDGES[1:]])
    negative = -positive[::-1, ::-1]
    return np.vstack([negative, [[0.0, 0.0]], positive])


def _numeric_statistics(counts, threshold, integer):
    """Range, centre and scale of a column from its noisy bin counts.

    Bins whose noisy count does not clear ``threshold`` are taken as empty
    (their counts are mostly noise), and so are kept bins cut off from the
    fullest one by two empty bins or more; the range spans the rest and one
    bin on each side, and the quantiles are read off the kept counts,
    interpolating linearly inside a bin.
    None when no bin is kept.
    """
    above = counts > threshold
    if not above.any():
        return None
    # The run of kept bins around the fullest one, bridging single-bin gaps:
    # an isolated bin far from the bulk is most likely noise.
    first = last = int(np.argmax(np.where(above, counts, -np.inf)))
    while first > 0 and (above[first - 1] or (first > 1 and above[first - 2])):
        first -= 1 if above[first - 1] else 2
    while last < len(above) - 1 and (
        above[last + 1] or (last < len(above) - 2 and above[last + 2])
    ):
        last += 1 if above[last + 1] else 2
    edges = _bin_edges()
    # One more bin on each side: the bins next to the run hold the tails,
    # whose counts fall under the threshold; clipping them away would cut
    # the extreme values learners use most.
    # Not across zero: a run ending at the zero bin ends at zero.
    low = float(edges[first - 1 if 0 < first != _N_SIDE else first, 0])
    high = float(edges[last + 1 if last < 2 * _N_SIDE and last != _N_SIDE else last, 1])
    inside = np.zeros_like(above)
    inside[first : last + 1] = True
    mass = np.where(above & inside, counts, 0.0)
    cumulative = np.cumsum(mass)

    def quantile(q):
        target = q * cumulative[-1]
        b = int(np.searchsorted(cumulative, target))
        before = cumulative[b - 1] if b else 0.0
        share = (target - before) / mass[b]
        return float(edges[b, 0] + share * (edges[b, 1] - edges[b, 0]))

    centre = quantile(0.5)
    # The interquartile range of a normal distribution is 1.349 standard
    # deviations; a quarter of the range when the quartiles share a value.
    scale = (quantile(0.75) - quantile(0.25)) / 1.349
    if not scale > 0:
        scale = (high - low) / 4
    if not scale > 0:
        scale = max(abs(low), 1.0)
    if integer:
        low = float(math.ceil(low))
        high = max(float(math.floor(high)), low)
    return {"range": [low, high], "centre": centre, "scale": scale}


def release_table_statistics(
    frame: pd.DataFrame,
    numeric: dict,
    text: list,
    *,
    epsilon: float,
    delta: float,
    relation: str,
) -> tuple[dict, dict]:
    """Release, under differential privacy, what encoding ``frame`` needs.

    Parameters
    ----------
    frame : DataFrame
        The private columns to describe: numeric columns as floats (NaN for
        missing), text columns as objects.
    numeric : dict
        ``{column: is_integer}`` for the numeric columns to release.
    text : list
        The text (categorical) columns whose levels are released.
    epsilon, delta : float
        The budget of this release under ``relation``.
    relation : {"add/remove", "replace-one"}
        The neighbouring relation the budget is stated for.

    Returns
    -------
    statistics : dict
        ``{column: {"range", "centre", "scale", "missing"}}`` for numeric
        columns and ``{column: {"categories", "missing"}}`` for text ones; a
        column with nothing released (no bin or level clears the noise) is
        absent.
    accounting : dict
        ``epsilon`` and ``delta`` spent (under ``relation``), the noise
        standard deviation of each count, the thresholds, and the mechanism.
    """
    columns = list(numeric) + list(text)
    n_columns = len(columns)
    epsilon_ar, delta_ar = add_remove_budget(epsilon, delta, relation)
    # Partition selection spends part of delta: the chance that a level held
    # by the one record that differs is released at all.
    delta_selection = delta_ar / 2 if text else 0.0
    delta_gauss = delta_ar - delta_selection
    multiplier = calibrate(float(epsilon_ar), float(delta_gauss), 1.0, 1)
    sigma = multiplier * math.sqrt(n_columns)
    rng = secret_numpy_generator()

    statistics = {}
    bin_threshold = sigma * norm.isf(_FALSE_BIN_RATE / (2 * _N_SIDE + 1))
    for column, integer in numeric.items():
        bins = _numeric_bins(frame[column].to_numpy(dtype=np.float64))
        counts = np.bincount(bins + 1, minlength=2 * _N_SIDE + 2).astype(float)
        counts += sigma * rng.standard_normal(len(counts))
        found = _numeric_statistics(counts[1:], bin_threshold, integer)
        if found is not None:
            found["missing"] = bool(counts[0] > bin_threshold)
            statistics[column] = found
    level_threshold = 1.0
    if text:
        level_threshold += sigma * norm.isf(delta_selection / len(text))
    for column in text:
        values = frame[column]
        observed = values.dropna().value_counts(sort=False)
        noisy = observed.to_numpy(float) + sigma * rng.standard_normal(len(observed))
        levels = _sorted(observed.index[noisy > level_threshold].tolist())
        # Missing values are a level every column can have: a public bin.
        missing = values.isna().sum() + sigma * rng.standard_normal()
        if levels:
            statistics[column] = {
                "categories": levels,
                "missing": bool(missing > bin_threshold),
            }
    spent = spent_epsilon(multiplier, 1.0, 1, delta_gauss)
    epsilon_spent, delta_spent = guarantee_under(
        spent, delta_gauss + delta_selection, relation
    )
    accounting = {
        "mechanism": MECHANISM,
        "epsilon": epsilon_spent,
        "delta": delta_spent,
        "neighbouring": relation,
        "noise_std": sigma,
        "bin_threshold": bin_threshold,
        "level_threshold": level_threshold if text else None,
    }
    return statistics, accounting


def _sorted(levels):
    """Levels in order (as text when their types cannot be compared)."""
    try:
        return sorted(levels)
    except TypeError:
        return sorted(levels, key=str)
