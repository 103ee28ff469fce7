"""
Condense ICU time series: the bundled sepsis48 demo
===================================================

Condense 48 hours x 40 variables of ICU stays (the bundled sample of the
PhysioNet 2019 sepsis challenge) to a few records per class, train learners on
them and score them on real held-out stays. Fast settings: the full experiment
is ``benchmarks/bench_sepsis48.py`` (results in ``docs/sepsis48.md``).
"""

# %%
# Load and preprocess
# -------------------
# 2,000 stays ship with the package; NaN where a variable was not measured.
# Imputation and scaling learn from the training split only (EtCO2 is never
# measured in this hospital system: the imputer warns and fills it with 0).
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_dc import DistributionMatching, RandomSubset
from sklearn_dc.datasets import load_sepsis_demo
from sklearn_dc.nn import NetClassifier
from sklearn_dc.preprocessing import (
    ChannelStandardScaler,
    SeriesSummary,
    TimeSeriesImputer,
)

sepsis = load_sepsis_demo()
print(sepsis.data.shape, f"{sepsis.target.mean():.1%} positive")
X_train, X_test, y_train, y_test = train_test_split(
    sepsis.data, sepsis.target, test_size=0.25, stratify=sepsis.target, random_state=0
)
preprocess = make_pipeline(TimeSeriesImputer(), ChannelStandardScaler())
X_train = preprocess.fit_transform(X_train)
X_test = preprocess.transform(X_test)

# %%
# Condense and evaluate
# ---------------------
# Distribution matching at its defaults for time series: under random TCNs it
# matches the quantiles of each class's embeddings and of its per-channel
# summaries, and each synthetic stay keeps the steps and common values (fill
# values, sex) of the real stay it started from. Against a random subset of
# the same size.
learners = {
    "logistic regression (summaries)": make_pipeline(
        SeriesSummary(), StandardScaler(), LogisticRegression(max_iter=2000)
    ),
    "gradient boosting (summaries)": make_pipeline(
        SeriesSummary(), GradientBoostingClassifier(random_state=0)
    ),
    "GRU": NetClassifier("gru", max_epochs=100, random_state=0),
}
condensers = {
    "random subset": RandomSubset(n_per_class=20, random_state=0),
    "distribution matching": DistributionMatching(
        n_per_class=20, n_iter=100, random_state=0
    ),
}
for name, condenser in condensers.items():
    X_small, y_small = condenser.fit_resample(X_train, y_train)
    for learner_name, learner in learners.items():
        learner.fit(X_small, y_small)
        auc = roc_auc_score(y_test, learner.predict_proba(X_test)[:, 1])
        print(f"{name:>22} ({len(y_small)} records) -> {learner_name}: {auc:.3f}")
full = learners["logistic regression (summaries)"].fit(X_train, y_train)
auc = roc_auc_score(y_test, full.predict_proba(X_test)[:, 1])
print(f"all {len(y_train)} training stays -> logistic regression: {auc:.3f}")
