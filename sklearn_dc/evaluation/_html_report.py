"""One HTML page on a condensed set: a verdict, its card, utility, leakage, features."""

from __future__ import annotations

import base64
import html
import io
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from ._condensed import evaluate_condensed, mixed_table_encoder
from ._utility import FULL_DATA, utility_table

# At most this many features get a distribution plot (in column order); the
# page says which are shown when there are more.
_MAX_FEATURES = 60
# Longest category label drawn under a bar (longer ones are shortened).
_MAX_LABEL = 14


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
    verbose: bool = False,
) -> str:
    """An HTML page on a condensed set, for the person who decides to share it.

    The page opens with a **verdict**: the condensed set's score as a share
    of the full training data's (and of a random subset's of the same size),
    and a leakage level read from the membership-inference AUC intervals,
    the copies and the card's ``real_records``. Then come the data card (when
    given) as tables, the utility table of :func:`evaluate_condensed`
    (learners trained on the condensed set, on all training records and on
    random subsets of the same size, scored on the test records), the
    privacy table of :func:`sklearn_dc.privacy.privacy_report` with the
    histograms of distances to closest records, and the distribution of every
    feature (up to 60; the page names those shown when there are more) in the
    training and the condensed records: histograms for numbers, bars of
    shares for categories and 0/1 columns. Images are embedded: the page is
    one self-contained file. Needs matplotlib
    (``pip install "sklearn-dc[report]"``).

    Leakage levels: **high** when a record is a copy of a training record,
    the card says the rows are real patients, or a membership AUC interval
    lies above 0.6; **detected** when an interval lies above 0.5; **not
    detected by these attacks** otherwise (which does not prove that nothing
    leaks).

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
    verbose : bool, default=False
        Show progress (on standard error) over the learner fits.

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
    >>> "<h2>Verdict</h2>" in page, "NaN" in page
    (True, False)
    """
    from ..privacy import distance_to_closest_record, plot_dcr, privacy_report

    _figure()  # fails now, not after the evaluation, without matplotlib
    results = evaluate_condensed(
        X_condensed,
        y_condensed,
        X_test,
        y_test,
        X_train=X_train,
        y_train=y_train,
        learners=learners,
        n_seeds=n_seeds,
        verbose=verbose,
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
    scoring = results.scoring.iloc[0]

    sections = [f"<h1>{html.escape(title)}</h1>"]
    created = datetime.now(UTC).isoformat(timespec="seconds")
    sections.append(
        f"<p>Made {created} by sklearn_dc. {len(y_condensed)} condensed records, "
        f"{len(y_train)} training and {len(y_test)} test records.</p>"
    )
    sections.append(_verdict(results, privacy, card))
    if card is not None:
        sections.append("<h2>Data card</h2>" + _card_tables(card))
    sections.append(
        "<h2>Utility</h2><p>Learners trained on each set, scored on the test "
        f"records ({html.escape(scoring)}, mean ± std over {n_seeds} seeds).</p>"
        + _frame_html(_drop_empty(utility_table(results).reset_index()))
    )
    sections.append(
        "<h2>Leakage</h2><p>Read every value against <em>expected</em> (the "
        "value without leakage). These attacks measure leakage; they do not "
        "prove its absence.</p>"
        + _frame_html(_privacy_table(privacy))
        + _img(dcr_png, "distances to closest records")
    )
    png, note = _distributions(X_train, X_condensed)
    sections.append(
        "<h2>Distributions</h2><p>Training records (real) and condensed "
        "records, feature by feature: histograms of numbers, shares of "
        f"categories and 0/1 values. {html.escape(note)}</p>"
        + _img(png, "feature distributions")
    )
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:sans-serif;max-width:1100px;margin:auto;padding:0 1em}"
        "table{border-collapse:collapse;font-size:small;margin:0.5em 0}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;"
        "vertical-align:top}"
        ".verdict{border:2px solid #444;padding:0.5em 1em;background:#f6f6f6}"
        "img{max-width:100%}"
        "</style></head><body>\n" + "\n".join(sections) + "\n</body></html>\n"
    )


def _verdict(results, privacy, card):
    """The opening section: utility ratio and leakage level, in words."""
    scoring = results.scoring.iloc[0]
    means = results.groupby("method", sort=False)["score_mean"].mean()
    condensed = next(m for m in means.index if m not in (FULL_DATA, "RandomSubset"))
    lines = []
    if FULL_DATA in means.index:
        ratio = means[condensed] / means[FULL_DATA]
        text = (
            f"<b>Utility</b>: models trained on the condensed records reach "
            f"{ratio:.0%} of the {html.escape(scoring)} of models trained on all "
            f"training records ({means[condensed]:.3f} vs {means[FULL_DATA]:.3f}, "
            "mean over learners)"
        )
        if "RandomSubset" in means.index:
            text += (
                f"; a random subset of the same size reaches "
                f"{means['RandomSubset'] / means[FULL_DATA]:.0%} "
                f"({means['RandomSubset']:.3f})"
            )
        lines.append(text + ".")
    level, reasons = _leakage_level(privacy, card)
    lines.append(
        f"<b>Leakage</b>: <b>{level}</b>"
        + (f" ({html.escape('; '.join(reasons))})" if reasons else "")
        + "."
    )
    items = "".join(f"<li>{line}</li>" for line in lines)
    return f"<div class='verdict'><h2>Verdict</h2><ul>{items}</ul></div>"


def _leakage_level(privacy, card):
    """``(level, reasons)`` from the privacy table and the card."""
    rows = privacy.set_index("name")
    reasons, level = [], "not detected by these attacks"
    real = (card or {}).get("real_records") or ""
    copies = rows["value"].get("exact copies", 0)
    aucs = rows[rows.index.str.startswith("membership AUC")]
    above = aucs[aucs["ci_low"] > 0.5]
    if real.startswith("yes"):
        reasons.append(f"the rows are real patients: {real}")
    if copies and copies > 0:
        reasons.append(f"{int(copies)} condensed records copy a training record")
    if len(above):
        reasons += [
            f"{name} {row.value:.2f} (interval {row.ci_low:.2f}–{row.ci_high:.2f}, "
            "above 0.5)"
            for name, row in above.iterrows()
        ]
    if reasons:
        level = "detected"
    if real.startswith("yes") or copies > 0 or (aucs["ci_low"] > 0.6).any():
        level = "high"
    if not reasons and len(aucs):
        reasons.append(
            "every membership AUC interval includes 0.5: "
            + ", ".join(
                f"{name} {row.value:.2f} ({row.ci_low:.2f}–{row.ci_high:.2f})"
                for name, row in aucs.iterrows()
            )
        )
    return level, reasons


def _privacy_table(privacy):
    """The privacy report with its interval in one column and no NaN."""
    table = pd.DataFrame(
        {
            "metric": privacy["name"],
            "value": privacy["value"].map(_number),
            "95% interval": [
                "" if pd.isna(low) else f"{low:.3f} – {high:.3f}"
                for low, high in zip(privacy["ci_low"], privacy["ci_high"], strict=True)
            ],
            "expected": privacy["expected"].map(_number),
            "note": privacy["note"].fillna(""),
        }
    )
    return _drop_empty(table)


def _number(value):
    if value is None or pd.isna(value):
        return ""
    if float(value).is_integer() and abs(value) < 1e6:
        return f"{int(value)}"
    return f"{value:.3f}"


def _drop_empty(table):
    """``table`` without the columns whose every cell is empty or NaN."""
    empty = [
        c
        for c in table.columns
        if table[c].isna().all() or (table[c].astype(str).str.strip() == "").all()
    ]
    return table.drop(columns=empty)


def _frame_html(table, index=False):
    return table.to_html(index=index, na_rep="", escape=True, border=0)


def _card_tables(card):
    """The data card as key / value tables, a section per top-level entry."""
    scalars = {k: v for k, v in card.items() if not isinstance(v, dict | list)}
    parts = [_kv_table(scalars)]
    for key, value in card.items():
        if isinstance(value, dict | list) and value:
            parts.append(f"<h3>{html.escape(str(key))}</h3>" + _value_html(value))
    return "".join(parts)


def _kv_table(mapping):
    rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{_value_html(v)}</td></tr>"
        for k, v in mapping.items()
    )
    return f"<table>{rows}</table>"


def _value_html(value):
    """A card value as HTML: dicts as tables, lists of dicts as tables."""
    if isinstance(value, dict):
        return _kv_table(value) if value else "—"
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            frame = pd.DataFrame(value).map(
                lambda v: "" if v is None or v is np.nan else _plain(v)
            )
            return _frame_html(frame)
        return html.escape(", ".join(_plain(v) for v in value)) or "—"
    return html.escape(_plain(value))


def _plain(value):
    if value is None:
        return "—"
    if isinstance(value, float):
        return "—" if np.isnan(value) else f"{value:.6g}"
    if isinstance(value, list | dict):
        return ", ".join(map(_plain, value)) if isinstance(value, list) else str(value)
    return str(value)


def _figure(**kwargs):
    """A matplotlib Figure outside pyplot: no backend, no window, no global state."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "The condensation report draws its figures with matplotlib, which is "
            'not installed: pip install "sklearn-dc[report]" (or pip install '
            "matplotlib)."
        ) from exc
    return Figure(**kwargs)


def _encoded(X_condensed, X_train, X_test):
    """The three sets as float arrays, encoded from the training records."""
    if not hasattr(X_train, "columns"):
        return X_condensed, X_train, X_test
    encoder = mixed_table_encoder(sparse_output=False).fit(X_train)
    return tuple(encoder.transform(X) for X in (X_condensed, X_train, X_test))


def _is_binary(values):
    """Booleans, or numbers whose observed values lie in {0, 1}."""
    if pd.api.types.is_bool_dtype(values):
        return True
    observed = values.dropna()
    return pd.api.types.is_numeric_dtype(values) and set(observed.unique()) <= {0, 1}


def _short(label):
    text = str(label)
    return text if len(text) <= _MAX_LABEL else text[: _MAX_LABEL - 1] + "…"


def _distributions(X_train, X_condensed):
    """``(png, note)``: histograms of numbers, shares of categories and 0/1."""
    real = pd.DataFrame(X_train if np.ndim(X_train) == 2 else _flat(X_train))
    small = pd.DataFrame(
        X_condensed if np.ndim(X_condensed) == 2 else _flat(X_condensed),
        columns=real.columns,
    )
    columns = list(real.columns[:_MAX_FEATURES])
    if len(columns) == real.shape[1]:
        note = f"All {real.shape[1]} features are shown."
    else:
        note = (
            f"The first {len(columns)} of {real.shape[1]} features (in column "
            f"order) are shown: {_plain([str(c) for c in columns])}; not shown: "
            f"{_plain([str(c) for c in real.columns[_MAX_FEATURES:]][:40])}"
            + (" and more." if real.shape[1] - _MAX_FEATURES > 40 else ".")
        )
    n_cols = min(4, len(columns))
    n_rows = int(np.ceil(len(columns) / n_cols))
    fig = _figure(figsize=(3.4 * n_cols, 2.7 * n_rows))
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    for ax, column in zip(axes.ravel(), columns, strict=False):
        values = real[column]
        if pd.api.types.is_numeric_dtype(values) and not _is_binary(values):
            observed = values.dropna()
            bins = np.histogram_bin_edges(observed, bins=20)
            ax.hist(observed, bins=bins, density=True, alpha=0.5, label="training")
            ax.hist(
                small[column].dropna().clip(bins[0], bins[-1]), bins=bins,
                density=True, alpha=0.5, label="condensed",
            )  # fmt: skip
        else:
            shares = pd.DataFrame(
                {
                    "training": values.value_counts(normalize=True),
                    "condensed": small[column].value_counts(normalize=True),
                }
            ).fillna(0)
            positions = np.arange(len(shares))
            ax.bar(positions - 0.2, shares["training"], 0.4, label="training")
            ax.bar(positions + 0.2, shares["condensed"], 0.4, label="condensed")
            ax.set_xticks(positions, [_short(v) for v in shares.index])
            ax.set_ylabel("share", fontsize="x-small")
            if len(shares) > 3:
                ax.tick_params(axis="x", labelrotation=45)
        ax.set_title(_short(column) if len(str(column)) > 40 else str(column))
        ax.title.set_fontsize("small")
        ax.tick_params(labelsize="x-small")
    for ax in axes.ravel()[len(columns) :]:
        ax.set_visible(False)
    axes[0, 0].legend(fontsize="x-small")
    fig.tight_layout()
    return _png(fig), note


def _flat(X):
    X = np.asarray(X)
    return X.reshape(len(X), -1)


def _png(fig):
    buffer = io.BytesIO()
    # A tight bounding box keeps axis labels and rotated ticks inside the image.
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _img(png, alt):
    return f"<p><img alt='{alt}' src='data:image/png;base64,{png}'></p>"
