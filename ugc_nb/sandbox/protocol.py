"""Wire-level pieces shared by the request handler and both transports.

Every response uses the documented envelope with body ``code`` equal to the HTTP
status: ``{"ok": true, "code": 200, "message": ..., "data": ...}`` on success and
``{"ok": false, "code": N, "message": ...}`` (no ``data``) on error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

_JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Reply:
    """A response the sandbox wants to send.

    ``disconnect`` names a connection fault (``"drop"`` or ``"lose_response"``): the
    transport must then send nothing and make the client see a transport error. A
    dropped request never produced a response and has ``status`` 0.
    """

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    disconnect: str | None = None

    def json(self) -> Any:
        """The decoded body (``None`` for an empty body)."""
        return orjson.loads(self.body) if self.body else None


class ApiError(Exception):
    """An error response raised from inside request handling."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})

    def reply(self) -> Reply:
        """The error envelope for this error."""
        return error(self.status, self.message, self.headers)


def success(data: Any, message: str = "Success") -> Reply:
    """HTTP 200 with the success envelope around ``data``."""
    body = {"ok": True, "code": 200, "message": message, "data": data}
    return Reply(200, orjson.dumps(body), _JSON)


def error(status: int, message: str, headers: Mapping[str, str] | None = None) -> Reply:
    """An error envelope (``ok: false``, no ``data``) with HTTP ``status``."""
    body = {"ok": False, "code": status, "message": message}
    return Reply(status, orjson.dumps(body), {**_JSON, **(headers or {})})
