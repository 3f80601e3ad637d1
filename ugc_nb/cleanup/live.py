"""What the server shows now: one narrowed live read of the chosen tasks' accounts, checked enough to be trusted.

Used by the engine before every batch and after every request, by :func:`~ugc_nb.cleanup.reconcile`
and by the panel's refresh. A record without a string ``id`` is an error, never a task that looks gone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..api.client import UGCClient
from ..api.errors import APIResponseValidationError
from ..api.retry import RetryPolicy

__all__ = ["live_tasks", "account_key", "accounts_of", "READ_ATTEMPTS", "FATAL_STATUS", "CONFLICTING"]

#: Key added to the one record kept for a task the server listed twice in different states (no API field
#: can have this name): the states it was listed as.
CONFLICTING = "ugc-nb:listed-as"

#: Reads of a batch the engine tries with the default policy: the first, then ``RetryPolicy.rereads`` more
#: (each retried by the client). The policy decides; this is its default, for tests and messages.
READ_ATTEMPTS = RetryPolicy.rereads + 1
FATAL_STATUS = (401, 403)  # the key is wrong or lacks the right: nothing else will go through



def account_key(account: Any) -> str | None:
    """The account a task's reads are narrowed to: its id, or None (read every account) when it has none — empty,
    blank or not a string. Reads, the gate and what a read covers all go by this, so they always agree."""
    return account if isinstance(account, str) and account.strip() else None


def accounts_of(chosen: Mapping[str, Mapping[str, Any]], ids: Iterable[str]) -> frozenset[str | None]:
    """The :func:`account_key` of each of ``ids`` as chosen: what their reads are narrowed to, and the gate holds."""
    return frozenset(account_key(chosen.get(i, {}).get("account_id")) for i in ids)


def live_tasks(client: UGCClient, accounts: Iterable[str | None]) -> list[dict[str, Any]]:
    """A live read narrowed to ``accounts`` — or of everything when any account is unknown (None).

    Every record must be an object with a string ``id``; anything else is an
    :class:`~ugc_nb.errors.APIResponseValidationError` (a task we cannot name
    must never look "gone"). A task listed twice the same is kept once; listed twice in two
    different states, it is kept once with :data:`CONFLICTING` naming the states, and
    :func:`~ugc_nb.cleanup.verdict.judge` then neither sends it nor believes either state.
    """
    accounts = {account_key(a) for a in accounts}  # "" is no account filter
    records = client.tasks.list() if None in accounts else client.tasks.list(account_ids=sorted(a for a in accounts if a is not None))
    for record in records:
        if not isinstance(record, dict) or not isinstance(record.get("id"), str):
            shown = record.get("id") if isinstance(record, dict) else record
            raise APIResponseValidationError(f"the server listed a task whose id is not a string: {str(shown)[:80]!r}", path="/tasks")
    seen: dict[str, dict[str, Any]] = {}
    for record in records:
        first = seen.setdefault(record["id"], record)
        if first is not record and first != record:
            states = [*first.get(CONFLICTING, [str(first.get("status"))]), str(record.get("status"))]
            seen[record["id"]] = {**first, CONFLICTING: states}
    return list(seen.values()) if len(seen) < len(records) else records
