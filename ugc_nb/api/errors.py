"""Exceptions raised by :mod:`ugc_nb`.

The hierarchy follows the one API clients in the Python world converge on
(openai-python, anthropic-sdk): catch :class:`UGCError` for "anything from this
package", :class:`APIError` for "anything the API or the network did", and the
leaves when you need to tell cases apart::

    UGCError
    ├── APIError
    │   ├── APIConnectionError          no HTTP response at all
    │   │   └── APITimeoutError
    │   ├── APIResponseValidationError  a 2xx answer we cannot read
    │   └── APIStatusError              the server answered with an error
    │       ├── BadRequestError         400
    │       ├── AuthenticationError     401
    │       ├── NotFoundError           404
    │       ├── RateLimitError          429
    │       └── ServerError             5xx
    ├── InvalidRecordError              a task record we cannot type (also a ValueError)
    └── CleanupError                    a cleanup run stopped; ``.report`` has every outcome so far
        └── JournalError                the cleanup journal cannot be written

    warning: UnknownValueWarning

Every error that came from a request carries the endpoint ``path``; status
errors also carry ``status_code`` and the server's ``message``. No error text
ever contains the API key: the client scrubs it before raising.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CleanupInterrupted",
    "ReportError",
    "JournalWarning",
    "UGCError",
    "APIError",
    "APIConnectionError",
    "APITimeoutError",
    "APIResponseValidationError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "InvalidRecordError",
    "CleanupError",
    "JournalError",
    "UnknownValueWarning", "DuplicateTaskWarning",
    "status_error_class",
]


class UGCError(Exception):
    """Base class of every exception raised by ugc_nb."""


class APIError(UGCError):
    """A request to the UGC API (or the sandbox) did not give usable data.

    ``path`` is the endpoint (``"/tasks/delete"``). ``may_have_applied`` is
    true when a *mutation* may have taken effect on the server even though we
    got no usable answer (the request was sent but the response was lost):
    callers must re-read state before acting on the assumption that it failed.
    """

    def __init__(self, message: str, *, path: str = "", may_have_applied: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.may_have_applied = may_have_applied

    def __str__(self) -> str:
        return f"{self.message} [{self.path}]" if self.path else self.message


class APIConnectionError(APIError):
    """No HTTP response: connection refused, reset or dropped mid-request."""


class APITimeoutError(APIConnectionError):
    """The request timed out before a response arrived."""


class APIResponseValidationError(APIError):
    """The server answered with a success status but the body is unusable."""

    def __init__(
        self,
        message: str,
        *,
        path: str = "",
        status_code: int | None = None,
        body: str = "",
        may_have_applied: bool = False,
    ) -> None:
        super().__init__(message, path=path, may_have_applied=may_have_applied)
        self.status_code = status_code
        self.body = body


class APIStatusError(APIError):
    """The server answered with an error status (HTTP or envelope ``code``)."""

    def __init__(
        self,
        message: str,
        *,
        path: str = "",
        status_code: int,
        body: dict[str, Any] | None = None,
        text: str = "",
        retry_after: float | None = None,
        may_have_applied: bool = False,
    ) -> None:
        super().__init__(message, path=path, may_have_applied=may_have_applied)
        self.status_code = status_code
        #: The answer's JSON object (``{}`` when the body was empty, not JSON, or not an object).
        self.body: dict[str, Any] = body if isinstance(body, dict) else {}
        #: The start of the answer's text, as sent (key scrubbed).
        self.text = text
        self.retry_after = retry_after

    def __str__(self) -> str:
        where = f" [{self.path}]" if self.path else ""
        return f"HTTP {self.status_code}: {self.message}{where}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code}, message={self.message!r}, path={self.path!r})"


class BadRequestError(APIStatusError):
    """400: invalid parameters, no task ids, or a task in the wrong status."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing or invalid."""


class NotFoundError(APIStatusError):
    """404: some task ids do not exist or belong to another organisation."""


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` holds the server's hint in seconds."""


class ServerError(APIStatusError):
    """5xx: the server failed; for a mutation it may or may not have applied it."""


class InvalidRecordError(UGCError, ValueError):
    """A task record cannot be turned into a typed row; the message names the record."""


class CleanupError(UGCError):
    """A delete/retry run stopped on an error that is not one task's outcome.

    ``report`` (a :class:`ugc_nb.CleanupReport`, or None when no run had started)
    holds every chosen task's outcome so far; tasks whose request may have
    reached the server and whose outcome is not known are ``unknown`` there and
    *unfinished* in the journal, for :func:`ugc_nb.reconcile`.
    """

    def __init__(self, message: str, *, report: Any = None) -> None:
        super().__init__(message)
        self.report = report


class JournalError(CleanupError):
    """The cleanup journal cannot be written: nothing more is sent (``report`` has what happened)."""


class CleanupInterrupted(KeyboardInterrupt):
    """Ctrl-C / "interrupt kernel" during a run: batches in flight finished, the rest were not sent.

    ``report`` holds every task's outcome (unsent ones ``not_sent``).
    """

    def __init__(self, report: Any) -> None:
        super().__init__(report.headline())
        self.report = report


class ReportError(UGCError):
    """The report notebook failed; the message carries the cell's error."""


class JournalWarning(UserWarning):
    """A journal line or field could not be read; it was skipped (the rest of the journal is intact)."""


class DuplicateTaskWarning(UserWarning):
    """The server listed one task more than once with different fields: both rows are kept, and neither is deleted or
    retried (which one is true cannot be told). A copy listed twice the same is kept once, silently."""


class UnknownValueWarning(UserWarning):
    """The server sent a status or task type this version does not know.

    The value is kept as it is; filter this warning with
    ``warnings.filterwarnings("ignore", category=ugc_nb.UnknownValueWarning)``.
    """


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    404: NotFoundError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The most specific :class:`APIStatusError` subclass for an HTTP status."""
    if status_code >= 500:
        return ServerError
    return _BY_STATUS.get(status_code, APIStatusError)
