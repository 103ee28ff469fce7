"""The HTML report, read back with html.parser as a browser would see it."""

import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sklearn_dc import KMeansCentroids, RandomSubset
from sklearn_dc.evaluation import condensation_report, mixed_table_encoder
from sklearn_dc.evaluation._html_report import _distributions

pytest.importorskip("matplotlib")


class _Page(HTMLParser):
    """Headings, tables (as lists of rows of cell text) and visible text."""

    def __init__(self):
        super().__init__()
        self.headings, self.tables, self.text, self.images = [], [], [], []
        self._stack, self._open, self._cells = [], [], []

    def handle_starttag(self, tag, attrs):
        self._stack.append(tag)
        if tag == "table":
            self.tables.append([])
            self._open.append(self.tables[-1])
        elif tag == "tr" and self._open:
            self._open[-1].append([])
        elif tag in ("td", "th"):
            self._cells.append("")
        elif tag == "img":
            self.images.append(dict(attrs))

    def handle_endtag(self, tag):
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()
        if tag == "table" and self._open:
            self._open.pop()
        elif tag in ("td", "th") and self._cells and self._open:
            self._open[-1][-1].append(self._cells.pop().strip())

    def handle_data(self, data):
        if "style" not in self._stack and "title" not in self._stack:
            self.text.append(data)
        if self._cells:
            self._cells[-1] += data
        if self._stack and self._stack[-1] in ("h1", "h2"):
            self.headings.append(data.strip())


def _parse(page):
    parser = _Page()
    parser.feed(page)
    return parser


@pytest.fixture
def mixed_split():
    rng = np.random.default_rng(0)
    n = 300
    age = rng.normal(65, 10, n)
    sex = rng.choice(["female", "male"], n)
    smoker = rng.integers(0, 2, n)
    y = np.where((age - 65) / 10 + (sex == "male") + rng.normal(0, 0.5, n) > 0.5, 1, 0)
    X = pd.DataFrame({"age": age, "sex": sex, "smoker": smoker})
    return X.iloc[:200], y[:200], X.iloc[200:], y[200:]


def _learners():
    return {"lr": make_pipeline(mixed_table_encoder(), LogisticRegression())}


def test_report_opens_with_a_verdict_and_has_tidy_tables(mixed_split):
    X_train, y_train, X_test, y_test = mixed_split
    rows = np.r_[np.flatnonzero(y_train == 0)[:6], np.flatnonzero(y_train == 1)[:6]]
    card = {"method": {"name": "Test", "params": {"n": 3}}, "seed": None}
    page = condensation_report(
        X_train.iloc[rows], y_train[rows], X_train, y_train, X_test, y_test,
        card=card, learners=_learners(), n_seeds=1,
    )  # fmt: skip
    parsed = _parse(page)
    assert parsed.headings[:3] == [parsed.headings[0], "Verdict", "Data card"]
    text = " ".join("".join(parsed.text).split())
    assert re.search(r"reach \d+% of the roc_auc of models trained on all", text)
    # Real rows copied: the leakage level is high, and says why.
    assert "Leakage: high" in text
    assert "condensed records copy a training record" in text
    # No raw JSON, no NaN anywhere on the page (images aside).
    assert "{" not in text and not re.search(r"\bnan\b", text, flags=re.IGNORECASE)
    # Tables: the card's entries, the utility and the privacy tables, with
    # no empty column.
    assert any(["seed", "—"] == row for table in parsed.tables for row in table)
    privacy = next(t for t in parsed.tables if t and t[0][:2] == ["metric", "value"])
    assert "95% interval" in privacy[0]
    utility = next(t for t in parsed.tables if t and "method" in t[0])
    assert utility[0] == ["n_per_class", "method", "lr", "records", "bytes",
                          "compression", "learner fit s", "fit speed-up"]  # fmt: skip
    for table in (utility, privacy):
        for j in range(len(table[0])):
            assert any(row[j] for row in table[1:]), table[0][j]
    assert len(parsed.images) == 2
    assert "All 3 features are shown." in text


def test_report_on_synthetic_records_names_the_features_shown(mixed_split):
    X_train, y_train, X_test, y_test = mixed_split
    extra = [X_train["smoker"].rename(f"extra_{i}") for i in range(70)]
    X_wide = pd.concat([X_train.drop(columns="sex"), *extra], axis=1)
    X_small, y_small = KMeansCentroids(n_per_class=5, random_state=0).fit_resample(
        X_wide, y_train
    )
    _, note = _distributions(X_wide, X_small)
    assert note.startswith("The first 60 of 72 features") and "extra_69" in note


def test_binary_columns_are_drawn_as_bars(mixed_split):
    X_train, y_train, _, _ = mixed_split
    X_small, _ = RandomSubset(n_per_class=5, random_state=0).fit_resample(
        X_train[["smoker"]], y_train
    )
    import sklearn_dc.evaluation._html_report as report

    drawn = []
    original = report._figure

    def spy(**kwargs):
        fig = original(**kwargs)
        drawn.append(fig)
        return fig

    report._figure = spy
    try:
        report._distributions(X_train[["smoker"]], X_small)
    finally:
        report._figure = original
    ax = drawn[0].axes[0]
    assert len(ax.patches) == 4  # two bars (0 and 1) for each set
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1"]
