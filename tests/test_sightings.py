"""What reads showed of each task and when (cleanup/sightings.py): the read-age rule, decided on an explicit clock."""

from __future__ import annotations

from safety import FakeClock

from ugc_nb.cleanup.sightings import Sightings


def chosen(_task_id: str, record: dict) -> bool:
    return record.get("status") == "failed"


def seen_at(clock: FakeClock, sightings: Sightings, wait: float, *, status: str = "failed") -> float:
    """One read of t1 that takes ``wait`` seconds to answer; returns when it began."""
    number, began = sightings.begin()
    clock.sleep(wait)
    sightings.saw(number, began, ["t1"], {"t1": {"id": "t1", "status": status}}, chosen)
    return began


def test_a_read_younger_than_the_bound_is_fresh_an_older_one_is_not():
    """Begun 1.9 s before the judgement: fresh at a 2 s bound; 2.1 s: stale (a read ahead used too late)."""
    clock, sightings = FakeClock(), Sightings(FakeClock(), 2.0)
    sightings.clock = clock
    seen_at(clock, sightings, 0.1)
    clock.sleep(1.8)
    assert not sightings.stale(["t1"], None)
    clock.sleep(0.2)
    assert sightings.stale(["t1"], None)


def test_a_slow_read_begun_for_the_judgement_counts_if_nothing_waited_after_it():
    """A read begun at the judgement's floor that itself took 5 s (a slow server) is used: it cannot be fresher."""
    clock = FakeClock()
    sightings = Sightings(clock, 2.0)
    floor = clock.monotonic()
    seen_at(clock, sightings, 5.0)
    assert not sightings.stale(["t1"], floor)


def test_a_read_begun_for_the_judgement_then_held_at_the_gate_is_stale():
    """Found by the README-only adversary: the read began after the floor, answered, then the batch waited 1.5 s for
    other workers' reads of its account before it could be judged — that read is too old now and is taken again."""
    clock = FakeClock()
    sightings = Sightings(clock, 1.0)
    floor = clock.monotonic()
    seen_at(clock, sightings, 0.1)
    clock.sleep(1.5)  # waiting for the gate
    assert sightings.stale(["t1"], floor)


def test_moved_on_and_never_read_tasks_are_not_stale():
    """A task shown moved on is never sent whatever the age; one no read covered (verify=False's first send) is not
    held back by the rule."""
    clock = FakeClock()
    sightings = Sightings(clock, 1.0)
    seen_at(clock, sightings, 0.0, status="scheduled")
    clock.sleep(10)
    assert not sightings.stale(["t1", "never-read"], None)
    assert sightings.freshest("t1", {})["status"] == "scheduled"
