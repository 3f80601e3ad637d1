"""The cleanup dashboard: one page — a title, where the data comes from, a one-line summary, the panel.

``voila notebooks/dashboard.ipynb`` serves it; in a notebook, ``ugc_nb.dashboard.dashboard()``
shows the same page. Nothing on it goes stale: the summary line follows the panel's frame
after every action, and an empty queue says so instead of showing an empty table.
"""

from __future__ import annotations

import base64
import html
import io
import os
from urllib.parse import urlparse

import ipywidgets as w
import pandas as pd
from matplotlib.figure import Figure

from ..api.client import DEFAULT_BASE_URL, UGCClient, is_sandbox
from ..api.errors import APIConnectionError, APIStatusError, UGCError
from ..api.timeutil import utcnow
from ..cleanup.run import JournalArg
from ..insight.plots import plot_age, plot_status
from ..source import default_client, load_tasks
from ..tasks.units import MISSING, duration, when
from .panel import CleanupPanel

__all__ = ["dashboard", "Dashboard", "source_badge", "summary_line", "overview_cards", "overview_figures", "figure_html",
           "load_problem"]

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
    if df.empty or "status" not in df:
        return "No tasks in this queue: nothing to clean up."
    counts = df["status"].value_counts()
    parts = [f"{len(df):,} tasks on {df['account_id'].nunique():,} accounts"]
    parts += [f"{int(counts.get(s, 0)):,} {s}" for s in ("failed", "scheduled", "pending") if counts.get(s, 0)]
    if "overdue" in df and df["overdue"].any():
        parts.append(f"{int(df['overdue'].sum()):,} overdue")
    return " · ".join(parts)


def overview_cards(df: pd.DataFrame) -> str:
    """The page's overview, as stat cards: tasks and accounts, then scheduled, pending, failed, overdue, and how old
    the oldest failure is (the numbers a queue dashboard opens with)."""
    counts = df["status"].value_counts()
    failed_age = df.loc[df["status"] == "failed", "age"].max() if "age" in df else None
    cards = [(f"{len(df):,}", "tasks"), (f"{df['account_id'].nunique():,}", "accounts")]
    cards += [(f"{int(counts.get(s, 0)):,}", s) for s in ("scheduled", "pending", "failed")]
    cards.append((f"{int(df['overdue'].sum()):,}" if "overdue" in df else MISSING, "overdue"))
    cards.append((duration(failed_age) if failed_age is not None and pd.notna(failed_age) else MISSING, "oldest failure"))
    inner = "".join(f"<div class='ugc-card'><b>{html.escape(value)}</b><span>{html.escape(label)}</span></div>" for value, label in cards)
    return f"<div class='ugc-cards'>{inner}</div>"


def overview_figures(df: pd.DataFrame) -> tuple[Figure, Figure]:
    """The overview's figures, compact: tasks by status and task age by status (the notebooks' own), one figure each so
    they sit side by side on a wide screen and one above the other, each still readable, on a phone."""
    figures = (Figure(figsize=(4.2, 2.9), layout="constrained"), Figure(figsize=(6.3, 2.9), layout="constrained"))
    axes = (plot_status(df, ax=figures[0].subplots()), plot_age(df, ax=figures[1].subplots()))
    for ax in axes:
        ax.title.set_fontsize("medium")
        ax.tick_params(labelsize="small")
    return figures


def figure_html(fig: Figure, alt: str) -> str:
    """``fig`` as an ``<img>`` (a PNG inline: nothing to fetch), as wide as the page allows and no wider than drawn."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96)
    data = base64.b64encode(buffer.getvalue()).decode()
    width = int(fig.get_figwidth() * 96)
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{data}' style='max-width:100%;width:{width}px;height:auto'>"


def load_problem(exc: BaseException, base_url: str) -> str:
    """One line naming why the tasks could not be loaded, and the fix."""
    where = "the sandbox" if is_sandbox(base_url) else (urlparse(base_url).netloc or base_url)
    if isinstance(exc, APIStatusError) and exc.status_code in (401, 403):
        return (f"The API refused the key (HTTP {exc.status_code}) for {where}. "
                "Set UGC_API_KEY to a valid key and start the dashboard again.")
    if isinstance(exc, APIConnectionError):
        return f"Could not reach {where} ({exc.message}). Check the network and UGC_BASE_URL, then reload."
    if isinstance(exc, APIStatusError):
        return f"{where} answered HTTP {exc.status_code} ({exc.message}) while listing the tasks. Reload to try again."
    return f"Could not load the tasks: {exc}. Reload to try again."


class Dashboard(w.VBox):
    """The page: a header (title, where the data comes from, "Data as of …", Reload), the overview, the panel.

    A load that fails (a refused key, a server out of reach, anything) shows the header and one line naming the
    cause and the fix instead of a traceback; Reload tries again. Reload after a good load reads every task again
    and gives the panel the new frame (an action already re-reads the rows it touched)."""

    def __init__(self, client: UGCClient | None, *, journal: JournalArg, title: str) -> None:
        self.client, self.journal, self.title = client, journal, title
        self.panel: CleanupPanel | None = None
        self._summarised: pd.DataFrame | None = None  # the frame the overview shows
        self.header = w.HTML()
        self.as_of = w.HTML()
        self.reload_button = w.Button(description="↻ Reload", tooltip="read every task again", layout=w.Layout(width="auto"))
        self.reload_button.on_click(lambda _: self.reload())
        self.summary = w.HTML()
        self.problem = w.HTML()
        self.bar = w.HBox([self.header, self.as_of, self.reload_button], layout=w.Layout(align_items="center", flex_flow="row wrap"))
        super().__init__([self.bar])
        self.add_class("ugc-dashboard")
        self.reload()

    def reload(self) -> None:
        """Load every task (with account names); show the panel, or the one line that says what went wrong. While an
        action runs, Reload waits for it: it says so and does nothing."""
        if self.panel is not None and self.panel.running is not None and self.panel.running.is_alive():
            self.panel.result.value = "<p>An action is running: Reload when it has finished (its rows are re-read then).</p>"
            return
        base_url = self.client.base_url if self.client is not None else os.environ.get("UGC_BASE_URL") or DEFAULT_BASE_URL
        self.reload_button.disabled = True
        try:
            self.client = self.client or default_client(announce=False)
            base_url = self.client.base_url
            frame = load_tasks(self.client, accounts=True)
        except (UGCError, ValueError, OSError) as exc:
            self._show_problem(load_problem(exc, base_url), base_url)
            return
        finally:
            self.reload_button.disabled = False
        self._header(base_url)
        self.as_of.value = f"<span style='opacity:0.75;margin-left:8px'>Data as of {html.escape(when(utcnow()))}</span>"
        if self.panel is None:
            self.panel = CleanupPanel(frame, self.client, journal=self.journal)
            # the table is sent again whenever the frame changes (an action, Reload); the overview follows the frame
            self.panel.table.observe(self._summarise, names="_dt_args")
            self.panel.result.observe(self._summarise, names="value")  # and every action's one-line result
        else:
            self.panel.df = frame
        self._summarise()
        self.children = [self.bar, self.summary, self.panel]

    def _header(self, base_url: str) -> None:
        self.header.value = (f"<div style='display:flex;align-items:center;gap:12px;margin:4px 0 2px'>"
                             f"<h2 style='margin:0'>{html.escape(self.title)}</h2>{source_badge(base_url)}</div>")

    def _show_problem(self, line: str, base_url: str) -> None:
        self._header(base_url)
        self.as_of.value = ""
        self.problem.value = f"<p style='color:#b00020;font-size:1.1em;margin:10px 0'>{html.escape(line)}</p>"
        self.children = [self.bar, self.problem]

    def _summarise(self, _change: object = None) -> None:
        frame = self.panel.df if self.panel is not None else pd.DataFrame()
        if frame is self._summarised:  # a filter change: the same frame, the same overview
            return
        self._summarised = frame
        empty = frame.empty  # the panel says so itself: one message
        if empty:
            self.summary.value = ""
            return
        status, age = overview_figures(frame)
        images = figure_html(status, "tasks by status") + figure_html(age, "task age by status")
        self.summary.value = f"{overview_cards(frame)}<div class='ugc-figures'>{images}</div>"


def dashboard(client: UGCClient | None = None, *, journal: JournalArg = None, title: str = "Task queue cleanup") -> Dashboard:
    """The dashboard page: loads every task (with account names) from ``client`` — the real API with
    ``UGC_API_KEY``, else the sandbox — and returns the page (``page.panel`` is its panel; None while a load fails)."""
    return Dashboard(client, journal=journal, title=title)
