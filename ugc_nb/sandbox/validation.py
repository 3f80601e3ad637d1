"""Parsing and validation of request bodies; every problem becomes an HTTP 400.

Optional filters treat ``null`` like an absent key. Messages name the offending field
but never echo large payloads back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from .protocol import ApiError
from .records import TASK_TYPES, parse_ts

NO_TASK_IDS = "No task IDs provided"


def parse_body(raw: bytes) -> dict[str, Any]:
    """Decode a JSON object body; an empty body counts as ``{}``."""
    if not raw.strip():
        return {}
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ApiError(400, "Request body must be valid JSON") from None
    if not isinstance(payload, dict):
        raise ApiError(400, "Request body must be a JSON object")
    return payload


def optional_string(payload: dict[str, Any], key: str) -> str | None:
    """``payload[key]`` if it is a string, ``None`` if absent or null, else 400."""
    value = payload.get(key)
    if value is not None and not isinstance(value, str):
        raise ApiError(400, f"{key} must be a string")
    return value


def optional_bool(payload: dict[str, Any], key: str, default: bool) -> bool:
    """``payload[key]`` if it is a boolean, ``default`` if absent or null, else 400."""
    value = payload.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ApiError(400, f"{key} must be a boolean")
    return value


def optional_string_list(payload: dict[str, Any], key: str) -> list[str] | None:
    """``payload[key]`` if it is an array of strings, ``None`` if absent or null, else 400."""
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ApiError(400, f"{key} must be an array of strings")
    return value


def optional_date(payload: dict[str, Any], key: str) -> datetime | None:
    """``payload[key]`` parsed as an ISO 8601 time, ``None`` if absent or null, else 400."""
    value = payload.get(key)
    if value is None:
        return None
    try:
        return parse_ts(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"Invalid {key}: expected an ISO 8601 date-time string") from None


def optional_task_type(payload: dict[str, Any]) -> str | None:
    """The ``taskType`` filter if it names a documented type, ``None`` if absent, else 400."""
    value = payload.get("taskType")
    if value is not None and value not in TASK_TYPES:
        raise ApiError(400, f"Invalid taskType: expected one of {', '.join(TASK_TYPES)}")
    return value


def task_ids(payload: dict[str, Any]) -> list[str]:
    """The distinct ``taskIds`` in first-seen order.

    400 ``"No task IDs provided"`` when the key is missing, null, not an array or
    empty; 400 when any element is not a string.
    """
    value = payload.get("taskIds")
    if not isinstance(value, list) or not value:
        raise ApiError(400, NO_TASK_IDS)
    if not all(isinstance(item, str) for item in value):
        raise ApiError(400, "taskIds must contain only strings")
    return list(dict.fromkeys(value))
