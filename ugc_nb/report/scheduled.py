"""The scheduled cleanup: ``04-cleanup.ipynb`` runs a preset headless (papermill, cron) and leaves a report and a CSV.

The notebook's ``parameters`` cell takes the preset and its parameters, ``apply`` (a dry run
unless ``apply=True``) and ``output_dir``; it picks the rows, shows the plan, runs the engine
(dry or not), then :func:`write_cleanup` writes two files named after the UTC time: a
self-contained HTML page (what was chosen, the plan, the outcome of every task) and the
per-task CSV. Its last cell fails when any task ``failed`` or is ``unknown``, so papermill,
and the cron job around it, exits non-zero.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from ..api.client import is_sandbox
from ..api.errors import ReportError
from ..api.timeutil import utcnow
from ..cleanup.outcome import CleanupReport, totals_text
from ..cleanup.plan import Plan
from ..tasks.html import html_block
from ..tasks.units import count, when
from .files import check_writable_dir

__all__ = ["cleanup_notebook", "check_parameters", "write_cleanup"]

STYLE = ("body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;"
         "color:#1f2328}table{border-collapse:collapse;font-size:0.9em}td,th{border-bottom:1px solid #d0d7de;padding:3px 8px;"
         "text-align:left}h1{font-size:1.5em}.facts th{color:#57606a;font-weight:normal}")


def cleanup_notebook() -> Path:
    """Path of the packaged scheduled-cleanup notebook (``notebooks/04-cleanup.ipynb`` links to it)."""
    return Path(str(resources.files("ugc_nb") / "report" / "04-cleanup.ipynb"))


def check_parameters(*, preset: Any, apply: Any, days: Any, tag: Any, group: Any, output_dir: Any) -> None:
    """Refuse anything but exactly what the parameters cell documents, before a task is read or sent.

    ``apply`` must be the boolean ``True`` or ``False``: papermill passes ``-p apply false`` as the *string*
    "false", which Python takes as true — a dry run must never turn into a delete on a spelling. The output
    folder is created and written to first, so a run never deletes and then fails to leave its record."""
    from ..insight.presets import names

    if not isinstance(apply, bool):
        raise ValueError(f"apply must be True or False (papermill: -p apply True), got {apply!r} "
                         f"({type(apply).__name__}); nothing was read or sent")
    if preset not in names():
        raise ValueError(f"preset must be one of {', '.join(names())}, got {preset!r}")
    if preset == "old-failures" and (isinstance(days, bool) or not isinstance(days, (int, float)) or not 0 < days <= 100_000):
        raise ValueError(f"days must be a number of days above 0 and at most 100,000, got {days!r}")
    if preset == "test":
        if group is None and (not isinstance(tag, str) or not tag.strip() or tag != tag.strip()):
            raise ValueError(f"tag must be a tag name without spaces around it (or set group), got {tag!r}")
        if group is not None and (not isinstance(group, str) or not group.strip() or group != group.strip()):
            raise ValueError(f"group must be a group name without spaces around it, got {group!r}")
    try:
        check_writable_dir(output_dir, "output_dir")
    except ValueError as exc:
        raise ValueError(f"{exc}; nothing was read or sent") from None


def write_cleanup(output_dir: str | os.PathLike[str], plan: Plan, report: CleanupReport, *, source: str,
                  preset: str, params: Mapping[str, Any], title: str = "Scheduled task cleanup") -> tuple[Path, Path]:
    """Write ``cleanup-<UTC time>.html`` and ``.csv`` into ``output_dir`` (created); returns (html, csv).

    The page is refused (:class:`ReportError`) if it would contain ``UGC_API_KEY``."""
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    now = utcnow()
    stem = out / f"cleanup-{now:%Y%m%d-%H%M%S}"
    frame = per_task(plan, report)
    shown = ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in params.items() if k != "accounts")
    facts = [("When", when(now)), ("Source", "the embedded sandbox" if is_sandbox(source) else source), ("Preset", preset + (f" ({shown})" if shown else "")),
             ("Mode", "dry run: nothing was sent" if report.dry_run else "applied"),
             ("Journal", str(report.journal) if report.journal else "none (dry run)")]
    headline = f"{'Dry run — ' if report.dry_run else ''}{count(len(frame))}: {totals_text(report.totals)}"
    page = "".join([
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        html_block(headline, facts=facts),
        "<h2>The plan</h2>", plan._repr_html_(),
        "<h2>Every task</h2>",
        html_block(f"{count(len(frame))}, failures first", report.notes, table=frame, more=f"{stem.name}.csv has them all"),
        "</body></html>",
    ])
    key = os.environ.get("UGC_API_KEY", "").strip()
    if key and key in page:
        raise ReportError("the cleanup page contains the API key; it was not written")
    page_path, csv_path = stem.with_suffix(".html"), stem.with_suffix(".csv")
    page_path.write_text(page, encoding="utf-8")
    frame.to_csv(csv_path, index=False)
    return page_path, csv_path


def per_task(plan: Plan, report: CleanupReport) -> Any:
    """One row per task: the outcome and its reason, who and what it was, and why the preset picked it; failures first."""
    frame = report.to_frame()
    rows = plan.rows
    if rows is not None and len(frame):
        extra = rows.set_index("id")
        if "username" in extra:
            frame.insert(frame.columns.get_loc("account_id") + 1, "username", frame["id"].map(extra["username"].astype(object)))
        if "reason" in extra:
            frame["picked_because"] = frame["id"].map(extra["reason"].astype(object))
    order = frame["outcome"].astype(str).isin(["failed", "unknown"]).map({True: 0, False: 1})
    return frame.assign(_order=order).sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)
