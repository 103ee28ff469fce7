"""
Condense a clinical table inside a pipeline
===========================================

Condense the breast-cancer records bundled with scikit-learn to a few synthetic
records per class with distribution matching, inside an imbalanced-learn
pipeline, and compare with a random subset of the same size and the full data.
"""

# %%
# A pipeline with a condenser
# ---------------------------
# The condenser sits between the scaler and the classifier. It acts only in
# ``fit``: the classifier is trained on the condensed records, and ``predict``
# and ``score`` see every test record.
from imblearn.pipeline import Pipeline
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_dc import DistributionMatching, RandomSubset

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)


def test_auc(condenser):
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("condenser", condenser),
            ("clf", LogisticRegression()),
        ]
    )
    pipe.fit(X_train, y_train)
    return roc_auc_score(y_test, pipe.predict_proba(X_test)[:, 1])


for budget in (1, 10):
    dm = test_auc(DistributionMatching(n_per_class=budget, n_iter=300, random_state=0))
    random = test_auc(RandomSubset(n_per_class=budget, random_state=0))
    print(f"{budget:>2} per class: DM {dm:.3f}, random subset {random:.3f}")
print(f"all {len(y_train)} records: {test_auc('passthrough'):.3f}")

# %%
# Grid search over the budget
# ---------------------------
# ``n_per_class`` is an ordinary parameter, so cross-validation picks the budget.
pipe = Pipeline(
    [
        ("scale", StandardScaler()),
        ("condenser", DistributionMatching(n_iter=100, random_state=0)),
        ("clf", LogisticRegression()),
    ]
)
search = GridSearchCV(
    pipe, {"condenser__n_per_class": [1, 5, 20]}, scoring="roc_auc", cv=3
)
search.fit(X_train, y_train)
print("best budget:", search.best_params_["condenser__n_per_class"])
print(f"test ROC-AUC: {search.score(X_test, y_test):.3f}")

# %%
# The condensed records
# ---------------------
# ``fit_resample`` returns them directly, grouped by class, with the learning
# curve of the optimisation in ``loss_history_``.
scaler = StandardScaler().fit(X_train)
condenser = DistributionMatching(n_per_class=5, n_iter=300, random_state=0)
X_small, y_small = condenser.fit_resample(scaler.transform(X_train), y_train)
print(X_small.shape, y_small)
print(
    f"loss: {condenser.loss_history_[:10].mean():.3f} (first 10 steps) -> "
    f"{condenser.loss_history_[-10:].mean():.3f} (last 10)"
)
