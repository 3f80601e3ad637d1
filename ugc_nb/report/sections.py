"""The report's sections as HTML, one function each: what ``03-report.ipynb`` shows, testable without a kernel.

Every number reads in human units (:mod:`ugc_nb.tasks.units`); every table has one flat header row;
every section says plainly when nothing matches instead of drawing empty axes or NaT cells.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from ..insight import analysis
from ..insight.plots import PALETTE
from ..insight.summary import TaskSummary
from ..tasks.units import agree, count, day, days, duration, readable, share, when

__all__ = ["STYLE", "headline", "population", "ages", "stuck", "failure_table", "top_accounts", "cleanup_preview", "removed", "nothing",
           "table", "strip_scripts", "with_alt_texts", "unknown_accounts"]

#: Finished tasks below which a week's failure rate is marked as resting on few tasks.
FEW = 5

STYLE = """<style>
.ugc-cards{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0 14px}
.ugc-card{border:1px solid rgba(127,127,127,.35);border-radius:8px;padding:8px 14px;min-width:120px}
.ugc-card b{display:block;font-size:1.5em}.ugc-card span{opacity:.75;font-size:.9em}
.ugc-table{border-collapse:collapse;font-size:.92em}
.ugc-table th,.ugc-table td{padding:3px 9px;border-bottom:1px solid rgba(127,127,127,.3);text-align:left!important}
.ugc-table td.num,.ugc-table th.num{text-align:right!important}.ugc-few{opacity:.55;font-style:italic}
</style>"""


def nothing(text: str) -> str:
    """A section's plain "nothing here" line."""
    return f"<p><i>{html.escape(text)}</i></p>"


def table(frame: pd.DataFrame, *, numeric: Iterable[str] = ()) -> str:
    """``frame`` as one flat-headed HTML table in human units (no index, no stray index-name row)."""
    shown = readable(frame.reset_index(drop=True))
    right = set(numeric)
    head = "".join(f"<th class='num'>{html.escape(str(c))}</th>" if c in right else f"<th>{html.escape(str(c))}</th>" for c in shown)
    rows = "".join("<tr>" + "".join(f"<td class='num'>{html.escape(str(v))}</td>" if c in right else f"<td>{html.escape(str(v))}</td>"
                                    for c, v in zip(shown.columns, values, strict=True)) + "</tr>" for values in shown.itertuples(index=False))
    return f"<table class='ugc-table'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def population(history: pd.DataFrame) -> str:
    """The report's one population, in words: the tasks in the queue now and those cleanups deleted (from the journal),
    "1,733 tasks: 1,443 in the queue now and 290 deleted by cleanups since 1 Nov 2026". Every section counts these."""
    gone = history["deleted_at"].notna() if "deleted_at" in history else pd.Series(False, index=history.index)
    deleted, live = int(gone.sum()), int((~gone).sum())
    if not deleted:
        return f"{count(live)} in the queue now."
    since = history.loc[gone, "deleted_at"].min()
    return (f"{count(live + deleted)}: {live:,} in the queue now and {deleted:,} deleted by cleanups since {day(since.normalize())} "
            "(kept in the journal, so a cleanup does not make the past look better than it was).")


def headline(summary: TaskSummary, *, title: str, where: str, scope: Sequence[str] = (), covers: str = "",
             now: TaskSummary | None = None) -> str:
    """The title, where the data came from, the population every section counts (``covers``: :func:`population`), and
    the numbers that matter first, as cards: tasks and accounts of that population, then what can be deleted, retried,
    is overdue and the oldest failure of the queue now (``now``: its summary, when the population holds deleted tasks)."""
    queue = now or summary
    oldest = queue.oldest_failed
    label = " now" if now is not None else ""
    cards = [(f"{summary.total:,}", agree(summary.total, "task", "tasks")), (f"{summary.accounts:,}", agree(summary.accounts, "account", "accounts")),
             (f"{queue.deletable:,}", f"deletable{label} (scheduled or failed)"), (f"{queue.retryable:,}", f"retryable{label} (failed)"),
             (f"{queue.overdue:,}", f"overdue{label} (never ran)"),
             (duration(oldest["age"]) if oldest else "—", f"oldest failure{label}{' (' + oldest['created_at'] + ')' if oldest else ''}")]
    boxes = "".join(f"<div class='ugc-card'><b>{html.escape(v)}</b><span>{html.escape(k)}</span></div>" for v, k in cards)
    within = f" — {html.escape('; '.join(scope))}" if scope else ""
    about = f"<p><b>This report covers {html.escape(covers)}</b></p>" if covers else ""
    return (f"{STYLE}<h1>{html.escape(title)}</h1><p>Generated {when(summary.now)} from {html.escape(where)}{within}.</p>"
            f"{about}<div class='ugc-cards'>{boxes}</div>")


def ages(df: pd.DataFrame) -> str:
    """Per status: how many tasks, and their median, 90th-percentile and oldest age."""
    if df.empty:
        return nothing("No tasks match, so there are no ages to show.")
    frame = analysis.age_summary(df)
    frame = frame[frame["tasks"] > 0].reset_index()
    frame = frame.rename(columns={"status": "Status", "tasks": "Tasks", "median_age": "Median age", "p90_age": "90 % are younger than",
                                  "max_age": "Oldest"})
    return table(frame, numeric=["Tasks", "Median age", "90 % are younger than", "Oldest"])


def stuck(df: pd.DataFrame, *, limit: int = 50) -> str:
    """Scheduled tasks that never ran and pending ones still running long after their time, most late first."""
    rows = analysis.stuck(df)
    if rows.empty:
        return nothing("Nothing is stuck: no scheduled task is overdue and no pending task is running long past its time.")
    shown = pd.DataFrame({
        "Task": rows["id"], "Account": _accounts(rows), "Type": rows["type"].astype(str), "Stuck": rows["stuck"].astype(str),
        "Due (UTC)": rows["scheduled_time"], "Late by": rows["late_by"]})
    more = f"<p>… {len(rows) - limit:,} more, less late.</p>" if len(rows) > limit else ""
    return f"<p>{count(len(rows), 'task')} stuck, most late first.</p>{table(shown.head(limit), numeric=['Late by'])}{more}"


def failure_table(df: pd.DataFrame) -> str:
    """Failure rate per week and type, shaded by rate, with the counts behind each; few finished tasks and the
    current, partial week are marked."""
    rates = analysis.failure_rates(df, by="type", freq="W")  # ISO weeks, as everywhere (analysis.period_freq)
    rates = rates[rates["finished"] > 0]
    if rates.empty:
        return nothing("No task has finished (complete or failed) yet, so there is no failure rate to show.")
    types = [t for t in rates.index.get_level_values("type").unique()]
    weeks = sorted(rates.index.get_level_values("period").unique())
    now = df.attrs.get("now", pd.Timestamp.now(tz="UTC"))
    color = PALETTE["failed"]
    head = "<th>Week of</th>" + "".join(f"<th class='num'>{html.escape(str(t))}</th>" for t in types)
    body = []
    for week in weeks:
        partial = week + pd.Timedelta(days=7) > now
        label = f"{week:%Y-%m-%d}" + (" (this week, so far)" if partial else "")
        cells = []
        for kind in types:
            key = (week, kind)
            if key not in rates.index:
                cells.append("<td class='num'>—</td>")
                continue
            row = rates.loc[key]
            finished, failed = int(row["finished"]), int(row["failed"])
            few = finished < FEW
            alpha = 0.08 + 0.6 * failed / finished
            # a rate resting on too few tasks is not shaded: a dark cell would say more than it knows
            style = "" if few else f" style='background:color-mix(in srgb, {color} {alpha * 100:.0f}%, transparent)'"
            title = f" title='rests on only {count(finished, 'finished task')}'" if few else ""
            cells.append(f"<td class='num{' ugc-few' if few else ''}'{style}{title}>{html.escape(share(failed, finished))}</td>")
        body.append(f"<tr><td>{html.escape(label)}</td>{''.join(cells)}</tr>")
    note = (f"<p>Failed ÷ finished (complete + failed) per week (Monday to Sunday, UTC) and type; scheduled and pending tasks "
            f"have not finished and are left out. A darker cell fails more. <span class='ugc-few'>Pale italics</span>: fewer than "
            f"{FEW} finished tasks, too few to read much into (not shaded).</p>")
    return f"{note}<table class='ugc-table'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def top_accounts(df: pd.DataFrame, n: int = 10) -> str:
    """The accounts with the most failed tasks, with the counts, and a sentence on how they are ranked."""
    rows = analysis.top_failing_accounts(df, n=n)
    if rows.empty:
        return nothing("No account has a failed task.")
    shown = pd.DataFrame({
        "Account": _accounts(rows.reset_index()), "Failed": rows["failed"].to_numpy(),
        "Failure rate": [share(f, t) for f, t in zip(rows["failed"], rows["finished"], strict=True)],
        "Tasks": rows["tasks"].to_numpy()})
    return (f"<p>Ranked by the number of failed tasks (ties: the higher failure rate first); the rate is failed ÷ finished. "
            f"Top {len(rows):,} of {count(int((analysis.failure_rates(df, by='account_id', freq=None)['failed'] > 0).sum()), 'account')} "
            f"with a failure.</p>{table(shown, numeric=['Failed', 'Failure rate', 'Tasks'])}")


def cleanup_preview(df: pd.DataFrame, older_than: Any) -> str:
    """What deleting old failures would delete and what it would keep, in words; then the plan's breakdown."""
    from ..cleanup.plan import plan_delete

    age = pd.Timedelta(older_than)
    failed = df[df["status"] == "failed"]
    picked = analysis.cleanup_candidates(df, older_than=older_than)
    words = days(age).replace(".0 d", " days") if age >= pd.Timedelta(days=1) else duration(age)
    lead = "<p><b>Preview only: this report never deletes anything.</b></p>"
    if failed.empty:
        return lead + nothing("No failed task is in the queue now, so there is nothing to clean up.")
    kept = len(failed) - len(picked)
    sentence = (f"Deleting the failed tasks created more than {words} ago would delete {len(picked):,} of the "
                f"{count(len(failed), 'failed task')} in the queue now; {kept:,} {'is' if kept == 1 else 'are'} younger than "
                f"{words} and would be kept.")
    if picked.empty:
        return lead + f"<p>{html.escape(sentence)}</p>"
    plan = plan_delete(df[df["id"].isin(picked["id"])])
    lines = "".join(f"<li>{html.escape(line)}</li>" for line in plan.lines()[1:])
    return f"{lead}<p>{html.escape(sentence)}</p><ul>{lines}</ul>"


def removed(history: pd.DataFrame, *, runs: int = 10) -> str:
    """The tasks of this report that cleanups deleted (``history``'s rows with ``deleted_at``: in its scope, each task
    once, from this source — for an in-process sandbox, from this sandbox only), by run: when, how many, by type and
    account (usernames where known)."""
    gone = history[history["deleted_at"].notna()] if "deleted_at" in history else history.iloc[0:0]
    if gone.empty:
        return nothing("No task of this report was deleted by a journalled cleanup.")
    rows = []
    for run, part in gone.groupby("deleted_run", sort=False):
        rows.append({"When": part["deleted_at"].min(), "Deleted": len(part), "By type": _top(part["type"]),
                     "By account": _top(pd.Series(_accounts(part), dtype=object)), "Run": run})
    frame = pd.DataFrame(rows).sort_values("When", ascending=False)
    shown = frame.head(runs)
    more = f"<p>… {len(frame) - runs:,} older runs.</p>" if len(frame) > runs else ""
    return (f"<p>{count(len(gone), 'task')} of this report deleted by {count(len(frame), 'cleanup run')} (newest first); the "
            f"journal keeps every deleted row, so the sections above still count them.</p>"
            f"{table(shown, numeric=['Deleted'])}{more}")


def unknown_accounts(asked: Sequence[str] | None, accounts: Iterable[dict[str, Any]] | None) -> list[str]:
    """Account ids the report was asked for that ``/accounts`` does not list (empty when either is unknown)."""
    if not asked or accounts is None:
        return []
    known = {a.get("id") for a in accounts if isinstance(a, dict)}
    return [a for a in asked if a not in known]


def strip_scripts(page: str) -> str:
    """The exported page without any ``<script>``: nothing to load from the network, nothing to run (the report
    needs neither — figures are embedded PNGs, tables plain HTML), so it opens offline and as an attachment."""
    import re

    return re.sub(r"<script\b[^>]*>.*?</script\s*>", "", page, flags=re.S | re.I)


def with_alt_texts(page: str, alts: Sequence[str | None]) -> str:
    """Give the page's images, in order, the alt texts the notebook's outputs carry (``metadata["image/png"]["alt"]``),
    which the HTML template leaves out; an image without one keeps what it has."""
    import re

    texts = iter(alts)

    def one(match: re.Match[str]) -> str:
        tag = match.group(0)
        alt = next(texts, None)
        if not alt:
            return tag
        tag = re.sub(r'\salt="[^"]*"', "", tag)
        return tag.replace("<img", f'<img alt="{html.escape(alt, quote=True)}"', 1)

    return re.sub(r"<img\b[^>]*>", one, page)


def _accounts(rows: pd.DataFrame) -> list[str]:
    ids = rows["account_id"].astype(str).tolist()
    if "username" not in rows:
        return ids
    names = rows["username"].astype(object).tolist()
    return [f"{n} ({i})" if isinstance(n, str) and n else i for n, i in zip(names, ids, strict=True)]


def _top(values: pd.Series, k: int = 3) -> str:
    counts = values.astype(str).value_counts()
    shown = ", ".join(f"{name} {n:,}" for name, n in counts.head(k).items())
    return shown + (f", … {len(counts) - k:,} more" if len(counts) > k else "")
