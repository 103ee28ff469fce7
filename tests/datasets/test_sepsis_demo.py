import numpy as np

from sklearn_dc.datasets import load_sepsis_demo
from sklearn_dc.datasets._physionet2019 import FEATURES


def test_bundled_demo_has_the_documented_shape_and_prevalence():
    sepsis = load_sepsis_demo()
    assert sepsis.data.shape == (2000, 40, 48) and sepsis.data.dtype == np.float32
    assert sepsis.target.dtype == np.int64 and sepsis.target.sum() == 272
    assert sepsis.feature_names == FEATURES
    assert len(set(sepsis.stay_ids)) == 2000
    # Real ICU data: heart rate mostly measured, lactate mostly missing.
    observed = (~np.isnan(sepsis.data)).mean(axis=(0, 2))
    assert observed[FEATURES.index("HR")] > 0.8
    assert observed[FEATURES.index("Lactate")] < 0.2
    assert "Creative Commons" in sepsis.DESCR
    X, y = load_sepsis_demo(return_X_y=True)
    np.testing.assert_array_equal(X, sepsis.data)
