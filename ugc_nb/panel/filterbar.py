"""``FilterBar``: every filter of the panel in one widget, read as a :class:`~ugc_nb.insight.filters.TaskFilter`.

A preset picker (the API docs' four cleanups, :mod:`ugc_nb.presets`) that sets the filters it
implies where a person sees them — old failures checks "failed" and its age is the minimum-age
box, the one age control — and adds its own rule on top, named in the active-filters line.
Switching presets first puts back what the previous one set, and "none" returns to the filters
as they were before any preset; status, type, account and tag as
:class:`~ugc_nb.panel.choice.ChoiceFilter` checkboxes with task counts; minimum age with
1 d / 7 d / 30 d buttons; a created-date range typed as ISO dates; a search; the active filters
in words; Reset. Each applies as soon as it changes (``on_change``).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import ipywidgets as w
import numpy as np
import pandas as pd

from ..api.schema import STATUSES
from ..insight import presets
from ..insight.filters import TaskFilter
from ..insight.known import UnknownValueError, check_known
from .choice import ChoiceFilter, IsoDate

__all__ = ["FilterBar", "counted_options"]

#: Task-frame column behind each choice filter, and the TaskFilter field it sets.
CHOICES = {"status": "status", "type": "type", "account": "account_id", "tag": "tag"}
FIELDS = {"status": "statuses", "type": "types", "account": "accounts", "tag": "tags"}

#: The statuses each preset picks from, checked when it is chosen.
PRESET_STATUSES = {"old-failures": ("failed",), "stale": ("scheduled",), "orphaned": ("scheduled", "failed"),
                   "test": ("scheduled", "failed")}


class FilterBar(w.VBox):
    """The filters; ``filter`` is what they say now, ``on_change()`` is called after every change."""

    def __init__(self, df: pd.DataFrame, on_change: Callable[[], None],
                 accounts: Callable[[], list[dict[str, Any]]] | None = None,
                 on_error: Callable[[Exception], None] | None = None, default_statuses: tuple[str, ...] = ()) -> None:
        """``accounts`` lists the organisation's accounts (``client.accounts.list``), for the orphaned and test presets;
        ``on_error`` shows what went wrong when a preset picked in the dropdown cannot be applied;
        ``default_statuses`` are ticked at first and after Reset (the panel's default view)."""
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
        self.reset_button = w.Button(description="Reset", layout=w.Layout(width="auto"),
                                     tooltip="clear every filter (the statuses go back to the default view)")
        self.active = w.HTML()
        self.preset = w.Dropdown(options=[("none", ""), *[(f"{p.name}: {p.summary}", p.name) for p in presets.PRESETS.values()]],
                                 value="", description="preset", layout=w.Layout(width="640px"))
        self.preset_tag = w.Text(value="test", description="tag", continuous_update=False,  # applied on Enter, then checked
                                 layout=w.Layout(width="200px", display="none"))
        self._accounts_source, self._on_error = accounts, on_error
        self._accounts: list[dict[str, Any]] | None = None
        self.names: dict[str, str] = {}  # account id -> username, where the frame has them
        self._on_change, self._quiet = on_change, False
        self._before: tuple[tuple[str, ...], float] | None = None  # statuses and min age before the first preset
        self.default_statuses = default_statuses
        self.set_frame(df)
        self.choices["status"].value = self._defaults()
        shown = [self.choices[n] for n in CHOICES if n != "tag" or "tag" in df]
        for widget in [*self.choices.values(), self.min_age, self.created_from, self.created_to, self.search]:
            widget.observe(self._changed, names="value")
        self.preset.observe(self._preset_changed, names="value")
        self.preset_tag.observe(self._tag_changed, names="value")
        self.reset_button.on_click(lambda _: self.reset())
        super().__init__([
            w.HBox([self.preset, self.preset_tag], layout=w.Layout(flex_flow="row wrap", align_items="center")),
            w.HBox(shown, layout=w.Layout(flex_flow="row wrap")),
            w.HBox([self.min_age, *self.age_presets, self.created_from, self.created_to, self.search, self.reset_button],
                   layout=w.Layout(flex_flow="row wrap", align_items="center")),
            self.active,
        ])
        self.describe()

    @property
    def filter(self) -> TaskFilter:
        """The filters as currently set (the preset's rule too)."""
        c = self.choices
        name = self.preset.value or None
        return TaskFilter(statuses=c["status"].value, types=c["type"].value, accounts=c["account"].value, tags=c["tag"].value,
                          min_age_days=self.min_age.value or 0.0, created_from=self.created_from.value,
                          created_to=self.created_to.value, search=self.search.value, preset=name, preset_params=self._params(name))

    def choose_preset(self, name: str | None, *, days: float | None = None, tag: str | None = None) -> None:
        """Pick a preset (``None``: none), then call ``on_change`` once. What the previous preset set is put back first
        (the statuses and the minimum age as they were before any preset); then the statuses the preset picks from
        are checked and, for old failures, the minimum age is its age (``days``, 7 by default, or the age already set).
        ``tag`` is the test preset's tag. Its own rule stays on until Reset or "none"."""
        if name is not None and name not in presets.PRESETS:
            raise ValueError(f"unknown preset {name!r}; the presets are {', '.join(presets.names())}")
        if name in ("orphaned", "test"):
            self._load_accounts()
        if name == "test":  # a tag no account has is an error, before anything changes
            check_known(TaskFilter(preset="test", preset_params={"tag": self.preset_tag.value.strip() if tag is None else tag}),
                        self._frame, self._accounts)
        self._quiet = True
        try:
            if self._before is None and name is not None:
                self._before = (tuple(self.choices["status"].value), float(self.min_age.value or 0))
            if self._before is not None:  # what the previous preset set goes back as it was
                self.choices["status"].value, self.min_age.value = self._before
            if name is None:
                self._before = None
            if tag is not None:
                self.preset_tag.value = tag
            self.preset.value = name or ""
            self.preset_tag.layout.display = "" if name == "test" else "none"
            if name is not None:
                self.choices["status"].value = PRESET_STATUSES[name]
            if name == "old-failures":
                self.min_age.value = days if days is not None else self.min_age.value or 7
        finally:
            self._quiet = False
        self._on_change()

    def _params(self, name: str | None) -> dict[str, Any]:
        if name == "old-failures":
            return {"days": float(self.min_age.value or 0)}
        if name == "test":
            return {"tag": self.preset_tag.value.strip() or "test", "accounts": self._accounts}
        if name == "orphaned":
            return {"accounts": self._accounts}
        return {}

    def _preset_changed(self, _change: Any) -> None:
        if self._quiet:
            return
        chosen = self.preset.value or None
        try:
            self.choose_preset(chosen)
        except Exception as exc:
            self._quiet = True
            try:
                self.preset.value = ""  # a preset that cannot be applied is not left looking chosen
                if chosen == "test" and isinstance(exc, UnknownValueError):
                    self.preset_tag.layout.display = ""  # no account has that tag: type one (Enter chooses the preset)
            finally:
                self._quiet = False
            if self._on_error is None:
                raise
            self._on_error(exc)

    def _tag_changed(self, change: dict[str, Any]) -> None:
        """The test preset's tag, typed: a tag no account has is said in one line and the previous tag stays."""
        if self._quiet or self.preset_tag.layout.display == "none":
            return
        try:
            self.choose_preset("test", tag=change["new"].strip())
        except Exception as exc:
            self._quiet = True
            try:
                self.preset_tag.value = change["old"]
            finally:
                self._quiet = False
            if self._on_error is None:
                raise
            self._on_error(exc)

    def _load_accounts(self) -> None:
        """The account list, read once, when a preset first needs it; without it the preset cannot be chosen."""
        if self._accounts is None:
            if self._accounts_source is None:
                raise ValueError("this preset needs the account list: the panel has no client to read it with")
            self._accounts = self._accounts_source()

    def set_frame(self, df: pd.DataFrame) -> None:
        """Offer the values (and counts) of ``df``; checked values stay checked (and a list that had no options — an
        empty queue — takes the default statuses once tasks come)."""
        self._quiet = True
        try:
            was_empty = not self.choices["status"].options
            for name, column in CHOICES.items():
                self.choices[name].set_options(counted_options(df, column))
            if was_empty and not self.choices["status"].value and len(df):
                self.choices["status"].value = self._defaults()
        finally:
            self._quiet = False
        self.names = account_names(df)
        self._frame = df

    def _defaults(self) -> tuple[str, ...]:
        """The default statuses among those offered (none while the queue is empty)."""
        return tuple(s for s in self.default_statuses if s in self.choices["status"].options)

    def reset(self) -> None:
        """Clear every filter (the statuses go back to ``default_statuses``), then call ``on_change`` once."""
        self._quiet = True
        try:
            for choice in self.choices.values():
                choice.value = ()
                choice.search.value = ""
            self.choices["status"].value = self._defaults()
            self.preset.value = ""
            self.preset_tag.layout.display = "none"
            self._before = None
            self.min_age.value = 0
            self.created_from.value = self.created_to.value = None
            self.search.value = ""
        finally:
            self._quiet = False
        self._on_change()

    def recount(self, df: pd.DataFrame) -> None:
        """Each list's counts within the other active filters ("edit_profile · 11" once *failed* is ticked, not the
        frame's 44)."""
        flt = self.filter
        lists: dict[str, Any] = {FIELDS[name]: () for name in CHOICES}
        rest = replace(flt, **lists)  # every filter but the lists, masked once; then each list's own, cheap on categories
        masks = {name: np.asarray(replace(TaskFilter(), **{FIELDS[name]: getattr(flt, FIELDS[name])}).mask(df), dtype=bool)
                 for name in CHOICES if getattr(flt, FIELDS[name])}
        base = None if rest.is_empty() else np.asarray(rest.mask(df), dtype=bool)
        self._quiet = True
        try:
            for name, column in CHOICES.items():
                others = [m for other, m in masks.items() if other != name] + ([base] if base is not None else [])
                within = np.logical_and.reduce(others) if others else None
                self.choices[name].set_options(counted_options(df, column, within, names=self.names))
        finally:
            self._quiet = False

    def clear(self, name: str) -> None:
        """Clear one filter, by its :class:`TaskFilter` field (what :meth:`TaskFilter.narrowing` names), then ``on_change``."""
        if name == "preset":
            self.choose_preset(None)
            return
        widgets = {"statuses": (self.choices["status"], ()), "types": (self.choices["type"], ()), "accounts": (self.choices["account"], ()),
                   "tags": (self.choices["tag"], ()), "min_age_days": (self.min_age, 0), "search": (self.search, "")}
        if name == "created":
            self._quiet = True
            try:
                self.created_from.value = None
            finally:
                self._quiet = False
            self.created_to.value = None
        elif name in widgets:
            widget, empty = widgets[name]
            widget.value = empty

    def describe(self) -> None:
        """Spell the active filters out under the bar."""
        self.active.value = f"<span style='opacity:0.75'>Filters: {html.escape(self.filter.describe(self.names))}</span>"

    def _changed(self, _change: Any) -> None:
        if not self._quiet:
            self._on_change()


def counted_options(df: pd.DataFrame, column: str, within: np.ndarray | None = None,
                    names: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(label, value) options of ``column`` with task counts: "failed · 51", "nate (acc_3) · 25". ``within`` (a mask
    of the rows the other filters keep) counts only those rows; every value of the frame stays offered ("· 0").
    ``names``: account id -> username (:func:`account_names` of ``df`` when not given)."""
    if column not in df or df.empty:
        return []
    counts = _counts(df[column])
    if within is not None:
        counts = _counts(df[column][within]).reindex(counts.index, fill_value=0)
    shown: dict[str, str] = {}
    if column == "account_id":
        shown = {a: f"{u} ({a})" for a, u in (account_names(df) if names is None else names).items()}
    if column == "status":  # the lifecycle's order, every status always (a queue with none failed left says "failed · 0")
        counts = counts.reindex([*STATUSES, *sorted(set(counts.index) - set(STATUSES))], fill_value=0)
        order = list(counts.index)
    else:
        order = sorted(counts.index, key=lambda v: str(shown.get(v, v)).lower())  # by name
    options: list[tuple[str, Any]] = [(f"{shown.get(v, v)} · {int(counts[v]):,}", v) for v in order if v in counts.index]
    if column == "tag":  # untagged accounts are a choice too ("(no tag) · 120"), last
        missing = df[column].isna().to_numpy()
        if missing.any():
            options.append((f"(no tag) · {int(missing[within].sum() if within is not None else missing.sum()):,}", None))
    return options


def _counts(column: pd.Series) -> pd.Series:
    """Rows per value (as text), values with none left out."""
    if isinstance(column.dtype, pd.CategoricalDtype):  # count the codes, then name them: no million-string pass
        per_category = column.value_counts(sort=False, dropna=True)
        per_category = per_category[per_category > 0]
        return per_category.groupby(per_category.index.astype(object).map(str)).sum()
    values = column.astype(object)
    return values[values.notna()].astype(str).value_counts()


def account_names(df: pd.DataFrame) -> dict[str, str]:
    """Account id -> username, for the accounts of ``df`` that have one (a frame loaded with ``accounts=True``)."""
    if "username" not in df or "account_id" not in df:
        return {}
    pairs = df[["account_id", "username"]].dropna().astype(str).drop_duplicates("account_id")
    return {a: u for a, u in zip(pairs["account_id"], pairs["username"], strict=True) if u}
