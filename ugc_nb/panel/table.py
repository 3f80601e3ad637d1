"""What the panel's tables send to the browser: a bounded, readable view and the DataTables options.

Cells carry raw values (the status word, the age in days) so DataTables sorts on them; small
render functions show them as a person reads them — a coloured status badge (the colours of
:data:`ugc_nb.plots.PALETTE`), "3.2 d" — and the first column as a row checkbox with a
select-all-on-this-page box in its header (the Select extension's own checkbox styling).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Unpack

import pandas as pd
from itables import JavascriptCode, JavascriptFunction
from itables.typing import DataFrameOrSeries, ITableOptions
from itables.widget import ITable

from ..insight.plots import PALETTE

__all__ = ["table_view", "oldest", "view_rows", "display_frame", "table_options", "HEADERS", "FullTable", "TablePayload",
           "NO_DOWNSAMPLING"]

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
    view["age_days"] = (rows["age"].dt.total_seconds() / 86400).round(1).to_numpy()
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


def table_options(view: pd.DataFrame, *, page_length: int = 25) -> dict[str, Any]:
    """DataTables options for ``display_frame(view)`` — passed on creation *and on every update*
    (``ITable.update`` replaces what it is given): no downsampling behind the panel's own row bound,
    no search box of its own (the panel's filters are the one search), checkbox selection."""
    names = ["select", *[c for c in HEADERS if c in view.columns and c != "select"]]
    defs: list[dict[str, Any]] = [
        {"targets": 0, "orderable": False, "className": "ugc-select", "render": JavascriptCode(_CHECKBOX)},
        {"targets": names.index("status"), "render": JavascriptFunction(_badge())},
        {"targets": names.index("age_days"), "render": JavascriptFunction(_AGE), "className": "dt-right"},
    ]
    return {
        **NO_DOWNSAMPLING,
        "select": {"style": "multi", "selector": "td:first-child", "headerCheckbox": "select-page", "info": False},  # one count: the panel's
        "columnDefs": defs,
        "order": [[names.index("age_days"), "desc"]],
        "pageLength": page_length,
        "lengthMenu": [10, 25, 50, 100],
        "layout": {"topEnd": None},
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


_AGE = "function (data, type) { return type === 'display' && data !== null && data !== '' ? Number(data).toFixed(1) + ' d' : data; }"

# The Select extension's own row checkbox, written out (its render helper is not reachable from the
# widget's scope); the name tells Select to put the select-all box in the column's header.
_CHECKBOX = (
    "(function () { var f = function (data, type, row, meta) {"
    " var on = meta.settings.aoData[meta.row]._select_selected;"
    " if (type === 'display') { return '<input type=\"checkbox\" class=\"dt-select-checkbox\" aria-label=\"select this task\"'"
    " + (on ? ' checked' : '') + '>'; }"
    " if (type === 'type') { return 'select-checkbox'; }"
    " return on ? 'X' : ''; }; f._name = 'selectCheckbox'; return f; })()"
)
