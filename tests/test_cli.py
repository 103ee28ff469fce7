import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sklearn_dc.cli import main
from sklearn_dc.io import load_condensed


def test_breast_cancer_demo_prints_the_utility_table(capsys):
    argv = ["demo", "--data", "breast-cancer", "--budgets", "1", "--seeds", "2"]
    assert main([*argv, "--n-iter", "20", "--quiet"]) == 0
    out = capsys.readouterr().out
    for name in [
        "full data",
        "RandomSubset",
        "Herding",
        "KCenterGreedy",
        "KMeansCentroids",
        "DistributionMatching",
        "logistic regression",
        "gradient boosting",
        "compression",
    ]:
        assert name in out


def test_sepsis48_demo_is_the_default(capsys):
    argv = ["demo", "--budgets", "2", "--seeds", "1", "--n-iter", "5"]
    assert main([*argv, "--learners", "logistic regression", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "Sepsis48 demo" in out and "1500 training / 500 test" in out
    for name in ["full data", "DistributionMatching", "logistic regression"]:
        assert name in out


def test_demo_refuses_an_unknown_learner(capsys):
    assert main(["demo", "--learners", "GRU", "--data", "breast-cancer"]) == 2
    assert "unknown learner(s) ['GRU']" in capsys.readouterr().err


def test_module_entry_point_and_help():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_dc", "demo", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--budgets" in result.stdout and "--seeds" in result.stdout


def test_unknown_command_exits_with_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["condense-everything"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.fixture
def patients_csv(tmp_path):
    rng = np.random.default_rng(0)
    n = 120
    table = pd.DataFrame(
        {
            "patient_id": np.arange(1000, 1000 + n),
            "age": rng.normal(65, 10, n).round(1),
            "n_drugs": rng.integers(0, 8, n),
            "sex": rng.choice(["female", "male"], n),
            "smoker": rng.integers(0, 2, n),
            "death": rng.choice(["died", "survived"], n),
        }
    )
    table.loc[::7, "age"] = np.nan
    path = tmp_path / "patients.csv"
    table.to_csv(path, index=False)
    return path


def test_condense_writes_records_and_card(patients_csv, tmp_path, capsys):
    before = patients_csv.read_bytes()
    output = tmp_path / "small.csv"
    argv = ["condense", str(patients_csv), "--target", "death", "-o", str(output)]
    assert main([*argv, "--method", "kmeans", "--n-per-class", "4"]) == 0
    captured = capsys.readouterr()
    assert "8 records" in captured.out and "patient_id" in captured.err
    shared = load_condensed(output)
    assert list(shared.data.columns) == ["age", "n_drugs", "sex", "smoker"]
    assert shared.target.value_counts().to_dict() == {"died": 4, "survived": 4}
    assert set(shared.data["sex"].dropna()) <= {"female", "male"}
    assert shared.card["method"]["params"]["condenser"]["class"] == "KMeansCentroids"
    assert patients_csv.read_bytes() == before
    # The output exists now: refused unless --overwrite.
    assert main([*argv, "--method", "kmeans"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main([*argv, "--method", "random", "--overwrite", "--quiet"]) == 0


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--target", "outcome"], "no column(s) ['outcome']"),
        (["--target", "death", "--epsilon", "1"], "--epsilon does not apply"),
    ],
)
def test_condense_bad_arguments(patients_csv, tmp_path, capsys, extra, message):
    output = str(tmp_path / "out.csv")
    assert main(["condense", str(patients_csv), *extra, "-o", output]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


def test_condense_bad_files(tmp_path, capsys):
    output = str(tmp_path / "out.csv")
    missing = str(tmp_path / "nowhere.csv")
    assert main(["condense", missing, "--target", "y", "-o", output]) == 2
    assert "no such file" in capsys.readouterr().err
    semicolons = tmp_path / "semicolons.csv"
    semicolons.write_text("a;b;y\n1;2;0\n3;4;1\n")
    assert main(["condense", str(semicolons), "--target", "y", "-o", output]) == 2
    assert "--sep" in capsys.readouterr().err
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name,y\nJos\xe9,0\nAna,1\n".encode("latin-1"))
    assert main(["condense", str(latin), "--target", "y", "-o", output]) == 2
    assert "--encoding" in capsys.readouterr().err


@pytest.mark.shared_data
def test_condense_support2(shared_data, tmp_path, capsys):
    source = shared_data / "support2" / "support2.csv"
    output = tmp_path / "support2_small.csv"
    argv = ["condense", str(source), "--target", "event", "-o", str(output)]
    drop = ["--drop", "time", "num_surv2m", "num_surv6m", "fac_sfdm2"]
    assert main([*argv, *drop, "--n-iter", "20", "--n-per-class", "10"]) == 0
    real = pd.read_csv(source).drop(
        columns=["pid", "event", "time", "num_surv2m", "num_surv6m", "fac_sfdm2"]
    )
    shared = load_condensed(output)
    assert list(shared.data.columns) == list(real.columns)
    assert (shared.data.dtypes == real.dtypes).all()
    assert shared.target.value_counts().to_dict() == {0: 10, 1: 10}
    for column in real.select_dtypes("number"):
        values = shared.data[column].dropna()
        assert values.between(real[column].min(), real[column].max()).all()
    for column in real.select_dtypes(exclude="number"):
        assert set(shared.data[column].dropna()) <= set(real[column].dropna())


@pytest.mark.shared_data
def test_condense_dp_dm_on_support2_releases_no_private_extreme(
    shared_data, tmp_path, capsys
):
    pytest.importorskip("opacus")
    source = shared_data / "support2" / "support2.csv"
    output = tmp_path / "private.csv"
    argv = ["condense", str(source), "--target", "event", "-o", str(output)]
    drop = ["--drop", "pid", "time", "num_surv2m", "num_surv6m"]
    dp = ["--method", "dp-dm", "--epsilon", "1", "--n-iter", "20", "--quiet"]
    assert main([*argv, *drop, *dp]) == 0
    real = pd.read_csv(source)
    shared = load_condensed(output)
    card = shared.card
    budget = card["differential_privacy"]
    assert budget["epsilon"] <= 1.0 and budget["neighbouring"] == "replace-one"
    assert card["seed"] is None and budget["reproducible"] is False
    preprocessing = budget["preprocessing"]
    # Every column is accounted for: public (by its kind), released, or
    # dropped because nothing about it cleared the noise.
    kinds = card["schema"]["columns"]
    accounted = set(preprocessing["public"]) | set(preprocessing["released"])
    assert set(kinds) == accounted and not accounted & set(preprocessing["dropped"])
    assert len(accounted) + len(preprocessing["dropped"]) == real.shape[1] - 5
    assert budget["epsilon"] == pytest.approx(
        preprocessing["epsilon"] + budget["matching"]["epsilon"]
    )
    for column, entry in kinds.items():
        if entry["kind"] != "continuous":
            continue
        values = shared.data[column].dropna().to_numpy()
        extremes = [real[column].min(), real[column].max()]
        # Zero is a point of the public grid, not a released statistic.
        assert not np.isin(values[values != 0], extremes).any(), column


def test_condense_dp_dm_with_a_public_schema(patients_csv, tmp_path, capsys):
    pytest.importorskip("opacus")
    schema = tmp_path / "schema.json"
    schema.write_text(
        '{"columns": {"age": {"kind": "continuous", "range": [18, 100]}, '
        '"n_drugs": {"kind": "integer", "range": [0, 10]}, '
        '"sex": {"kind": "categorical", "categories": ["female", "male"]}, '
        '"smoker": "binary"}, '
        '"classes": ["died", "survived"]}'
    )
    output = tmp_path / "private.csv"
    argv = ["condense", str(patients_csv), "--target", "death", "-o", str(output)]
    dp = ["--method", "dp-dm", "--epsilon", "5", "--n-iter", "5", "--n-per-class", "3"]
    extra = ["--drop", "patient_id", "--schema", str(schema), "--n-samples", "200"]
    assert main([*argv, *dp, *extra]) == 0
    out = capsys.readouterr().out
    assert "add/remove neighbours" in out and "0 for the encoder" in out
    card = load_condensed(output).card
    assert card["differential_privacy"]["preprocessing"]["released"] == {}
    assert card["schema"]["columns"]["age"]["range"] == [18.0, 100.0]


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--classes", "died", "survived"], "--classes applies to --method dp-dm"),
        (["--n-samples", "500"], "--n-samples applies to --method dp-dm"),
        (["--method", "dp-dm", "--schema", "none.json"], "none.json does not exist"),
    ],
)
def test_condense_private_flags_are_checked(
    patients_csv, tmp_path, capsys, extra, message
):
    output = str(tmp_path / "out.csv")
    argv = ["condense", str(patients_csv), "--target", "death", "-o", output]
    assert main([*argv, *extra]) == 2
    assert message in capsys.readouterr().err


def test_condense_says_when_rows_are_real_patients(patients_csv, tmp_path, capsys):
    output = str(tmp_path / "out.csv")
    argv = ["condense", str(patients_csv), "--target", "death", "-o", output]
    assert main([*argv, "--method", "herding", "--quiet"]) == 0
    assert "the output rows are real patients" in capsys.readouterr().err
    assert load_condensed(output).card["real_records"].startswith("yes")


@pytest.fixture
def train_test_csv(tmp_path):
    rng = np.random.default_rng(1)
    n = 300
    age = rng.normal(65, 10, n)
    sex = rng.choice(["female", "male"], n)
    risk = (age - 65) / 10 + (sex == "male") + rng.normal(0, 0.5, n)
    table = pd.DataFrame(
        {"age": age.round(1), "sex": sex, "death": np.where(risk > 0.5, "died", "ok")}
    )
    paths = tmp_path / "train.csv", tmp_path / "test.csv"
    table.iloc[:200].to_csv(paths[0], index=False)
    table.iloc[200:].to_csv(paths[1], index=False)
    return paths


def test_evaluate_scores_a_condensed_file_beside_references(
    train_test_csv, tmp_path, capsys
):
    train, test = train_test_csv
    small = tmp_path / "small.csv"
    argv = ["condense", str(train), "--target", "death", "-o", str(small)]
    assert main([*argv, "--method", "kmeans", "--n-per-class", "5", "--quiet"]) == 0
    argv = ["evaluate", str(small), "--test", str(test), "--train", str(train)]
    assert main([*argv, "--learners", "logistic regression", "--seeds", "2"]) == 0
    out = capsys.readouterr().out
    assert "roc_auc on test.csv (100 records)" in out
    for name in ["small.csv", "full data", "RandomSubset"]:
        assert name in out
    # A linear signal: every set trains a useful model.
    scores = [float(v) for v in re.findall(r"(\d\.\d{3}) ±", out)]
    assert len(scores) == 3 and min(scores) > 0.7


def test_evaluate_needs_a_target_and_matching_columns(train_test_csv, tmp_path, capsys):
    train, test = train_test_csv
    assert main(["evaluate", str(train), "--test", str(test)]) == 2
    assert "--target" in capsys.readouterr().err
    other = tmp_path / "other.csv"
    pd.read_csv(test).rename(columns={"age": "years"}).to_csv(other, index=False)
    argv = ["evaluate", str(train), "--test", str(other), "--target", "death"]
    assert main(argv) == 2
    assert "lacks the condensed records' columns ['age']" in capsys.readouterr().err


def test_report_writes_one_self_contained_page(train_test_csv, tmp_path, capsys):
    train, test = train_test_csv
    small, page = tmp_path / "small.csv", tmp_path / "report.html"
    argv = ["condense", str(train), "--target", "death", "-o", str(small)]
    assert main([*argv, "--method", "kmeans", "--n-per-class", "5", "--quiet"]) == 0
    argv = ["report", str(small), "--test", str(test), "--train", str(train)]
    argv += ["-o", str(page), "--learners", "logistic regression", "--seeds", "1"]
    assert main(argv) == 0
    text = page.read_text()
    for heading in ["Data card", "Utility", "Leakage", "Distributions"]:
        assert f"<h2>{heading}</h2>" in text
    assert "KMeansCentroids" in text and "membership AUC (distance)" in text
    assert text.count("data:image/png;base64,") == 2
    assert main(argv) == 2  # the page exists now
    assert "--overwrite" in capsys.readouterr().err


def test_report_needs_the_training_records(train_test_csv):
    train, test = train_test_csv
    with pytest.raises(SystemExit):
        main(["report", str(train), "--test", str(test), "-o", "x.html"])


def test_demo_on_an_unreachable_dask_scheduler(free_loopback_address, capsys):
    pytest.importorskip("distributed")
    argv = ["demo", "--data", "breast-cancer", "--dask", free_loopback_address]
    assert main([*argv, "--dask-timeout", "2", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sklearn-dc demo: error: No Dask scheduler answered at")
    assert free_loopback_address in err and err.count("\n") == 1


@pytest.fixture
def mixed_split_csv(tmp_path):
    """Mixed-type train / test CSVs with an ID column and an extra outcome."""
    rng = np.random.default_rng(2)
    n = 320
    age = rng.normal(65, 10, n).round(1)
    sex = rng.choice(["female", "male"], n)
    smoker = rng.integers(0, 2, n)
    risk = (age - 65) / 10 + (sex == "male") + smoker + rng.normal(0, 0.7, n)
    table = pd.DataFrame(
        {
            "pid": np.arange(7000, 7000 + n),
            "age": age,
            "sex": sex,
            "smoker": smoker,
            "ward": rng.choice(["icu", "medicine", "surgery"], n),
            "los_days": rng.integers(1, 30, n),
            "death": np.where(risk > 1.2, "died", "alive"),
        }
    )
    paths = tmp_path / "train.csv", tmp_path / "test.csv"
    table.iloc[:240].to_csv(paths[0], index=False)
    table.iloc[240:].to_csv(paths[1], index=False)
    return paths


def test_condense_evaluate_report_chain_with_an_id_column(
    mixed_split_csv, tmp_path, capsys
):
    train, test = mixed_split_csv
    small, page = tmp_path / "small.csv", tmp_path / "report.html"
    argv = ["condense", str(train), "--target", "death", "-o", str(small)]
    assert main([*argv, "--drop", "los_days", "--method", "kmeans"]) == 0
    card = load_condensed(small).card
    assert card["method"]["dropped_columns"] == {"pid": "record identifier"}
    assert card["source"]["dropped_columns"] == {"los_days": "left out with --drop"}
    capsys.readouterr()
    # The real files still hold pid and los_days: the card's drops apply.
    files = [str(small), "--test", str(test), "--train", str(train), "--seeds", "1"]
    assert main(["evaluate", *files, "--learners", "logistic regression"]) == 0
    out = capsys.readouterr().out
    assert "small.csv" in out and "full data" in out
    argv = ["report", *files, "--learners", "logistic regression", "-o", str(page)]
    assert main([*argv, "--quiet"]) == 0
    assert page.is_file() and capsys.readouterr().err == ""


def test_evaluate_drop_for_a_file_without_a_card(mixed_split_csv, tmp_path, capsys):
    train, test = mixed_split_csv
    small = tmp_path / "plain.csv"
    pd.read_csv(train).drop(columns=["pid"]).iloc[::10].to_csv(small, index=False)
    argv = ["evaluate", str(small), "--test", str(test), "--target", "death"]
    argv += ["--learners", "logistic regression", "--seeds", "1", "--quiet"]
    assert main(argv) == 2
    assert "--drop pid" in capsys.readouterr().err
    assert main([*argv, "--drop", "pid"]) == 0


@pytest.fixture
def no_compute(monkeypatch):
    """Fail the test if a command starts condensing or training."""
    from sklearn_dc.evaluation import _condensed
    from sklearn_dc.tabular import TabularCondenser

    def refuse(*args, **kwargs):
        raise AssertionError("computed before checking the inputs")

    monkeypatch.setattr(TabularCondenser, "fit_resample", refuse)
    monkeypatch.setattr(_condensed, "_fit_and_score", refuse)


def _one_line_error(capsys):
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize(
    "output, extra, message",
    [
        ("no/such/dir/a.csv", [], "does not exist; create it first"),
        ("/proc/a.csv", [], "cannot write in /proc"),
        ("a.xlsx", [], "end the file name in .csv or .parquet"),
        ("a.parquet", ["no-pyarrow"], 'pip install "sklearn-dc[parquet]"'),
        (".", [], "is a folder; give a file name"),
        (".", ["--overwrite"], "is a folder; give a file name"),
    ],
)
def test_condense_checks_the_output_before_condensing(
    patients_csv, tmp_path, monkeypatch, capsys, no_compute, output, extra, message
):
    monkeypatch.chdir(tmp_path)
    if "no-pyarrow" in extra:
        monkeypatch.setitem(sys.modules, "pyarrow", None)
        extra = []
    argv = ["condense", str(patients_csv), "--target", "death", "-o", output]
    assert main([*argv, *extra]) == 2
    assert message in _one_line_error(capsys)


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "is empty"),
        ("\n\n", "holds no table"),
        ("age,death\n", "has a header row but no records"),
        ("age,death\ninf,died\n1,alive\n", "hold infinite values"),
    ],
)
def test_condense_refuses_empty_and_infinite_inputs(
    tmp_path, capsys, no_compute, content, message
):
    data = tmp_path / "data.csv"
    data.write_text(content)
    argv = ["condense", str(data), "--target", "death", "-o", str(tmp_path / "o.csv")]
    assert main(argv) == 2
    assert message in _one_line_error(capsys)


def test_evaluate_and_report_check_files_before_training(
    train_test_csv, tmp_path, monkeypatch, capsys, no_compute
):
    train, test = train_test_csv
    missing = str(tmp_path / "missing.csv")
    assert main(["evaluate", missing, "--test", str(test)]) == 2
    assert "missing.csv: no such file" in _one_line_error(capsys)
    assert main(["evaluate", str(train), "--test", missing, "--target", "death"]) == 2
    assert "(--test): no such file" in _one_line_error(capsys)
    sheet = tmp_path / "test.xlsx"
    sheet.write_bytes(b"PK\x03\x04")
    assert main(["evaluate", str(train), "--test", str(sheet), "--target", "x"]) == 2
    assert "export it as CSV" in _one_line_error(capsys)
    argv = ["report", str(train), "--test", str(test), "--train", str(train)]
    argv += ["--target", "death"]
    assert main([*argv, "-o", str(tmp_path / "page.pdf")]) == 2
    assert "end the file name in .html" in _one_line_error(capsys)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    assert main([*argv, "-o", str(tmp_path / "page.html")]) == 2
    assert 'pip install "sklearn-dc[report]"' in _one_line_error(capsys)


@pytest.mark.parametrize(
    "budget, counts",
    [
        (None, {"died": 10, "survived": 10}),
        ("0.1", None),
        ("died=3,survived=0.05", None),
        ("majority", None),
    ],
)
def test_condense_budgets_like_the_api(patients_csv, tmp_path, budget, counts):
    output = tmp_path / "out.csv"
    argv = ["condense", str(patients_csv), "--target", "death", "-o", str(output)]
    argv += ["--method", "kmeans", "--quiet"]
    assert main(argv + ([] if budget is None else ["--n-per-class", budget])) == 0
    sizes = pd.read_csv(patients_csv)["death"].value_counts().to_dict()
    got = load_condensed(output).target.value_counts().to_dict()
    if budget == "0.1":
        counts = {k: round(0.1 * n) for k, n in sizes.items()}
    elif budget == "majority":
        counts = {k: min(sizes.values()) for k in sizes}
    elif budget is not None:
        counts = {"died": 3, "survived": round(0.05 * sizes["survived"])}
    assert got == counts


@pytest.mark.parametrize("budget", ["0", "1.5", "ten", "died=", "died=3,nobody=2"])
def test_condense_bad_budgets_are_one_line(patients_csv, tmp_path, capsys, budget):
    argv = ["condense", str(patients_csv), "--target", "death"]
    argv += ["-o", str(tmp_path / "o.csv"), "--n-per-class", budget]
    assert main([*argv, "--method", "random"]) == 2
    assert "--n-per-class" in _one_line_error(capsys)


def test_warnings_are_phrased_as_flags_and_quiet_silences_them(
    patients_csv, tmp_path, capsys
):
    output = str(tmp_path / "out.csv")
    argv = ["condense", str(patients_csv), "--target", "death", "-o", output]
    assert main([*argv, "--method", "kmeans", "--n-per-class", "500"]) == 0
    err = capsys.readouterr().err
    assert "--keep-id" in err and "--n-per-class 500 asks for more" in err
    assert "drop_id_columns" not in err and "n_per_class" not in err
    argv += ["--overwrite", "--quiet"]
    assert main([*argv, "--method", "kmeans", "--n-per-class", "3"]) == 0
    assert capsys.readouterr().err == ""


def test_evaluate_shows_progress_and_a_narrow_table(train_test_csv, tmp_path, capsys):
    train, test = train_test_csv
    small = tmp_path / "small.csv"
    argv = ["condense", str(train), "--target", "death", "-o", str(small)]
    assert main([*argv, "--method", "kmeans", "--n-per-class", "5", "--quiet"]) == 0
    argv = ["evaluate", str(small), "--test", str(test), "--train", str(train)]
    assert main([*argv, "--seeds", "2"]) == 0
    captured = capsys.readouterr()
    assert "training learners" in captured.err
    table = captured.out.splitlines()[1:5]
    assert max(len(line) for line in table) <= 100
    header = table[0].split()
    assert "CSV" in header and "condense" not in header
    assert "File sizes on disk: small.csv:" in captured.out
    assert main([*argv, "--seeds", "1", "--quiet"]) == 0
    assert capsys.readouterr().err == ""
