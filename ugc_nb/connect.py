"""One call for a notebook's first cell: a client for the real API or the sandbox, announced."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from typing import Any, Literal

from .client import SANDBOX_BASE_URL, UGCClient
from .load import default_client, shared_sandbox

__all__ = ["connect"]

Source = Literal["auto", "api", "sandbox"]


def connect(source: Source = "auto", *, prompt: Callable[[str], str] = getpass.getpass, **kwargs: Any) -> UGCClient:
    """A client, chosen by ``source``:

    * ``"auto"`` — the real API when ``UGC_API_KEY`` is set, else the embedded sandbox;
    * ``"api"`` — the real API; the key comes from ``UGC_API_KEY`` or, when unset,
      from a password-style prompt (never echoed, never stored in the notebook);
    * ``"sandbox"`` — the embedded sandbox, even when a key is set.

    Which one was chosen is printed, so a notebook's output says where its data came from.
    """
    if source == "auto":
        client = default_client(announce=False, **kwargs)
    elif source == "sandbox":
        client = shared_sandbox().client(**kwargs)
    elif source == "api":
        key = os.environ.get("UGC_API_KEY", "").strip() or prompt("UGC.inc API key: ").strip()
        if not key:
            raise ValueError("no API key given: set UGC_API_KEY or type the key at the prompt")
        client = UGCClient(api_key=key, **kwargs)
    else:
        raise ValueError(f"source must be 'auto', 'api' or 'sandbox', got {source!r}")
    where = "the embedded SANDBOX (synthetic data)" if client.base_url == SANDBOX_BASE_URL else client.base_url
    print(f"ugc_nb {_version()}: using {where}", file=sys.stdout)
    return client


def _version() -> str:
    from ._version import __version__

    return __version__
