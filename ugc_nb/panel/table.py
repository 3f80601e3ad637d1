"""What the panel's tables send to the browser: a bounded, readable view and the DataTables options.

Cells carry raw values (the status word, the age in days) so DataTables sorts on them; small
render functions show them as a person reads them — a coloured status badge (the colours of
:data:`ugc_nb.plots.PALETTE`), "3.2 d" — and the first column as a row checkbox with a
select-all-on-this-page box in its header (the Select extension's own checkbox styling).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Unpack

import itables.widget
import pandas as pd
import traitlets
from itables import JavascriptCode, JavascriptFunction
from itables.typing import DataFrameOrSeries, ITableOptions
from itables.widget import ITable

from ..insight.plots import PALETTE
from .order import OLDEST_FIRST, RowOrder

__all__ = ["SortableTable", "sortable_esm", "table_view", "oldest", "view_rows", "display_frame", "table_options", "HEADERS", "FullTable", "TablePayload",
           "NO_DOWNSAMPLING", "view_columns", "ACTIONABLE"]

#: The statuses a row can be acted on in (deleted: scheduled or failed; retried: failed); other rows have no checkbox.
ACTIONABLE = ("scheduled", "failed")

#: Column headers a person reads, by view column.
HEADERS = {
    "select": "",
    "id": "Task",
    "status": "Status",  # second: on a phone's width it is still in view
    "account": "Account",
    "tag": "Tag",
    "type": "Type",
    "created_at": "Created (UTC)",
    "age_days": "Age",
    "scheduled_time": "Scheduled (UTC)",
    "reason": "Why (preset)",
}


#: Task-frame columns the view reads (the others, e.g. ``keywords`` or ``edit_profile_info``, never are).
VIEW_COLUMNS = ("id", "account_id", "username", "tag", "type", "status", "created_at", "age", "scheduled_time", "reason")


def table_view(df: pd.DataFrame, max_rows: int) -> pd.DataFrame:
    """The bounded view sent to the browser: at most ``max_rows`` rows, oldest first, one string or number per cell."""
    return view_rows(oldest(df, max_rows))


def oldest(df: pd.DataFrame, max_rows: int) -> pd.DataFrame:
    """The ``max_rows`` oldest rows of ``df`` by ``created_at``, oldest first (stable: ties keep the frame's order; no date last)."""
    return df.sort_values("created_at", kind="stable").head(max_rows)


def view_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` (already chosen and ordered) as the view's cells: one string or number per cell, only for these rows."""
    view = pd.DataFrame({"id": rows["id"].astype(str).to_numpy()})
    ids = rows["account_id"].astype(str)
    account = ids
    if "username" in rows:  # "nate (acc_3)", or the bare id where no username is known
        name = rows["username"].astype(object)
        known = name.notna() & (name.astype(str) != "")
        account = (name.astype(str) + " (" + ids + ")").where(known, ids)
    view["account"] = account.to_numpy()
    view["account_id"] = rows["account_id"].astype(str).to_numpy()
    if "tag" in rows:
        tags = rows["tag"].astype(object)
        view["tag"] = tags.where(tags.notna(), "").astype(str).to_numpy()  # no tag: an empty cell, not "NaN"
    view["type"] = rows["type"].astype(str).to_numpy()
    view["status"] = rows["status"].astype(str).to_numpy()
    view["created_at"] = rows["created_at"].dt.strftime("%Y-%m-%d %H:%M").fillna("").to_numpy()
    view["age_days"] = (rows["age"].dt.total_seconds() / 86400).round(6).to_numpy()  # shown as "3.2 d"; sorted exactly
    view["scheduled_time"] = rows["scheduled_time"].dt.strftime("%Y-%m-%d %H:%M").fillna("").to_numpy()
    if "reason" in rows:  # rows a preset picked, with its reason for each
        view["reason"] = rows["reason"].astype(str).to_numpy()
    return view


def display_frame(view: pd.DataFrame) -> pd.DataFrame:
    """``view`` as the table shows it: a checkbox column first, readable headers, no internal columns."""
    columns = [c for c in HEADERS if c in view.columns and c != "select"]
    shown = view[columns].copy()
    shown.insert(0, "select", "")
    # text as plain Python strings: itables formats an object column as it is, but converts an Arrow-backed one first
    # (the same JSON, about a third of the table's update time)
    shown = shown.astype({c: object for c in shown.columns if pd.api.types.is_string_dtype(shown[c].dtype)})
    return shown.rename(columns=HEADERS)


def view_columns(view: pd.DataFrame) -> list[str]:
    """The view columns of ``display_frame(view)``, in the table's order (the checkbox column first)."""
    return ["select", *[c for c in HEADERS if c in view.columns and c != "select"]]


def table_options(view: pd.DataFrame, *, page_length: int = 25, order: RowOrder = OLDEST_FIRST) -> dict[str, Any]:
    """DataTables options for ``display_frame(view)`` — passed on creation *and on every update*
    (``ITable.update`` replaces what it is given): no downsampling behind the panel's own row bound,
    no search box of its own (the panel's filters are the one search), checkbox selection on the rows
    that can be acted on (a pending or complete row has a disabled box saying why), rows in ``order``."""
    names = view_columns(view)
    status = names.index("status")
    if order.column not in names:
        order = OLDEST_FIRST
    defs: list[dict[str, Any]] = [
        {"targets": 0, "orderable": False, "className": "ugc-select", "render": JavascriptCode(_checkbox(status))},
        {"targets": names.index("status"), "render": JavascriptFunction(_badge())},
        {"targets": names.index("age_days"), "render": JavascriptFunction(_AGE), "className": "dt-right"},
        {"targets": "_all", "orderSequence": ["asc", "desc"]},  # a click flips the order; it never drops it (the panel's needs one)
    ]
    if order.column != "age_days" and order.column != "status":  # an empty cell sorts last, either way, as the panel picks rows
        defs.append({"targets": names.index(order.column), "render": JavascriptFunction(_empty_last(order.descending))})
    return {
        **NO_DOWNSAMPLING,
        "select": {"style": "multi", "selector": "td:first-child", "headerCheckbox": "select-page", "info": False,  # one count: the panel's
                   "selectable": JavascriptFunction(f"function (row) {{ return {json.dumps(list(ACTIONABLE))}.indexOf(row[{status}]) >= 0; }}")},
        "columnDefs": defs,
        "order": [[names.index(order.column), "desc" if order.descending else "asc"]],
        "pageLength": page_length,
        "lengthMenu": [10, 25, 50, 100],
        "layout": {"topEnd": None},
        "text_in_header_can_be_selected": False,  # a click on a header's text sorts (not only on its arrows)
        "classes": "display compact",
        "style": "table-layout:auto;width:100%",
    }


#: Options that switch off every itables downsampling (bytes, rows, columns). ``ITable.update`` forgets the options
#: the table was created with; without these, itables falls back to ``itables.options`` (``maxBytes`` 64 KB by its
#: own estimate of the frame) and silently leaves the middle rows out.
NO_DOWNSAMPLING: dict[str, Any] = {"maxBytes": 0, "maxRows": 0, "maxColumns": 0}


class FullTable(ITable):
    """itables' ``ITable`` that sends every row it is given: :data:`NO_DOWNSAMPLING` is added to the options on creation
    *and on every* :meth:`update` (whatever the caller passes, and whatever ``itables.options`` say), so the bound on
    what reaches the browser is the caller's own (the panel's ``max_rows``), never itables' 64 KB default."""

    def __init__(self, df: DataFrameOrSeries | None = None, caption: str | None = None, **kwargs: Unpack[ITableOptions]) -> None:
        super().__init__(df, caption, **{**kwargs, **NO_DOWNSAMPLING})

    def update(self, df: DataFrameOrSeries | None = None, caption: str | None = None, **kwargs: Unpack[ITableOptions]) -> None:
        super().update(df, caption, **{**kwargs, **NO_DOWNSAMPLING})

    def payload(self) -> TablePayload:
        """What this table sends to the browser now (read from the widget's synced DataTables arguments)."""
        return TablePayload.of(self)


class SortableTable(FullTable):
    """A :class:`FullTable` whose header clicks reach Python: ``sort`` is ``[column position, "asc" | "desc"]`` of the
    header last clicked (the browser's DataTables sorts its rows too; the panel then sends the rows that order puts
    first among all matching ones, in that order)."""

    _esm = traitlets.Unicode().tag(sync=True)  # type: ignore[assignment]  # itables' is a path; this is the text
    sort: traitlets.List[Any] = traitlets.List().tag(sync=True)

    @traitlets.default("_esm")
    def _wrapped_esm(self) -> str:
        return sortable_esm()


@functools.cache
def sortable_esm() -> str:
    """itables' widget module with a wrapper around its ``render`` that reports header clicks as ``sort``."""
    source = (Path(itables.widget.__file__).parent / "static" / "widget.js").read_text(encoding="utf-8")
    exports = list(re.finditer(r"export\s*\{\s*([\w$]+) as default\s*\};?", source))
    found = exports[-1] if exports else None  # the last one: the module's own export (licence comments may follow it)
    if found is None:  # a new itables build: say so, rather than sorting only the rows in the browser
        raise RuntimeError(f"ugc_nb: itables {itables.__version__}'s widget module has no default export to wrap; "
                           "install the itables version in constraints.txt")
    return source[: found.start()] + _SORT_REPORTER.replace("BASE", found.group(1)) + source[found.end():]


# Reports the column the table is ordered by after a click (or Enter) on a header: its position and direction.
_SORT_REPORTER = """
const ugcBase = BASE;
function ugcRender(ctx) {
  const out = ugcBase.render(ctx);
  const el = ctx.el, model = ctx.model;
  const report = () => {
    const th = el.querySelector('thead th[aria-sort]');
    if (!th) { return; }
    const column = Array.prototype.indexOf.call(th.parentElement.children, th);
    const dir = th.getAttribute('aria-sort') === 'ascending' ? 'asc' : 'desc';
    const now = model.get('sort') || [];
    if (now[0] === column && now[1] === dir) { return; }
    model.set('sort', [column, dir]);
    model.save_changes();
  };
  const later = (e) => { if (e.target.closest && e.target.closest('thead th')) { setTimeout(report, 0); } };
  el.addEventListener('click', later);
  el.addEventListener('keyup', (e) => { if (e.key === 'Enter') { later(e); } });
  return out;
}
export default { render: ugcRender };
"""


@dataclass(frozen=True)
class TablePayload:
    """What an itables widget sends to the browser for its table: the data rows really in it, and its size."""

    #: The data rows in the payload, as DataTables gets them (one list of cells per row, the checkbox cell first).
    rows: list[list[Any]]
    #: Size of the widget's DataTables arguments as JSON (the data, the header, the options), in bytes.
    bytes: int
    #: itables' note when it dropped rows or columns to fit its limits ("" when it sent everything).
    downsampling_warning: str

    @property
    def downsampled(self) -> bool:
        """True when itables left rows or columns out."""
        return bool(self.downsampling_warning)

    @classmethod
    def of(cls, table: ITable) -> TablePayload:
        args = table._dt_args
        data = args.get("data_json")
        rows = json.loads(data) if isinstance(data, str) else list(data or [])
        return cls(rows=rows, bytes=len(json.dumps(args).encode()), downsampling_warning=str(args.get("downsampling_warning") or ""))


def badge_colors() -> dict[str, str]:
    """Status → colour of the badges: the plots' palette, so a status looks the same everywhere."""
    return {status: PALETTE[status] for status in PALETTE.colors}


def _badge() -> str:
    colors = json.dumps(badge_colors())
    other = json.dumps(PALETTE.other)
    return (
        "function (data, type) { if (type !== 'display') { return data; }"
        f" var c = {colors}[data] || {other};"
        " var s = String(data).replace(/[&<>\"']/g, function (ch) { return '&#' + ch.charCodeAt(0) + ';'; });"
        " return '<span class=\"ugc-badge\" style=\"background:' + c + ';color:#fff;padding:1px 8px;border-radius:9px;'"
        " + 'font-size:0.85em;white-space:nowrap\">' + s + '</span>'; }"
    )


def _empty_last(descending: bool) -> str:
    """A sort value that puts an empty cell after every other in the table's current direction (the table is made
    again for every header click, so the direction is known here)."""
    last = '""' if descending else '"\\uffff"'
    return f"function (data, type) {{ return type === 'sort' && (data === null || data === '') ? {last} : data; }}"


_AGE = "function (data, type) { return type === 'display' && data !== null && data !== '' ? Number(data).toFixed(1) + ' d' : data; }"

# The Select extension's own row checkbox, written out (its render helper is not reachable from the
# widget's scope); the name tells Select to put the select-all box in the column's header. A row that cannot be acted
# on (its status, in the cell at ``status``, is not scheduled or failed) gets a disabled box that says why.
def _checkbox(status: int) -> str:
    return _CHECKBOX.replace("CAN", json.dumps(list(ACTIONABLE))).replace("STATUS", str(status))


_CHECKBOX = (
    "(function () { var f = function (data, type, row, meta) {"
    " var on = meta.settings.aoData[meta.row]._select_selected;"
    " if (type === 'display') {"
    "  if (CAN.indexOf(row[STATUS]) < 0) {"
    "   var why = String(row[STATUS]).replace(/[&<>\"']/g, function (ch) { return '&#' + ch.charCodeAt(0) + ';'; })"
    "    + ': cannot be deleted or retried';"
    "   return '<input type=\"checkbox\" class=\"dt-select-checkbox\" disabled title=\"' + why + '\" aria-label=\"' + why + '\">'; }"
    "  return '<input type=\"checkbox\" class=\"dt-select-checkbox\" aria-label=\"select this task\"'"
    "   + (on ? ' checked' : '') + '>'; }"
    " if (type === 'type') { return 'select-checkbox'; }"
    " return on ? 'X' : ''; }; f._name = 'selectCheckbox'; return f; })()"
)
