"""``CleanupPanel``: filter, pick, confirm, delete or retry — an ipywidgets UI over the cleanup engine.

The panel only gathers a choice from a person and calls :func:`ugc_nb.run_cleanup`;
every rule lives in the engine. Rows are shown with itables' ``ITable`` widget,
which syncs the selection back as positions in the frame it was given: those are
turned into task ids at once and never used later. At most ``max_rows`` rows go to
the browser (the panel says how many are not shown); ``select(ids)``, "select all N
matching" and the "all matching the filters" scope reach every row, shown or not.
An action runs on a thread of its own (``background=True``), so the Stop button
stays live; :meth:`CleanupPanel.wait` waits for it.
"""

from __future__ import annotations

import functools
import html
import logging
import threading
import traceback
from collections.abc import Callable, Iterable
from typing import Any

import ipywidgets as w
import pandas as pd
from itables.widget import ITable

from .choice import ChoiceFilter, IsoDate
from ..api.errors import CleanupInterrupted
from ..cleanup.run import JournalArg, run_cleanup
from ..api.client import UGCClient
from .filters import TaskFilter
from ..cleanup.outcome import CleanupReport
from ..cleanup.plan import Plan, make_plan
from ..cleanup.refresh import frame_after
from .runview import ResultView, RunProgress
from .table import display_frame, table_options, table_view

__all__ = ["CleanupPanel"]

logger = logging.getLogger("ugc_nb")


def _guard(method: Callable[..., None]) -> Callable[..., None]:
    """Show any exception from a widget callback in the panel instead of losing it."""

    @functools.wraps(method)
    def wrapper(self: CleanupPanel, *args: Any) -> None:
        try:
            method(self, *args)
        except Exception as exc:  # noqa: BLE001 - shown to the person, and logged
            logger.exception("cleanup panel: %s failed", method.__name__)
            self.error.value = (
                f"<div style='color:#b00020'><b>{html.escape(type(exc).__name__)}:</b> {html.escape(str(exc))}"
                f"<details><summary>details</summary><pre>{html.escape(traceback.format_exc())}</pre></details></div>"
            )
            self._set_busy(False)

    return wrapper


class CleanupPanel(w.VBox):
    """Interactive cleanup of a task frame: filters, a selectable table, Delete/Retry with confirmation."""

    def __init__(
        self,
        df: pd.DataFrame,
        client: UGCClient,
        *,
        journal: JournalArg = None,
        max_rows: int = 1000,
        confirm_threshold: int = 500,
        batch_size: int = 100,
        concurrency: int = 4,
        background: bool = True,
        page_length: int = 25,
    ) -> None:
        self.client = client
        self.journal = journal
        self.max_rows = max_rows
        self.confirm_threshold = confirm_threshold
        self.page_length = page_length
        self.background = background
        self.engine_options = {"batch_size": batch_size, "concurrency": concurrency}
        self.report: CleanupReport | None = None
        self.plan: Plan | None = None
        self.running: threading.Thread | None = None
        self._selected: list[str] = []
        self._syncing = False
        self._syncing_filters = False

        self.status_filter = ChoiceFilter("status", width="170px")
        self.type_filter = ChoiceFilter("type", width="230px")
        self.account_filter = ChoiceFilter("account", width="330px")
        self.tag_filter = ChoiceFilter("tag", width="170px")
        self.df = df  # the setter checks the frame and fills the filters' options
        self.min_age = w.BoundedFloatText(value=0, min=0, max=10_000, step=1, description="min age (days)", continuous_update=True,
                                          style={"description_width": "initial"}, layout=w.Layout(width="170px"))
        self.created_from = IsoDate("created from")
        self.created_to = IsoDate("to")
        self.search = w.Text(placeholder="id, account or username contains…", description="search", continuous_update=True)
        self.age_presets = [w.Button(description=f"{d} d", tooltip=f"tasks at least {d} days old", layout=w.Layout(width="52px"))
                            for d in (1, 7, 30)]
        for button, days in zip(self.age_presets, (1, 7, 30)):
            button.on_click(lambda _, d=days: setattr(self.min_age, "value", d))
        self.reset_button = w.Button(description="Reset", tooltip="clear every filter", layout=w.Layout(width="auto"))
        self.active_filters = w.HTML()
        self.scope_toggle = w.ToggleButtons(options=[("selected rows", "selected"), ("all matching the filters", "filtered")], value="selected")
        self.counts = w.HTML()
        first = table_view(self.df, max_rows)
        self.table = ITable(display_frame(first), **table_options(first, page_length=page_length))
        self.show_hidden_button = _link_button("show", "reset the filters so every selected row is shown")
        self.clear_hidden_button = _link_button("clear", "unselect the rows the filters hide")
        self.matching_banner = w.HTML()
        self.select_matching_button = _link_button("select all matching", "select every task the filters match, shown or not")
        self.clear_selection_button = _link_button("clear selection", "unselect every task")
        self.delete_button = w.Button(description="Delete…", button_style="danger", icon="trash")
        self.retry_button = w.Button(description="Retry…", button_style="warning", icon="redo")
        self.confirm_html = w.HTML()
        self.confirm_text = w.Text(placeholder="type the number of tasks to confirm", layout=w.Layout(width="300px", display="none"))
        self.confirm_button = w.Button(description="Confirm", button_style="danger")
        self.cancel_button = w.Button(description="Cancel")
        self.confirm_message = w.HTML()
        self.confirm_box = w.VBox(
            [self.confirm_html, self.confirm_text, w.HBox([self.confirm_button, self.cancel_button]), self.confirm_message],
            layout=w.Layout(display="none", border="1px solid #d33", padding="6px"),
        )
        self.progress = RunProgress()
        self.result = w.HTML()
        self.result_view = ResultView()
        self.error = w.HTML()

        filters = [self.status_filter, self.type_filter, self.account_filter] + ([self.tag_filter] if "tag" in self.df else [])
        for widget in [*filters, self.min_age, self.created_from, self.created_to, self.search]:
            widget.observe(self._on_filter, names="value")
        self.scope_toggle.observe(self._on_scope, names="value")
        self.table.observe(self._on_table_selection, names="selected_rows")
        self.delete_button.on_click(lambda _: self._ask("delete"))
        self.retry_button.on_click(lambda _: self._ask("retry"))
        self.confirm_button.on_click(lambda _: self._confirm())
        self.cancel_button.on_click(lambda _: self._cancel())
        self.confirm_text.observe(self._on_typed, names="value")
        self.confirm_text.on_msg(self._on_text_msg)  # Enter in the box submits
        self.show_hidden_button.on_click(lambda _: self.reset_filters())
        self.reset_button.on_click(lambda _: self.reset_filters())
        self.clear_hidden_button.on_click(lambda _: self._clear_hidden())
        self.select_matching_button.on_click(lambda _: self.select(self._filtered["id"].astype(str)))
        self.clear_selection_button.on_click(lambda _: self.select([]))

        super().__init__(
            [
                w.HBox(filters, layout=w.Layout(flex_flow="row wrap")),
                w.HBox([self.min_age, *self.age_presets, self.created_from, self.created_to, self.search, self.reset_button],
                       layout=w.Layout(flex_flow="row wrap", align_items="center")),
                self.active_filters,
                w.HBox([self.counts, self.show_hidden_button, self.clear_hidden_button], layout=w.Layout(align_items="center")),
                w.HBox([self.matching_banner, self.select_matching_button, self.clear_selection_button], layout=w.Layout(align_items="center")),
                self.table,
                w.HBox([self.scope_toggle, self.delete_button, self.retry_button]),
                self.confirm_box,
                self.progress,
                self.result,
                self.result_view,
                self.error,
            ]
        )
        self.add_class("ugc-panel")
        self._refresh()

    # -- programmatic surface --------------------------------------------------
    @property
    def filter(self) -> TaskFilter:
        """The filters as currently set."""
        return TaskFilter(
            statuses=self.status_filter.value,
            types=self.type_filter.value,
            accounts=self.account_filter.value,
            tags=self.tag_filter.value,
            min_age_days=self.min_age.value or 0.0,
            created_from=self.created_from.value,
            created_to=self.created_to.value,
            search=self.search.value,
        )

    @property
    def filtered(self) -> pd.DataFrame:
        """All rows matching the filters (shown in the table or not)."""
        return self._filtered

    @property
    def selected_ids(self) -> list[str]:
        """Ids of the selected rows, in selection order."""
        return list(self._selected)

    @property
    def scope(self) -> str:
        """``"selected"`` (the selected rows) or ``"filtered"`` (all rows matching the filters)."""
        return self.scope_toggle.value

    @scope.setter
    def scope(self, value: str) -> None:
        if value not in ("selected", "filtered"):
            raise ValueError(f"scope must be 'selected' or 'filtered', got {value!r}")
        self.scope_toggle.value = value

    def select(self, ids: Iterable[str]) -> None:
        """Select tasks by id — any ids of the frame, including rows the table does not show."""
        ids = list(dict.fromkeys([ids] if isinstance(ids, str) else ids))
        unknown = sorted(set(ids) - set(self._ids))
        if unknown:
            raise ValueError(f"{len(unknown)} id(s) are not in this panel's frame: {unknown[:5]}")
        self._selected = ids
        self._withdraw()
        self._sync_table_selection()
        self._update_counts()

    @property
    def hidden_ids(self) -> list[str]:
        """Selected ids that the current filters hide (the table does not show them)."""
        if not self._selected:
            return []
        matching = set(self._filtered["id"].astype(str))
        return [i for i in self._selected if i not in matching]

    @property
    def chosen(self) -> pd.DataFrame:
        """The rows in scope: the selected ones, or all matching the filters."""
        if self.scope == "filtered":
            return self._filtered
        if self._ids.is_unique:  # the usual case: one hash lookup per selected id
            positions = self._ids.get_indexer(self._selected)
            return self.df.iloc[positions[positions >= 0]].reset_index(drop=True)  # -1 would be the last row
        present = [i for i in self._selected if i in set(self._ids)]
        return self.df.set_index(self._ids, drop=False).loc[present].reset_index(drop=True)

    @property
    def df(self) -> pd.DataFrame:
        """The task frame the panel works on; rows leave it as they are deleted."""
        return self._df

    @df.setter
    def df(self, frame: pd.DataFrame) -> None:
        missing = [c for c in ("id", "status", "type", "account_id", "created_at", "age") if c not in frame]
        if missing:
            raise ValueError(f"CleanupPanel needs a task frame (ugc_nb.load_tasks); missing columns: {', '.join(missing)}")
        self._df = frame.reset_index(drop=True)
        self._ids = pd.Index(self._df["id"].astype(str))  # id → position, hashed once per frame, not per update
        self._syncing_filters = True
        try:
            for choice, column in ((self.status_filter, "status"), (self.type_filter, "type"),
                                   (self.account_filter, "account_id"), (self.tag_filter, "tag")):
                choice.set_options(_counted(self._df, column))
        finally:
            self._syncing_filters = False
        if hasattr(self, "_view"):  # a new frame on a live panel: drop vanished ids, take back any confirmation
            present = set(self._ids)
            self._selected = [i for i in self._selected if i in present]
            self._withdraw()
            self._refresh()

    def wait(self, timeout: float | None = 120) -> None:
        """Wait for the running action (if any) to finish — for scripts and tests."""
        thread = self.running
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                raise TimeoutError(f"the {self.report.action if self.report else 'cleanup'} run did not finish in {timeout} s")

    def stop(self) -> None:
        """As the Stop button: the requests on the wire finish, nothing more is sent."""
        self.progress.request_stop()

    # -- callbacks ------------------------------------------------------------
    @_guard
    def _on_filter(self, _change: Any) -> None:
        if self._syncing_filters:
            return
        self._withdraw()
        self._refresh()

    @_guard
    def _on_scope(self, _change: Any) -> None:
        self._withdraw()
        self._update_counts()

    @_guard
    def _on_table_selection(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        positions = [p for p in change["new"] if 0 <= p < len(self._view)]
        shown = self._view["id"].iloc[positions].tolist()  # positions → ids, at once
        shown_ids = set(self._view["id"])
        outside = [i for i in self._selected if i not in shown_ids]
        self._selected = outside + shown
        self._withdraw()
        self._update_counts()

    @_guard
    def _ask(self, action: str) -> None:
        self.error.value = ""
        self.result_view.clear()  # the previous result belongs to the previous action
        self.result.value = ""
        plan = make_plan(action, self.chosen)  # type: ignore[arg-type]
        if plan.to_send == 0:
            self.plan = None
            self.confirm_box.layout.display = "none"
            what = "selected" if self.scope == "selected" else "matching the filters"
            self.result.value = f"<p>Nothing to {action}: none of the {len(plan.ids):,} task(s) {what} can be {plan.rule.done}.</p>"
            return
        self.plan = plan
        everything = self.scope == "filtered" and self.filter.is_empty()
        warning = "<p style='color:#b00020'><b>No filters are set: this is every task in the frame.</b></p>" if everything else ""
        hidden = self.hidden_ids if self.scope == "selected" else []
        if hidden:
            shown = ", ".join(html.escape(i) for i in hidden[:10]) + (f", … {len(hidden) - 10:,} more" if len(hidden) > 10 else "")
            warning += (f"<p style='color:#b00020'><b>{len(hidden):,} of the selected tasks are hidden by the current filters</b> "
                        f"and are included: {shown}</p>")
        self.confirm_html.value = warning + plan._repr_html_()
        self.confirm_button.description = f"Confirm: {plan.rule.verb.lower()} {plan.to_send:,}"
        self.confirm_button.button_style = "danger" if action == "delete" else "warning"
        self.confirm_box.layout.border = f"1px solid {'#d33' if action == 'delete' else '#e0a800'}"
        needs_typing = plan.to_send > self.confirm_threshold or everything
        self.confirm_text.value = ""
        self.confirm_text.layout.display = "" if needs_typing else "none"
        self.confirm_text.placeholder = f"type {plan.to_send} to confirm, then Enter"
        self.confirm_button.disabled = needs_typing  # until the typed count matches
        self.confirm_message.value = ""
        self.confirm_box.layout.display = ""

    def _typed_matches(self) -> bool:
        plan = self.plan
        return plan is not None and self.confirm_text.value.strip().replace(",", "") == str(plan.to_send)

    @_guard
    def _on_typed(self, _change: Any) -> None:
        if self.plan is not None and self.confirm_text.layout.display != "none":
            self.confirm_button.disabled = not self._typed_matches()

    def _on_text_msg(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        if content.get("event") == "submit":
            self._confirm()

    @_guard
    def _confirm(self) -> None:
        plan = self.plan
        if plan is None:
            self.confirm_message.value = "<p>Nothing to confirm: press Delete or Retry first.</p>"
            return
        if self.confirm_text.layout.display != "none" and not self._typed_matches():
            self.confirm_message.value = (
                f"<p style='color:#b00020'>This will {plan.action} {plan.to_send:,} tasks: type <b>{plan.to_send}</b> "
                f"in the box to confirm (got {html.escape(self.confirm_text.value.strip() or 'nothing')}).</p>"
            )
            return
        self.plan = None
        self.confirm_box.layout.display = "none"
        self._set_busy(True)
        self.progress.start(plan.action, plan.to_send)
        if self.background:
            self.running = threading.Thread(target=self._run, args=(plan,), name="ugc-nb-panel", daemon=True)
            self.running.start()
        else:
            self._run(plan)

    @_guard
    def _run(self, plan: Plan) -> None:
        assert plan.rows is not None
        try:
            try:
                report = run_cleanup(plan.action, self.client, plan.rows, journal=self.journal, progress=self.progress.update,
                                     stop=self.progress.stop, **self.engine_options)  # type: ignore[arg-type]
            except CleanupInterrupted as stop:  # Ctrl-C / interrupt kernel: show what did happen
                report = stop.report
            self.report = report
            self._selected = []  # what was acted on is not offered again (a retried task is now deletable)
            frame, note = frame_after(self.df, report, self.client)
            self.df = frame  # the setter drops vanished ids from the selection and refreshes the view
            status_now = self.df.set_index("id")["status"].astype(object) if len(self.df) else pd.Series(dtype=object)
            self.result_view.show(report, status_now, sent=plan.to_send)
            if note:
                self.result_view.note(note)
        finally:
            self.progress.finish()
            self._set_busy(False)

    @_guard
    def reset_filters(self) -> None:
        """Reset the filters (every selected row comes into view)."""
        self._syncing_filters = True
        try:
            for widget in (self.status_filter, self.type_filter, self.account_filter, self.tag_filter):
                widget.value = ()
            self.min_age.value = 0
            self.created_from.value = self.created_to.value = None
            self.search.value = ""
        finally:
            self._syncing_filters = False
        self._withdraw()
        self._refresh()

    @_guard
    def _clear_hidden(self) -> None:
        """Unselect the rows the filters hide."""
        hidden = set(self.hidden_ids)
        self._selected = [i for i in self._selected if i not in hidden]
        self._withdraw()
        self._sync_table_selection()
        self._update_counts()

    @_guard
    def _cancel(self) -> None:
        self.plan = None
        self.confirm_box.layout.display = "none"
        self.result.value = "<p>Cancelled; nothing was sent.</p>"

    # -- internals ------------------------------------------------------------
    def _withdraw(self) -> None:
        """A pending confirmation no longer matches what is chosen: take it back."""
        if self.plan is not None:
            self.plan = None
            self.confirm_box.layout.display = "none"
            self.result.value = "<p>The selection or the filters changed, so the confirmation was withdrawn: press Delete… or Retry… again.</p>"

    def _set_busy(self, busy: bool) -> None:
        for button in (self.delete_button, self.retry_button, self.confirm_button, self.cancel_button):
            button.disabled = busy
        if not busy:
            self._update_counts()

    def _refresh(self) -> None:
        self._filtered = self.filter.apply(self.df)
        self._view = table_view(self._filtered, self.max_rows)
        self._syncing = True
        try:
            self.table.update(display_frame(self._view), selected_rows=self._positions(),
                              **table_options(self._view, page_length=self.page_length))
        finally:
            self._syncing = False
        self._update_counts()

    def _positions(self) -> list[int]:
        where = {task_id: k for k, task_id in enumerate(self._view["id"])}
        return [where[i] for i in self._selected if i in where]

    def _sync_table_selection(self) -> None:
        self._syncing = True
        try:
            self.table.selected_rows = self._positions()
        finally:
            self._syncing = False

    def _update_counts(self) -> None:
        self.active_filters.value = f"<span style='opacity:0.75'>Filters: {html.escape(self.filter.describe())}</span>"
        matching, shown = len(self._filtered), len(self._view)
        hidden = f" — the table holds the oldest {shown:,}; {matching - shown:,} not shown (narrow the filters, or act on all matching)" if shown < matching else ""
        outside = len(self.hidden_ids)
        note = f" · <b>{outside:,}</b> selected are hidden by the filters" if outside else ""
        for button in (self.show_hidden_button, self.clear_hidden_button):
            button.layout.display = "" if outside else "none"
        start, end = self.created_from.value, self.created_to.value
        if start and end and start > end:
            hidden += " — the created-date range is inverted (from is after to), so nothing can match"
        self.counts.value = f"<b>{len(self._selected):,}</b> selected{note} · <b>{matching:,}</b> of {len(self.df):,} tasks match the filters{hidden}"
        self._update_banner(matching, shown)
        chosen = self.chosen
        self.retry_button.disabled = not bool((chosen["status"] == "failed").any()) if len(chosen) else True
        self.delete_button.disabled = len(chosen) == 0

    def _update_banner(self, matching: int, shown: int) -> None:
        """Gmail's "select all N matching": offered once a page's worth (or every row shown) is selected."""
        selected = set(self._selected)
        in_view = len(selected & set(self._view["id"]))
        everything = matching > 0 and selected >= set(self._filtered["id"].astype(str))
        offer = not everything and in_view >= min(self.page_length, shown) > 0 and matching > in_view
        if everything:
            self.matching_banner.value = f"All <b>{matching:,}</b> tasks matching the filters are selected."
        elif offer:
            self.matching_banner.value = f"<b>{in_view:,}</b> shown tasks are selected."
        else:
            self.matching_banner.value = ""
        self.select_matching_button.description = f"Select all {matching:,} matching"
        self.select_matching_button.layout.display = "" if offer else "none"
        self.clear_selection_button.layout.display = "" if (offer or everything) else "none"


def _link_button(text: str, tooltip: str) -> w.Button:
    """A small, quiet button that reads like a link in a sentence (hidden until needed)."""
    button = w.Button(description=text, tooltip=tooltip, layout=w.Layout(width="auto", display="none"))
    button.add_class("ugc-link")
    return button


def _counted(df: pd.DataFrame, column: str) -> list[tuple[str, str]]:
    """(label, value) options of ``column`` with task counts: "failed · 51", "nate (acc_3) · 25"."""
    if column not in df or df.empty:
        return []
    values = df[column].astype(object)
    counts = values[values.notna()].astype(str).value_counts()
    names: dict[str, str] = {}
    if column == "account_id" and "username" in df:
        pairs = df[["account_id", "username"]].dropna().astype(str).drop_duplicates("account_id")
        names = {a: f"{u} ({a})" for a, u in zip(pairs["account_id"], pairs["username"]) if u}
    order = list(df[column].cat.categories) if isinstance(df[column].dtype, pd.CategoricalDtype) and column == "status" else sorted(counts.index)
    return [(f"{names.get(v, v)} · {int(counts[v]):,}", v) for v in order if v in counts.index]
