"""In-process transport: an ``httpx.MockTransport`` that serves from a sandbox.

Connection faults become the exceptions httpx raises against a real server:
a dropped connection is ``httpx.RemoteProtocolError`` ("Server disconnected without
sending a response."), and a lost response — the change was applied — is
``httpx.ReadTimeout``, as if the reply never arrived. Both carry the request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from .model import Sandbox


def mock_transport(sandbox: Sandbox) -> httpx.MockTransport:
    """A transport for ``httpx.Client(transport=...)`` backed by ``sandbox.handle``."""

    def handler(request: httpx.Request) -> httpx.Response:
        reply = sandbox.handle(request.method, request.url.path, request.headers, request.read())
        if reply.disconnect == "drop":
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        if reply.disconnect == "lose_response":
            raise httpx.ReadTimeout("The read operation timed out", request=request)
        return httpx.Response(reply.status, headers=dict(reply.headers), content=reply.body)

    return httpx.MockTransport(handler)
