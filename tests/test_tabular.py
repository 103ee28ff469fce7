"""TabularCondenser: encode a mixed table, condense, decode to the same table."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    OneHotEncoder,
    StandardScaler,
)

from sklearn_dc import DistributionMatching, KMeansCentroids, RandomSubset
from sklearn_dc.tabular import SchemaWarning, TabularCondenser

CATEGORICAL = ["ward", "label"]


@pytest.fixture(autouse=True)
def one_thread():
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)


def make_table(n=400, seed=0):
    """A mixed table whose label depends on several kinds of column."""
    rng = np.random.default_rng(seed)
    age = rng.normal(60, 12, n)
    visits = rng.poisson(3, n)
    smoker = rng.integers(0, 2, n)
    ward = rng.choice(["icu", "med", "surg", "rare"], n, p=[0.35, 0.35, 0.27, 0.03])
    score = (
        0.08 * (age - 60) + 0.5 * visits - 1.5 + 1.2 * smoker + 1.5 * (ward == "icu")
    )
    y = np.where(rng.random(n) < 1 / (1 + np.exp(-score)), "died", "lived")
    X = pd.DataFrame(
        {
            "age": np.where(rng.random(n) < 0.15, np.nan, age.round(1)),
            "visits": visits,
            "lab": pd.array(
                np.where(rng.random(n) < 0.1, None, rng.poisson(20, n)), dtype="Int64"
            ),
            "smoker": smoker,
            "female": rng.random(n) < 0.5,
            "ward": pd.Categorical(
                ward, categories=["icu", "med", "surg", "rare", "x"]
            ),
            "label": pd.Series(
                np.where(rng.random(n) < 0.1, None, rng.choice(["a", "b", "c"], n)),
                dtype="str",
            ),
        }
    )
    return X, pd.Series(y, name="outcome")


@pytest.fixture
def table():
    return make_table()


def user_pipeline():
    """The user's own encoding for a classifier, on the decoded table."""
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categorical = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="missing"),
        OneHotEncoder(handle_unknown="ignore"),
    )
    encode = ColumnTransformer(
        [
            ("cat", categorical, CATEGORICAL),
            ("num", numeric, ["age", "visits", "lab", "smoker", "female"]),
        ]
    )
    return encode


def _as_text(frame):
    """Categorical columns as objects, for the user's imputer."""
    frame = frame.copy()
    for column in CATEGORICAL:
        frame[column] = frame[column].astype(object)
    return frame


def check_decoded(X_out, X, y_out, budget):
    assert list(X_out.columns) == list(X.columns)
    assert X_out.dtypes.to_dict() == X.dtypes.to_dict()
    assert isinstance(X_out.index, pd.RangeIndex)
    for column in ("ward", "label"):
        observed = set(X[column].dropna())
        assert set(X_out[column].dropna()) <= observed
    assert set(X_out["smoker"]) <= {0, 1}
    assert X_out["female"].dtype == bool
    for column in ("visits", "lab"):
        values = X_out[column].dropna().to_numpy(dtype=float)
        np.testing.assert_array_equal(values, np.round(values))
    for column in ("age", "visits", "lab"):
        values = X_out[column].dropna().astype(float)
        assert values.min() >= X[column].min()
        assert values.max() <= X[column].max()
    assert y_out.value_counts().to_dict() == budget
    assert y_out.dtype == "str"


@pytest.mark.parametrize(
    "condenser",
    [
        KMeansCentroids(n_per_class=6, n_init=1, random_state=0),
        DistributionMatching(n_per_class=6, n_iter=20, batch_real=64, random_state=0),
        RandomSubset(n_per_class=6, random_state=0),
    ],
    ids=lambda c: type(c).__name__,
)
def test_decoded_table_keeps_columns_dtypes_categories_and_ranges(table, condenser):
    X, y = table
    wrapper = TabularCondenser(condenser)
    X_out, y_out = wrapper.fit_resample(X, y)
    check_decoded(X_out, X, y_out, {"died": 6, "lived": 6})
    assert y_out.tolist() == ["died"] * 6 + ["lived"] * 6
    assert wrapper.X_encoded_.shape == (12, wrapper.encode(X).shape[1])
    assert wrapper.n_per_class_ == {"died": 6, "lived": 6}
    assert wrapper.condenser_ is not condenser


def test_schema_is_detected_and_can_be_declared(table):
    X, y = table
    wrapper = TabularCondenser(KMeansCentroids(n_per_class=2, n_init=1)).fit(X, y)
    assert wrapper.schema_ == {
        "age": "continuous",
        "visits": "integer",
        "lab": "integer",
        "smoker": "binary",
        "female": "binary",
        "ward": "categorical",
        "label": "categorical",
    }
    assert wrapper.dropped_columns_ == {}
    declared = TabularCondenser(categorical=["visits"], continuous=["lab"]).fit(X, y)
    assert declared.schema_["visits"] == "categorical"
    assert declared.schema_["lab"] == "continuous"


def test_numeric_column_declared_categorical_keeps_observed_values(table):
    X, y = table
    wrapper = TabularCondenser(
        DistributionMatching(n_per_class=5, n_iter=10, random_state=0),
        categorical=["visits"],
    )
    X_out, _ = wrapper.fit_resample(X, y)
    assert X_out["visits"].dtype == np.int64
    assert set(X_out["visits"]) <= set(X["visits"])


def test_encode_then_decode_gives_the_table_back(table):
    # Decoding is the inverse of encoding on real rows: missing values come
    # back through the one-hot level and the indicators.
    X, y = table
    wrapper = TabularCondenser().fit(X, y)
    back = wrapper.decode(wrapper.encode(X))
    pd.testing.assert_frame_equal(back, X.reset_index(drop=True), check_exact=False)
    assert back["age"].isna().sum() == X["age"].isna().sum() > 0


def test_without_missing_category_nothing_is_missing(table):
    X, y = table
    wrapper = TabularCondenser(missing_category=False).fit(X, y)
    back = wrapper.decode(wrapper.encode(X))
    assert not back.isna().any().any()
    assert back["lab"].dtype == "Int64"


def test_decode_sets_missing_where_the_indicator_wins(table):
    X, y = table
    wrapper = TabularCondenser().fit(X, y)
    encoded = wrapper.encode(X.iloc[:1])
    names = list(wrapper.encoder_.get_feature_names_out())
    indicator = names.index("numeric__missingindicator_age")
    encoded[:, indicator] = 10.0  # far on the "missing" side
    assert np.isnan(wrapper.decode(encoded)["age"].iloc[0])
    encoded[:, indicator] = -10.0
    assert not np.isnan(wrapper.decode(encoded)["age"].iloc[0])


def test_decode_keeps_far_off_rows_in_the_observed_schema(table):
    # Learned records can leave the data's range: decoding brings every value
    # back to an observed category, 0/1, a whole number within the range.
    X, y = table
    wrapper = TabularCondenser().fit(X, y)
    n_encoded = wrapper.encode(X.iloc[:2]).shape[1]
    far = np.random.default_rng(0).normal(scale=50.0, size=(40, n_encoded))
    X_out = wrapper.decode(far)
    check_decoded(X_out, X, pd.Series(["died"] * 40, dtype="str"), {"died": 40})
    assert X_out["age"].notna().any() and X_out["age"].isna().any()


def test_the_callers_frame_is_unchanged(table):
    X, y = table
    X = X.set_axis(np.arange(len(X))[::-1] * 3)
    X["pid"] = np.arange(len(X))
    before, y_before = X.copy(deep=True), y.copy()
    with pytest.warns(SchemaWarning):
        TabularCondenser(KMeansCentroids(n_per_class=3, n_init=1)).fit_resample(X, y)
    pd.testing.assert_frame_equal(X, before)
    pd.testing.assert_series_equal(y, y_before)


def test_works_in_an_imblearn_pipeline_ahead_of_a_classifier(table):
    X, y = table
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, random_state=0, stratify=y
    )
    pipe = Pipeline(
        [
            ("condense", TabularCondenser(KMeansCentroids(n_per_class=20, n_init=1))),
            ("text", FunctionTransformer(_as_text)),
            ("encode", user_pipeline()),
            ("model", LogisticRegression()),
        ]
    )
    pipe.fit(X_train, y_train)
    assert pipe.named_steps["model"].n_features_in_ > 0
    proba = pipe.predict_proba(X_test)[:, 1]
    assert len(proba) == len(X_test)
    assert roc_auc_score(y_test == "lived", proba) > 0.6


def test_decoded_table_trains_as_well_as_the_encoded_condensed_set():
    X, y = make_table(n=1200, seed=1)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, random_state=0, stratify=y
    )
    wrapper = TabularCondenser(
        DistributionMatching(n_per_class=20, n_iter=100, batch_real=64, random_state=0)
    )
    X_syn, y_syn = wrapper.fit_resample(X_train, y_train)
    encoded_model = LogisticRegression().fit(wrapper.X_encoded_, y_syn)
    auc_encoded = roc_auc_score(
        y_test, encoded_model.predict_proba(wrapper.encode(X_test))[:, 1]
    )
    decoded_model = make_pipeline(user_pipeline(), LogisticRegression())
    decoded_model.fit(_as_text(X_syn), y_syn)
    auc_decoded = roc_auc_score(
        y_test, decoded_model.predict_proba(_as_text(X_test))[:, 1]
    )
    assert auc_encoded > 0.65
    assert abs(auc_decoded - auc_encoded) < 0.08


def test_id_column_is_warned_and_dropped(table):
    X, y = table
    X = X.assign(
        pid=np.arange(1000, 1000 + len(X)), mrn=[f"M{i}" for i in range(len(X))]
    )
    wrapper = TabularCondenser(KMeansCentroids(n_per_class=3, n_init=1))
    with pytest.warns(SchemaWarning) as record:
        X_out, _ = wrapper.fit_resample(X, y)
    messages = [str(w.message) for w in record]
    assert any("'pid' looks like a record identifier" in m for m in messages)
    assert any("'mrn' looks like a record identifier" in m for m in messages)
    assert "pid" not in X_out and "mrn" not in X_out
    assert wrapper.schema_["pid"] == wrapper.schema_["mrn"] == "id"
    assert set(wrapper.dropped_columns_) == {"pid", "mrn"}


def test_id_column_kept_gets_new_identifiers(table):
    X, y = table
    X = X.assign(
        pid=np.arange(1000, 1000 + len(X)), mrn=[f"M{i}" for i in range(len(X))]
    )
    wrapper = TabularCondenser(
        KMeansCentroids(n_per_class=3, n_init=1), drop_id_columns=False
    )
    X_out, _ = wrapper.fit_resample(X, y)
    assert list(X_out.columns) == list(X.columns)
    assert X_out.dtypes.to_dict() == X.dtypes.to_dict()
    assert not set(X_out["pid"]) & set(X["pid"])
    assert not set(X_out["mrn"]) & set(X["mrn"])
    assert X_out["pid"].is_unique and X_out["mrn"].is_unique


def test_declared_id_like_column_is_kept_as_data(table):
    X, y = table
    X = X.assign(code=np.arange(len(X)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", SchemaWarning)
        wrapper = TabularCondenser(integer=["code"]).fit(X, y)
    assert wrapper.schema_["code"] == "integer"


def test_free_text_is_refused(table):
    X, y = table
    rng = np.random.default_rng(0)
    words = np.array(["pain", "fever", "cough", "rash", "none", "mild", "severe"])
    notes = [" ".join(rng.choice(words, 4)) for _ in range(len(X))]
    X = X.assign(notes=notes)
    with pytest.raises(ValueError, match="'notes' looks like free text.*categorical"):
        TabularCondenser().fit(X, y)
    # Declared categorical, it is encoded level by level.
    wrapper = TabularCondenser(categorical=["notes"]).fit(X, y)
    assert wrapper.schema_["notes"] == "categorical"


@pytest.mark.parametrize(
    "dates",
    [
        pd.date_range("2020-01-01", periods=400, freq="D"),
        pd.Series(pd.date_range("2020-01-01", periods=400, freq="D").date),
        pd.timedelta_range("1D", periods=400),
    ],
    ids=["datetime64", "date-objects", "timedelta"],
)
def test_datetime_is_refused(table, dates):
    X, y = table
    X = X.assign(admitted=np.asarray(dates))
    with pytest.raises(ValueError, match="'admitted' holds dates.*days since"):
        TabularCondenser().fit(X, y)


def test_all_missing_column_is_dropped_with_a_warning(table):
    X, y = table
    X = X.assign(empty=np.nan, empty_text=pd.Series([None] * len(X), dtype=object))
    wrapper = TabularCondenser(KMeansCentroids(n_per_class=3, n_init=1))
    with pytest.warns(SchemaWarning) as record:
        X_out, _ = wrapper.fit_resample(X, y)
    messages = [str(w.message) for w in record]
    assert any("'empty' has no observed value" in m for m in messages)
    assert any("'empty_text' has no observed value" in m for m in messages)
    assert "empty" not in X_out and "empty_text" not in X_out
    assert wrapper.dropped_columns_ == {
        "empty": "all values missing",
        "empty_text": "all values missing",
    }


def test_not_a_dataframe_is_refused(table):
    X, y = table
    with pytest.raises(TypeError, match="needs a pandas DataFrame.*condenser directly"):
        TabularCondenser().fit_resample(X.to_numpy(), y)


def test_one_class_gets_the_base_error(table):
    X, y = table
    with pytest.raises(ValueError, match="needs at least 2 classes"):
        TabularCondenser(KMeansCentroids(n_per_class=2)).fit_resample(
            X, np.zeros(len(X))
        )


def test_bad_declarations_are_refused(table):
    X, y = table
    with pytest.raises(ValueError, match="declared both categorical and integer"):
        TabularCondenser(categorical=["visits"], integer=["visits"]).fit(X, y)
    with pytest.raises(ValueError, match=r"\['nope'\] are not in X"):
        TabularCondenser(continuous=["nope"]).fit(X, y)
    with pytest.raises(ValueError, match="'label' is declared integer"):
        TabularCondenser(integer=["label"]).fit(X, y)
    with pytest.raises(ValueError, match="'visits' is declared binary"):
        TabularCondenser(binary=["visits"]).fit(X, y)


def test_encode_and_decode_check_their_input(table):
    X, y = table
    wrapper = TabularCondenser().fit(X, y)
    with pytest.raises(ValueError, match=r"lacks the columns \['age'\]"):
        wrapper.encode(X.drop(columns="age"))
    with pytest.raises(ValueError, match="X_encoded must have shape"):
        wrapper.decode(np.zeros((2, 3)))


@pytest.mark.shared_data
def test_support2_decoded_table_keeps_the_schema(shared_data):
    from sklearn_dc.datasets import load_support2

    X, y = load_support2(shared_data / "support2", return_X_y=True)
    wrapper = TabularCondenser(
        DistributionMatching(n_per_class=10, n_iter=20, random_state=0)
    )
    X_out, y_out = wrapper.fit_resample(X, y)
    assert list(X_out.columns) == list(X.columns)
    assert X_out.dtypes.to_dict() == X.dtypes.to_dict()
    assert y_out.value_counts().to_dict() == {0: 10, 1: 10}
    assert wrapper.schema_["fac_diabetes"] == "binary"
    assert wrapper.schema_["num_num_co"] == "integer"
    assert wrapper.schema_["fac_income"] == "categorical"
    for column, kind in wrapper.schema_.items():
        if kind == "categorical":
            assert set(X_out[column].dropna()) <= set(X[column].dropna())
        else:
            values = X_out[column].dropna()
            assert values.min() >= X[column].min()
            assert values.max() <= X[column].max()
        if kind == "binary":
            assert set(X_out[column].dropna()) <= {0, 1}
        if kind == "integer":
            np.testing.assert_array_equal(X_out[column].dropna() % 1, 0)


def test_the_inner_budget_is_a_nested_parameter(table):
    X, y = table
    wrapper = TabularCondenser(KMeansCentroids(n_per_class=2, n_init=1))
    wrapper.set_params(condenser__n_per_class=4)
    _, y_out = clone(wrapper).fit_resample(X, y)
    assert y_out.value_counts().to_dict() == {"died": 4, "lived": 4}
    assert wrapper.get_params()["condenser__n_per_class"] == 4


def test_dates_written_as_text_are_refused_not_taken_for_identifiers(table):
    X, y = table
    dates = pd.date_range("2020-01-01", periods=len(X), freq="D")
    with_dates = X.assign(admitted=dates.strftime("%Y-%m-%d"))
    with pytest.raises(ValueError, match="'admitted' holds dates or times"):
        TabularCondenser(KMeansCentroids(n_per_class=2)).fit(with_dates, y)
    # Declared, the column is what the declaration says.
    declared = TabularCondenser(categorical=["admitted"], max_categories=10_000)
    assert declared.fit(with_dates, y).schema_["admitted"] == "categorical"
