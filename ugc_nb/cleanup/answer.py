"""Checking a delete/retry answer before believing it.

The documented success answer is ``{"deleted": n, "ids": [...]}`` (``retried``
for a retry), and a partial server may add ``"errors": [{"id": ..., "error":
...}]``. :func:`read_answer` believes an answer only when it is consistent with
itself and with the request: ``ids`` a list of requested id strings without
repeats, the count equal to ``len(ids)``, ``errors`` (if any) a list of objects
naming requested ids that are not also in ``ids``. Anything else — a count that
disagrees, an id we did not send, an id both applied and in error, a shape the
docs do not show — is not believed at all, and the engine settles every task of
that request by re-reading the server.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .plan import ActionRule

__all__ = ["Answer", "read_answer"]


@dataclass(frozen=True)
class Answer:
    """A believable answer: the ids it applied, and the server's reason for each id it did not."""

    applied: frozenset[str]
    errors: dict[str, str] = field(default_factory=dict)


def read_answer(rule: ActionRule, requested: Sequence[str], data: Any) -> Answer | str:
    """The :class:`Answer` in ``data``, or a sentence saying why it cannot be believed."""
    if not isinstance(data, dict):
        return f"the answer's data is {type(data).__name__}, not an object"
    ids, count = data.get("ids"), data.get(rule.done)
    wanted = set(requested)
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        return "its 'ids' is not a list of id strings"
    if len(set(ids)) != len(ids):
        return "its 'ids' lists an id twice"
    if not set(ids) <= wanted:
        return f"its 'ids' has {len(set(ids) - wanted)} id(s) we did not send"
    if isinstance(count, bool) or not isinstance(count, int) or count != len(ids):
        return f"its '{rule.done}' count ({count!r}) is not the number of ids listed ({len(ids)})"
    raw = data.get("errors")
    if raw is None:
        return Answer(frozenset(ids))
    if not isinstance(raw, list) or not all(isinstance(e, dict) and isinstance(e.get("id"), str) for e in raw):
        return "its 'errors' is not a list of objects with an 'id'"
    errors = {e["id"]: str(e.get("error") or e.get("message") or "no reason given")[:200] for e in raw}
    if not set(errors) <= wanted:
        return "its 'errors' names ids we did not send"
    if set(errors) & set(ids):
        return "an id is both in 'ids' and in 'errors'"
    return Answer(frozenset(ids), errors)
