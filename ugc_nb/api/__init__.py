"""The API layer: the UGC.inc client, its envelope parsing, retry policy, key redaction, the API's vocabulary
(:mod:`schema`: statuses, types, fields; :mod:`timeutil`: UTC times as the API writes them) and every public exception.

Knows nothing of DataFrames: it speaks JSON records (times are parsed with pandas' ``Timestamp``, the one
time type of the package). Imports nothing else of ugc_nb.
"""

from .client import DEFAULT_BASE_URL, SANDBOX_BASE_URL, UGCClient
from .errors import *  # noqa: F403 - every public exception lives in errors.py
from .errors import __all__ as _errors
from .retry import NO_WAIT, RetryPolicy

__all__ = ["UGCClient", "DEFAULT_BASE_URL", "SANDBOX_BASE_URL", "RetryPolicy", "NO_WAIT", *_errors]
