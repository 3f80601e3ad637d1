"""Filter inputs: ``ChoiceFilter`` (several values, a click each — checkboxes with counts, searchable when long)
and ``IsoDate`` (a date typed as YYYY-MM-DD, whatever the browser's locale).

A ``SelectMultiple`` needs Ctrl-click for a second value and has no search; this widget shows
one checkbox per value ("nate (acc_3) · 25"), a search box once there are more than a few, and
keeps the chosen values in one ``value`` trait (a tuple, in the order of the options) that can
be observed and set like any widget's value.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import ipywidgets as w
import traitlets

__all__ = ["ChoiceFilter", "IsoDate"]


class ChoiceFilter(w.VBox):
    """Checkboxes for ``(label, value)`` options; ``value`` is the tuple of values checked."""

    value = traitlets.Tuple()

    def __init__(self, title: str, options: Iterable[tuple[str, Any]] = (), *, search_above: int = 6, width: str = "230px",
                 height: str = "132px") -> None:
        self.title = title
        self.search_above = search_above
        self.search = w.Text(placeholder=f"search {title}…", continuous_update=True, layout=w.Layout(width="96%"))
        self._height = height
        self.list = w.VBox(layout=w.Layout(max_height=height, overflow="auto", flex_flow="column nowrap"))
        self.boxes: dict[Any, w.Checkbox] = {}
        self._labels: dict[Any, str] = {}
        self._syncing = False
        super().__init__([w.HTML(f"<b>{title}</b>"), self.search, self.list], layout=w.Layout(min_width=width, margin="0 12px 0 0"))
        self.add_class("ugc-choice")
        self.search.observe(lambda _: self._show_matching(), names="value")
        self.set_options(options)

    @property
    def options(self) -> list[Any]:
        """The values offered, in order."""
        return list(self.boxes)

    def label(self, value: Any) -> str:
        """The label shown for ``value``."""
        return self._labels[value]

    def set_options(self, options: Iterable[tuple[str, Any]]) -> None:
        """Offer new options. A checked value keeps its checkbox even when it is no longer offered
        ("failed · 0" after every failed task was deleted), so a filter never silently widens."""
        pairs = list(options)
        offered = {value for _, value in pairs}
        pairs += [(f"{value} · 0", value) for value in self.value if value not in offered]
        old = {v: box for v, box in self.boxes.items()}
        self._labels = {value: label for label, value in pairs}
        self.boxes = {}
        for label, value in pairs:
            box = old.get(value) or self._box(value)
            box.description = label
            self.boxes[value] = box
        self.list.children = tuple(self.boxes.values())
        long = len(pairs) > self.search_above
        self.search.layout.display = "" if long else "none"
        self.list.layout.max_height = self._height if long else None  # a short list is shown whole, never cut mid-item
        self._show_matching()

    @traitlets.validate("value")
    def _check(self, proposal: dict[str, Any]) -> tuple[Any, ...]:
        wanted = tuple(dict.fromkeys(proposal["value"]))
        unknown = [v for v in wanted if v not in self.boxes]
        if unknown:
            raise traitlets.TraitError(f"{self.title}: not among the options: {', '.join(map(str, unknown[:5]))}")
        return tuple(v for v in self.boxes if v in wanted)  # the options' order, whatever order they were given in

    @traitlets.observe("value")
    def _on_value(self, change: dict[str, Any]) -> None:
        self._syncing = True
        try:
            for value, box in self.boxes.items():
                box.value = value in change["new"]
        finally:
            self._syncing = False
        self._show_matching()

    def _box(self, value: Any) -> w.Checkbox:
        box = w.Checkbox(value=False, indent=False, layout=w.Layout(width="auto", margin="0"))

        def toggled(change: dict[str, Any]) -> None:
            if not self._syncing:
                chosen = set(self.value) | {value} if change["new"] else set(self.value) - {value}
                self.value = tuple(v for v in self.boxes if v in chosen)

        box.observe(toggled, names="value")
        return box

    def _show_matching(self) -> None:
        text = self.search.value.strip().lower()
        for value, box in self.boxes.items():
            shown = not text or text in self._labels[value].lower() or value in self.value  # a checked value never hides
            box.layout.display = "" if shown else "none"


class IsoDate(w.HBox):
    """A date typed as ISO 8601 ("2026-11-01"), whatever the browser's locale; ``value`` is a ``date`` or None.

    Anything else typed leaves ``value`` None and says so beside the box ("not a date: write YYYY-MM-DD").
    """

    value = traitlets.Any(None)

    def __init__(self, description: str) -> None:
        self.text = w.Text(placeholder="YYYY-MM-DD", description=description, continuous_update=True,
                           style={"description_width": "initial"}, layout=w.Layout(width="210px"))
        self.problem = w.HTML()
        self._syncing = False
        super().__init__([self.text, self.problem], layout=w.Layout(align_items="center"))
        self.text.observe(self._on_text, names="value")

    def _on_text(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        typed = change["new"].strip()
        try:
            parsed = date.fromisoformat(typed) if typed else None
        except ValueError:
            parsed = None
            self.problem.value = "<span style='color:#b00020'>not a date: write YYYY-MM-DD</span>"
        else:
            self.problem.value = ""
        self._syncing = True
        try:
            self.value = parsed
        finally:
            self._syncing = False

    @traitlets.validate("value")
    def _check(self, proposal: dict[str, Any]) -> date | None:
        value = proposal["value"]
        if value is not None and not isinstance(value, date):
            raise traitlets.TraitError(f"{self.text.description}: a date or None, got {value!r}")
        return value

    @traitlets.observe("value")
    def _on_value(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._syncing = True
            try:
                self.text.value = change["new"].isoformat() if change["new"] else ""
                self.problem.value = ""
            finally:
                self._syncing = False
