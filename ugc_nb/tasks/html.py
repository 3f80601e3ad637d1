"""How ugc_nb's result objects show themselves in a notebook: one small HTML block, the same for all.

:class:`~ugc_nb.insight.TaskSummary`, :class:`~ugc_nb.cleanup.Plan` and
:class:`~ugc_nb.cleanup.CleanupReport` each give a headline, lines of facts, optionally a table
and a collapsed detail table; this module is the one place that turns those into HTML (escaped,
bounded, theme-neutral).
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import pandas as pd

__all__ = ["html_block", "short_repr"]

#: Rows of a table shown inline before the rest is summarised.
MAX_ROWS = 200


def html_block(headline: str, lines: Iterable[str] = (), *, facts: Iterable[tuple[str, str]] = (),
               table: pd.DataFrame | None = None, table_title: str = "", details: tuple[str, pd.DataFrame] | None = None,
               more: str = "") -> str:
    """``headline`` in bold, ``lines`` as a list, ``facts`` as a two-column table, then ``table`` (first
    :data:`MAX_ROWS` rows; ``more`` says where the rest is) and ``details`` (title, frame) collapsed."""
    parts = [f"<b>{html.escape(headline)}</b>"]
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    if items:
        parts.append(f"<ul>{items}</ul>")
    rows = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in facts)
    if rows:
        parts.append(f"<table>{rows}</table>")
    if table is not None:
        if table_title:
            parts.append(f"<p><b>{html.escape(table_title)}</b></p>")
        parts.append(table.head(MAX_ROWS).to_html(index=table.index.name is not None or table.index.nlevels > 1))
        if len(table) > MAX_ROWS:
            parts.append(f"<p>… {len(table) - MAX_ROWS:,} more rows{': ' + html.escape(more) if more else ''}</p>")
    if details is not None:
        title, frame = details
        extra = f"<p>… and {len(frame) - 20:,} more</p>" if len(frame) > 20 else ""
        parts.append(f"<details><summary>{html.escape(title)}</summary>{frame.head(20).to_html(index=False)}{extra}</details>")
    return f"<div>{''.join(parts)}</div>"


def short_repr(kind: str, text: str) -> str:
    """``<Plan delete: 4 of 5 can be sent>`` — the one-line repr of a result object."""
    return f"<{kind} {text}>"
