"""The selection's own line: a mail client's "select all N matching", and quiet link-like buttons.

Once a page's worth (or every row the table holds) is ticked, :class:`MatchingBanner` offers to
select every task the filters match — rows beyond the table's bound too — and, once they are,
says so with a way back.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as w

__all__ = ["MatchingBanner", "link_button", "counts_line", "nothing_matches"]


def link_button(text: str, tooltip: str) -> w.Button:
    """A small, quiet button that reads like a link in a sentence (hidden until needed)."""
    button = w.Button(description=text, tooltip=tooltip, layout=w.Layout(width="auto", display="none"))
    button.add_class("ugc-link")
    return button


class MatchingBanner(w.HBox):
    """'25 shown tasks are selected · Select all 1,443 matching' / 'All 1,443 … are selected · clear selection'."""

    def __init__(self, select_all: Callable[[], None], clear: Callable[[], None]) -> None:
        self.text = w.HTML()
        self.select_button = link_button("select all matching", "select every task the filters match, shown or not")
        self.clear_button = link_button("clear selection", "unselect every task")
        self.select_button.on_click(lambda _: select_all())
        self.clear_button.on_click(lambda _: clear())
        super().__init__([self.text, self.select_button, self.clear_button], layout=w.Layout(align_items="center"))

    def update(self, *, in_view: int, everything: bool, matching: int, shown: int, page_length: int) -> None:
        """``in_view`` selected rows of the ``shown`` the table holds; ``everything``: all ``matching`` are selected."""
        offer = not everything and in_view >= min(page_length, shown) > 0 and matching > in_view
        if everything:
            self.text.value = f"All <b>{matching:,}</b> tasks matching the filters are selected."
        elif offer:
            self.text.value = f"<b>{in_view:,}</b> shown tasks are selected."
        else:
            self.text.value = ""
        self.select_button.description = f"Select all {matching:,} matching"
        self.select_button.layout.display = "" if offer else "none"
        self.clear_button.layout.display = "" if (offer or everything) else "none"


def counts_line(*, hidden: int, matching: int, total: int, shown: int, inverted: bool) -> str:
    """The panel's counts line: '<b>41</b> of 1,443 tasks match the filters', the selected tasks the filters hide, and
    what the table does not show (how many are selected is said once, in the action bar)."""
    note = f" · <b>{hidden:,}</b> selected are hidden by the filters" if hidden else ""
    tail = ""
    if shown < matching:
        tail = f" — the table holds the oldest {shown:,}; {matching - shown:,} not shown (narrow the filters, or select all matching)"
    if inverted:
        tail += " — the created-date range is inverted (from is after to), so nothing can match"
    return f"<b>{matching:,}</b> of {total:,} tasks match the filters{note}{tail}"


def nothing_matches(steps: list[tuple[str, str, int]], total: int) -> tuple[str, str | None]:
    """When the filters match nothing: which one emptied the selection, in words ("1,443 loaded; status failed → 58;
    account nate (acc_9) → 0"), and the filter field to clear (None if none did)."""
    path = "; ".join(f"{html.escape(words)} → {left:,}" for _, words, left in steps)
    culprit = next((name for name, _, left in steps if left == 0), None)
    return f"{total:,} loaded; {path}", culprit
