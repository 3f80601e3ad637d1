"""Deterministic generator of realistic accounts and tasks.

Output depends only on the arguments (``seed``, ``now``, counts, and for tasks the
accounts), never on the wall clock or the process. Tasks are generated column-wise
with vectorised numpy draws and turned into dicts by a single comprehension, so 200k
tasks take well under a second and 1M a few seconds.

Shape of the generated task history (``now`` is the anchor):

* scheduled times span six weeks before ``now`` to about three days after it, on whole
  minutes, weighted towards daytime hours (UTC);
* type mix ≈ 45% ``warmup_scroll``, 20% ``warmup_search_term``, 12%
  ``warmup_search_profile``, 8% ``edit_profile``, 15% ``update_posts``;
* past tasks are mostly ``complete``; ``failed`` runs at ~3.5% by default, higher for
  ``edit_profile`` and ``warmup_search_profile``, and 40-60% on a few "bad" accounts;
* future tasks are ``scheduled``; a handful are ``pending`` (started in the last 45
  minutes); some ``scheduled`` tasks are overdue — hours to days past their time,
  including every recent task of one "stalled" account;
* ~1% of tasks have no ``scheduled_time``; ``created_at`` precedes ``scheduled_time``
  by five minutes to three days and is never after ``now``.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from .records import STATUSES, TASK_TYPES

_TYPE_WEIGHTS = (0.45, 0.20, 0.12, 0.08, 0.15)
_TYPE_FAILURE = (0.0, 0.0, 0.10, 0.15, 0.0)  # extra failure odds on top of the base
_BASE_FAILURE = 0.035
_DURATION_STEPS = ((6, 61), (4, 31), (2, 21))  # x30 s: scroll, search_term, search_profile
_HOUR_WEIGHTS = np.array(
    [3, 2, 1, 1, 1, 1, 2, 3, 5, 6, 7, 8, 8, 8, 9, 9, 10, 10, 10, 9, 8, 7, 5, 4], dtype=float
)
_DAY = 86_400
_HISTORY_DAYS = 42
_FUTURE_DAYS = 3
_MASK48 = (1 << 48) - 1


@dataclass(frozen=True)
class _Niche:
    label: str
    words: tuple[str, ...]  # handle fragments and account keywords
    searches: tuple[str, ...]  # search-term task keywords
    creators: tuple[str, ...]  # handles searched by warmup_search_profile tasks
    description: str
    bios: tuple[str, ...]


_NICHES: dict[str, _Niche] = {
    "fitness": _Niche(
        "Fitness",
        ("fit", "gains", "lifts", "workout", "health", "strong"),
        ("home workout", "leg day", "protein breakfast", "hiit routine", "gym motivation"),
        ("fitnessguru", "healthcoach", "liftwithlena", "coachmarco", "dailymobility"),
        "health and wellness content",
        ("Helping you get stronger every day", "Coach | Meal prep | Mobility"),
    ),
    "beauty": _Niche(
        "Beauty",
        ("glow", "glam", "skincare", "makeup", "beauty", "lashes"),
        ("skincare routine", "drugstore makeup", "glass skin", "lip combo", "grwm"),
        ("glowbyjess", "skintellectual", "makeupbyrae", "thebrowbar", "dewydaily"),
        "skincare and makeup tutorials",
        ("Skincare nerd sharing what works", "GRWM every morning"),
    ),
    "gaming": _Niche(
        "Gaming",
        ("plays", "gg", "gaming", "clips", "speedrun", "pixel"),
        ("minecraft build", "fortnite tips", "speedrun wr", "cozy games", "valorant clips"),
        ("pixelpete", "speedrunsara", "cozygamerkai", "ggnoah", "clipqueen"),
        "gaming clips and tips",
        ("Daily clips and bad takes", "Cozy games only"),
    ),
    "travel": _Niche(
        "Travel",
        ("travels", "wander", "abroad", "roams", "nomad", "trips"),
        ("hidden gems europe", "budget travel", "packing tips", "bali itinerary", "solo travel"),
        ("wanderwithmia", "nomadnate", "passportpaula", "slowtravelsam", "tripswithtom"),
        "budget travel guides",
        ("42 countries and counting", "Slow travel, good food"),
    ),
    "food": _Niche(
        "Food",
        ("eats", "cooks", "kitchen", "bakes", "recipes", "foodie"),
        ("easy pasta", "meal prep ideas", "air fryer recipes", "sourdough", "5 minute lunch"),
        ("cookingwithcam", "bakedbybella", "airfryerandy", "pastapriya", "thelunchbox"),
        "quick recipes and food reviews",
        ("Recipes in under 15 minutes", "Home cook, big appetite"),
    ),
}
_TAGS = tuple(_NICHES)
_FIRST_NAMES = (
    *("maya", "jess", "noah", "lena", "kai", "sara", "marco", "priya", "tom", "mia"),
    *("nate", "bella", "cam", "rae", "andy", "zoe", "leo", "ivy", "sam", "ruby"),
)


def default_now() -> datetime:
    """Current UTC time rounded down to the minute (the default data anchor)."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


def generate_accounts(
    n_accounts: int = 40, *, seed: int = 0, ids: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Generate ``n_accounts`` plausible accounts (or one per id in ``ids``).

    Deterministic for ``seed``. Mix: ~65% TikTok, ~12% untagged, ~10% with warm-up
    disabled; most accounts are ``active``.
    """
    rng = random.Random(f"ugc-sandbox-accounts-{seed}")
    if ids is None:
        alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
        fresh: set[str] = set()
        while len(fresh) < n_accounts:
            fresh.add("acc_" + "".join(rng.choices(alphabet, k=10)))
        ids = sorted(fresh)
    taken: set[str] = set()
    return [_account(rng, account_id, taken) for account_id in ids]


def _account(rng: random.Random, account_id: str, taken: set[str]) -> dict[str, Any]:
    tag = rng.choice(_TAGS) if rng.random() > 0.12 else None
    niche = _NICHES[tag or rng.choice(_TAGS)]
    name = rng.choice(_FIRST_NAMES)
    username = _handle(rng, name, rng.choice(niche.words))
    while username in taken:
        username = f"{username}{rng.randint(0, 9)}"
    taken.add(username)
    warmup_enabled = rng.random() < 0.9
    version = rng.choice(("original", "v1_smart")) if warmup_enabled else None
    return {
        "id": account_id,
        "type": "tiktok" if rng.random() < 0.65 else "instagram",
        "tag": tag,
        "org_group": rng.choice(("team-a", "team-a", "team-b", "team-c", None)),
        "user_group": rng.choice(("ops-east", "ops-west", "agency", None)),
        "username": username,
        "nick_name": rng.choice((f"{name.title()} | {niche.label}", name.title())),
        "pfp_url": f"https://storage.example.com/avatars/{username}.jpg",
        "warmup_enabled": warmup_enabled,
        "warmup_version": version,
        "description": niche.description if version == "v1_smart" or rng.random() < 0.5 else None,
        "keywords": ",".join(rng.sample(niche.words[2:], 3)),
        "profiles": ",".join(rng.sample(niche.creators, 2)),
        "status": rng.choices(("active", "setup", "pending"), weights=(88, 8, 4))[0],
    }


def _handle(rng: random.Random, name: str, word: str) -> str:
    pattern = rng.randrange(5)
    if pattern == 0:
        return f"{name}.{word}"
    if pattern == 1:
        return f"{word}with{name}"
    if pattern == 2:
        return f"the{name}{word}"
    if pattern == 3:
        return f"{name}_{word}{rng.randint(1, 99)}"
    return f"{name}{word}"


def generate_tasks(
    accounts: Sequence[dict[str, Any]],
    n_tasks: int = 500,
    *,
    seed: int = 0,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Generate ``n_tasks`` tasks spread over ``accounts`` (see the module docstring).

    Deterministic for ``(accounts, n_tasks, seed, now)``; ``now`` defaults to
    :func:`default_now`. Task ids are ``task_`` plus 12 hex digits, unique per call.
    Tasks come in API order: by ``scheduled_time`` (nulls last), then ``id``.
    """
    if n_tasks == 0:
        return []
    if not accounts:
        raise ValueError("cannot generate tasks without accounts")
    anchor = now or default_now()
    if anchor.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    rng = np.random.default_rng([seed, 0x55C])
    now_s = int(anchor.timestamp())
    n_acc = len(accounts)

    special = rng.permutation(n_acc)  # the first few become "bad" and "stalled" accounts
    n_bad = min(3, n_acc // 8)
    stalled = special[n_bad] if n_acc >= 10 else -1
    weights = rng.lognormal(0.0, 0.6, n_acc)
    weights[special[: n_bad + 1]] = np.maximum(weights[special[: n_bad + 1]], np.median(weights))
    acc = rng.choice(n_acc, size=n_tasks, p=weights / weights.sum())
    kind = rng.choice(len(TASK_TYPES), size=n_tasks, p=_TYPE_WEIGHTS)

    midnight = now_s - now_s % _DAY
    day = rng.integers(-_HISTORY_DAYS, _FUTURE_DAYS, size=n_tasks)
    hour = rng.choice(24, size=n_tasks, p=_HOUR_WEIGHTS / _HOUR_WEIGHTS.sum())
    sched = midnight + day * _DAY + hour * 3600 + rng.integers(0, 60, size=n_tasks) * 60

    status, no_time = _statuses(rng, acc, kind, sched, now_s, bad=special[:n_bad], stalled=stalled, n_acc=n_acc)

    lead = np.exp(rng.uniform(np.log(300), np.log(3 * _DAY), n_tasks)).astype(np.int64)
    created = np.minimum(sched - lead, now_s - rng.integers(0, 3600, size=n_tasks))
    created[no_time] = now_s - rng.integers(0, _HISTORY_DAYS * _DAY, size=int(no_time.sum()))

    duration = np.zeros(n_tasks, dtype=np.int64)
    for type_index, (low, high) in enumerate(_DURATION_STEPS):
        duration += np.where(kind == type_index, rng.integers(low, high, size=n_tasks) * 30, 0)

    ids = _task_ids(n_tasks, seed)
    # Emit tasks in API order (scheduled_time with nulls last, then id): sorting is then cheap.
    order = np.lexsort((ids, np.where(no_time, np.iinfo(np.int64).max, sched)))
    columns = (ids, acc, kind, status, sched, created, duration, no_time)
    return _assemble(accounts, rng, *(column[order] for column in columns))


def _statuses(rng: np.random.Generator, acc: np.ndarray, kind: np.ndarray, sched: np.ndarray, now_s: int, *,
              bad: np.ndarray, stalled: int, n_acc: int) -> tuple[np.ndarray, np.ndarray]:
    """Each task's status (indices into STATUSES) and whether it has no scheduled time; moves the
    pending ones' ``sched`` (in place) to just before now. The draws are made in a fixed order (determinism)."""
    n_tasks = len(acc)
    acc_failure = np.zeros(n_acc)
    acc_failure[bad] = rng.uniform(0.4, 0.6, len(bad))

    past = sched <= now_s
    fail_p = 1 - (1 - _BASE_FAILURE - np.take(_TYPE_FAILURE, kind)) * (1 - acc_failure[acc])
    status = np.where(past, 2, 0)
    status[past & (rng.random(n_tasks) < fail_p)] = 3
    recent = past & (sched > now_s - 2 * _DAY) & (sched < now_s - 600)
    overdue = (recent & (rng.random(n_tasks) < 0.25)) | (past & (acc == stalled) & (sched > now_s - 3 * _DAY))
    status[overdue] = 0

    n_pending = min(max(1, n_tasks // 100), max(1, n_acc // 3), n_tasks)
    pending = rng.choice(n_tasks, size=n_pending, replace=False)
    sched[pending] = now_s - rng.integers(60, 45 * 60, size=n_pending)
    status[pending] = 1

    no_time = rng.random(n_tasks) < 0.01
    no_time[pending] = False
    status[no_time] = np.where(rng.random(int(no_time.sum())) < 0.7, 0, 3)
    return status, no_time


def _assemble(
    accounts: Sequence[dict[str, Any]],
    rng: np.random.Generator,
    ids: np.ndarray,
    acc: np.ndarray,
    kind: np.ndarray,
    status: np.ndarray,
    sched: np.ndarray,
    created: np.ndarray,
    duration: np.ndarray,
    no_time: np.ndarray,
) -> list[dict[str, Any]]:
    """Turn the per-task arrays into task dicts, column by column."""
    n_tasks = len(acc)
    pick = rng.integers(0, 1 << 30, size=n_tasks)
    keywords, edits = _texts(accounts, rng, acc, kind, pick)
    scheduled = np.datetime_as_string(sched.astype("datetime64[s]"), unit="s", timezone="UTC")
    scheduled = scheduled.astype(object)
    scheduled[no_time] = None
    seconds = duration.astype(object)
    seconds[kind >= 3] = None
    columns = zip(
        [f"task_{value:012x}" for value in ids.tolist()],  # every column has n_tasks items
        np.array([account["id"] for account in accounts], dtype=object)[acc].tolist(),
        np.array(TASK_TYPES, dtype=object)[kind].tolist(),
        np.array(STATUSES, dtype=object)[status].tolist(),
        scheduled.tolist(),
        seconds.tolist(),
        keywords.tolist(),
        edits.tolist(),
        np.datetime_as_string(created.astype("datetime64[s]"), unit="s", timezone="UTC").tolist(),
    )
    return _records(columns)


def _texts(accounts: Sequence[dict[str, Any]], rng: np.random.Generator, acc: np.ndarray, kind: np.ndarray,
           pick: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The search keywords and the profile edits of each task (None where its type has none)."""
    n_tasks = len(acc)
    pools = [_search_pools(rng, account) for account in accounts]
    keywords = np.full(n_tasks, None, dtype=object)
    for type_index, column in ((1, 0), (2, 1)):
        chosen = kind == type_index
        if type_index == 2:
            chosen &= pick % 7 != 0  # some profile searches carry no handle
        flat, offset, size = _flatten([pool[column] for pool in pools])
        owner = acc[chosen]
        keywords[chosen] = flat[offset[owner] + pick[chosen] % size[owner]]
    edits = np.full(n_tasks, None, dtype=object)
    for index in np.flatnonzero(kind == 3).tolist():
        edits[index] = _profile_edit(accounts[acc[index]], int(pick[index]))
    return keywords, edits


def _records(columns: Any) -> list[dict[str, Any]]:
    """One task dict per row of ``columns`` (id, account, type, status, scheduled, duration, keywords, edit, created)."""
    # Building a million small dicts triggers many useless cyclic-GC passes.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return [
            {
                "id": task_id,
                "account_id": account_id,
                "type": task_type,
                "status": task_status,
                "scheduled_time": scheduled_time,
                "duration": task_duration,
                "keywords": task_keywords,
                "edit_profile_info": edit,
                "created_at": created_at,
            }
            for (
                task_id,
                account_id,
                task_type,
                task_status,
                scheduled_time,
                task_duration,
                task_keywords,
                edit,
                created_at,
            ) in columns
        ]
    finally:
        if gc_was_enabled:
            gc.enable()


def _flatten(pools: list[list[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate per-account pools; return (values, start offsets, sizes)."""
    size = np.array([len(pool) for pool in pools], dtype=np.int64)
    offset = np.concatenate(([0], np.cumsum(size)[:-1]))
    return np.array([item for pool in pools for item in pool], dtype=object), offset, size


def _search_pools(rng: np.random.Generator, account: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Search phrases and profile handles an account's warm-up tasks draw from."""
    tag = account.get("tag")
    niche = _NICHES[tag] if tag in _NICHES else _NICHES[_TAGS[int(rng.integers(len(_TAGS)))]]
    own_terms = [term for term in (account.get("keywords") or "").split(",") if term]
    own_profiles = [name for name in (account.get("profiles") or "").split(",") if name]
    return list(niche.searches) + own_terms, own_profiles + list(niche.creators[:2])


def _profile_edit(account: dict[str, Any], pick: int) -> dict[str, str]:
    """An ``edit_profile_info`` object holding a non-empty subset of the three fields."""
    fields = pick % 7 + 1  # bit mask over avatarUrl, nickName, bio
    handle = account.get("username") or account["id"]
    tag = account.get("tag")
    niche = _NICHES[tag] if tag in _NICHES else _NICHES["fitness"]
    info: dict[str, str] = {}
    if fields & 1:
        info["avatarUrl"] = f"https://storage.example.com/avatars/{handle}-{pick % 97}.jpg"
    if fields & 2:
        name = (account.get("nick_name") or handle).split(" | ")[0]
        info["nickName"] = (name, f"{name} | {niche.label}", f"{name} ✨")[pick % 3]
    if fields & 4:
        info["bio"] = niche.bios[pick % len(niche.bios)]
    return info


def _task_ids(n_tasks: int, seed: int) -> np.ndarray:
    """``n_tasks`` distinct, random-looking 48-bit ids: a seeded bijection of ``0..n-1``."""
    x = np.arange(n_tasks, dtype=np.uint64) + np.uint64(
        (seed * 0x9E3779B97F4A7C15 + 0x5DEECE66D) & _MASK48
    )
    mask = np.uint64(_MASK48)
    x &= mask
    x ^= x >> np.uint64(23)
    x = (x * np.uint64(0xD6E8FEB86659FD93 & _MASK48 | 1)) & mask
    x ^= x >> np.uint64(21)
    x = (x * np.uint64(0x9E6C63D0676A9A99 & _MASK48 | 1)) & mask
    x ^= x >> np.uint64(24)
    return x
