"""``CleanupPanel``: filter, pick, confirm, delete or retry — an ipywidgets UI over the cleanup engine.

The panel only gathers a choice from a person and calls :func:`ugc_nb.run_cleanup`;
every rule lives in the engine. Rows are shown with itables' ``ITable`` widget,
which syncs the selection back as positions in the frame it was given: those are
turned into task ids at once and never used later. At most ``max_rows`` rows go to
the browser (the panel says how many are not shown); ``select(ids)`` and the
"all matching the filters" scope reach every row, shown or not.
"""

from __future__ import annotations

import base64
import functools
import html
import logging
import traceback
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import ipywidgets as w
import pandas as pd
from itables.widget import ITable

from .cleanup import CleanupInterrupted, JournalArg, live_tasks, run_cleanup
from .client import UGCClient
from .errors import APIError, UnknownValueWarning
from .filters import TaskFilter, table_view
from .outcome import CleanupReport
from .plan import Plan, make_plan
from .frame import DEFAULT_GRACE, tasks_frame

__all__ = ["CleanupPanel"]

logger = logging.getLogger("ugc_nb")

#: Options for the table, passed on creation *and on every update* (``ITable.update`` replaces the
#: options it is given): no DataTables downsampling behind the panel's own row bound, and no
#: DataTables search box — the panel's search filter is the only one, so what the table shows is
#: what "all matching the filters" acts on.
TABLE_OPTIONS: dict[str, Any] = {
    "select": True,
    "maxBytes": 0,
    "layout": {"topEnd": None},
    "classes": "display compact",
    "style": "table-layout:auto;width:100%",
}


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
    ) -> None:
        self.df = df.reset_index(drop=True)
        self.client = client
        self.journal = journal
        self.max_rows = max_rows
        self.confirm_threshold = confirm_threshold
        self.engine_options = {"batch_size": batch_size, "concurrency": concurrency}
        self.report: CleanupReport | None = None
        self.plan: Plan | None = None
        self._selected: list[str] = []
        self._syncing = False
        self._syncing_filters = False

        def choices(column: str) -> list[str]:
            return sorted(self.df[column].dropna().astype(str).unique()) if column in self.df else []

        layout = w.Layout(width="180px")
        self.status_filter = w.SelectMultiple(options=[s for s in self.df["status"].cat.categories], rows=4, description="status", layout=layout)
        self.type_filter = w.SelectMultiple(options=choices("type"), rows=5, description="type", layout=w.Layout(width="260px"))
        self.account_filter = w.SelectMultiple(options=choices("account_id"), rows=5, description="account", layout=w.Layout(width="260px"))
        self.tag_filter = w.SelectMultiple(options=choices("tag"), rows=5, description="tag", layout=layout)
        self.min_age = w.BoundedFloatText(value=0, min=0, max=10_000, step=1, description="min age (days)", style={"description_width": "initial"}, layout=w.Layout(width="180px"))
        self.created_from = w.DatePicker(description="created from")
        self.created_to = w.DatePicker(description="to")
        self.search = w.Text(placeholder="id or account contains…", description="search")
        self.age_presets = [w.Button(description=f"{d} d", tooltip=f"tasks at least {d} days old", layout=w.Layout(width="52px"))
                            for d in (1, 7, 30)]
        for button, days in zip(self.age_presets, (1, 7, 30)):
            button.on_click(lambda _, d=days: setattr(self.min_age, "value", d))
        self.reset_button = w.Button(description="Reset", tooltip="clear every filter", layout=w.Layout(width="auto"))
        self.active_filters = w.HTML()
        self.scope_toggle = w.ToggleButtons(options=[("selected rows", "selected"), ("all matching the filters", "filtered")], value="selected")
        self.counts = w.HTML()
        self.table = ITable(table_view(self.df, max_rows), **TABLE_OPTIONS)
        self.show_hidden_button = w.Button(description="show", tooltip="reset the filters so every selected row is shown",
                                           layout=w.Layout(width="auto", display="none"))
        self.clear_hidden_button = w.Button(description="clear", tooltip="unselect the rows the filters hide",
                                            layout=w.Layout(width="auto", display="none"))
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
        self.progress = w.IntProgress(value=0, min=0, max=1, description="", layout=w.Layout(display="none"))
        self.result = w.HTML()
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
        self.show_hidden_button.on_click(lambda _: self.reset_filters())
        self.reset_button.on_click(lambda _: self.reset_filters())
        self.clear_hidden_button.on_click(lambda _: self._clear_hidden())

        super().__init__(
            [
                w.HBox(filters),
                w.HBox([self.min_age, *self.age_presets, self.created_from, self.created_to, self.search, self.reset_button]),
                self.active_filters,
                w.HBox([self.counts, self.show_hidden_button, self.clear_hidden_button]),
                self.table,
                w.HBox([self.scope_toggle, self.delete_button, self.retry_button]),
                self.confirm_box,
                self.progress,
                self.result,
                self.error,
            ]
        )
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
        unknown = sorted(set(ids) - set(self.df["id"].astype(str)))
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
        if hasattr(self, "_view"):  # a new frame on a live panel: drop vanished ids, take back any confirmation
            present = set(self._ids)
            self._selected = [i for i in self._selected if i in present]
            self._withdraw()
            self._refresh()

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
        hidden = [i for i in self._selected if i not in shown_ids]
        self._selected = hidden + shown
        self._withdraw()
        self._update_counts()

    @_guard
    def _ask(self, action: str) -> None:
        self.error.value = ""
        plan = make_plan(action, self.chosen)  # type: ignore[arg-type]
        if plan.to_send == 0:
            self.plan = None
            self.confirm_box.layout.display = "none"
            what = "selected" if self.scope == "selected" else "matching the filters"
            self.result.value = f"<p>Nothing to {action}: none of the {len(plan.ids)} task(s) {what} can be {plan.rule.done}.</p>"
            return
        self.plan = plan
        everything = self.scope == "filtered" and self.filter.is_empty()
        warning = "<p style='color:#b00020'><b>No filters are set: this is every task in the frame.</b></p>" if everything else ""
        hidden = self.hidden_ids if self.scope == "selected" else []
        if hidden:
            shown = ", ".join(html.escape(i) for i in hidden[:10]) + (f", … {len(hidden) - 10} more" if len(hidden) > 10 else "")
            warning += (f"<p style='color:#b00020'><b>{len(hidden)} of the selected tasks are hidden by the current filters</b> "
                        f"and are included: {shown}</p>")
        self.result.value = ""  # the previous result belongs to the previous action
        self.confirm_html.value = warning + plan._repr_html_()
        self.confirm_button.description = f"Confirm: {plan.rule.verb.lower()} {plan.to_send:,}"
        self.confirm_button.button_style = "danger" if action == "delete" else "warning"
        needs_typing = plan.to_send > self.confirm_threshold or everything
        self.confirm_text.value = ""
        self.confirm_text.layout.display = "" if needs_typing else "none"
        self.confirm_text.placeholder = f"type {plan.to_send} to confirm"
        self.confirm_button.disabled = needs_typing  # until the typed count matches
        self.confirm_message.value = ""
        self.confirm_box.layout.display = ""

    @_guard
    def _on_typed(self, _change: Any) -> None:
        plan = self.plan
        if plan is not None and self.confirm_text.layout.display != "none":
            self.confirm_button.disabled = self.confirm_text.value.strip().replace(",", "") != str(plan.to_send)

    @_guard
    def _confirm(self) -> None:
        plan = self.plan
        if plan is None:
            self.confirm_message.value = "<p>Nothing to confirm: press Delete or Retry first.</p>"
            return
        if self.confirm_text.layout.display != "none" and self.confirm_text.value.strip().replace(",", "") != str(plan.to_send):
            self.confirm_message.value = (
                f"<p style='color:#b00020'>This will {plan.action} {plan.to_send} tasks: type <b>{plan.to_send}</b> "
                f"in the box to confirm (got {html.escape(self.confirm_text.value.strip() or 'nothing')}).</p>"
            )
            return
        self.plan = None
        self.confirm_box.layout.display = "none"
        self._set_busy(True)
        self.progress.max, self.progress.value = max(plan.to_send, 1), 0
        self.progress.layout.display = ""

        def tick(done: int, total: int) -> None:
            self.progress.max, self.progress.value = max(total, 1), done

        assert plan.rows is not None
        try:
            report = run_cleanup(plan.action, self.client, plan.rows, journal=self.journal, progress=tick, **self.engine_options)
        except CleanupInterrupted as stop:  # Ctrl-C / interrupt kernel: show what did happen
            report = stop.report
        self.report = report
        self._selected = []  # what was acted on is not offered again (a retried task is now deletable)
        self._apply(report)
        self.result.value = self._result_html(report)  # after _apply: it shows each task's status now
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

    def _result_html(self, report: CleanupReport) -> str:
        """The result for a person: one summary line, failures first, each task's status now, a CSV download."""
        totals = report.totals
        word = "deleted" if report.action == "delete" else "retried"
        skipped = sum(totals.get(k, 0) for k in ("ineligible", "changed", "not_found"))
        line = [f"{totals.get(word, 0):,} {word}", f"{totals.get('failed', 0):,} failed",
                f"{skipped:,} skipped"] + ([f"{totals['unknown']:,} unknown (run reconcile)"] if totals.get("unknown") else [])
        frame = report.to_frame()
        now = self.df.set_index("id")["status"].astype(object) if len(self.df) else pd.Series(dtype=object)
        frame["status now"] = [
            "gone" if r in ("deleted", "not_found") else str(now.get(i, "?")) for i, r in zip(frame["id"], frame["outcome"].astype(str))
        ]
        first = {"failed": 0, "unknown": 1}
        frame = frame.iloc[sorted(range(len(frame)), key=lambda k: first.get(str(frame["outcome"].iloc[k]), 2))]
        shown = frame.head(200).rename(columns={"status": "status when chosen"})
        more = f"<p>The first 200 of {len(frame):,} tasks are shown; the CSV has them all.</p>" if len(frame) > 200 else ""
        csv = base64.b64encode(frame.to_csv(index=False).encode()).decode()
        name = f"cleanup-{report.run or report.action}.csv"
        link = f"<a download='{html.escape(name)}' href='data:text/csv;base64,{csv}'>Download the report (CSV)</a>"
        notes = "".join(f"<p>{html.escape(n)}</p>" for n in report.notes)
        return (f"<div><b>{html.escape(' · '.join(line))}</b> · {link}{notes}"
                f"{shown.to_html(index=False, escape=True, classes='ugc-result')}{more}</div>")

    def _apply(self, report: CleanupReport) -> None:
        """Update the frame from a report: deleted (and already gone) rows out; rows that the server
        changed (retried, or found changed) re-read from the server, so their new state is the server's."""
        gone = set(report.ids("deleted")) | set(report.ids("not_found"))
        frame = self.df[~self.df["id"].isin(gone)]
        moved = set(report.ids("retried")) | set(report.ids("changed")) | set(report.ids("unknown"))
        if moved:
            frame = self._reread(frame, moved)
        self.df = frame  # the setter drops vanished ids from the selection and refreshes the view

    def _reread(self, frame: pd.DataFrame, ids: set[str]) -> pd.DataFrame:
        """``frame`` with the rows of ``ids`` as the server lists them now (gone ones dropped)."""
        hit = frame["id"].isin(ids)
        accounts = set(frame.loc[hit, "account_id"].astype(object))
        try:
            records = [r for r in live_tasks(self.client, accounts) if r["id"] in ids]
        except APIError as exc:
            self.result.value += f"<p>Could not re-read {len(ids)} changed task(s) ({html.escape(str(exc))}); reload the frame to see their state.</p>"
            return frame
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UnknownValueWarning)
            fresh = tasks_frame(records, now=frame.attrs.get("now"), grace=frame.attrs.get("grace", DEFAULT_GRACE)).set_index("id")
        keep = frame[~hit | frame["id"].isin(fresh.index)].copy()
        rows = keep["id"].isin(fresh.index).to_numpy()
        for column in [c for c in fresh.columns if c in keep.columns]:
            values = fresh[column].reindex(keep.loc[rows, "id"]).to_numpy()
            if isinstance(keep[column].dtype, pd.CategoricalDtype):
                new = set(pd.unique(values)) - set(keep[column].cat.categories) - {None}
                new = {v for v in new if isinstance(v, str)}
                if new:
                    keep[column] = keep[column].cat.add_categories(sorted(new))
            keep.loc[rows, column] = values
        return keep

    def _set_busy(self, busy: bool) -> None:
        for button in (self.delete_button, self.retry_button, self.confirm_button, self.cancel_button):
            button.disabled = busy
        if not busy:
            self.progress.layout.display = "none" if self.report is None else ""
            self._update_counts()

    def _refresh(self) -> None:
        self._filtered = self.filter.apply(self.df)
        self._view = table_view(self._filtered, self.max_rows)
        self._syncing = True
        try:
            self.table.update(self._view, selected_rows=self._positions(), **TABLE_OPTIONS)
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
        self.active_filters.value = f"<span style='color:#555'>Filters: {html.escape(self.filter.describe())}</span>"
        matching, shown = len(self._filtered), len(self._view)
        hidden = f" — showing the oldest {shown:,}; {matching - shown:,} not shown (narrow the filters, or act on all matching)" if shown < matching else ""
        outside = len(self.hidden_ids)
        note = f" · <b>{outside}</b> selected are hidden by the filters" if outside else ""
        for button in (self.show_hidden_button, self.clear_hidden_button):
            button.layout.display = "" if outside else "none"
        start, end = self.created_from.value, self.created_to.value
        if start and end and start > end:
            hidden += " — the created-date range is inverted (from is after to), so nothing can match"
        self.counts.value = f"<b>{len(self._selected):,}</b> selected{note} · <b>{matching:,}</b> of {len(self.df):,} tasks match the filters{hidden}"
        chosen = self.chosen
        self.retry_button.disabled = not bool((chosen["status"] == "failed").any()) if len(chosen) else True
        self.delete_button.disabled = len(chosen) == 0
