"""load_mimic3_ihm on small files written in the MIMIC-III benchmark's format."""

import warnings

import numpy as np
import pytest

from sklearn_dc.datasets._mimic3 import FEATURES, load_mimic3_ihm

HEADER = (
    "Hours,Capillary refill rate,Diastolic blood pressure,Fraction inspired oxygen,"
    "Glascow coma scale eye opening,Glascow coma scale motor response,"
    "Glascow coma scale total,Glascow coma scale verbal response,Glucose,"
    "Heart Rate,Height,Mean blood pressure,Oxygen saturation,Respiratory rate,"
    "Systolic blood pressure,Temperature,Weight,pH"
)
CH = {
    "crr": 0,
    "dbp": 1,
    "fio2": 2,
    "eye": 3,
    "motor": 4,
    "total": 5,
    "verbal": 6,
    "glucose": 7,
    "hr": 8,
    "height": 9,
    "mbp": 10,
    "spo2": 11,
    "rr": 12,
    "sbp": 13,
    "temp": 14,
    "weight": 15,
    "ph": 16,
}


def row(hours, **values):
    """One CSV line: ``hours`` then the 17 variables, empty where not given."""
    cells = [""] * 17
    for key, value in values.items():
        cells[CH[key]] = str(value)
    return ",".join([str(hours), *cells])


STAYS = {
    "10011_episode1_timeseries.csv": [
        row(0.0883, hr=80, eye="4 Spontaneously", motor="6 Obeys Commands"),
        row(0.5, hr=84, verbal="5 Oriented", total=15),
        row(0.75, hr=86),  # the last heart rate of hour 0
        row(1.0, sbp=120, dbp=70, mbp=87, crr=1.0),
        row(47.5, hr=91, temp=37.2),
        row(48.0, hr=99, temp=39.0),  # beyond the window
    ],
    "10026_episode1_timeseries.csv": [
        row(-0.5, hr=150),  # before admission: ignored
        row(2.25, eye="To Speech", motor="Localizes Pain", verbal="Confused"),
        row(3.5, eye="to pain", motor="Abnormal extension", verbal="No Response-ETT"),
        row(4.0, eye="None", motor="2 Abnorm extensn", verbal="1.0 ET/Trach"),
        row(5.0, glucose=140, weight=81.4, height=170, fio2=0.5, spo2=97, rr=18),
    ],
    "10030_episode2_timeseries.csv": [
        row(10.2, hr=70, crr=0.0),
        row(10.9, hr=72),
        row(10.9, hr=73),  # same time: the later row wins
        row(23.99, total=7),
    ],
    "10033_episode1_timeseries.csv": [],  # a header and nothing else
}
# The listfile's order is not sorted: the loader keeps it.
LISTFILE = [
    ("10030_episode2_timeseries.csv", 1),
    ("10011_episode1_timeseries.csv", 0),
    ("10033_episode1_timeseries.csv", 0),
    ("10026_episode1_timeseries.csv", 1),
]
S = {stay: i for i, (stay, _) in enumerate(LISTFILE)}


def write_split(root, split="train", stays=STAYS, listfile=LISTFILE):
    folder = root / split
    folder.mkdir(parents=True)
    for name, rows in stays.items():
        (folder / name).write_text("\n".join([HEADER, *rows]) + "\n")
    lines = ["stay,y_true", *(f"{stay},{y}" for stay, y in listfile)]
    (folder / "listfile.csv").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture
def benchmark(tmp_path):
    write_split(tmp_path)
    return tmp_path


def test_header_matches_the_channels():
    assert HEADER.split(",")[1:] == FEATURES and len(FEATURES) == 17


def test_bunch_shapes_dtypes_ids_and_targets(benchmark):
    ihm = load_mimic3_ihm(benchmark)
    assert set(ihm) == {"data", "target", "feature_names", "stay_ids", "DESCR"}
    assert ihm.data.shape == (4, 17, 48) and ihm.data.dtype == np.float32
    assert ihm.target.dtype == np.int64
    np.testing.assert_array_equal(ihm.target, [1, 0, 0, 1])
    assert list(ihm.stay_ids) == [stay for stay, _ in LISTFILE]
    assert ihm.feature_names == HEADER.split(",")[1:]
    assert "in-hospital mortality" in ihm.DESCR and "(n_stays, 17, 48)" in ihm.DESCR


def test_exact_cells(benchmark):
    X = load_mimic3_ihm(benchmark).data
    a = S["10011_episode1_timeseries.csv"]
    assert X[a, CH["hr"], 0] == 86  # three in hour 0: the last one
    assert X[a, CH["hr"], 47] == 91  # 47.5 kept
    assert X[a, CH["temp"], 47] == pytest.approx(37.2)  # 48.0 dropped
    assert np.isnan(X[a, CH["hr"], 1:47]).all()
    assert X[a, CH["eye"], 0] == 4 and X[a, CH["motor"], 0] == 6
    assert X[a, CH["verbal"], 0] == 5 and X[a, CH["total"], 0] == 15
    assert (X[a, CH["sbp"], 1], X[a, CH["dbp"], 1], X[a, CH["mbp"], 1]) == (120, 70, 87)
    assert X[a, CH["crr"], 1] == 1
    assert np.count_nonzero(~np.isnan(X[a])) == 11

    b = S["10026_episode1_timeseries.csv"]
    assert np.isnan(X[b, CH["hr"]]).all()  # negative hours are ignored
    np.testing.assert_array_equal(X[b, CH["eye"], 2:5], [3, 2, 1])
    np.testing.assert_array_equal(X[b, CH["motor"], 2:5], [5, 2, 2])
    np.testing.assert_array_equal(X[b, CH["verbal"], 2:5], [4, 1, 1])
    assert X[b, CH["glucose"], 5] == 140 and X[b, CH["height"], 5] == 170
    assert X[b, CH["weight"], 5] == pytest.approx(81.4)
    assert X[b, CH["fio2"], 5] == pytest.approx(0.5)
    assert (X[b, CH["spo2"], 5], X[b, CH["rr"], 5]) == (97, 18)
    assert np.count_nonzero(~np.isnan(X[b])) == 15

    c = S["10030_episode2_timeseries.csv"]
    assert X[c, CH["hr"], 10] == 73 and X[c, CH["crr"], 10] == 0
    assert X[c, CH["total"], 23] == 7
    assert np.count_nonzero(~np.isnan(X[c])) == 3

    assert np.isnan(X[S["10033_episode1_timeseries.csv"]]).all()
    assert np.isnan(X[:, CH["ph"]]).all()  # never measured


def test_return_X_y_hours_and_split(tmp_path):
    write_split(tmp_path)
    write_split(tmp_path, "test", {"20001_episode1_timeseries.csv": [row(0, ph=7.4)]})
    (tmp_path / "test" / "listfile.csv").write_text(
        "stay,y_true\n20001_episode1_timeseries.csv,1\n"
    )
    X, y = load_mimic3_ihm(tmp_path, return_X_y=True)
    assert X.shape == (4, 17, 48) and X.dtype == np.float32
    np.testing.assert_array_equal(y, [1, 0, 0, 1])
    short = load_mimic3_ihm(tmp_path, hours=24)
    assert short.data.shape == (4, 17, 24)
    np.testing.assert_array_equal(short.data, X[:, :, :24])
    test = load_mimic3_ihm(tmp_path, split="test")
    assert test.data.shape == (1, 17, 48)
    assert test.data[0, CH["ph"], 0] == pytest.approx(7.4)
    assert list(test.stay_ids) == ["20001_episode1_timeseries.csv"]
    np.testing.assert_array_equal(test.target, [1])


def test_unknown_text_warns_once_and_is_nan(tmp_path):
    stays = {
        "1_episode1_timeseries.csv": [
            row(0, eye="Blinks", motor="Obeys Commands", hr=80),
            row(1, verbal="Grunts", crr="Brisk", hr="eighty"),
            row(2, eye="Blinks", verbal="Oriented"),
        ]
    }
    write_split(tmp_path, stays=stays, listfile=[("1_episode1_timeseries.csv", 0)])
    with pytest.warns(UserWarning, match="not understood") as record:
        X = load_mimic3_ihm(tmp_path).data
    assert len(record) == 1
    message = str(record[0].message)
    for text in ("Blinks", "Grunts", "Brisk", "eighty"):
        assert text in message
    assert np.isnan(X[0, CH["eye"]]).all()
    assert X[0, CH["motor"], 0] == 6 and X[0, CH["hr"], 0] == 80
    assert np.isnan(X[0, CH["hr"], 1]) and np.isnan(X[0, CH["crr"], 1])
    assert np.isnan(X[0, CH["verbal"], 1]) and X[0, CH["verbal"], 2] == 5


def test_known_text_does_not_warn(benchmark):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_mimic3_ihm(benchmark)


def test_bad_split(benchmark):
    with pytest.raises(ValueError, match=r"split must be one of \['train', 'test'\]"):
        load_mimic3_ihm(benchmark, split="val")


def test_missing_folder_and_listfile(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"folder .*test not found"):
        load_mimic3_ihm(tmp_path, split="test")
    folder = write_split(tmp_path)
    (folder / "listfile.csv").unlink()
    with pytest.raises(FileNotFoundError, match=r"listfile\.csv not found"):
        load_mimic3_ihm(tmp_path)


def test_listed_file_that_does_not_exist(benchmark):
    (benchmark / "train" / "10026_episode1_timeseries.csv").unlink()
    with pytest.raises(FileNotFoundError, match=r"10026_episode1_timeseries\.csv is"):
        load_mimic3_ihm(benchmark)


def test_unknown_columns_name_the_file(benchmark):
    bad = benchmark / "train" / "10030_episode2_timeseries.csv"
    bad.write_text("Hours,Heart Rate,Lactate\n0.5,80,2.1\n")
    with pytest.raises(
        ValueError, match=r"10030_episode2.*unknown columns \['Lactate'"
    ):
        load_mimic3_ihm(benchmark)
    bad.write_text("Time,Heart Rate\n0.5,80\n")
    with pytest.raises(ValueError, match=r"10030_episode2.*no 'Hours' column"):
        load_mimic3_ihm(benchmark)


def test_subset_of_columns_is_accepted(benchmark):
    # A file with fewer variables (in another order) reads its own columns.
    other = benchmark / "train" / "10030_episode2_timeseries.csv"
    other.write_text("Heart Rate,Hours,Glascow coma scale total\n80,0.5,9\n")
    X = load_mimic3_ihm(benchmark).data
    c = S["10030_episode2_timeseries.csv"]
    assert X[c, CH["hr"], 0] == 80 and X[c, CH["total"], 0] == 9
    assert np.count_nonzero(~np.isnan(X[c])) == 2
    assert X[S["10011_episode1_timeseries.csv"], CH["hr"], 0] == 86


def test_bad_listfile(benchmark):
    listfile = benchmark / "train" / "listfile.csv"
    listfile.write_text("stay,label\n10011_episode1_timeseries.csv,0\n")
    with pytest.raises(ValueError, match=r"lacks the columns \['y_true'\]"):
        load_mimic3_ihm(benchmark)
    listfile.write_text("stay,y_true\n")
    with pytest.raises(ValueError, match="lists no stays"):
        load_mimic3_ihm(benchmark)


def test_bad_hours_value_names_the_file(benchmark):
    bad = benchmark / "train" / "10011_episode1_timeseries.csv"
    bad.write_text(HEADER + "\n" + row("soon", hr=80) + "\n")
    with pytest.raises(ValueError, match=r"10011_episode1.* has the time 'soon'"):
        load_mimic3_ihm(benchmark)


@pytest.mark.parametrize("hours", [0, 1.5, None])
def test_bad_hours(benchmark, hours):
    with pytest.raises(ValueError, match="hours must be a positive int"):
        load_mimic3_ihm(benchmark, hours=hours)
