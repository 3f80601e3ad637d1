"""What the panel's tables send to the browser: a bounded, readable view and the DataTables options.

Cells carry raw values (the status word, the age in days) so DataTables sorts on them; small
render functions show them as a person reads them — a coloured status badge (the colours of
:data:`ugc_nb.plots.PALETTE`), "3.2 d" — and the first column as a row checkbox with a
select-all-on-this-page box in its header (the Select extension's own checkbox styling).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from itables import JavascriptCode, JavascriptFunction

from ..insight.plots import PALETTE

__all__ = ["table_view", "display_frame", "table_options", "HEADERS"]

#: Column headers a person reads, by view column.
HEADERS = {
    "select": "",
    "id": "Task",
    "account": "Account",
    "tag": "Tag",
    "type": "Type",
    "status": "Status",
    "created_at": "Created (UTC)",
    "age_days": "Age",
    "scheduled_time": "Scheduled (UTC)",
    "reason": "Why (preset)",
}


def table_view(df: pd.DataFrame, max_rows: int) -> pd.DataFrame:
    """The bounded view sent to the browser: at most ``max_rows`` rows, oldest first, one string or number per cell."""
    rows = df.sort_values("created_at", kind="stable").head(max_rows)
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
        "select": {"style": "multi", "selector": "td:first-child", "headerCheckbox": "select-page"},
        "columnDefs": defs,
        "order": [[names.index("age_days"), "desc"]],
        "pageLength": page_length,
        "lengthMenu": [10, 25, 50, 100],
        "maxBytes": 0,
        "layout": {"topEnd": None},
        "classes": "display compact",
        "style": "table-layout:auto;width:100%",
    }


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
