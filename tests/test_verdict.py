"""The one rule for what a task's live state means (``ugc_nb.cleanup.verdict.judge``): verdicts and their reasons."""

from __future__ import annotations

from ugc_nb.cleanup.plan import ACTIONS
from ugc_nb.cleanup.verdict import SEND, judge

DELETE = ACTIONS["delete"]
CHOSEN = {"status": "failed", "scheduled_time": "2026-11-01T10:00:00Z", "account_id": "acc_a"}


def live(**changes):
    return {"id": "task_1", **CHOSEN, **changes}


def test_as_chosen_is_sent_whatever_the_time_format():
    """Same status, account and instant (Z or +00:00, any precision): send."""
    assert judge(DELETE, CHOSEN, live(scheduled_time="2026-11-01T10:00:00.000000+00:00"), ours_maybe=False) == (SEND, "")


def test_a_task_moved_to_another_account_is_changed_and_the_reason_says_so():
    """Another account, same status and time: `changed`, the reason naming both accounts (not "rescheduled")."""
    verdict, reason = judge(DELETE, CHOSEN, live(account_id="acc_b"), ours_maybe=False)
    assert verdict == "changed"
    assert reason == "moved to account acc_b (was acc_a when chosen); not deleted"


def test_rescheduled_and_restarted_tasks_are_changed_with_their_own_reasons():
    """A new scheduled_time reads "rescheduled"; a new status names both statuses."""
    verdict, reason = judge(DELETE, CHOSEN, live(scheduled_time="2026-11-02T10:00:00Z"), ours_maybe=False)
    assert verdict == "changed" and reason.startswith("rescheduled since it was chosen (scheduled_time 2026-11-02T10:00:00Z, was 2026-11-01T10:00:00Z)")
    assert judge(DELETE, CHOSEN, live(status="pending"), ours_maybe=False) == ("changed", "live status pending (was failed when chosen); not deleted")


def test_gone_is_not_found_unless_a_request_of_ours_may_have_reached_it():
    """Missing from the read: `not_found` before any request of ours, `deleted` after one."""
    assert judge(DELETE, CHOSEN, None, ours_maybe=False)[0] == "not_found"
    assert judge(DELETE, CHOSEN, None, ours_maybe=True) == ("deleted", "gone on re-read after our request")
