"""Docstring fragments of the matching condensers, and the pass that fills them.

``FRAGMENTS`` is one flat table: a parameter's (or a group of attributes')
numpydoc text by name, written at the indentation of a class docstring's
sections. A condenser's docstring writes, in its Parameters section, only the
parameters whose text is its own (and ``{name}`` wherever it adds to a
fragment); :func:`fill_docstring`, the one formatting pass, fills the
``{name}`` placeholders (``{default}`` in a fragment becomes the default of
the class's own ``__init__``) and completes the Parameters section from the
table, in the order of the class's signature. Literal braces in a docstring
are doubled.
"""

from __future__ import annotations

import inspect
import re

from ..base import _SHARED_DOCSTRINGS
from ._augment import _AUGMENT_DOCSTRING

#: The starts ``init`` names (each condenser says which it takes).
_INIT_STARTS = """Starting point of the synthetic records: random real records of the
        class, the class's real records chosen by herding (those whose running
        mean tracks the class mean, as :class:`~sklearn_dc.Herding`: central
        and diverse; the same for every seed), Gaussian noise with the
        features' mean and standard deviation, or the class's k-means
        centres (as :class:`~sklearn_dc.KMeansCentroids`; averages,
        not records of the data)."""

#: How the real batch is drawn (each condenser gives its size).
_BATCH_REAL_DRAW = """Real records per class at each iteration, drawn without
        replacement; a class with fewer records is used whole (its exact
        statistics)."""

#: What early stopping does (each condenser says when it is on).
_EARLY_STOPPING_CHECKS = """Check the records with the learner a user will train
        on them: every ``n_iter // 20`` iterations (and after the last), a clone of
        ``validation_estimator`` is fitted on the current synthetic records
        and scored (``validation_scoring``) on real training records (each
        class whole up to ``4 * batch_real`` records, else that many drawn
        without replacement). The fit returns the records that scored best
        (never the starting records: the first check is after the first
        ``n_iter // 20`` iterations) and stops once ``n_iter_no_change``
        checks in a row have not beaten the best. The matching losses are
        proxies: on some data the records keep moving after they have
        stopped getting better for the learner (``docs/speed.md``). The
        checks see real records, so what they pick depends on them, as the
        records themselves do; they cost a fit of the learner on the
        synthetic records and a prediction on the sample, 20 times a run."""

FRAGMENTS = {
    **_SHARED_DOCSTRINGS,
    "net": """net : str, module, skorch NeuralNet or list, default="auto"
        The network whose embeddings are matched; its weights are drawn anew
        in place at every iteration. ``"auto"`` takes ``"mlp"`` for tables,
        ``"tcn"`` for time series and ``"convnet"`` for images, sized to the
        records: the TCN's width follows the number of channels (24 to 32),
        the ConvNet's depth the image size (two blocks for 8 x 8, three from
        16 x 16), as ``sklearn_dc.nn.auto_size`` says; other names
        are in ``sklearn_dc.nn.NETWORKS`` (``"gru"``, ``"lstm"``,
        ``"transformer"``). A module class is called with ``n_features``
        (tables) or ``n_channels`` and with ``n_classes``, and must define
        ``embed(x)``. A skorch ``NeuralNet`` lends its ``module`` and
        ``module__*`` parameters (so ``condenser__net__module__width`` can be
        grid-searched) and, with ``device="auto"``, its device. A list gives
        several networks, one drawn at random per iteration (the reference
        paper draws from a TCN, an LSTM and a transformer).""",
    "n_iter": """n_iter : int, default={default}
        Number of optimisation steps of the synthetic records.""",
    "lr": """lr : float, default={default}
        Learning rate of the Adam optimiser that moves the synthetic records
        (in units of the features, so scale the features first).""",
    "batch_real_draw": _BATCH_REAL_DRAW,
    "batch_real": "batch_real : int, default={default}\n        " + _BATCH_REAL_DRAW,
    "init_starts": _INIT_STARTS,
    "init": 'init : {"real", "herding", "noise", "kmeans"}, default={default}\n'
    "        " + _INIT_STARTS,
    "init_by_shape": 'init : {"auto", "real", "herding", "noise", "kmeans"}, '
    "default={default}\n        "
    + _INIT_STARTS
    + """
        ``"auto"``: ``"kmeans"`` for time series (on the ECG5000-shaped set
        of ``docs/speed.md`` the best checks come early, so the records stay
        close to their start, and the k-means centres were the start that
        scored highest) and, for tables and images, at one record per class
        (each class's mean); else ``"real"`` (on digits at 10 per class the
        k-means start cost gradient boosting 0.12 to 0.26 of accuracy,
        ``docs/benchmarks.md``). ``init_`` says which was taken.""",
    "bounds": """bounds : {"auto", "data", "structure"} or None, default={default}
        Constraints kept by a projection after each step. ``"auto"``:
        ``"structure"`` for time series, ``None`` for tables and images (on
        tables the constraints cost utility in ``docs/benchmarks.md``).
        ``"data"``: every
        value stays within the range its feature (each element of a record: a
        column of a table, a channel at a time point of a series) takes in
        the data, and a time-series channel whose shape over time is the same
        in every record up to an offset (a static variable such as age, or a
        clock such as hours since admission) keeps that shape.
        ``"structure"``: ``"data"``, and each synthetic record keeps the
        structure of the record it started from (meaningful with
        ``init="real"``; images get ``"data"`` only): a value that is common
        to its feature (at least a tenth of the feature's values equal it: an
        imputation fill, a one-hot category, a sex, a ceiling) stays as it is,
        and each channel of a series stays a step function on the segments
        where its starting stay is constant (a lab measured twice and carried
        forward keeps two learned values, where the real stay had them). The
        records then keep their starting patients' categories and measurement
        patterns. Without constraints the optimisation creates values and
        variation that no real record has (a fill value moved by 0.01), and
        trees split on those artefacts. ``None`` leaves the records
        unconstrained.""",
    "device": """device : str, default="cpu"
        Torch device for the optimisation: ``"cpu"``, ``"cuda"`` (or
        ``"cuda:N"``), or ``"auto"``: the device of a skorch ``net`` if one is
        given, else CUDA when available.""",
    "warm_start": """warm_start : bool, default=False
        When True and the condenser was fitted before with the same classes,
        budgets and record shape, start from the synthetic records that fit
        returned (not from ``init``) and optimise them for ``n_iter`` more
        iterations; ``loss_history_`` and ``n_iter_`` then continue the
        previous ones. Otherwise, and by default, every fit starts afresh.
        For long runs: fit with a small ``n_iter``, check the result, and
        continue.""",
    "checkpoint": """checkpoint : str or path-like, default=None
        File that keeps a long run safe. Every ``checkpoint_every``
        iterations, and when the run ends, the synthetic records, the
        optimiser's state, the loss history and the random generators'
        states are written to it (atomically: a crash never leaves half a
        file; after Ctrl-C it keeps the last of them). A fit that finds the
        file, written by a fit of the same data, budget and parameters
        (``n_iter``, ``verbose`` and the checkpoint settings may differ),
        resumes where it stopped and returns what an uninterrupted fit of
        ``n_iter`` iterations would (bit for bit on a CPU). A file from
        other data or settings is an error, never silently overwritten.""",
    "checkpoint_every": """checkpoint_every : int, default=100
        Iterations between two writes of ``checkpoint``.""",
    "early_stopping_checks": _EARLY_STOPPING_CHECKS,
    "early_stopping": "early_stopping : bool, default={default}\n        "
    + _EARLY_STOPPING_CHECKS
    + """
        On by default for gradient and trajectory matching and kernel
        inducing points, whose records drifted away from what logistic
        regression needs there.""",
    "validation_estimator": """validation_estimator : estimator, default=None
        The classifier of ``early_stopping``, given the synthetic records as
        they are shaped (use a pipeline, e.g. with
        :class:`~sklearn_dc.preprocessing.SeriesSummary`, for series). None:
        logistic regression (``max_iter=1000``) on the records flattened to
        rows.""",
    "validation_scoring": """validation_scoring : str or callable, default={default}
        The score of ``early_stopping``: a scikit-learn scorer name or a
        callable ``scorer(estimator, X, y)``; higher is better. None:
        balanced accuracy, which weighs every class alike, as clinical
        classes are rarely balanced (``DistributionMatching``'s
        ``early_stopping="auto"`` on series: ROC-AUC, one-vs-rest).""",
    "n_iter_no_change": """n_iter_no_change : int, default={default}
        Checks in a row without a better score after which
        ``early_stopping`` ends the run.""",
    "early_stopping_attributes": """best_iteration_ : int or None
        With ``early_stopping``, the iteration whose records were returned;
        else None.

    validation_scores_ : ndarray of shape (n_checks, 2) or None
        With ``early_stopping``, each check's iteration and score; else
        None.""",
    "matching_attributes": """loss_history_ : ndarray of shape (`n_iter_`,)
        Matching loss at each iteration.

    init_ : str or tuple
        The start the fit used: ``init``, or what ``"auto"`` took.

    n_iter_ : int
        Number of iterations run: ``n_iter``, or fewer when the run was
        interrupted. Ctrl-C during ``fit_resample`` stops the run with a
        warning: the iteration in progress is dropped and the synthetic
        records are returned as they are.""",
    "verbose": """verbose : bool or int, default=False
        Show a progress bar with the current loss and the estimated time
        left.""",
    "max_time": """max_time : float, default=None
        Time budget in seconds, counted from the start of the fit (set-up
        included): the run stops after the iteration that passes it and
        returns the records as they are, as Ctrl-C does; ``n_iter_`` says
        how many iterations ran. ``None`` runs all ``n_iter``. A fit that
        stops this way still writes its last checkpoint.""",
    "augment": _AUGMENT_DOCSTRING,
    "not_private": """The condensed records are not private by construction: with
    ``init="real"`` each starts as a real record, and membership inference is
    known to work on condensed data. Measure leakage before sharing them.""",
}

_PARAMETERS = "    Parameters\n    ----------\n"
_ATTRIBUTES = "\n    Attributes\n    ----------\n"
_ENTRY = re.compile(r"^    (\w+) :", flags=re.MULTILINE)


def _shown(default) -> str:
    """A default as a docstring writes it: strings in double quotes."""
    return f'"{default}"' if isinstance(default, str) else str(default)


def fill_docstring(cls):
    """Class decorator: the one formatting pass of ``cls``'s docstring."""
    signature = inspect.signature(cls.__init__).parameters
    fields = {
        name: text.replace(
            "{default}",
            _shown(signature[name].default) if name in signature else "",
        )
        for name, text in FRAGMENTS.items()
    }
    head, rest = cls.__doc__.format(**fields).split(_PARAMETERS)
    written, tail = rest.split(_ATTRIBUTES)
    edges = [match.start() for match in _ENTRY.finditer(written)] + [len(written)]
    own = {
        _ENTRY.match(written, a).group(1): written[a:b].strip()
        for a, b in zip(edges[:-1], edges[1:], strict=True)
    }
    names = [name for name in signature if name != "self"]
    if not set(own) <= set(names):
        raise ValueError(f"{cls.__name__} documents {sorted(set(own) - set(names))}")
    entries = [own.get(name) or fields[name] for name in names]
    parameters = _PARAMETERS + "    " + "\n\n    ".join(entries) + "\n"
    cls.__doc__ = head + parameters + _ATTRIBUTES + tail
    return cls
