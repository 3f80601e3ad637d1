"""Real HTTP server for a sandbox: stdlib ``ThreadingHTTPServer`` in a daemon thread.

HTTP/1.1 with keep-alive. Connection faults close the socket without writing a
single byte, so clients see a protocol/connection error rather than hanging.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .protocol import error

if TYPE_CHECKING:
    from .model import Sandbox

__all__ = ["SandboxServer", "serve"]

_log = logging.getLogger(__name__)


class _Handler(BaseHTTPRequestHandler):
    """Hands every request to the sandbox and writes (or withholds) its reply."""

    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "UGCSandbox/1.0"
    timeout = 30  # seconds an idle keep-alive connection may stay open
    # TCP_NODELAY: the headers and the body go out in two writes, and with Nagle's algorithm
    # the second waits for the client's delayed ACK — 40+ ms added to every request.
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        self._respond()

    do_GET = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_POST  # noqa: N815

    def _respond(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            reply = error(400, "Malformed request body framing")
            self.close_connection = True
        else:
            headers = dict(self.headers.items())
            reply = self.server.sandbox.handle(self.command, self.path, headers, body)
        if reply.disconnect:
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def _read_body(self) -> bytes:
        """The request body, from ``Content-Length`` or chunked transfer encoding."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";", 1)[0].strip(), 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():  # trailers
                pass
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        return self.rfile.read(length)

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("%s - " + format, self.address_string(), *args)


class _HTTPServer(ThreadingHTTPServer):
    """Threading server that knows its open connections so it can close them."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.sandbox = sandbox
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        _log.debug("error while serving %s", client_address, exc_info=True)

    def close_connections(self) -> None:
        """Shut down every open connection, ending idle keep-alive handler threads."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the peer
                connection.shutdown(socket.SHUT_RDWR)


class SandboxServer:
    """A sandbox served over HTTP in a daemon thread; a context manager.

    ``port=0`` binds a free port; ``url`` and ``port`` give the bound address.
    """

    def __init__(self, sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sandbox = sandbox
        self._httpd = _HTTPServer((host, port), sandbox)
        self.host = host
        self.port: int = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"ugc-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        self._closed = False

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def close(self) -> None:
        """Stop accepting, close open connections and release the port (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "serving"
        return f"<SandboxServer {self.url} {state}>"


def serve(sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0) -> SandboxServer:
    """Start serving ``sandbox`` over HTTP; close the returned server when done."""
    return SandboxServer(sandbox, host, port)
