"""The cleanup dashboard: one page — a title, where the data comes from, a one-line summary, the panel.

``voila notebooks/dashboard.ipynb`` serves it; in a notebook, ``ugc_nb.dashboard.dashboard()``
shows the same page. Nothing on it goes stale: the summary line follows the panel's frame
after every action, and an empty queue says so instead of showing an empty table.
"""

from __future__ import annotations

import html
from urllib.parse import urlparse

import ipywidgets as w
import pandas as pd

from ..api.client import UGCClient, is_sandbox
from ..cleanup.run import JournalArg
from ..source import default_client, load_tasks
from .panel import CleanupPanel

__all__ = ["dashboard", "source_badge", "summary_line"]

_BADGE = (
    "<span style='display:inline-block;padding:2px 10px;border-radius:10px;font-size:12px;font-weight:600;"
    "background:{bg};color:{fg}'>{text}</span>"
)


def source_badge(base_url: str) -> str:
    """HTML badge naming where the tasks come from: the sandbox, or the API's host."""
    if is_sandbox(base_url):
        return _BADGE.format(bg="#fff3cd", fg="#7a5b00", text="SANDBOX · synthetic data, nothing real is deleted")
    host = urlparse(base_url).netloc or base_url
    return _BADGE.format(bg="#fde2e1", fg="#8a1c1c", text=f"LIVE · {html.escape(host)} — deletions are permanent")


def summary_line(df: pd.DataFrame) -> str:
    """'1,443 tasks on 57 accounts · 259 failed · 150 scheduled · 12 overdue', or that the queue is empty."""
    if df.empty:
        return "No tasks in this queue: nothing to clean up."
    counts = df["status"].value_counts()
    parts = [f"{len(df):,} tasks on {df['account_id'].nunique():,} accounts"]
    parts += [f"{int(counts.get(s, 0)):,} {s}" for s in ("failed", "scheduled", "pending") if counts.get(s, 0)]
    if "overdue" in df and df["overdue"].any():
        parts.append(f"{int(df['overdue'].sum()):,} overdue")
    return " · ".join(parts)


def dashboard(client: UGCClient | None = None, *, journal: JournalArg = None, title: str = "Task queue cleanup") -> w.VBox:
    """The dashboard page: loads every task (with account names) from ``client`` — the real API with
    ``UGC_API_KEY``, else the sandbox — and returns the page, its panel first."""
    client = client or default_client(announce=False)
    panel = CleanupPanel(load_tasks(client, accounts=True), client, journal=journal)
    header = w.HTML(
        f"<div style='display:flex;align-items:center;gap:12px;margin:4px 0 2px'>"
        f"<h2 style='margin:0'>{html.escape(title)}</h2>{source_badge(client.base_url)}</div>"
    )
    summary = w.HTML()

    def refresh(_change: object = None) -> None:
        summary.value = f"<p style='margin:2px 0 8px;opacity:0.75'>{html.escape(summary_line(panel.df))}</p>"

    refresh()
    panel.counts.observe(refresh, names="value")  # the counts line changes whenever the frame does
    page = w.VBox([header, summary, panel])
    page.panel = panel  # for scripts and tests
    return page
