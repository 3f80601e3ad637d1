"""``CleanupPanel``: filter, pick, confirm, delete or retry — an ipywidgets UI over the cleanup engine.

The panel only gathers a choice from a person and calls :func:`ugc_nb.run_cleanup`;
every rule lives in the engine. Rows are shown with itables' ``ITable`` widget,
which syncs the selection back as positions in the frame it was given: those are
turned into task ids at once and never used later. At most ``max_rows`` rows go to
the browser, and exactly those (the panel says how many are not shown; the table never downsamples);
``select(ids)`` and the banner's "select all N matching" (:meth:`CleanupPanel.select_matching`) reach
every row, shown or not: the one way to act on rows that are not ticked. The confirmation's first line
names what it acts on ("Delete the 1 task you ticked" / "Delete all 47 tasks matching status failed").
A filter change costs a mask over the frame (:mod:`ugc_nb.panel.matching`).
An action runs on a thread of its own (``background=True``), so the Stop button
stays live; :meth:`CleanupPanel.wait` waits for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, Unpack

import ipywidgets as w
import pandas as pd

from ..api.client import UGCClient
from ..api.errors import CleanupInterrupted
from ..cleanup.outcome import CleanupReport
from ..cleanup.plan import Plan, make_plan
from ..cleanup.refresh import frame_after
from ..cleanup.run import CleanupOptions, JournalArg, run_cleanup
from ..insight.filters import TaskFilter
from ..tasks.units import count
from .confirm import ConfirmBox, first_line
from .filterbar import FilterBar
from .matching import Chosen, FrameIndex, Matching, Selection
from .order import OLDEST_FIRST, RowOrder
from .runview import ResultView, RunProgress, summary_parts
from .selection import CountsRow, MatchingBanner, Notice
from .style import PANEL_CSS, error_html
from .style import guard as _guard
from .table import ACTIONABLE, SortableTable, TablePayload, display_frame, table_options, table_view, view_columns, view_rows

__all__ = ["CleanupPanel"]

class CleanupPanel(w.VBox):
    """Interactive cleanup of a task frame: filters, a selectable table, Delete/Retry with confirmation."""

    def __init__(self, df: pd.DataFrame, client: UGCClient, *, max_rows: int = 1000, confirm_threshold: int = 500,
                 background: bool = True, page_length: int = 25, show_all: bool = False, **options: Unpack[CleanupOptions]) -> None:
        """``options`` are the engine's (:class:`~ugc_nb.cleanup.CleanupOptions`: ``journal``, ``batch_size``,
        ``concurrency`` …); the panel supplies ``progress`` and ``stop`` itself. The panel opens on the tasks that can be
        deleted or retried (status scheduled or failed, ticked in the status list; Reset comes back to it);
        ``show_all=True`` opens on every status."""
        own = sorted({"progress", "stop"} & set(options))
        if own:
            raise ValueError(f"CleanupPanel shows its own progress and Stop button; do not pass {', '.join(own)}")
        self.client = client
        self.journal: JournalArg = options.pop("journal", None)
        self.max_rows, self.confirm_threshold, self.page_length, self.background = max_rows, confirm_threshold, page_length, background
        self.engine_options: CleanupOptions = options
        self.report: CleanupReport | None = None
        self.running: threading.Thread | None = None
        self.selection = Selection()
        self._matched: tuple[frozenset[str], str] | None = None  # (ids, filters in words) of the last "select all matching"
        self._syncing = False
        self.error = w.HTML()
        self.order: RowOrder = OLDEST_FIRST  # the table's order: a header click changes it, over all matching rows
        self.filters = FilterBar(df, on_change=self._on_filter, accounts=client.accounts.list, on_error=self.show_error,
                                 default_statuses=() if show_all else ACTIONABLE)
        self.status_filter, self.type_filter = self.filters.choices["status"], self.filters.choices["type"]
        self.account_filter, self.tag_filter = self.filters.choices["account"], self.filters.choices["tag"]
        self.min_age, self.age_presets, self.search = self.filters.min_age, self.filters.age_presets, self.filters.search
        self.created_from, self.created_to = self.filters.created_from, self.filters.created_to
        self.reset_button, self.active_filters = self.filters.reset_button, self.filters.active
        self.df = df  # the setter checks the frame and fills the filters' options
        self.counts_row = row = CountsRow()
        self.counts, self.show_hidden_button, self.clear_hidden_button = row.text, row.show_hidden_button, row.clear_hidden_button
        self.unfilter_button, self.show_all_button = row.unfilter_button, row.show_all_button
        first = table_view(self.df.iloc[:0], max_rows)  # the columns only: _refresh() below fills it
        self.table = SortableTable(display_frame(first), **table_options(first, page_length=page_length))
        self.banner = MatchingBanner(select_all=self.select_matching, clear=lambda: self.select([]))
        self.matching_banner, self.select_matching_button, self.clear_selection_button = self.banner.text, self.banner.select_button, self.banner.clear_button
        self.style = w.HTML(PANEL_CSS)
        self.selected_count = w.HTML()
        self.delete_button = w.Button(description="Delete…", button_style="danger")
        self.retry_button = w.Button(description="↻ Retry…", button_style="warning")
        self.confirm_box = ConfirmBox(on_confirm=self._confirm)
        self.confirm_html, self.confirm_text, self.confirm_message = self.confirm_box.html, self.confirm_box.text, self.confirm_box.message
        self.confirm_button, self.cancel_button = self.confirm_box.confirm_button, self.confirm_box.cancel_button
        self.progress = RunProgress()
        self.result = Notice()
        self.result_view = ResultView()
        self._wire()
        super().__init__(self._layout())
        self.add_class("ugc-panel")
        self._refresh()

    def _wire(self) -> None:
        """Connect the widgets' events to the panel's callbacks."""
        self.table.observe(self._on_table_selection, names="selected_rows")
        self.table.observe(self._on_sort, names="sort")
        self.show_all_button.on_click(lambda _: self.filters.clear("statuses"))
        self.delete_button.on_click(lambda _: self._ask("delete"))
        self.retry_button.on_click(lambda _: self._ask("retry"))
        self.confirm_button.on_click(lambda _: self._confirm())
        self.cancel_button.on_click(lambda _: self._cancel())
        self.show_hidden_button.on_click(lambda _: self.reset_filters())
        self.unfilter_button.on_click(lambda _: self.filters.clear(self.counts_row.emptied_by) if self.counts_row.emptied_by else None)
        self.reset_button.on_click(lambda _: self._reset_all())  # after the filter bar's own: filters, then the selection
        self.clear_hidden_button.on_click(lambda _: self._clear_hidden())

    def _layout(self) -> list[w.Widget]:
        """The panel from top to bottom."""
        buttons = w.HBox([self.selected_count, self.delete_button, self.retry_button], layout=w.Layout(align_items="center"))
        self.actions = w.VBox([buttons, self.confirm_box])  # the confirmation opens in the bar: where the person is looking
        self.actions.add_class("ugc-actions")  # above the table, and stays in view while it scrolls (PANEL_CSS)
        return [
            self.style,
            self.filters,
            self.counts_row,
            self.banner,
            self.actions,
            self.progress,
            self.result,  # short messages, and an action's one-line result: where the person is looking
            self.table,
            self.result_view,  # the per-task result, under the table
            self.error,
        ]

    # -- programmatic surface --------------------------------------------------
    def show_error(self, exc: BaseException) -> None:
        """Show an error in the panel (its type, message, and the traceback folded away)."""
        self.error.value = error_html(exc)

    def choose_preset(self, name: str | None, *, days: float | None = None, tag: str | None = None) -> None:
        """Pick a preset as the dropdown does (``days=`` for old-failures, ``tag=`` for test): the filters it implies are
        set where they show and its own rule is added on top; ``None`` takes it off."""
        self.filters.choose_preset(name, days=days, tag=tag)

    @property
    def plan(self) -> Plan | None:
        """The plan awaiting confirmation (None when no confirmation is open)."""
        return self.confirm_box.plan

    @property
    def filter(self) -> TaskFilter:
        """The filters as currently set."""
        return self.filters.filter

    @property
    def filtered(self) -> pd.DataFrame:
        """All rows matching the filters (shown in the table or not)."""
        return self._matching.rows

    @property
    def matching_count(self) -> int:
        """How many rows match the filters (what the counts line says), without building :attr:`filtered`."""
        return self._matching.count

    @property
    def view(self) -> pd.DataFrame:
        """The table's rows: the first ``min(max_rows, matching)`` matching rows in the table's :attr:`order` (oldest
        first until a header is clicked), picked among all matching rows (a copy)."""
        return self._view.copy()

    def table_payload(self) -> TablePayload:
        """What the table sends to the browser now: the data rows really in it (never downsampled) and its size in bytes."""
        return self.table.payload()

    @property
    def selected_ids(self) -> list[str]:
        """Ids of the selected rows, in selection order."""
        return list(self.selection.ids)

    def select(self, ids: Iterable[str]) -> None:
        """Select tasks by id — any ids of the frame, including rows the table does not show."""
        self._matched = None
        self._select(ids)

    def select_matching(self) -> None:
        """Select every task the filters match, shown in the table or not (the banner's "Select all N matching"):
        the confirmation then says "all N tasks matching <the filters>"."""
        ids = self.filtered["id"].astype(str).tolist()
        self._select(ids)
        words = self.filter.describe(self.filters.names)
        self._matched = (frozenset(ids), "the filters: no filters are set" if words == "no filters" else words)

    def _select(self, ids: Iterable[str]) -> None:
        ids = list(dict.fromkeys([ids] if isinstance(ids, str) else ids))
        chosen = Chosen(self._index, ids)
        unknown = sorted(chosen.missing)
        if unknown:
            raise ValueError(f"{len(unknown)} id(s) are not in this panel's frame: {unknown[:5]}")
        self.selection.set(ids, chosen)
        self._withdraw()
        self._quietly(setattr, self.table, "selected_rows", self.selection.positions_in(self._view["id"]))
        self._update_counts()

    @property
    def hidden_ids(self) -> list[str]:
        """Selected ids that the current filters hide (the table does not show them)."""
        return self._matching.hidden(self.selection.rows(self._index))

    @property
    def chosen(self) -> pd.DataFrame:
        """The selected rows (what Delete… and Retry… act on)."""
        return self._index.rows_of(self.selection.ids)

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
        self._index = FrameIndex(self._df)
        self._ids = self._index.ids  # id → position, hashed once per frame, not per update
        if hasattr(self, "_view"):  # a new frame on a live panel: new options and counts, drop vanished ids, take back any confirmation
            self.filters.set_frame(self._df)
            gone = set(self._index.positions(self.selection.ids)[1])
            self.selection.set([i for i in self.selection.ids if i not in gone])
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
    def _on_filter(self) -> None:
        self._matched = None  # "all matching" named the filters as they were
        self._withdraw()
        self._refresh()

    @_guard
    def _on_table_selection(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        positions = [p for p in change["new"] if 0 <= p < len(self._view)]
        shown = self._view["id"].iloc[positions].tolist()  # positions → ids, at once
        shown_ids = set(self._view["id"])
        self.selection.set([i for i in self.selection.ids if i not in shown_ids] + shown)
        self._matched = None  # a tick or an untick: the selection is the ticked rows again
        self._withdraw()
        self._update_counts()

    @_guard
    def _on_sort(self, change: dict[str, Any]) -> None:  # a header click: [column position, "asc" | "desc"]
        position, direction = change["new"]
        self.sort_by(view_columns(self._view)[position], descending=direction == "desc")

    def sort_by(self, column: str, *, descending: bool = False) -> None:
        """Order the table by a view column (``"age_days"``, ``"account"`` …) as a header click does: the rows shown are
        the first ``max_rows`` of **all** matching rows in that order."""
        if column not in view_columns(self._view) or column == "select":
            raise ValueError(f"cannot sort by {column!r}; the table's columns are {', '.join(view_columns(self._view)[1:])}")
        self.order = RowOrder(column, descending)
        self._refresh()

    @_guard
    def _ask(self, action: str) -> None:
        self.error.value = ""
        self.result_view.clear()  # the previous result belongs to the previous action
        self.result.say("")
        plan = make_plan(action, self.chosen)  # type: ignore[arg-type]
        matched = self._matched is not None and self._matched[0] == frozenset(self.selection.ids)
        if plan.to_send == 0:
            self.confirm_box.dismiss()
            what = "matching the filters" if matched else "selected"
            self.result.say(f"<p>Nothing to {action}: none of the {count(len(plan.ids))} {what} can be {plan.rule.done}.</p>")
            return
        everything = len(plan.ids) == len(self.df) and len(self.df) > 1
        words = self._matched[1] if matched and self._matched is not None else None
        warning = first_line(plan, words, everything=everything, hidden=self.hidden_ids)
        self.confirm_box.ask(plan, warning, needs_typing=plan.to_send > self.confirm_threshold or everything)

    def _on_text_msg(self, widget: Any, content: dict[str, Any], buffers: Any) -> None:
        """Enter in the typed-count box (as the browser sends it)."""
        self.confirm_box.on_text_msg(widget, content, buffers)

    @_guard
    def _confirm(self) -> None:
        if self.confirm_box.refuse():
            return
        plan = self.confirm_box.plan
        assert plan is not None
        self.confirm_box.dismiss()
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
                options: CleanupOptions = {**self.engine_options, "journal": self.journal, "progress": self.progress.update,
                                           "stop": self.progress.stop}
                report = run_cleanup(plan.action, self.client, plan.rows, **options)
            except CleanupInterrupted as stop:  # Ctrl-C / interrupt kernel: show what did happen
                report = stop.report
            self.report = report
            self.selection.set([])  # what was acted on is not offered again (a retried task is now deletable)
            frame, note = frame_after(self.df, report, self.client)
            self.df = frame  # the setter drops vanished ids from the selection and refreshes the view
            status_now = self.df.set_index("id")["status"].astype(object) if len(self.df) else pd.Series(dtype=object)
            self.result_view.show(report, status_now, sent=plan.to_send, names=self.filters.names)
            self.result.say(f"<p style='margin:4px 0'><b>{' · '.join(summary_parts(report))}</b> "
                            "<span style='opacity:.75'>— every task's outcome is under the table</span></p>", passing=False)
            if note:
                self.result_view.note(note)
        finally:
            self.progress.finish()
            self._set_busy(False)

    def reset_filters(self) -> None:
        """Reset the filters (every selected row comes into view: every status too, when one is pending or complete)."""
        self.filters.reset()
        if self.hidden_ids:
            self.filters.clear("statuses")

    @_guard
    def _reset_all(self) -> None:
        """The Reset button: every filter and search box (done by the filter bar), the selection, and the last message."""
        self.select([])
        self.result.say("")
        if self.order != OLDEST_FIRST:  # the table's order too
            self.sort_by(OLDEST_FIRST.column, descending=OLDEST_FIRST.descending)

    @_guard
    def _clear_hidden(self) -> None:
        """Unselect the rows the filters hide."""
        hidden = set(self.hidden_ids)
        self.selection.set([i for i in self.selection.ids if i not in hidden])
        self._withdraw()
        self._quietly(setattr, self.table, "selected_rows", self.selection.positions_in(self._view["id"]))
        self._update_counts()

    @_guard
    def _cancel(self) -> None:
        self.confirm_box.dismiss()
        self.result.say("<p>Cancelled; nothing was sent.</p>")

    # -- internals ------------------------------------------------------------
    def _withdraw(self) -> None:
        """A pending confirmation no longer matches what is chosen: take it back."""
        if self.confirm_box.plan is None:
            self.result.clear_passing()  # "Cancelled", "Nothing to delete": said of the selection that was
        else:
            self.confirm_box.dismiss()
            self.result.say("<p>The selection or the filters changed, so the confirmation was withdrawn: press Delete… or Retry… again.</p>")

    def _set_busy(self, busy: bool) -> None:
        for button in (self.delete_button, self.retry_button, self.confirm_button, self.cancel_button):
            button.disabled = busy
        if not busy:
            self._update_counts()

    def _refresh(self) -> None:
        self.filters.recount(self._df)  # each list counts within the other filters
        self._matching = Matching(self._index, self.filter)
        self._view = view_rows(self._matching.first(self.max_rows, self.order, self.filters.names))  # only these become text
        self._quietly(self.table.update, display_frame(self._view), selected_rows=self.selection.positions_in(self._view["id"]),
                      **table_options(self._view, page_length=self.page_length, order=self.order))
        self._update_counts()

    def _quietly(self, change: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        """Change the table without taking its echo for a person's tick."""
        self._syncing = True
        try:
            change(*args, **kwargs)
        finally:
            self._syncing = False

    def _show_empty_queue(self, empty: bool) -> None:
        """An empty queue is one message: no filter lists, table, buttons or pager to look at."""
        for part in (self.filters, self.counts_row, self.banner, self.actions, self.table):
            part.layout.display = "none" if empty else ""
        if empty:
            self.result.say("<p>No tasks in this queue: nothing to clean up.</p>")
        elif "No tasks in this queue" in self.result.value:  # a Reload found tasks again
            self.result.clear_passing()

    def _update_counts(self) -> None:
        self.filters.describe()
        matching, shown = self._matching.count, len(self._view)
        chosen = self.selection.rows(self._index)
        outside = len(self._matching.hidden(chosen))
        start, end = self.created_from.value, self.created_to.value
        emptied = matching == 0 and len(self.df) and not self.filter.is_empty()  # say which filter emptied it, with a way back
        others = bool(set(self._index.statuses) - set(self.status_filter.value or self._index.statuses))  # statuses left out
        self.counts_row.update(hidden=outside, matching=matching, total=len(self.df), shown=shown, others=others,
                               inverted=bool(start and end and start > end), first=self.order.words(shown),
                               steps=self.filter.narrowing(self.df, self.filters.names) if emptied else None)
        self._show_empty_queue(len(self.df) == 0)
        page = int(self._view["status"].iloc[: self.page_length].isin(ACTIONABLE).sum())  # the boxes on the first page
        self.banner.update(in_view=len(set(self.selection.ids) & set(self._view["id"])), matching=matching, page=page,
                           everything=self._matching.all_chosen(chosen))
        in_scope, failed = len(chosen.rows), bool(self._index.failed[chosen.rows].any())
        self.retry_button.disabled = not failed if in_scope else True
        self.delete_button.disabled = in_scope == 0
        self.selected_count.value = f"<span style='margin-right:8px'><b>{in_scope:,}</b> selected</span>"
