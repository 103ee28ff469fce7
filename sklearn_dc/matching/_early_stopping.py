"""``early_stopping``: keep the records that train a learner best, and stop.

The matching losses are proxies: on some data the records that lower them
keep moving after they have stopped getting better for a learner trained on
them (``docs/speed.md``: on an ECG-shaped set, logistic regression on
gradient- or trajectory-matched records peaks after a tenth of the default
iterations and then falls below a random subset). Early stopping checks what
a user will do with the records: now and then it trains a learner on them,
scores it on real records, keeps the best records seen and stops the run
when they have not improved for a while.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import clone
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import check_scoring
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from ..preprocessing import SeriesSummary
from ._class_batches import CLASS_SAMPLE_BATCHES, sample_per_class

#: Validations over a run of ``n_iter`` iterations: one every
#: ``n_iter // VALIDATIONS`` iterations.
VALIDATIONS = 20


def flatten_records(X):
    """Records of any shape as rows of features (a series' channels end to end)."""
    return np.asarray(X).reshape(len(X), -1)


def default_validation_estimator():
    """Logistic regression on the flattened records: cheap, and what a
    statistician fits first."""
    return make_pipeline(
        FunctionTransformer(flatten_records), LogisticRegression(max_iter=1000)
    )


#: The score of ``validation_estimator=None``.
DEFAULT_VALIDATION_SCORING = "balanced_accuracy"


def summary_boosting():
    """Gradient boosting on the series' per-channel summaries: the learner
    that mean- and quantile-matched clinical stays served worst
    (``docs/sepsis48.md``), and the one a hospital statistician fits on
    stays."""
    return make_pipeline(SeriesSummary(), GradientBoostingClassifier(random_state=0))


class EarlyStopping:
    """Score the synthetic records every ``every`` iterations; keep the best.

    A clone of ``estimator`` (the condenser's ``validation_estimator``, or
    its default) is fitted on the current synthetic records and scored
    (``scoring``) on real records: each class's records up to
    ``4 * batch_real``, else that many drawn without replacement, the sample
    that ``DistributionMatching``'s pool uses. The records that score best
    are kept; the start never counts (the first score is after ``every``
    iterations), so the records kept have always moved. ``__call__``
    returns True once ``n_iter_no_change`` validations in a row have not
    beaten the best.

    Parameters
    ----------
    condenser : BaseMatching
        The condenser being fitted (its parameters).
    X, y : array-like
        The training records and their encoded classes.
    budget : ndarray of int
        Synthetic records per class (the rows are grouped by class).
    seed : int
        The fit's seed. The validation sample is drawn from a stream of its
        own, so that the fit's records are those of a fit without checks.
    estimator : estimator
        The learner fitted on the synthetic records at each check.
    scoring : str or callable
        Its score on the real sample (a scikit-learn scorer); higher is better.
    """

    def __init__(self, condenser, X, y, budget, seed, estimator, scoring):
        rng = np.random.default_rng([seed, 1])
        n_classes = len(budget)
        # The sample of DistributionMatching's pool, so a validation costs
        # the same whatever the data size.
        cap = CLASS_SAMPLE_BATCHES * condenser._batch_real(X)
        self.X_val, counts = sample_per_class(X, y, n_classes, cap, rng)
        self.y_val = np.repeat(np.arange(n_classes), counts)
        self.labels = np.repeat(np.arange(n_classes), budget)
        self.estimator = estimator
        self.scorer = check_scoring(estimator, scoring)
        self.n_iter = condenser.n_iter
        self.every = max(1, condenser.n_iter // VALIDATIONS)
        self.patience = condenser.n_iter_no_change
        self.best_score = -np.inf
        self.best_records = None
        self.best_iteration = 0
        self.scores = []
        self.since_best = 0

    @property
    def stopped(self) -> bool:
        """Whether the last ``n_iter_no_change`` checks did not beat the best."""
        return self.since_best >= self.patience

    def __call__(self, synthetic, n_done) -> bool:
        """Validate after iteration ``n_done`` if it is due; True: stop."""
        if n_done % self.every and n_done != self.n_iter:
            return False
        # A copy: on a CPU the array would share the tensor's memory.
        records = synthetic.detach().cpu().numpy().copy()
        learner = clone(self.estimator).fit(records, self.labels)
        score = float(self.scorer(learner, self.X_val, self.y_val))
        self.scores.append((n_done, score))
        if score > self.best_score:
            self.best_score, self.best_records = score, records
            self.best_iteration, self.since_best = n_done, 0
            return False
        self.since_best += 1
        return self.stopped

    def state_dict(self) -> dict:
        """What a checkpoint keeps, so that a resumed run stops where the
        uninterrupted one would and returns the same records."""
        best = (
            None if self.best_records is None else torch.from_numpy(self.best_records)
        )
        return {
            "best_score": self.best_score,
            "best_records": best,
            "best_iteration": self.best_iteration,
            "scores": [list(entry) for entry in self.scores],
            "since_best": self.since_best,
        }

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.best_score = state["best_score"]
        best = state["best_records"]
        self.best_records = None if best is None else best.numpy()
        self.best_iteration = state["best_iteration"]
        self.scores = [tuple(entry) for entry in state["scores"]]
        self.since_best = state["since_best"]

    def results(self) -> dict:
        """The fitted attributes: the iteration kept and every score."""
        return {
            "best_iteration_": self.best_iteration,
            "validation_scores_": np.array(self.scores, dtype=float).reshape(-1, 2),
        }
