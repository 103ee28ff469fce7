"""load_physionet2012 on small files written in the challenge's format."""

import warnings

import numpy as np
import pytest

from sklearn_dc.datasets._physionet2012 import (
    FEATURES,
    STATIC,
    TIME_SERIES,
    load_physionet2012,
)

CH = {name: i for i, name in enumerate(FEATURES)}

# Written out of RecordID order on purpose: the loader sorts by RecordID.
RECORDS = {
    132592: """Time,Parameter,Value
00:00,RecordID,132592
00:00,Age,76
00:00,Gender,1
00:00,Height,175.3
00:00,ICUType,2
00:00,Weight,76
00:20,HR,88
01:00,MechVent,1
23:59,Temp,37.1
24:00,Temp,38.2
""",
    132539: """Time,Parameter,Value
00:00,RecordID,132539
00:00,Age,54
00:00,Gender,0
00:00,Height,-1
00:00,ICUType,4
00:00,Weight,-1
00:07,HR,73
00:37,HR,77
00:37,HR,78
01:15,Weight,80.5
02:50,Glucose,140
02:10,Glucose,120
13:05,GCS,15
47:30,HR,90
48:00,HR,99
52:10,HR,101
""",
    132540: """Time,Parameter,Value
00:00,RecordID,132540
00:00,Age,-1
00:00,Gender,-1
00:00,Height,162.6
00:00,ICUType,3
00:00,Weight,56.7
00:00,pH,7.41
05:00,pH,7.35
05:59,pH,7.30
06:00,Urine,120
""",
}
OUTCOMES = """RecordID,SAPS-I,SOFA,Length_of_stay,Survival,In-hospital_death
132539,6,1,5,-1,0
132540,16,8,8,-1,1
132541,21,11,19,-1,0
132592,17,2,10,9,1
"""


def write_release(root, records=RECORDS, outcomes=OUTCOMES, subset="a"):
    folder = root / f"set-{subset}"
    folder.mkdir(parents=True)
    for record_id, text in records.items():
        (folder / f"{record_id}.txt").write_text(text)
    (root / f"Outcomes-{subset}.txt").write_text(outcomes)
    return folder


@pytest.fixture
def release(tmp_path):
    write_release(tmp_path)
    return tmp_path


def test_bunch_shapes_dtypes_ids_and_targets(release):
    icu = load_physionet2012(release)
    assert set(icu) == {"data", "target", "feature_names", "stay_ids", "DESCR"}
    assert icu.data.shape == (3, 41, 48)
    assert icu.data.dtype == np.float32
    assert icu.data.flags.c_contiguous
    assert icu.target.dtype == np.int64
    np.testing.assert_array_equal(icu.stay_ids, [132539, 132540, 132592])
    np.testing.assert_array_equal(icu.target, [0, 1, 1])
    assert icu.feature_names == TIME_SERIES + STATIC
    assert len(TIME_SERIES) == 37 and len(icu.feature_names) == 41
    assert icu.feature_names[:3] == ["Albumin", "ALP", "ALT"]
    assert icu.feature_names[-5:] == ["Weight", "Age", "Gender", "Height", "ICUType"]
    assert "Predicting Mortality" in icu.DESCR and "(n_stays, 41, 48)" in icu.DESCR


def test_exact_cells(release):
    X = load_physionet2012(release).data
    a, b, c = 0, 1, 2  # 132539, 132540, 132592
    # Three heart rates in hour 0: the last (latest time, then latest row) wins.
    assert X[a, CH["HR"], 0] == 78
    # 47:30 is kept in the last hour; 48:00 and later are dropped.
    assert X[a, CH["HR"], 47] == 90
    assert np.isnan(X[a, CH["HR"], 1:47]).all()
    # Rows out of time order: the latest time wins, not the latest row.
    assert X[a, CH["Glucose"], 2] == 140
    assert X[a, CH["GCS"], 13] == 15
    # Weight -1 at 00:00 is missing; the later weight lands in hour 1.
    assert np.isnan(X[a, CH["Weight"], 0]) and X[a, CH["Weight"], 1] == 80.5
    assert X[c, CH["Weight"], 0] == 76 and np.isnan(X[c, CH["Weight"], 1:]).all()
    # Hour boundaries: 05:59 in hour 5, 23:59 in hour 23, 24:00 in hour 24.
    assert X[b, CH["pH"], 0] == pytest.approx(7.41)
    assert X[b, CH["pH"], 5] == pytest.approx(7.30)
    assert X[c, CH["Temp"], 23] == pytest.approx(37.1)
    assert X[c, CH["Temp"], 24] == pytest.approx(38.2)
    assert X[b, CH["Urine"], 6] == 120 and X[b, CH["Weight"], 0] == pytest.approx(56.7)
    assert X[c, CH["MechVent"], 1] == 1 and X[c, CH["HR"], 0] == 88
    # Each record holds exactly the values written (descriptors aside).
    series = X[:, : len(TIME_SERIES)]
    assert np.count_nonzero(~np.isnan(series), axis=(1, 2)).tolist() == [5, 4, 5]
    # Never-measured variables are NaN everywhere.
    assert np.isnan(X[:, CH["Cholesterol"]]).all()
    assert np.isnan(X[:, CH["TroponinT"]]).all()


def test_static_descriptors_are_constant_channels(release):
    X = load_physionet2012(release).data
    static = X[:, len(TIME_SERIES) :, :]
    np.testing.assert_array_equal(static, static[:, :, :1].repeat(48, axis=2))
    np.testing.assert_array_equal(
        static[:, :, 0],
        np.array(
            [
                [54, 0, np.nan, 4],  # Height -1 -> NaN
                [np.nan, np.nan, 162.6, 3],  # Age and Gender -1 -> NaN
                [76, 1, 175.3, 2],
            ],
            dtype=np.float32,
        ),
    )


def test_return_X_y_and_hours(release):
    X, y = load_physionet2012(release, return_X_y=True)
    assert X.shape == (3, 41, 48) and X.dtype == np.float32
    np.testing.assert_array_equal(y, [0, 1, 1])
    short = load_physionet2012(release, hours=24)
    assert short.data.shape == (3, 41, 24)
    np.testing.assert_array_equal(short.data, X[:, :, :24])
    assert np.isnan(short.data[0, CH["HR"], 1:]).all()  # 47:30 is beyond 24 h
    assert short.data[2, CH["Temp"], 23] == pytest.approx(37.1)
    assert "first 24 hours" in short.DESCR


def test_set_folder_and_other_subsets(tmp_path):
    write_release(tmp_path, records={132539: RECORDS[132539]}, subset="a")
    record_b = RECORDS[132540].replace("132540", "142675")
    set_b = write_release(tmp_path, records={142675: record_b}, subset="b")
    (tmp_path / "Outcomes-b.txt").write_text(
        OUTCOMES.splitlines()[0] + "\n142675,10,3,7,-1,1\n"
    )
    via_subset = load_physionet2012(tmp_path, subset="b")
    np.testing.assert_array_equal(via_subset.stay_ids, [142675])
    np.testing.assert_array_equal(via_subset.target, [1])
    via_folder = load_physionet2012(set_b)  # the set is named by the folder
    np.testing.assert_array_equal(via_folder.data, via_subset.data)
    assert via_folder.data[0, CH["pH"], 5] == pytest.approx(7.30)
    np.testing.assert_array_equal(
        load_physionet2012(tmp_path / "set-a").stay_ids, [132539]
    )
    with pytest.raises(ValueError, match="set-b but subset='a'"):
        load_physionet2012(set_b, subset="a")
    with pytest.raises(ValueError, match="subset must be one of"):
        load_physionet2012(tmp_path, subset="d")


def test_missing_folder_and_outcomes(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found at .*nowhere.*set-a/"):
        load_physionet2012(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match=r"set-a not found.*Outcomes-a\.txt"):
        load_physionet2012(tmp_path)
    write_release(tmp_path)
    (tmp_path / "Outcomes-a.txt").unlink()
    with pytest.raises(FileNotFoundError, match=r"Outcomes file not found.*Outcomes-a"):
        load_physionet2012(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"Outcomes-a\.txt"):
        load_physionet2012(tmp_path / "set-a")


def test_empty_set_folder(tmp_path):
    write_release(tmp_path, records={})
    with pytest.raises(ValueError, match=r"set-a holds no \.txt record files"):
        load_physionet2012(tmp_path)


def test_bad_columns_name_the_file(release):
    (release / "set-a" / "140000.txt").write_text("Time,Param,Value\n00:00,HR,80\n")
    with pytest.raises(ValueError, match=r"140000\.txt does not look like"):
        load_physionet2012(release)


def test_bad_time_or_value_name_the_file(tmp_path):
    bad_time = {132539: "Time,Parameter,Value\n0:7,HR,73\n"}
    write_release(tmp_path / "t", records=bad_time)
    with pytest.raises(ValueError, match=r"132539\.txt has the time '0:7'"):
        load_physionet2012(tmp_path / "t")
    bad_value = {**RECORDS, 132540: "Time,Parameter,Value\n00:07,HR,fast\n"}
    write_release(tmp_path / "v", records=bad_value)
    with pytest.raises(ValueError, match=r"Cannot parse .*132540\.txt"):
        load_physionet2012(tmp_path / "v")


def test_file_name_must_be_the_record_id(release):
    (release / "set-a" / "notes.txt").write_text("Time,Parameter,Value\n")
    with pytest.raises(ValueError, match=r"notes\.txt is not a record file"):
        load_physionet2012(release)
    (release / "set-a" / "notes.txt").unlink()
    (release / "set-a" / "132541.txt").write_text(RECORDS[132540])
    with pytest.raises(ValueError, match=r"132541\.txt holds RecordID 132540"):
        load_physionet2012(release)


def test_unknown_parameters_warn_once_and_are_ignored(release):
    extra = RECORDS[132540] + "01:00,Spo2,97\n02:00,Spo2,95\n03:00,BMI,22\n"
    (release / "set-a" / "132540.txt").write_text(extra)
    with pytest.warns(UserWarning, match=r"\['BMI', 'Spo2'\]") as record:
        icu = load_physionet2012(release)
    assert len(record) == 1
    (release / "set-a" / "132540.txt").write_text(RECORDS[132540])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expected = load_physionet2012(release).data
    np.testing.assert_array_equal(icu.data, expected)


def test_records_without_outcome_are_named(release):
    (release / "set-a" / "150001.txt").write_text("Time,Parameter,Value\n")
    (release / "set-a" / "150002.txt").write_text("Time,Parameter,Value\n")
    with pytest.raises(ValueError, match=r"2 record\(s\).*RecordID 150001, 150002"):
        load_physionet2012(release)


def test_outcomes_without_the_columns(release):
    (release / "Outcomes-a.txt").write_text("RecordID,Survival\n132539,-1\n")
    with pytest.raises(ValueError, match=r"lacks the columns \['In-hospital_death'\]"):
        load_physionet2012(release)


def test_header_only_record_is_all_nan(release):
    (release / "set-a" / "132541.txt").write_text("Time,Parameter,Value\n")
    icu = load_physionet2012(release)
    np.testing.assert_array_equal(icu.stay_ids, [132539, 132540, 132541, 132592])
    assert np.isnan(icu.data[2]).all()
    assert icu.target[2] == 0


@pytest.mark.parametrize("hours", [0, -3, 2.5, True, "48"])
def test_bad_hours(release, hours):
    with pytest.raises(ValueError, match="hours must be a positive int"):
        load_physionet2012(release, hours=hours)
