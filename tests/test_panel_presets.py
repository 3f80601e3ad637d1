"""The panel's preset picker: choosing a preset sets the filters where a person sees them and keeps exactly its rows."""

from __future__ import annotations

import pandas as pd
import pytest

import ugc_nb
from ugc_nb import Sandbox, load_tasks
from ugc_nb.api.retry import NO_WAIT
from ugc_nb.panel import CleanupPanel

NOW = pd.Timestamp("2026-11-01T12:00:00Z")


@pytest.fixture
def box():
    return Sandbox(n_tasks=600, n_accounts=20, seed=4, now=NOW.to_pydatetime())


@pytest.fixture
def client(box):
    return box.client(retry=NO_WAIT)


def make_panel(client, tmp_path, accounts=None, monkeypatch=None):
    """A panel on the sandbox's tasks; ``accounts`` replaces what the client's /accounts answers from then on."""
    df = load_tasks(client, now=NOW, accounts=True)
    if accounts is not None:
        monkeypatch.setattr(client.accounts, "list", accounts)
    return CleanupPanel(df, client, show_all=True, journal=tmp_path / "j.jsonl", max_rows=2000)


@pytest.fixture
def panel(client, tmp_path):
    return make_panel(client, tmp_path)


def test_old_failures_checks_failed_and_sets_the_age_visibly(panel):
    """Picking old-failures in the dropdown: "failed" checked, min age 7, the rows presets.pick gives, named in the filters line."""
    panel.filters.preset.value = "old-failures"
    assert panel.status_filter.value == ("failed",) and panel.min_age.value == 7
    assert not hasattr(panel.filters, "preset_days") and panel.filters.preset_tag.layout.display == "none"  # one age control
    expected = ugc_nb.presets.pick("old-failures", panel.df, days=7)
    assert sorted(panel.filtered["id"]) == sorted(expected["id"]) and len(expected)
    assert "preset old-failures (days 7)" in panel.active_filters.value and "status failed" in panel.active_filters.value
    assert "Why (preset)" in panel.table.df.columns


def test_the_minimum_age_is_the_old_failures_age(panel):
    """One age control: with old-failures chosen, the min-age box is the preset's age (no second "older than" box that
    silently overrides it); changing it applies at once and the filters line says so."""
    panel.filters.preset.value = "old-failures"
    panel.min_age.value = 20
    assert sorted(panel.filtered["id"]) == sorted(ugc_nb.presets.pick("old-failures", panel.df, days=20)["id"])
    assert "preset old-failures (days 20)" in panel.active_filters.value


def test_switching_presets_puts_back_what_the_previous_one_set_and_none_returns_to_before(panel):
    """old-failures then stale shows the overdue scheduled tasks (old-failures' minimum age of 7 days does not linger
    and empty it); "none" returns to the filters as they were before any preset; an age already set is kept."""
    stale = ugc_nb.presets.pick("stale", panel.df)
    assert len(stale) > 0
    panel.filters.preset.value = "old-failures"
    assert panel.min_age.value == 7 and panel.status_filter.value == ("failed",)
    panel.filters.preset.value = "stale"
    assert panel.min_age.value == 0 and panel.status_filter.value == ("scheduled",)
    assert sorted(panel.filtered["id"]) == sorted(stale["id"])
    panel.filters.preset.value = ""
    assert panel.status_filter.value == () and panel.min_age.value == 0 and panel.filter.preset is None
    panel.status_filter.value = ("pending",)
    panel.min_age.value = 2
    panel.choose_preset("old-failures")
    assert panel.min_age.value == 2 and panel.status_filter.value == ("failed",)  # the age already set is the preset's
    panel.choose_preset(None)
    assert panel.status_filter.value == ("pending",) and panel.min_age.value == 2


def test_stale_keeps_only_overdue_scheduled_tasks(panel):
    """stale: "scheduled" checked, and only the rows the frame marks overdue."""
    panel.choose_preset("stale")
    assert panel.status_filter.value == ("scheduled",)
    assert set(panel.filtered["id"]) == set(panel.df.loc[panel.df["overdue"].fillna(False).astype(bool), "id"])


def test_orphaned_reads_the_account_list_once_and_picks_tasks_of_missing_accounts(client, box, tmp_path, monkeypatch):
    """orphaned: /accounts is read when the preset is first picked; an account it no longer lists makes its tasks orphaned."""
    gone = box.accounts[0]["id"]
    calls = []

    def listing():
        calls.append(1)
        return [a for a in box.accounts if a["id"] != gone]

    panel = make_panel(client, tmp_path, listing, monkeypatch)  # /accounts, as if that account had been removed
    panel.choose_preset("orphaned")
    panel.choose_preset("orphaned")
    assert len(calls) == 1
    rows = panel.filtered
    expected = ugc_nb.presets.pick("orphaned", panel.df, accounts=listing())
    assert sorted(rows["id"]) == sorted(expected["id"])
    assert gone in set(rows["account_id"].astype(str))
    assert set(panel.status_filter.value) == {"scheduled", "failed"}


def test_a_preset_whose_account_list_fails_is_not_left_chosen(client, tmp_path, monkeypatch):
    """/accounts failing: the error is shown in the panel, the dropdown goes back to none, the rows are unchanged."""
    def broken():
        raise ugc_nb.APIConnectionError("the server could not be reached")

    panel = make_panel(client, tmp_path, broken, monkeypatch)
    before = sorted(panel.filtered["id"])
    panel.filters.preset.value = "orphaned"
    assert panel.filters.preset.value == ""
    assert "could not be reached" in panel.error.value
    assert sorted(panel.filtered["id"]) == before


def test_test_preset_takes_a_tag_and_reset_clears_it(panel, box):
    """test with tag=fitness: the deletable tasks of fitness accounts; Reset takes the preset and its filters off."""
    panel.choose_preset("test", tag="fitness")
    fitness = {a["id"] for a in box.accounts if a.get("tag") == "fitness"}
    df = panel.df
    expected = df[df["account_id"].astype(str).isin(fitness) & df["status"].isin(["scheduled", "failed"])]
    assert sorted(panel.filtered["id"]) == sorted(expected["id"]) and len(expected)
    assert "preset test (tag fitness)" in panel.active_filters.value
    panel.reset_button.click()
    assert panel.filters.preset.value == "" and panel.status_filter.value == ()
    assert len(panel.filtered) == len(panel.df)


def test_deleting_all_a_preset_matches_deletes_exactly_its_rows(panel, box):
    """Preset → select all matching → Delete… → confirm: the server loses exactly the preset's tasks."""
    panel.choose_preset("old-failures", days=10)
    expected = set(panel.filtered["id"])
    panel.select_matching()
    panel.delete_button.click()
    assert set(panel.plan.eligible) == expected
    if panel.confirm_text.layout.display == "":
        panel.confirm_text.value = str(len(expected))
    panel.confirm_button.click()
    panel.wait()
    assert set(box.deleted_ids) == expected


def test_everything_the_panel_shows_reads_in_human_units(panel, box):
    """Counts, filters line, table cells, the confirmation and the result: no '0 days', '+00:00', microseconds or 'task(s)'."""
    import re

    import ipywidgets as w

    raw = re.compile(r"\d+ days \d\d:\d\d|\+00:00|task\(s\)|\d\d:\d\d:\d\d\.\d{6}|\bNaT\b")
    panel.choose_preset("old-failures")
    panel.select_matching()
    panel.delete_button.click()
    shown = [panel.table.df.to_string()]

    def texts(widget):
        if isinstance(widget, w.HTML | w.Label):
            yield widget.value
        for child in getattr(widget, "children", ()):
            yield from texts(child)

    shown += list(texts(panel))
    if panel.confirm_text.layout.display == "":
        panel.confirm_text.value = str(panel.plan.to_send)
    panel.confirm_button.click()
    panel.wait()
    shown += list(texts(panel))
    found = [m.group(0) for text in shown for m in [raw.search(str(text))] if m]
    assert not found, found[:5]


def test_the_test_presets_tag_must_be_one_an_account_has(panel):
    """A typed tag no account has is one line in the panel and the previous tag stays; choosing the test preset while
    its tag is unknown keeps the tag box open so one can be typed (Enter chooses the preset)."""
    tags = sorted({str(a["tag"]) for a in panel.client.accounts.list() if a.get("tag")})
    panel.filters.preset.value = "test"  # the default tag "test": no account of this sandbox has it
    assert panel.filters.preset.value == "" and "no tag &#x27;test&#x27;" in panel.error.value
    assert panel.filters.preset_tag.layout.display == ""
    panel.filters.preset_tag.value = tags[0][:-1] + "x"
    assert panel.filters.preset.value == "" and "did you mean" in panel.error.value
    panel.filters.preset_tag.value = tags[0]
    assert panel.filters.preset.value == "test" and panel.filter.preset_params["tag"] == tags[0]
    before = panel.matching_count
    panel.filters.preset_tag.value = "nosuchtag"
    assert panel.filters.preset_tag.value == tags[0] and panel.matching_count == before and "nosuchtag" in panel.error.value
