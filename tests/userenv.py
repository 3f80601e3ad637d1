"""What a user's shell has when they run ugc-nb against a server: the key and base URL set, a private data dir.

Shared by the subprocess tests of the CLI and of the scheduled notebook; the expectations it offers are
computed from the server's own records and the documented rules, not from ugc_nb's code.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ugc_nb import Sandbox


def user_env(server_url: str, tmp_path: Path, key: str) -> dict[str, str]:
    """The environment minus any UGC_* of the developer's, plus UGC_API_KEY, UGC_BASE_URL and XDG_DATA_HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UGC_")}
    return {**env, "UGC_API_KEY": key, "UGC_BASE_URL": server_url, "XDG_DATA_HOME": str(tmp_path / "data"), "COLUMNS": "200"}


@contextlib.contextmanager
def served_sandbox(key: str, *, n_tasks: int, seed: int) -> Iterator[Sandbox]:
    """A sandbox served on loopback; its URL is ``box.url``."""
    box = Sandbox(n_tasks=n_tasks, seed=seed, api_key=key)
    with box.serve() as server:
        box.url = server.url  # type: ignore[attr-defined]
        yield box


def old_failed(box: Sandbox, days: float = 7) -> set[str]:
    """Failed tasks created more than ``days`` ago, straight from the server's records."""
    cutoff = datetime.now(UTC) - timedelta(days=days)
    return {t["id"] for t in box.tasks if t["status"] == "failed" and datetime.fromisoformat(t["created_at"]) < cutoff}
