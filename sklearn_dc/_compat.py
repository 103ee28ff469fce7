"""scikit-learn's private helpers that sklearn_dc uses, imported in one place.

``_fit_context`` (``sklearn.base``) validates the parameters and sets the
nested-validation context of a ``fit``. It is private, so it may move: where
it is missing, a fallback validates the parameters and calls the method,
without the (optional) skipping of nested validation.
"""

from __future__ import annotations

import functools

try:
    from sklearn.base import _fit_context
except ImportError:  # pragma: no cover - depends on the installed scikit-learn

    def _fit_context(*, prefer_skip_nested_validation):
        """Validate ``self``'s parameters, then run the decorated fit method."""

        def decorator(fit_method):
            @functools.wraps(fit_method)
            def wrapper(estimator, *args, **kwargs):
                estimator._validate_params()
                return fit_method(estimator, *args, **kwargs)

            return wrapper

        return decorator


__all__ = ["_fit_context"]
