"""Reading the API's ``{ok, code, message, data}`` envelope, tolerantly.

The documented envelope is ``{"ok": true, "code": 200, "message": "...", "data": ...}``
or ``{"ok": false, "code": 4xx, "message": "..."}``. The docs' own examples and
field reports show variations, all handled here:

* ``ok`` and/or ``message`` missing (``{"code": 200, "data": [...]}``);
* a body ``code`` that disagrees with the HTTP status — the worse of the two
  wins, so a ``200`` carrying ``{"ok": false, "code": 404}`` is a 404;
* an empty body, or one that is not JSON, on an error status — a status error
  with a message that says so;
* an empty or non-JSON body on a success status, or a success without
  ``data`` — :class:`~ugc_nb.errors.APIResponseValidationError`.

:func:`parse` returns ``data`` or raises; it never lets a ``KeyError`` or a
``JSONDecodeError`` escape. :func:`parse_lazy` is the same for a caller that
decodes a large ``data`` itself, once and typed: a clean success comes back as
the undecoded JSON text of ``data``.
"""

from __future__ import annotations

from typing import Any

import msgspec
import orjson

from .errors import APIResponseValidationError, status_error_class
from .retry import parse_retry_after

__all__ = ["parse", "parse_lazy"]

_SNIPPET = 200


def _snippet(raw: bytes) -> str:
    text = raw[:_SNIPPET].decode("utf-8", "replace")
    return text + ("…" if len(raw) > _SNIPPET else "")


def _as_status(code: object) -> int | None:
    if isinstance(code, bool):
        return None
    if isinstance(code, int) and 100 <= code <= 599:
        return code
    if isinstance(code, str) and code.isdigit() and 100 <= int(code) <= 599:
        return int(code)
    return None


def _failed_status(status_code: int, ok: object, code: object) -> int | None:
    """The status a failed response stands for — the worse of the HTTP status and the body's ``code`` — or None."""
    if status_code >= 400:
        return status_code
    body_code = _as_status(code)
    if body_code is not None and body_code >= 400:
        return body_code
    return 400 if ok is False else None


class _LazyEnvelope(msgspec.Struct):
    """The envelope with ``data`` left undecoded (an empty ``Raw`` when it is absent)."""

    ok: Any = None
    code: Any = None
    message: Any = None
    data: msgspec.Raw = msgspec.Raw()


_DECODE_LAZY = msgspec.json.Decoder(_LazyEnvelope).decode


def parse_lazy(
    status_code: int,
    content: bytes,
    *,
    path: str,
    headers: Any = None,
    reason: str = "",
    mutation: bool = False,
) -> Any:
    """Like :func:`parse`, but a clean success returns ``data`` undecoded, as a memoryview of its JSON text.

    The envelope is read without building ``data`` (msgspec skips over it), so a
    caller can decode a large ``data`` once, straight into its own types. Every
    other response — an error, an odd envelope, a body that is not JSON — goes
    to :func:`parse`, which raises (or returns) exactly what it always does.
    """
    if status_code < 400 and content:
        try:
            body = _DECODE_LAZY(content)
        except (msgspec.DecodeError, RecursionError):  # not a JSON object, not JSON, or nested too deep: parse() words the error
            body = None
        if body is not None and len(body.data) and _failed_status(status_code, body.ok, body.code) is None:
            return memoryview(body.data)
    return parse(status_code, content, path=path, headers=headers, reason=reason, mutation=mutation)


def parse(
    status_code: int,
    content: bytes,
    *,
    path: str,
    headers: Any = None,
    reason: str = "",
    mutation: bool = False,
) -> Any:
    """Return the ``data`` of a response, or raise the matching typed error."""
    body: Any = None
    decoded = False
    if content.strip():
        try:
            body = orjson.loads(content)
            decoded = True
        except orjson.JSONDecodeError:
            decoded = False

    envelope = body if isinstance(body, dict) else {}
    failed_status = _failed_status(status_code, envelope.get("ok"), envelope.get("code"))
    if failed_status is not None:
        message = envelope.get("message") if isinstance(envelope.get("message"), str) else None
        if not message:
            if not content.strip():
                message = f"empty response body (HTTP {status_code} {reason})".rstrip()
            elif not decoded:
                message = f"non-JSON response body: {_snippet(content)!r}"
            else:
                message = reason or "error"
        retry_after = parse_retry_after(headers.get("retry-after"), date=headers.get("date")) if headers is not None else None
        cls = status_error_class(failed_status)
        raise cls(
            message,
            path=path,
            status_code=failed_status,
            body=body if isinstance(body, dict) else None,
            text=_snippet(content),
            retry_after=retry_after,
            # A 5xx on a mutation says nothing about whether it was applied.
            may_have_applied=mutation and failed_status >= 500,
        )

    if not decoded:
        what = "an empty body" if not content.strip() else f"a non-JSON body {_snippet(content)!r}"
        raise APIResponseValidationError(
            f"HTTP {status_code} with {what}; expected a JSON envelope",
            path=path,
            status_code=status_code,
            body=_snippet(content),
            may_have_applied=mutation,
        )
    if not isinstance(body, dict) or "data" not in body:
        raise APIResponseValidationError(
            f"HTTP {status_code} response has no 'data' field: {_snippet(content)!r}",
            path=path,
            status_code=status_code,
            body=_snippet(content),
            may_have_applied=mutation,
        )
    return body["data"]
