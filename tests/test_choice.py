"""ChoiceFilter: checkboxes with counts, a search box once the list is long, one observable ``value``."""

from __future__ import annotations

import pytest
import traitlets

from ugc_nb.panel.choice import ChoiceFilter

OPTIONS = [(f"user{k} (acc_{k}) · {k + 1}", f"acc_{k}") for k in range(8)]


def test_clicking_checkboxes_picks_several_values_without_ctrl():
    """Each checkbox adds its value; the tuple keeps the options' order; unticking removes it."""
    choice = ChoiceFilter("account", OPTIONS)
    seen = []
    choice.observe(lambda change: seen.append(change["new"]), names="value")
    choice.boxes["acc_5"].value = True
    choice.boxes["acc_2"].value = True
    assert choice.value == ("acc_2", "acc_5") and seen[-1] == ("acc_2", "acc_5")
    choice.boxes["acc_5"].value = False
    assert choice.value == ("acc_2",)


def test_setting_value_ticks_the_boxes_and_unknown_values_are_refused():
    """value = (...) ticks exactly those boxes; a value that is not an option is a TraitError naming it."""
    choice = ChoiceFilter("account", OPTIONS)
    choice.value = ("acc_7", "acc_1")
    assert choice.value == ("acc_1", "acc_7") and [v for v, b in choice.boxes.items() if b.value] == ["acc_1", "acc_7"]
    with pytest.raises(traitlets.TraitError, match="not among the options: acc_99"):
        choice.value = ("acc_99",)


def test_the_search_box_appears_for_long_lists_and_hides_what_does_not_match():
    """More than six options get a search box; typing hides non-matching boxes but never a checked one."""
    short = ChoiceFilter("status", [("failed · 3", "failed"), ("scheduled · 2", "scheduled")])
    assert short.search.layout.display == "none"
    choice = ChoiceFilter("account", OPTIONS)
    assert choice.search.layout.display == ""
    choice.value = ("acc_1",)
    choice.search.value = "USER3"
    shown = [v for v, b in choice.boxes.items() if b.layout.display != "none"]
    assert shown == ["acc_1", "acc_3"]


def test_new_options_keep_a_checked_value_with_a_zero_count():
    """After the last task of a checked value is gone, its box stays ('failed · 0'), so the filter never widens silently."""
    choice = ChoiceFilter("status", [("failed · 3", "failed"), ("scheduled · 2", "scheduled")])
    choice.value = ("failed",)
    choice.set_options([("scheduled · 2", "scheduled")])
    assert choice.value == ("failed",) and choice.label("failed") == "failed · 0" and choice.options == ["scheduled", "failed"]


def test_iso_date_reads_yyyy_mm_dd_and_says_when_it_is_not_a_date():
    """Typing 2026-11-01 gives that date; typing nonsense gives None and a one-line hint; setting a date shows it as ISO."""
    from datetime import date

    from ugc_nb.panel.choice import IsoDate

    box = IsoDate("created from")
    box.text.value = "2026-11-01"
    assert box.value == date(2026, 11, 1) and box.problem.value == ""
    box.text.value = "11/01/2026"
    assert box.value is None and "not a date: write YYYY-MM-DD" in box.problem.value
    box.value = date(2026, 10, 3)
    assert box.text.value == "2026-10-03" and box.problem.value == ""
