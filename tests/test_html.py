"""The one HTML helper behind TaskSummary, Plan and CleanupReport, and their short reprs."""

from __future__ import annotations

import pandas as pd

from ugc_nb import Sandbox, load_tasks, plan_delete
from ugc_nb.cleanup import CleanupReport, TaskResult
from ugc_nb.tasks.html import MAX_ROWS, html_block


def test_html_block_escapes_bounds_and_collapses_details():
    """Text is escaped, a long table is cut at MAX_ROWS with a note, details are collapsed."""
    table = pd.DataFrame({"id": [f"t{k}" for k in range(MAX_ROWS + 5)]})
    out = html_block("<b>head</b>", ["a & b"], table=table, more="see the CSV", details=("Skipped", table.head(3)))
    assert "&lt;b&gt;head&lt;/b&gt;" in out and "a &amp; b" in out
    assert f"t{MAX_ROWS - 1}" in out and f"t{MAX_ROWS}<" not in out and "… 5 more rows: see the CSV" in out
    assert "<details><summary>Skipped</summary>" in out


def test_result_objects_have_a_short_readable_repr_and_html():
    """repr() reads as a person would write it (a TaskSummary as its print()); _repr_html_ comes from the shared helper."""
    df = load_tasks(Sandbox(n_tasks=40, seed=2).client())
    plan = plan_delete(df)
    assert repr(plan) == f"<Plan delete: {plan.to_send:,} of {len(df):,} can be sent>" and "<details>" in plan._repr_html_()
    summary = df.ugc.summary()
    assert repr(summary) == str(summary) and repr(summary).startswith(f"tasks                            {len(df):,} tasks on")
    assert "By type and status" in summary._repr_html_()
    report = CleanupReport("delete", False, [TaskResult("t1", "deleted"), TaskResult("t2", "failed", "HTTP 400")])
    assert repr(report) == "<CleanupReport delete: 2 tasks — 1 deleted, 1 failed>" and "HTTP 400" in report._repr_html_()
