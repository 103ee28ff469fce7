"""Run the evaluation protocol and grid searches on a Dask cluster.

:func:`~sklearn_dc.evaluation.evaluate_condensers` and scikit-learn's
``GridSearchCV`` / ``cross_validate`` dispatch their work through joblib, so
inside ``joblib.parallel_config(backend="dask")`` it runs on the workers of
a Dask cluster. :func:`dask_client` gives the client that backend uses: one
connected to a running scheduler, or to a cluster started on this machine.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["dask_client"]

_INSTALL = 'pip install "sklearn-dc[distributed]"'


def dask_client(
    address: str | None = None, *, timeout: float = 10.0, **local_cluster_kwargs: Any
) -> Client:
    """A Dask client for ``joblib.parallel_config(backend="dask")``.

    With an ``address``, connect to the scheduler running there (started with
    ``dask scheduler`` on one machine and ``dask worker <address>`` on each
    of the others). Without one, start a ``distributed.LocalCluster`` of
    worker processes on this machine, listening on the loopback interface
    only and without a dashboard; closing the client closes that cluster.
    Either way the client becomes Dask's default, which joblib's Dask backend
    uses.

    Parameters
    ----------
    address : str, default=None
        The scheduler's address, e.g. ``"tcp://10.0.0.5:8786"`` (the port
        ``dask scheduler`` prints; not the dashboard's). ``None`` starts a
        local cluster.
    timeout : float, default=10.0
        Seconds to wait for the scheduler at ``address`` before giving up
        (one more when a server accepts the connection but never answers).
        Not used without an address.
    **local_cluster_kwargs
        Passed to ``distributed.LocalCluster`` when there is no address:
        ``n_workers``, ``threads_per_worker``, ``memory_limit``, or
        ``dashboard_address=":8787"`` to see the workers at work.

    Returns
    -------
    client : distributed.Client
        Use it as a context manager, or call its ``close()`` when done.

    Raises
    ------
    ImportError
        When Dask's ``distributed`` package is not installed.
    ConnectionError
        When no Dask scheduler answers at ``address`` within ``timeout``.
    ValueError
        When ``address`` is not a Dask address.

    Examples
    --------
    A local cluster of two single-threaded worker processes (a few seconds to
    start); on a real cluster pass the scheduler's address instead:

    >>> from joblib import parallel_config
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_dc import KMeansCentroids
    >>> from sklearn_dc.evaluation import evaluate_condensers
    >>> from sklearn_dc.parallel import dask_client
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> with dask_client(n_workers=2, threads_per_worker=1) as client:  # doctest: +SKIP
    ...     with parallel_config(backend="dask"):
    ...         results = evaluate_condensers(
    ...             {"k-means": KMeansCentroids()}, X_train, y_train, X_test, y_test,
    ...             budgets=[5], n_seeds=2, preprocessor=StandardScaler(), n_jobs=-1)

    No scheduler at the address: a clear error after ``timeout`` seconds.

    >>> dask_client("tcp://127.0.0.1:1", timeout=0.5)
    Traceback (most recent call last):
    ...
    ConnectionError: No Dask scheduler answered at 'tcp://127.0.0.1:1' ...
    """
    try:
        import distributed
    except ImportError as exc:
        raise ImportError(
            "sklearn_dc.parallel.dask_client needs Dask's distributed scheduler; "
            f"install it with {_INSTALL}."
        ) from exc

    if address is None:
        # The client starts the cluster itself, so closing it closes the cluster.
        settings = {
            "host": "127.0.0.1",
            "dashboard_address": None,
            "processes": True,
            **local_cluster_kwargs,
        }
        return distributed.Client(**settings)
    if local_cluster_kwargs:
        raise TypeError(
            f"{sorted(local_cluster_kwargs)} configure a local cluster; they do not "
            "apply with an address."
        )
    _check_scheduler(address, timeout)
    try:
        return distributed.Client(address, timeout=timeout)
    except OSError as exc:
        # The probe answered, so this is a scheduler gone in between.
        raise ConnectionError(_unreachable(address, timeout, str(exc))) from exc


def _check_scheduler(address: str, timeout: float) -> None:
    """Raise unless a Dask scheduler completes a handshake within ``timeout``.

    ``distributed.Client`` bounds the TCP connection by its timeout but not
    the handshake after it, so a server that accepts and stays silent (the
    dashboard's port, another service) would hang it.
    """
    from distributed.comm import connect

    async def handshake():
        # connect() gives up after ``timeout`` when nothing listens, with a
        # message that says so; a second more lets it, not wait_for, fire.
        comm = await asyncio.wait_for(connect(address, timeout=timeout), timeout + 1)
        await comm.close()

    outcome: list[Exception | None] = []

    def run():
        try:
            asyncio.run(handshake())
            outcome.append(None)
        except Exception as exc:  # re-raised in the caller's thread
            outcome.append(exc)

    # A thread of its own: the caller may be inside a running event loop
    # (Jupyter), where asyncio.run is refused.
    thread = threading.Thread(target=run, name="sklearn_dc-dask-probe", daemon=True)
    thread.start()
    thread.join(timeout + 5)
    exc = outcome[0] if outcome else TimeoutError()
    if exc is None:
        return
    if isinstance(exc, ValueError):
        raise ValueError(
            f"{address!r} is not a Dask scheduler address ({exc}); give one like "
            "tcp://host:8786."
        ) from exc
    if isinstance(exc, OSError) and str(exc):
        reason = str(exc)
    elif isinstance(exc, TimeoutError):
        reason = "a server accepted the connection but sent no Dask handshake"
    else:
        # e.g. a MemoryError from reading another protocol's bytes as a frame.
        reason = "a server answered, but not as a Dask scheduler"
    raise ConnectionError(_unreachable(address, timeout, reason)) from exc


def _unreachable(address: str, timeout: float, reason: str) -> str:
    return (
        f"No Dask scheduler answered at {address!r} within {timeout:g} s "
        f"({reason}). Check that the scheduler is running (`dask scheduler` "
        "prints its address), that the address and port are the scheduler's "
        "(like tcp://host:8786, not the dashboard's :8787), and that no "
        "firewall blocks the port."
    )
