"""The API layer: the UGC.inc client, its envelope parsing, retry policy, key redaction, the API's vocabulary
(:mod:`schema`: statuses, types, fields; :mod:`timeutil`: UTC times as the API writes them) and every public exception.

Knows nothing of DataFrames: it speaks JSON records (times are parsed with pandas' ``Timestamp``, the one
time type of the package). Imports nothing else of ugc_nb.

Importing it imports only the exceptions (:mod:`errors`, the standard library alone): the client (httpx,
pandas) and the retry policy are imported on first use of their names, so ``except ugc_nb.UGCError`` and
``ugc-nb --help`` cost nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import *  # noqa: F403 - every public exception lives in errors.py
from .errors import __all__ as _errors

if TYPE_CHECKING:
    from .client import DEFAULT_BASE_URL, SANDBOX_BASE_URL, UGCClient
    from .retry import NO_WAIT, RetryPolicy

__all__ = ["UGCClient", "DEFAULT_BASE_URL", "SANDBOX_BASE_URL", "RetryPolicy", "NO_WAIT", *_errors]

#: Imported on first use (PEP 562): name → the module of this package that defines it.
_LAZY = {"UGCClient": "client", "DEFAULT_BASE_URL": "client", "SANDBOX_BASE_URL": "client", "RetryPolicy": "retry", "NO_WAIT": "retry"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
