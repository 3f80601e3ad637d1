"""``FilterBar``: every filter of the panel in one widget, read as a :class:`~ugc_nb.insight.filters.TaskFilter`.

Status, type, account and tag as :class:`~ugc_nb.panel.choice.ChoiceFilter` checkboxes with task
counts; minimum age with 1 d / 7 d / 30 d presets; a created-date range typed as ISO dates; a
search; the active filters in words; Reset. Each applies as soon as it changes (``on_change``).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as w
import pandas as pd

from ..insight.filters import TaskFilter
from .choice import ChoiceFilter, IsoDate

__all__ = ["FilterBar", "counted_options"]

#: Task-frame column behind each choice filter.
CHOICES = {"status": "status", "type": "type", "account": "account_id", "tag": "tag"}


class FilterBar(w.VBox):
    """The filters; ``filter`` is what they say now, ``on_change()`` is called after every change."""

    def __init__(self, df: pd.DataFrame, on_change: Callable[[], None]) -> None:
        widths = {"status": "170px", "type": "230px", "account": "330px", "tag": "170px"}
        self.choices = {name: ChoiceFilter(name, width=widths[name]) for name in CHOICES}
        self.min_age = w.BoundedFloatText(value=0, min=0, max=10_000, step=1, description="min age (days)", continuous_update=True,
                                          style={"description_width": "initial"}, layout=w.Layout(width="170px"))
        self.created_from, self.created_to = IsoDate("created from"), IsoDate("to")
        self.search = w.Text(placeholder="id, account or username contains…", description="search", continuous_update=True)
        self.age_presets = [w.Button(description=f"{d} d", tooltip=f"tasks at least {d} days old", layout=w.Layout(width="52px"))
                            for d in (1, 7, 30)]
        for button, days in zip(self.age_presets, (1, 7, 30), strict=True):
            button.on_click(lambda _, d=days: setattr(self.min_age, "value", d))
        self.reset_button = w.Button(description="Reset", tooltip="clear every filter", layout=w.Layout(width="auto"))
        self.active = w.HTML()
        self._on_change, self._quiet = on_change, False
        self.set_frame(df)
        shown = [self.choices[n] for n in CHOICES if n != "tag" or "tag" in df]
        for widget in [*self.choices.values(), self.min_age, self.created_from, self.created_to, self.search]:
            widget.observe(self._changed, names="value")
        self.reset_button.on_click(lambda _: self.reset())
        super().__init__([
            w.HBox(shown, layout=w.Layout(flex_flow="row wrap")),
            w.HBox([self.min_age, *self.age_presets, self.created_from, self.created_to, self.search, self.reset_button],
                   layout=w.Layout(flex_flow="row wrap", align_items="center")),
            self.active,
        ])
        self.describe()

    @property
    def filter(self) -> TaskFilter:
        """The filters as currently set."""
        c = self.choices
        return TaskFilter(statuses=c["status"].value, types=c["type"].value, accounts=c["account"].value, tags=c["tag"].value,
                          min_age_days=self.min_age.value or 0.0, created_from=self.created_from.value,
                          created_to=self.created_to.value, search=self.search.value)

    def set_frame(self, df: pd.DataFrame) -> None:
        """Offer the values (and counts) of ``df``; checked values stay checked."""
        self._quiet = True
        try:
            for name, column in CHOICES.items():
                self.choices[name].set_options(counted_options(df, column))
        finally:
            self._quiet = False

    def reset(self) -> None:
        """Clear every filter, then call ``on_change`` once."""
        self._quiet = True
        try:
            for choice in self.choices.values():
                choice.value = ()
            self.min_age.value = 0
            self.created_from.value = self.created_to.value = None
            self.search.value = ""
        finally:
            self._quiet = False
        self._on_change()

    def describe(self) -> None:
        """Spell the active filters out under the bar."""
        self.active.value = f"<span style='opacity:0.75'>Filters: {html.escape(self.filter.describe())}</span>"

    def _changed(self, _change: Any) -> None:
        if not self._quiet:
            self._on_change()


def counted_options(df: pd.DataFrame, column: str) -> list[tuple[str, str]]:
    """(label, value) options of ``column`` with task counts: "failed · 51", "nate (acc_3) · 25"."""
    if column not in df or df.empty:
        return []
    values = df[column].astype(object)
    counts = values[values.notna()].astype(str).value_counts()
    names: dict[str, str] = {}
    if column == "account_id" and "username" in df:
        pairs = df[["account_id", "username"]].dropna().astype(str).drop_duplicates("account_id")
        names = {a: f"{u} ({a})" for a, u in zip(pairs["account_id"], pairs["username"], strict=True) if u}
    categorical = isinstance(df[column].dtype, pd.CategoricalDtype) and column == "status"
    order = list(df[column].cat.categories) if categorical else sorted(counts.index)
    return [(f"{names.get(v, v)} · {int(counts[v]):,}", v) for v in order if v in counts.index]
