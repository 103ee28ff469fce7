"""One HTML page on a condensed set: its card, utility, leakage and distributions."""

from __future__ import annotations

import base64
import html
import io
import json
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from ._condensed import evaluate_condensed, mixed_table_encoder
from ._utility import utility_table

# At most this many features get a distribution plot (in column order).
_MAX_FEATURES = 24


def condensation_report(
    X_condensed,
    y_condensed,
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    card: dict | None = None,
    learners: dict | None = None,
    n_seeds: int = 3,
    title: str = "Condensed data report",
    random_state=0,
    shadow_condenser=None,
    n_shadows: int = 64,
) -> str:
    """An HTML page on a condensed set, for the person who decides to share it.

    The page holds the data card (when given), the utility table of
    :func:`evaluate_condensed` (learners trained on the condensed set, on all
    training records and on random subsets of the same size, scored on the
    test records), the privacy table of
    :func:`sklearn_dc.privacy.privacy_report` with the histograms of distances
    to closest records, and the distribution of every feature (up to 24) in
    the training and the condensed records. Images are embedded: the page is
    one self-contained file.

    For DataFrames, distances are computed after median / mode imputation,
    standardisation and one-hot encoding fitted on the training records.

    Parameters
    ----------
    X_condensed, y_condensed : array-like or DataFrame, and labels
        The condensed set.
    X_train, y_train : array-like or DataFrame, and labels
        The real records it was condensed from (the members of the
        membership-inference attacks).
    X_test, y_test : array-like or DataFrame, and labels
        Real held-out records (the test set and the non-members).
    card : dict, default=None
        A data card (:func:`sklearn_dc.io.make_data_card`) to show.
    learners : dict of str to estimator, default=None
        Passed to :func:`evaluate_condensed`.
    n_seeds : int, default=3
        Seeds per learner.
    title : str, default="Condensed data report"
        The page title.
    random_state : int, default=0
        Seed of the privacy attacks.
    shadow_condenser : condenser, default=None
        Opt-in: add the shadow-model membership audit
        (:func:`sklearn_dc.privacy.shadow_audit`) of this condenser, refitted
        ``n_shadows`` times on halves of the training and test records in the
        report's encoded space. It costs ``n_shadows`` condensations.
    n_shadows : int, default=64
        Shadow condensations of the audit.

    Returns
    -------
    page : str
        The HTML page; write it to a ``.html`` file.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn_dc import KMeansCentroids
    >>> from sklearn_dc.evaluation import condensation_report
    >>> X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    >>> X = X.iloc[:, :4]
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> condenser = KMeansCentroids(n_per_class=5, random_state=0)
    >>> X_small, y_small = condenser.fit_resample(X_train, y_train)
    >>> page = condensation_report(X_small, y_small, X_train, y_train,
    ...                            X_test, y_test, n_seeds=1)
    >>> page.startswith("<!DOCTYPE html>"), "membership AUC" in page
    (True, True)
    """
    from ..privacy import distance_to_closest_record, plot_dcr, privacy_report

    results = evaluate_condensed(
        X_condensed,
        y_condensed,
        X_test,
        y_test,
        X_train=X_train,
        y_train=y_train,
        learners=learners,
        n_seeds=n_seeds,
    )
    encoded = _encoded(X_condensed, X_train, X_test)
    privacy = privacy_report(
        encoded[0],
        y_condensed,
        encoded[1],
        y_train,
        encoded[2],
        y_test,
        random_state=random_state,
        shadow_condenser=shadow_condenser,
        n_shadows=n_shadows,
    )
    fig = _figure(figsize=(6, 3.5))
    plot_dcr(distance_to_closest_record(*encoded), ax=fig.subplots())
    dcr_png = _png(fig)

    sections = [f"<h1>{html.escape(title)}</h1>"]
    created = datetime.now(UTC).isoformat(timespec="seconds")
    sections.append(
        f"<p>Made {created} by sklearn_dc. {len(y_condensed)} condensed records, "
        f"{len(y_train)} training and {len(y_test)} test records.</p>"
    )
    if card is not None:
        sections.append(
            "<h2>Data card</h2><pre>"
            + html.escape(json.dumps(card, indent=2, default=str))
            + "</pre>"
        )
    sections.append(
        "<h2>Utility</h2><p>Learners trained on each set, scored on the test "
        f"records ({results.scoring.iloc[0]}, mean ± std over {n_seeds} seeds).</p>"
        + utility_table(results).to_html()
    )
    sections.append(
        "<h2>Leakage</h2><p>Read every value against <em>expected</em> (the "
        "value without leakage). These attacks measure leakage; they do not "
        "prove its absence.</p>"
        + privacy.to_html(index=False, float_format=lambda v: f"{v:.3f}")
        + _img(dcr_png, "distances to closest records")
    )
    sections.append(
        "<h2>Distributions</h2><p>Training records (real) and condensed "
        "records, feature by feature.</p>"
        + _img(_distributions(X_train, X_condensed), "feature distributions")
    )
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:sans-serif;max-width:1100px;margin:auto}"
        "table{border-collapse:collapse;font-size:small}"
        "td,th{border:1px solid #ccc;padding:2px 6px}"
        "</style></head><body>\n" + "\n".join(sections) + "\n</body></html>\n"
    )


def _figure(**kwargs):
    """A matplotlib Figure outside pyplot: no backend, no window, no global state."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "The condensation report draws its figures with matplotlib: "
            "pip install matplotlib"
        ) from exc
    return Figure(**kwargs)


def _encoded(X_condensed, X_train, X_test):
    """The three sets as float arrays, encoded from the training records."""
    if not hasattr(X_train, "columns"):
        return X_condensed, X_train, X_test
    encoder = mixed_table_encoder(sparse_output=False).fit(X_train)
    return tuple(encoder.transform(X) for X in (X_condensed, X_train, X_test))


def _distributions(X_train, X_condensed):
    """Small multiples: histograms of numbers, frequencies of categories."""
    real = pd.DataFrame(X_train if np.ndim(X_train) == 2 else _flat(X_train))
    small = pd.DataFrame(
        X_condensed if np.ndim(X_condensed) == 2 else _flat(X_condensed),
        columns=real.columns,
    )
    columns = list(real.columns[:_MAX_FEATURES])
    n_cols = 4
    n_rows = int(np.ceil(len(columns) / n_cols))
    fig = _figure(figsize=(3.2 * n_cols, 2.4 * n_rows))
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    for ax, column in zip(axes.ravel(), columns, strict=False):
        if pd.api.types.is_numeric_dtype(real[column]):
            values = real[column].dropna()
            bins = np.histogram_bin_edges(values, bins=20)
            ax.hist(values, bins=bins, density=True, alpha=0.5, label="training")
            ax.hist(
                small[column].dropna(), bins=bins, density=True, alpha=0.5,
                label="condensed",
            )  # fmt: skip
        else:
            shares = pd.DataFrame(
                {
                    "training": real[column].value_counts(normalize=True),
                    "condensed": small[column].value_counts(normalize=True),
                }
            ).fillna(0)
            shares.plot.bar(ax=ax, legend=False, rot=45)
        ax.set_title(str(column), fontsize="small")
        ax.set_xlabel("")
        ax.tick_params(labelsize="x-small")
    for ax in axes.ravel()[len(columns) :]:
        ax.set_visible(False)
    axes[0, 0].legend(fontsize="x-small")
    fig.tight_layout()
    return _png(fig)


def _flat(X):
    X = np.asarray(X)
    return X.reshape(len(X), -1)


def _png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _img(png, alt):
    return f"<p><img alt='{alt}' src='data:image/png;base64,{png}'></p>"
