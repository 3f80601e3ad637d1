"""The selection's own line: a mail client's "select all N matching", and quiet link-like buttons.

Once a page's worth (or every row the table holds) is ticked, :class:`MatchingBanner` offers to
select every task the filters match — rows beyond the table's bound too — and, once they are,
says so with a way back.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as w

from ..tasks.units import agree

__all__ = ["MatchingBanner", "CountsRow", "Notice", "link_button", "counts_line", "nothing_matches"]


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

    def update(self, *, in_view: int, everything: bool, matching: int, page: int) -> None:
        """``in_view`` selected rows of those the table holds; ``page``: how many rows of its first page can be ticked
        (a pending or complete row cannot); ``everything``: all ``matching`` are selected."""
        offer = not everything and in_view >= max(page, 1) and matching > in_view
        if everything:
            self.text.value = f"All <b>{matching:,}</b> tasks matching the filters are selected."
        elif offer:
            self.text.value = f"<b>{in_view:,}</b> shown {agree(in_view, 'task is', 'tasks are')} selected."
        else:
            self.text.value = ""
        self.select_button.description = f"Select all {matching:,} matching"
        self.select_button.layout.display = "" if offer else "none"
        self.clear_button.layout.display = "" if (offer or everything) else "none"


class Notice(w.HTML):
    """The panel's one-line message under the action bar. A passing one ("Cancelled; nothing was sent.", "Nothing to
    delete …", the withdrawn confirmation, the empty queue) goes at the next change of selection, filters or frame; an
    action's result stays until the next action."""

    def say(self, text: str, *, passing: bool = True) -> None:
        self.value, self._passing = text, passing

    def clear_passing(self) -> None:
        if getattr(self, "_passing", False):
            self.value, self._passing = "", False


class CountsRow(w.HBox):
    """The counts line and its links: show or clear the selected rows the filters hide, clear the filter that left no
    task, show every status (from the default view of what can be acted on)."""

    def __init__(self) -> None:
        self.text = w.HTML()
        self.show_hidden_button = link_button("show", "reset the filters so every selected row is shown")
        self.clear_hidden_button = link_button("clear", "unselect the rows the filters hide")
        self.unfilter_button = link_button("clear that filter", "clear the filter that left no task")
        self.show_all_button = link_button("show every status", "show pending and complete tasks too (they cannot be deleted or retried)")
        #: The filter field that left no task, when one did (what ``unfilter_button`` clears).
        self.emptied_by: str | None = None
        super().__init__([self.text, self.show_hidden_button, self.clear_hidden_button, self.unfilter_button, self.show_all_button],
                         layout=w.Layout(align_items="center", flex_flow="row wrap"))

    def update(self, *, hidden: int, matching: int, total: int, shown: int, inverted: bool, first: str,
               steps: list[tuple[str, str, int]] | None, others: bool) -> None:
        """Say the counts (:func:`counts_line`); ``steps``: how the filters narrowed the frame, when they left nothing
        (:meth:`TaskFilter.narrowing`); ``others``: the default view leaves pending or complete tasks out (the status
        list counts them)."""
        for button in (self.show_hidden_button, self.clear_hidden_button):
            button.layout.display = "" if hidden else "none"
        self.text.value = counts_line(hidden=hidden, matching=matching, total=total, shown=shown, inverted=inverted, first=first)
        self.emptied_by = None
        if steps is not None:
            why, self.emptied_by = nothing_matches(steps, total)
            self.text.value += f" — {why}"
            self.unfilter_button.description = next((f"clear “{words}”" for name, words, _ in steps if name == self.emptied_by), "")
        self.unfilter_button.layout.display = "" if self.emptied_by else "none"
        self.show_all_button.layout.display = "" if others else "none"


def counts_line(*, hidden: int, matching: int, total: int, shown: int, inverted: bool, first: str = "") -> str:
    """The panel's counts line: '<b>41</b> of 1,443 tasks match the filters', the selected tasks the filters hide, and
    what the table does not show — ``first`` names the rows it holds ("the 1,000 youngest"; the oldest by default) —
    (how many are selected is said once, in the action bar)."""
    note = f" · <b>{hidden:,}</b> selected {agree(hidden, 'is', 'are')} hidden by the filters" if hidden else ""
    tail = ""
    if shown < matching:
        held = first or f"the {shown:,} oldest"
        tail = f" — the table holds {held} of {matching:,}; {matching - shown:,} not shown (narrow the filters, or select all matching)"
    if inverted:
        tail += " — the created-date range is inverted (from is after to), so nothing can match"
    return f"<b>{matching:,}</b> of {total:,} tasks match the filters{note}{tail}"


def nothing_matches(steps: list[tuple[str, str, int]], total: int) -> tuple[str, str | None]:
    """When the filters match nothing: which one emptied the selection, in words ("1,443 loaded; status failed → 58;
    account nate (acc_9) → 0"), and the filter field to clear (None if none did)."""
    path = "; ".join(f"{html.escape(words)} → {left:,}" for _, words, left in steps)
    culprit = next((name for name, _, left in steps if left == 0), None)
    return f"{total:,} loaded; {path}", culprit
