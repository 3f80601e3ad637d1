"""The client's connection (api/connection.py): environment proxies are honoured, and what cannot be used is one line."""

from __future__ import annotations

import http.server
import importlib.util
import threading

import httpx
import pytest

from ugc_nb import Sandbox, UGCClient

KEY = "k-9f3e1d7c5b2a0864"


def test_a_mistyped_base_url_is_one_line_naming_it():
    """UGC_BASE_URL=http://[::1 is a ValueError naming the address, not httpx's traceback."""
    with pytest.raises(ValueError, match=r"^the API address 'http://\[::1' \(base_url, or UGC_BASE_URL\) is not a valid URL: "):
        UGCClient(api_key=KEY, base_url="http://[::1")


def test_a_proxy_variable_that_cannot_be_parsed_is_named(monkeypatch):
    """http_proxy=http://::x:: is one line naming the variable and its value."""
    monkeypatch.setenv("http_proxy", "http://::x::")
    with pytest.raises(ValueError, match=r"^a proxy variable \(http_proxy=http://::x::\) cannot be used: "):
        UGCClient(api_key=KEY, base_url="http://127.0.0.1:9")


@pytest.mark.skipif(importlib.util.find_spec("socksio") is not None, reason="httpx's SOCKS support is installed here")
def test_a_socks_proxy_without_socks_support_names_the_extra(monkeypatch):
    """ALL_PROXY=socks5://… without socksio says to install httpx[socks]."""
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1")
    with pytest.raises(ValueError, match=r"names a SOCKS proxy, which needs httpx's SOCKS support: pip install 'httpx\[socks\]'"):
        UGCClient(api_key=KEY, base_url="http://127.0.0.1:9")


class _Proxy(http.server.BaseHTTPRequestHandler):
    """A forward proxy on loopback: records each request's target, forwards it with httpx (no proxy of its own)."""

    seen: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.seen.append(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "proxy-connection", "connection")}
        with httpx.Client(trust_env=False) as client:
            answer = client.post(self.path, content=body, headers=headers)
        self.send_response(answer.status_code)
        for name, value in answer.headers.items():
            if name.lower() not in ("transfer-encoding", "connection", "content-encoding", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def log_message(self, *args: object) -> None:
        pass


def test_http_proxy_is_honoured_and_no_proxy_bypasses_it(monkeypatch):
    """With HTTP_PROXY set, the client's requests go through the proxy (which sees the absolute URL) and still work;
    with the server's host in NO_PROXY they go straight to it."""
    box = Sandbox(n_tasks=30, n_accounts=3, seed=2)
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    _Proxy.seen = []
    try:
        with box.serve() as server:
            monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
            monkeypatch.setenv("NO_PROXY", "")
            monkeypatch.setenv("no_proxy", "")
            with UGCClient(api_key=box.api_key, base_url=server.url) as client:
                assert len(client.tasks.list()) == 30
            assert _Proxy.seen == [f"{server.url}/tasks"]
            monkeypatch.setenv("NO_PROXY", "127.0.0.1")
            monkeypatch.setenv("no_proxy", "127.0.0.1")
            with UGCClient(api_key=box.api_key, base_url=server.url) as client:
                assert len(client.tasks.list()) == 30
            assert _Proxy.seen == [f"{server.url}/tasks"]  # not through the proxy again
    finally:
        proxy.shutdown()


def test_a_refused_connection_through_a_proxy_names_the_proxy(monkeypatch):
    """When the environment's proxy carries the request, a refused connection says so, not only that the server is down."""
    from ugc_nb.api.errors import APIConnectionError

    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:1")
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("no_proxy", "")
    with UGCClient(api_key=KEY, base_url="http://127.0.0.1:9", max_retries=0) as client, pytest.raises(APIConnectionError) as caught:
        client.accounts.list()
    assert "could not connect to http://127.0.0.1:9 through the proxy http://127.0.0.1:1: " in str(caught.value)
