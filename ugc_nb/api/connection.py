"""The HTTP connection a client talks through: the proxies of the environment, and one clear line for what it got wrong.

The client's own transport (:func:`~ugc_nb.api.deadline.deadline_transport`, whose sockets keep the
request's deadline) would make httpx ignore ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``/``NO_PROXY``
(it reads them only when it builds the transport itself), so :func:`open_http` mounts one such
transport per proxy the environment names, as httpx would. httpx raises its own errors for a
mistyped ``UGC_BASE_URL`` (``http://[::1``), a proxy variable it cannot parse
(``http_proxy=http://::x::``) or a SOCKS proxy without the ``socksio`` package; each becomes a
``ValueError`` that names the variable and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from httpx._utils import get_environment_proxies  # httpx's own reading of the variables (NO_PROXY included)

from .deadline import deadline_transport

__all__ = ["open_http", "proxy_for"]

PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy")


def open_http(url: str, *, timeout: float | httpx.Timeout, transport: httpx.BaseTransport | None,
              headers: Mapping[str, str]) -> httpx.Client:
    """An ``httpx.Client`` for ``url``: through ``transport`` when given (a test's), else through deadline-keeping
    transports, one per proxy of the environment; a one-line ValueError when the URL or a proxy variable cannot be used."""
    try:
        httpx.URL(url).copy_with()  # the port and host are checked here, not at the first request
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise ValueError(f"the API address {url!r} (base_url, or UGC_BASE_URL) is not a valid URL: {exc}") from None
    try:
        mounts: dict[str, httpx.BaseTransport | None] = {}
        if transport is None:
            transport = deadline_transport()
            for pattern, proxy in get_environment_proxies().items():
                mounts[pattern] = None if proxy is None else deadline_transport(httpx.Proxy(proxy))
        return httpx.Client(base_url=url, timeout=timeout, transport=transport, mounts=mounts, headers=dict(headers))
    except ImportError as exc:  # a socks5:// proxy without httpx's socks support
        raise ValueError(f"a proxy variable ({_proxies()}) names a SOCKS proxy, which needs httpx's SOCKS support: "
                         f"pip install 'httpx[socks]' ({exc})") from None
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise ValueError(f"a proxy variable ({_proxies()}) cannot be used: {exc}") from None


def proxy_for(url: str) -> str:
    """" through the proxy http://…" when an environment proxy carries requests to ``url`` (so a refused connection is
    not taken for the server being down), else ""."""
    from httpx._utils import URLPattern

    target = httpx.URL(url)
    matches = [(URLPattern(p), proxy) for p, proxy in get_environment_proxies().items()]
    for pattern, proxy in sorted(matches, key=lambda m: m[0], reverse=True):  # httpx's own precedence: most specific first
        if pattern.matches(target):
            return f" through the proxy {proxy}" if proxy else ""
    return ""


def _proxies() -> str:
    import os

    named = [f"{name}={os.environ[name]}" for name in PROXY_VARIABLES if os.environ.get(name)]
    return ", ".join(named) or "none is set"
