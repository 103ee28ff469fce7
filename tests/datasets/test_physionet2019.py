import zipfile

import numpy as np
import pandas as pd
import pytest

from sklearn_dc.datasets import load_physionet2019
from sklearn_dc.datasets._physionet2019 import FEATURES

COLUMNS = [*FEATURES, "SepsisLabel"]


def write_stay(folder, stay, n_hours, sepsis_from=None, hr_offset=0.0):
    """A .psv file with HR = hour + offset, Age = 60, other values missing."""
    frame = pd.DataFrame(np.nan, index=range(n_hours), columns=COLUMNS)
    frame["HR"] = np.arange(n_hours) + hr_offset
    frame["Age"] = 60.0
    frame["ICULOS"] = np.arange(1, n_hours + 1)
    frame["SepsisLabel"] = 0
    if sepsis_from is not None:
        frame.loc[sepsis_from:, "SepsisLabel"] = 1
    path = folder / f"{stay}.psv"
    frame.to_csv(path, sep="|", index=False, na_rep="NaN")
    return path


@pytest.fixture
def release(tmp_path):
    folder = tmp_path / "training"
    folder.mkdir()
    write_stay(folder, "p000001", 60)  # kept, negative
    write_stay(folder, "p000002", 70, sepsis_from=55, hr_offset=100)  # kept, positive
    write_stay(folder, "p000003", 60, sepsis_from=30)  # sepsis within 48 h: dropped
    write_stay(folder, "p000004", 20)  # too short: dropped
    write_stay(folder, "p000005", 48, hr_offset=7)  # exactly 48 h: kept, negative
    return folder


def test_builds_the_sepsis48_task_from_a_folder(release):
    sepsis = load_physionet2019(release)
    assert sepsis.data.shape == (3, 40, 48) and sepsis.data.dtype == np.float32
    assert sepsis.stay_ids.tolist() == ["p000001", "p000002", "p000005"]
    assert sepsis.target.tolist() == [0, 1, 0] and sepsis.target.dtype == np.int64
    heart_rate = sepsis.data[:, FEATURES.index("HR")]
    np.testing.assert_array_equal(heart_rate[1], np.arange(48) + 100)
    np.testing.assert_array_equal(heart_rate[2], np.arange(48) + 7)
    assert (sepsis.data[:, FEATURES.index("Age")] == 60).all()
    assert np.isnan(sepsis.data[:, FEATURES.index("Lactate")]).all()
    assert sepsis.feature_names == FEATURES and "sepsis48" in sepsis.DESCR


def test_reads_a_zip_and_a_shorter_window(release, tmp_path):
    archive = tmp_path / "training_setX.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(release.iterdir()):
            zf.write(path, f"training/{path.name}")
    X, y = load_physionet2019(archive, hours=24, return_X_y=True)
    # At 24 h, p000003 (sepsis from hour 30) is kept and positive;
    # p000004 is still too short.
    assert X.shape == (4, 40, 24) and y.tolist() == [0, 1, 1, 0]


def test_bad_files_are_named(release, tmp_path):
    bad = release / "p000009.psv"
    bad.write_text("|".join(COLUMNS) + "\n" + "|".join(["1"] * 30) + "\n")
    with pytest.raises(ValueError, match=r"p000009.psv has a row with 30 fields"):
        load_physionet2019(release)
    bad.write_text("HR|Temp\n1|2\n")
    with pytest.raises(ValueError, match=r"p000009.psv does not have the challenge"):
        load_physionet2019(release)


def test_missing_and_empty_inputs_are_explained(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_physionet2019(tmp_path / "nowhere.zip")
    with pytest.raises(ValueError, match="No .psv files"):
        load_physionet2019(tmp_path)
    empty_zip = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty_zip, "w") as zf:
        zf.writestr("readme.txt", "nothing here")
    with pytest.raises(ValueError, match="No .psv files"):
        load_physionet2019(empty_zip)
    text = tmp_path / "notes.txt"
    text.write_text("x")
    with pytest.raises(ValueError, match="neither a folder nor a zip"):
        load_physionet2019(text)
    with pytest.raises(ValueError, match="None of the 1 stays"):
        folder = tmp_path / "short"
        folder.mkdir()
        write_stay(folder, "p1", 10)
        load_physionet2019(folder)


@pytest.mark.shared_data
def test_set_a_gives_the_documented_counts(shared_data):
    path = shared_data / "physionet2019" / "training_setA.zip"
    sepsis = load_physionet2019(path)
    assert sepsis.data.shape == (4820, 40, 48)
    assert round(sepsis.target.mean(), 3) == 0.136
    # The first stay, read directly, matches its slice of the array.
    with zipfile.ZipFile(path) as archive:
        raw = pd.read_csv(archive.open("training/p000001.psv"), sep="|")
    index = sepsis.stay_ids.tolist().index("p000001")
    np.testing.assert_array_equal(
        sepsis.data[index], raw[FEATURES].to_numpy(np.float32)[:48].T
    )
    assert sepsis.target[index] == int(raw["SepsisLabel"].iloc[48:].max())
