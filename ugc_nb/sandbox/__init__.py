"""Embedded sandbox: a server-side model of the UGC.inc task API.

Use it in-process through httpx::

    box = Sandbox(n_tasks=200, seed=1)
    with httpx.Client(transport=box.transport(), base_url="http://sandbox.invalid") as http:
        http.post("/tasks", json={}, headers={"Authorization": "Bearer sandbox"})

or over real HTTP on loopback with ``with box.serve() as server: ... server.url``, or
from a shell with ``python -m ugc_nb.sandbox --port 8765``. Rules, data and faults are
described in :mod:`.model`, :mod:`.data` and :mod:`.faults`.
"""

from .data import generate_accounts, generate_tasks
from .faults import FAULT_KINDS, Faults
from .model import RequestRecord, Sandbox
from .protocol import Reply
from .server import SandboxServer, serve

__all__ = [
    "FAULT_KINDS",
    "Faults",
    "Reply",
    "RequestRecord",
    "Sandbox",
    "SandboxServer",
    "generate_accounts",
    "generate_tasks",
    "serve",
]
