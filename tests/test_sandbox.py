"""Rules of the sandbox API, exercised in-process through ``httpx.MockTransport``."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ugc_nb.sandbox import Sandbox
from ugc_nb.sandbox.records import ACCOUNT_FIELDS, TASK_FIELDS

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
AUTH = {"Authorization": "Bearer sandbox"}


def _task(task_id: str, account: str, task_type: str, status: str, when: str | None, created: str) -> dict:
    return {
        "id": task_id,
        "account_id": account,
        "type": task_type,
        "status": status,
        "scheduled_time": when,
        "duration": 300 if task_type.startswith("warmup") else None,
        "keywords": "leg day" if task_type == "warmup_search_term" else None,
        "edit_profile_info": {"bio": "hi"} if task_type == "edit_profile" else None,
        "created_at": created,
    }


def _account(
    account_id: str, platform: str, tag: str | None, org: str, users: str | None, status: str
) -> dict:
    fields = {"type": platform, "tag": tag, "org_group": org, "user_group": users, "status": status}
    return {**dict.fromkeys(ACCOUNT_FIELDS), "id": account_id, **fields}


TASKS = [
    _task("task_s1", "acc_a", "warmup_scroll", "scheduled", "2025-03-02T10:00:00Z", "2025-03-01T09:00:00Z"),
    _task("task_s2", "acc_b", "update_posts", "scheduled", "2025-02-28T08:00:00Z", "2025-02-27T08:00:00Z"),
    _task("task_f1", "acc_a", "edit_profile", "failed", "2025-02-20T10:00:00Z", "2025-02-19T10:00:00Z"),
    _task("task_f2", "acc_b", "warmup_search_term", "failed", "2025-02-20T10:00:00Z", "2025-02-18T10:00:00Z"),
    _task(
        "task_p1", "acc_b", "warmup_search_profile", "pending", "2025-03-01T11:50:00Z", "2025-03-01T11:00:00Z"
    ),
    _task("task_c1", "acc_c", "update_posts", "complete", "2025-02-10T00:00:00Z", "2025-02-09T00:00:00Z"),
    _task("task_n1", "acc_c", "warmup_scroll", "scheduled", None, "2025-02-25T00:00:00Z"),
]
ACCOUNTS = [
    _account("acc_a", "tiktok", "fitness", "team-a", "ops-east", "active"),
    _account("acc_b", "instagram", "beauty", "team-a", None, "setup"),
    _account("acc_c", "tiktok", None, "team-b", "ops-east", "active"),
]


def make_box(**kwargs: Any) -> Sandbox:
    return Sandbox(TASKS, ACCOUNTS, now=NOW, clock=lambda: NOW, **kwargs)


@pytest.fixture
def box() -> Sandbox:
    return make_box()


@pytest.fixture
def http(box: Sandbox):
    with httpx.Client(transport=box.transport(), base_url="http://sandbox.invalid", headers=AUTH) as client:
        yield client


def post(http: httpx.Client, path: str, body: Any = None) -> tuple[int, dict]:
    response = http.post(path, json=body) if body is not None else http.post(path)
    payload = response.json()
    assert payload["code"] == response.status_code
    return response.status_code, payload


def listed_ids(http: httpx.Client, body: Any = None) -> list[str]:
    status, payload = post(http, "/tasks", {} if body is None else body)
    assert status == 200, payload
    return [task["id"] for task in payload["data"]]


# -- authentication and routing -------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nope"}, {"Authorization": "sandbox"}, {"Authorization": "Basic sandbox"}],
)
def test_bad_or_missing_key_is_401(box: Sandbox, headers: dict) -> None:
    """Any request without ``Bearer <key>`` gets the exact 401 envelope."""
    reply = box.handle("POST", "/tasks", headers, b"{}")
    assert reply.status == 401
    assert reply.json() == {"ok": False, "code": 401, "message": "Invalid or missing API key"}


def test_presented_key_is_never_echoed(box: Sandbox) -> None:
    """A wrong key appears neither in the response nor in the request log."""
    reply = box.handle("POST", "/tasks/delete", {"authorization": "Bearer s3cret-key"}, b'{"taskIds": ["x"]}')
    assert b"s3cret-key" not in reply.body
    assert "s3cret-key" not in repr(box.requests)


def test_header_name_and_scheme_are_case_insensitive(box: Sandbox) -> None:
    """``authorization: bearer sandbox`` authenticates like the canonical spelling."""
    assert box.handle("POST", "/tasks", {"authorization": "bearer sandbox"}, b"").status == 200


def test_unknown_path_is_404_envelope(http: httpx.Client) -> None:
    """An unknown path returns a 404 error envelope without data."""
    status, payload = post(http, "/tasks/purge", {})
    assert status == 404 and payload["ok"] is False and "data" not in payload


def test_get_on_known_path_is_405(http: httpx.Client) -> None:
    """GET on an API path is 405 with an ``Allow: POST`` header."""
    response = http.get("/tasks")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json() == {"ok": False, "code": 405, "message": "Method GET not allowed; use POST"}


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"tasks"', b"null"])
def test_body_must_be_a_json_object(box: Sandbox, body: bytes) -> None:
    """Non-JSON bodies and JSON that is not an object are 400."""
    reply = box.handle("POST", "/tasks", AUTH, body)
    assert reply.status == 400 and reply.json()["ok"] is False


# -- POST /tasks ----------------------------------------------------------------------


def test_empty_body_and_empty_object_return_all_tasks_sorted(http: httpx.Client) -> None:
    """No filters → every task, by scheduled_time (nulls last) then id."""
    expected = ["task_c1", "task_f1", "task_f2", "task_s2", "task_p1", "task_s1", "task_n1"]
    assert listed_ids(http) == expected
    response = http.post("/tasks")
    assert [t["id"] for t in response.json()["data"]] == expected


def test_task_objects_have_exactly_the_documented_fields(http: httpx.Client) -> None:
    """Every served task carries the nine schema fields and nothing else."""
    _, payload = post(http, "/tasks", {})
    assert payload["message"] == "Success"
    assert all(tuple(task) == TASK_FIELDS for task in payload["data"])


def test_account_filter_ignores_unknown_ids(http: httpx.Client) -> None:
    """``accountIds`` keeps only those accounts; unknown ids are ignored, not an error."""
    assert listed_ids(http, {"accountIds": ["acc_a", "acc_zzz"]}) == ["task_f1", "task_s1"]
    assert listed_ids(http, {"accountIds": ["acc_zzz"]}) == []


@pytest.mark.parametrize("value", ["acc_a", [1], [["acc_a"]], {"id": "acc_a"}])
def test_account_ids_must_be_a_list_of_strings(http: httpx.Client, value: Any) -> None:
    """A non-list or non-string element in ``accountIds`` is 400 naming the field."""
    status, payload = post(http, "/tasks", {"accountIds": value})
    assert status == 400 and "accountIds" in payload["message"]


def test_task_type_filter(http: httpx.Client) -> None:
    """``taskType`` keeps only that type."""
    assert listed_ids(http, {"taskType": "update_posts"}) == ["task_c1", "task_s2"]


@pytest.mark.parametrize("value", ["browse", "", 3])
def test_unknown_task_type_is_400(http: httpx.Client, value: Any) -> None:
    """A taskType outside the five documented values is 400."""
    status, payload = post(http, "/tasks", {"taskType": value})
    assert status == 400 and "taskType" in payload["message"]


def test_date_window_is_inclusive_on_scheduled_time(http: httpx.Client) -> None:
    """Both bounds include tasks exactly on them; null scheduled_time is excluded."""
    window = {"startDate": "2025-02-20T10:00:00Z", "endDate": "2025-02-28T08:00:00Z"}
    assert listed_ids(http, window) == ["task_f1", "task_f2", "task_s2"]


def test_date_bounds_work_alone_and_exclude_nulls(http: httpx.Client) -> None:
    """Either bound alone filters; a bound drops tasks whose field is null."""
    assert listed_ids(http, {"startDate": "2025-03-01T11:50:00Z"}) == ["task_p1", "task_s1"]
    assert listed_ids(http, {"endDate": "2025-02-10T00:00:00Z"}) == ["task_c1"]


def test_date_bounds_accept_offsets_fractions_and_dates(http: httpx.Client) -> None:
    """Offsets are converted to UTC; a fractional start excludes the whole second before."""
    assert listed_ids(http, {"startDate": "2025-03-01T12:50:00+01:00", "endDate": "2025-03-01"}) == []
    assert listed_ids(http, {"startDate": "2025-03-01T12:50:00+01:00"}) == ["task_p1", "task_s1"]
    assert listed_ids(http, {"startDate": "2025-03-01T11:50:00.500Z"}) == ["task_s1"]


def test_date_window_on_created_at() -> None:
    """With ``date_field="created_at"`` the window applies to created_at, still sorted by time."""
    box = make_box(date_field="created_at")
    with httpx.Client(transport=box.transport(), base_url="http://x", headers=AUTH) as http:
        window = {"startDate": "2025-02-25T00:00:00Z", "endDate": "2025-03-01T09:00:00Z"}
        assert listed_ids(http, window) == ["task_s2", "task_s1", "task_n1"]


@pytest.mark.parametrize("field", ["startDate", "endDate"])
@pytest.mark.parametrize("value", ["yesterday", "2025-13-01T00:00:00Z", 20250101, ""])
def test_malformed_date_is_400_naming_the_field(http: httpx.Client, field: str, value: Any) -> None:
    """A malformed startDate/endDate is 400 and the message names the field."""
    status, payload = post(http, "/tasks", {field: value})
    assert status == 400 and field in payload["message"]


def test_null_filters_count_as_absent(http: httpx.Client) -> None:
    """JSON nulls for optional filters behave like missing keys."""
    body = {"accountIds": None, "taskType": None, "startDate": None, "endDate": None}
    assert len(listed_ids(http, body)) == len(TASKS)


# -- POST /accounts and /accounts/status ----------------------------------------------


def test_accounts_filters_combine(http: httpx.Client) -> None:
    """tag/org_group/user_group (and status) filter by equality and combine with AND."""
    _, payload = post(http, "/accounts", {})
    assert [a["id"] for a in payload["data"]] == ["acc_a", "acc_b", "acc_c"]
    _, payload = post(http, "/accounts", {"org_group": "team-a", "user_group": "ops-east"})
    assert [a["id"] for a in payload["data"]] == ["acc_a"]
    _, payload = post(http, "/accounts", {"status": "setup"})
    assert [a["id"] for a in payload["data"]] == ["acc_b"]
    status, _ = post(http, "/accounts", {"tag": 5})
    assert status == 400


def test_account_status_shape_and_completed_filter(http: httpx.Client) -> None:
    """AccountTasks omit duration/keywords; complete only with includeCompleted; failed always."""
    _, payload = post(http, "/accounts/status", {})
    ids = [task["id"] for task in payload["data"]]
    assert ids == ["task_f1", "task_f2", "task_s2", "task_p1", "task_s1", "task_n1"]
    assert all(set(task) == set(TASK_FIELDS) - {"duration", "keywords"} for task in payload["data"])
    _, payload = post(http, "/accounts/status", {"accountIds": ["acc_c"], "includeCompleted": True})
    assert [task["id"] for task in payload["data"]] == ["task_c1", "task_n1"]
    status, _ = post(http, "/accounts/status", {"includeCompleted": "yes"})
    assert status == 400


# -- POST /tasks/delete and /tasks/retry ----------------------------------------------


@pytest.mark.parametrize("path", ["/tasks/delete", "/tasks/retry"])
@pytest.mark.parametrize(
    "body", [{}, {"taskIds": None}, {"taskIds": []}, {"taskIds": "task_f1"}, {"taskIds": {"a": 1}}]
)
def test_no_task_ids_is_400(http: httpx.Client, path: str, body: dict) -> None:
    """Missing, null, empty or non-list taskIds → 400 "No task IDs provided"."""
    assert post(http, path, body) == (400, {"ok": False, "code": 400, "message": "No task IDs provided"})


@pytest.mark.parametrize("path", ["/tasks/delete", "/tasks/retry"])
def test_non_string_task_id_is_400(http: httpx.Client, path: str) -> None:
    """Any non-string element of taskIds is 400."""
    status, payload = post(http, path, {"taskIds": ["task_f1", 7]})
    assert status == 400 and "strings" in payload["message"]


def test_unknown_id_is_404_and_changes_nothing(box: Sandbox, http: httpx.Client) -> None:
    """All-or-nothing: one unknown id → 404 listing it, and no task is deleted."""
    status, payload = post(http, "/tasks/delete", {"taskIds": ["task_f1", "task_ghost", "task_s1"]})
    assert status == 404 and "task_ghost" in payload["message"] and "task_f1" not in payload["message"]
    assert box.status_of("task_f1") == "failed" and box.deleted_ids == []


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        ("/tasks/delete", {"task_p1": "pending", "task_c1": "complete"}),
        ("/tasks/retry", {"task_s1": "scheduled", "task_p1": "pending"}),
    ],
)
def test_ineligible_status_is_400_listing_ids_and_changes_nothing(
    box: Sandbox, http: httpx.Client, path: str, bad: dict
) -> None:
    """All-or-nothing: ineligible ids → 400 naming each with its status; state untouched."""
    before = box.tasks
    status, payload = post(http, path, {"taskIds": ["task_f1", *bad]})
    assert status == 400
    for task_id, task_status in bad.items():
        assert f"{task_id} ({task_status})" in payload["message"]
    assert box.tasks == before


def test_not_found_wins_over_ineligible(http: httpx.Client) -> None:
    """When ids are both unknown and ineligible, the answer is 404."""
    status, _ = post(http, "/tasks/delete", {"taskIds": ["task_p1", "task_ghost"]})
    assert status == 404


def test_delete_success_envelope_and_state(box: Sandbox, http: httpx.Client) -> None:
    """Deleting scheduled and failed tasks removes them and reports count and ids."""
    status, payload = post(http, "/tasks/delete", {"taskIds": ["task_s1", "task_f2"]})
    assert (status, payload) == (
        200,
        {
            "ok": True,
            "code": 200,
            "message": "Successfully deleted 2 task(s)",
            "data": {"deleted": 2, "ids": ["task_s1", "task_f2"]},
        },
    )
    assert box.task("task_s1") is None and "task_f2" not in box.ids()
    assert box.deleted_ids == ["task_s1", "task_f2"]
    assert box.requests[-1].applied == ("task_s1", "task_f2")


def test_duplicates_are_counted_once(http: httpx.Client) -> None:
    """Repeated ids are de-duplicated before counting and applying."""
    status, payload = post(http, "/tasks/retry", {"taskIds": ["task_f1", "task_f1", "task_f2", "task_f1"]})
    assert status == 200 and payload["data"] == {"retried": 2, "ids": ["task_f1", "task_f2"]}


def test_retry_effects(box: Sandbox, http: httpx.Client) -> None:
    """Retry: same id, status scheduled, scheduled_time = server now, created_at untouched."""
    before = box.task("task_f1")
    status, payload = post(http, "/tasks/retry", {"taskIds": ["task_f1"]})
    assert status == 200 and payload["message"] == "Successfully retried 1 task(s)"
    after = box.task("task_f1")
    assert after == {**before, "status": "scheduled", "scheduled_time": "2025-03-01T12:00:00Z"}
    assert box.retried_ids == ["task_f1"]
    assert listed_ids(http)[-3:] == ["task_f1", "task_s1", "task_n1"]  # re-sorted by new time
    assert post(http, "/tasks/retry", {"taskIds": ["task_f1"]})[0] == 400  # now scheduled


def test_max_ids_counts_distinct_ids(box: Sandbox, http: httpx.Client) -> None:
    """More distinct ids than ``max_ids`` → 400 stating the limit; duplicates don't count."""
    box.max_ids = 2
    status, payload = post(http, "/tasks/delete", {"taskIds": ["task_s1", "task_s2", "task_f1"]})
    assert status == 400 and "at most 2" in payload["message"]
    assert box.deleted_ids == []
    status, _ = post(http, "/tasks/delete", {"taskIds": ["task_s1", "task_s2", "task_s1"]})
    assert status == 200


def test_partial_mode_applies_subset_and_reports_rest(box: Sandbox, http: httpx.Client) -> None:
    """Partial: eligible ids applied, the rest in data.errors in request order, HTTP 200."""
    box.semantics = "partial"
    status, payload = post(
        http, "/tasks/delete", {"taskIds": ["task_ghost", "task_s1", "task_p1", "task_f1"]}
    )
    assert status == 200
    assert payload["message"] == "Successfully deleted 2 task(s)"
    assert payload["data"] == {
        "deleted": 2,
        "ids": ["task_s1", "task_f1"],
        "errors": [
            {"id": "task_ghost", "error": "not found"},
            {"id": "task_p1", "error": "status pending is not deletable"},
        ],
    }
    assert box.ids() == ["task_c1", "task_f2", "task_s2", "task_p1", "task_n1"]


def test_partial_mode_with_nothing_eligible_is_still_200(box: Sandbox, http: httpx.Client) -> None:
    """Partial: nothing applied is still a 200 with errors; no errors key when all succeed."""
    box.semantics = "partial"
    status, payload = post(http, "/tasks/retry", {"taskIds": ["task_s1"]})
    assert status == 200
    assert payload["data"] == {
        "retried": 0,
        "ids": [],
        "errors": [{"id": "task_s1", "error": "status scheduled is not retryable"}],
    }
    _, payload = post(http, "/tasks/retry", {"taskIds": ["task_f1"]})
    assert payload["data"] == {"retried": 1, "ids": ["task_f1"]}


def test_long_error_listing_is_truncated(http: httpx.Client) -> None:
    """Error messages list at most 20 ids and then say how many more."""
    ids = [f"task_ghost{i:02d}" for i in range(25)]
    _, payload = post(http, "/tasks/delete", {"taskIds": ids})
    assert "task_ghost19" in payload["message"] and "task_ghost20" not in payload["message"]
    assert payload["message"].endswith("and 5 more")


# -- Python API -----------------------------------------------------------------------


def test_inspection_returns_copies(box: Sandbox) -> None:
    """Mutating what ``tasks``/``task``/``accounts`` return does not touch the sandbox."""
    box.tasks[0]["status"] = "failed"
    box.task("task_f1")["edit_profile_info"]["bio"] = "changed"
    box.accounts[0]["tag"] = "changed"
    assert box.status_of("task_c1") == "complete"
    assert box.task("task_f1")["edit_profile_info"] == {"bio": "hi"}
    assert box.accounts[0]["tag"] == "fitness"


def test_set_status_moves_tasks_and_validates(box: Sandbox) -> None:
    """set_status changes status; unknown ids raise KeyError, unknown statuses ValueError."""
    box.set_status(["task_s1", "task_s2"], "pending")
    box.set_status("task_f1", "complete")
    assert [box.status_of(i) for i in ("task_s1", "task_s2", "task_f1")] == ["pending", "pending", "complete"]
    with pytest.raises(KeyError):
        box.set_status(["task_s1", "task_ghost"], "failed")
    assert box.status_of("task_s1") == "pending"
    with pytest.raises(ValueError):
        box.set_status("task_s1", "completed")


def test_supplied_tasks_are_normalised() -> None:
    """Given tasks get missing nullable fields, timestamps in ``Z`` form, and derived accounts."""
    box = Sandbox(
        [
            {
                "id": "t1",
                "account_id": "acc_x",
                "type": "browse",
                "status": "failed",
                "scheduled_time": "2025-01-01T13:00:00.250+01:00",
            }
        ],
        now=NOW,
    )
    assert box.task("t1") == {
        "id": "t1",
        "account_id": "acc_x",
        "type": "browse",
        "status": "failed",
        "scheduled_time": "2025-01-01T12:00:00Z",
        "duration": None,
        "keywords": None,
        "edit_profile_info": None,
        "created_at": "2025-03-01T12:00:00Z",
    }
    assert tuple(box.task("t1")) == TASK_FIELDS
    assert [a["id"] for a in box.accounts] == ["acc_x"]


@pytest.mark.parametrize(
    "tasks",
    [
        [TASKS[0], TASKS[0]],
        [{**TASKS[0], "status": "done"}],
        [{**TASKS[0], "id": None}],
        [{**TASKS[0], "created_at": "soon"}],
    ],
)
def test_invalid_supplied_tasks_are_rejected(tasks: list) -> None:
    """Duplicate ids, unknown statuses, missing ids and bad timestamps raise ValueError."""
    with pytest.raises(ValueError):
        Sandbox(tasks, now=NOW)


@pytest.mark.parametrize(
    ("attribute", "value"),
    [("semantics", "some"), ("max_ids", 0), ("max_ids", 2.5), ("date_field", "updated_at")],
)
def test_invalid_runtime_settings_are_rejected(box: Sandbox, attribute: str, value: Any) -> None:
    """semantics, max_ids and date_field validate assignments."""
    with pytest.raises(ValueError):
        setattr(box, attribute, value)


def test_request_log_records_and_resets(box: Sandbox, http: httpx.Client) -> None:
    """Each request is logged with method, path, parsed body and status; reset_log clears it."""
    post(http, "/tasks", {"taskType": "edit_profile"})
    http.get("/accounts")
    assert [(r.method, r.path, r.body, r.status, r.fault) for r in box.requests] == [
        ("POST", "/tasks", {"taskType": "edit_profile"}, 200, None),
        ("GET", "/accounts", {}, 405, None),
    ]
    box.reset_log()
    assert box.requests == []


def test_concurrent_deletes_apply_each_id_once() -> None:
    """Many threads deleting overlapping ids: every task is deleted exactly once."""
    when = "2025-02-01T00:00:00Z"
    tasks = [_task(f"task_{i:04d}", "acc_a", "warmup_scroll", "failed", when, when) for i in range(400)]
    box = Sandbox(tasks, now=NOW, semantics="partial")
    counts: list[int] = []

    def worker(offset: int) -> None:
        with httpx.Client(transport=box.transport(), base_url="http://x", headers=AUTH) as http:
            for start in range(0, 400, 20):
                ids = [f"task_{(start + offset + i) % 400:04d}" for i in range(20)]
                counts.append(http.post("/tasks/delete", json={"taskIds": ids}).json()["data"]["deleted"])

    threads = [threading.Thread(target=worker, args=(n * 7,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 400
    assert sorted(box.deleted_ids) == [task["id"] for task in tasks]
    assert box.ids() == []


# -- properties -----------------------------------------------------------------------

_KNOWN = [task["id"] for task in TASKS]
_ids = st.lists(st.sampled_from([*_KNOWN, "task_ghost", "task_x", ""]), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ids=_ids, path=st.sampled_from(["/tasks/delete", "/tasks/retry"]))
def test_all_or_nothing_changes_nothing_or_exactly_the_deduped_list(ids: list[str], path: str) -> None:
    """All-or-nothing: either the state is untouched, or exactly the distinct ids were applied."""
    box = make_box()
    before = box.tasks
    reply = box.handle("POST", path, AUTH, orjson.dumps({"taskIds": ids}))
    distinct = list(dict.fromkeys(ids))
    if reply.status == 200:
        assert reply.json()["data"]["ids"] == distinct
        changed = [t["id"] for t in before if box.task(t["id"]) != t]
        assert sorted(changed) == sorted(distinct)
    else:
        assert reply.status in (400, 404) and box.tasks == before


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ids=_ids, path=st.sampled_from(["/tasks/delete", "/tasks/retry"]))
def test_partial_gives_every_id_exactly_one_outcome(ids: list[str], path: str) -> None:
    """Partial: each distinct id is either applied or reported once in errors."""
    box = make_box(semantics="partial")
    reply = box.handle("POST", path, AUTH, orjson.dumps({"taskIds": ids}))
    data = reply.json()["data"]
    outcomes = data["ids"] + [error["id"] for error in data.get("errors", [])]
    assert reply.status == 200
    assert sorted(outcomes) == sorted(set(ids))
    assert data["deleted" if path.endswith("delete") else "retried"] == len(data["ids"])
