"""Public names imported on first use (PEP 562), shared by the packages."""

from __future__ import annotations

import importlib


def lazy_attributes(package: str, sources: dict, public: list):
    """``(__getattr__, __dir__)`` for ``package``.

    ``sources`` maps each public name to the module (relative to ``package``)
    that defines it; the module is imported when the name is first read, and
    the value is then kept in the package's namespace.
    """
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str):
        module = sources.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(public))

    return __getattr__, __dir__
