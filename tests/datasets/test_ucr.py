"""load_ucr reads the UCR archive's text formats."""

import numpy as np
import pytest

from sklearn_dc.datasets import load_ucr


@pytest.mark.parametrize("delimiter", ["\t", ",", " "])
def test_reads_labels_then_values_in_every_delimiter(tmp_path, delimiter):
    rows = [[1, 0.5, -1.0, 2.0, 0.25], [3, 1.5, 0.0, -2.0, 0.75], [1, 0, 0, 0, 1]]
    path = tmp_path / "Toy_TRAIN.tsv"
    np.savetxt(path, rows, delimiter=delimiter, fmt="%g")
    X, y = load_ucr(path)
    assert X.shape == (3, 1, 4) and X.dtype == np.float32
    np.testing.assert_array_equal(X[1, 0], [1.5, 0.0, -2.0, 0.75])
    assert y.tolist() == [1, 3, 1] and y.dtype == np.int64


def test_padding_nan_and_fractional_labels_are_kept(tmp_path):
    path = tmp_path / "Ragged_TEST.tsv"
    path.write_text("0.5\t1\t2\tNaN\n-1.5\t3\t4\t5\n")
    X, y = load_ucr(path, dtype=np.float64)
    assert np.isnan(X[0, 0, 2]) and X.dtype == np.float64
    assert y.tolist() == [0.5, -1.5]


def test_missing_file_and_bad_content_say_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="path of one split"):
        load_ucr(tmp_path / "absent.tsv")
    path = tmp_path / "bad.tsv"
    path.write_text("label\tvalue\n1\tx\n")
    with pytest.raises(ValueError, match="not a UCR-format file"):
        load_ucr(path)
    path.write_text("1\n2\n")
    with pytest.raises(ValueError, match="no values"):
        load_ucr(path)
