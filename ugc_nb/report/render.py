"""The shareable HTML report: run the report notebook on a real kernel, export it without code.

:func:`render_report` executes ``03-report.ipynb`` with papermill (its
``parameters`` cell takes the source, account ids, date window, cleanup age and
title), then exports the executed notebook with nbconvert as one HTML file with
no input cells and every figure embedded as a base64 PNG. The API key is never a
parameter: the kernel reads ``UGC_API_KEY`` from the environment, and the HTML is
checked for it: a report that contains it is not written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from ..api.client import key_in_environment
from ..api.errors import ReportError
from ..api.timeutil import iso_z, to_timedelta, to_utc, utcnow
from ..source import check_environment
from .files import output_file, write_output
from .sections import strip_scripts, with_alt_texts

__all__ = ["render_report", "report_notebook", "KERNEL_QUIET", "PUBLIC_SANDBOX_KEY"]

#: The key the README gives for a served sandbox (``UGC_API_KEY=sandbox``): public, and a word every sandbox report holds.
PUBLIC_SANDBOX_KEY = "sandbox"

#: The kernel's own log lines are not the user's business: its start-up warnings ("running over TCP without
#: encryption"), and "KeyboardInterrupt caught in kernel" when a loaded machine's shutdown interrupts it. An error in
#: the report's cells is not one of them: papermill raises it, and the report command says it in one line.
KERNEL_QUIET = ["--IPKernelApp.log_level=CRITICAL"]


def report_notebook() -> Path:
    """Path of the packaged report notebook (``notebooks/03-report.ipynb`` links to it)."""
    return Path(str(resources.files("ugc_nb") / "report" / "03-report.ipynb"))


def _parameters(
    source: str, account_ids: Sequence[str] | None, start: Any, end: Any, older_than: str, title: str
) -> dict[str, Any]:
    if source not in ("auto", "api", "sandbox"):
        raise ValueError(f"source must be 'auto', 'api' or 'sandbox', got {source!r}")
    if source == "api" and not key_in_environment():
        raise ValueError("source='api' needs UGC_API_KEY in the environment (a headless run cannot prompt for it)")
    if source == "auto":
        check_environment()  # before a kernel starts, not in its first cell
    if account_ids is not None:
        if isinstance(account_ids, str) or not all(isinstance(a, str) and a for a in account_ids) or not account_ids:
            raise ValueError(f"account_ids must be a non-empty list of account id strings, got {account_ids!r}")
    to_timedelta(older_than, "older_than")
    return {
        "source": source,
        "account_ids": list(account_ids) if account_ids is not None else None,
        "start": iso_z(to_utc(start, "start")) if start is not None else None,
        "end": iso_z(to_utc(end, "end")) if end is not None else None,
        "older_than": older_than,
        "title": title,
    }


def render_report(
    output: str | os.PathLike[str] | None = None,
    *,
    source: str = "auto",
    account_ids: Sequence[str] | None = None,
    start: Any = None,
    end: Any = None,
    older_than: str = "7D",
    title: str = "UGC.inc task report",
    timeout: int = 600,
) -> Path:
    """Execute the report notebook and write a self-contained HTML file; returns its path.

    ``output`` defaults to ``out/ugc-report-<UTC time>.html``. Raises
    :class:`ReportError` if a cell fails, :class:`ValueError` for bad parameters.
    """
    try:
        import nbformat
        import papermill
        from nbconvert import HTMLExporter
    except ModuleNotFoundError as exc:  # a core install: name the extra, as the panel does
        raise ImportError(f"the HTML report needs the [report] extra ({exc.name} is missing): pip install 'ugc-nb[report]'") from None

    parameters = _parameters(source, account_ids, start, end, older_than, title)
    out = Path(output) if output is not None else Path("out") / f"ugc-report-{utcnow():%Y%m%d-%H%M%S}.html"
    output_file(out, "the report", (".html", ".htm"))  # before a kernel starts
    with tempfile.TemporaryDirectory(prefix="ugc-report-") as tmp:
        executed = Path(tmp) / "report.ipynb"
        try:
            papermill.execute_notebook(
                str(report_notebook()),
                str(executed),
                parameters=parameters,
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
                execution_timeout=timeout,
                cwd=tmp,
                extra_arguments=KERNEL_QUIET,
            )
        except papermill.PapermillExecutionError as exc:
            raise ReportError(f"the report notebook failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}") from None
        notebook = nbformat.read(executed, as_version=4)
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
    body = strip_scripts(body)  # opens offline and as an attachment: nothing loaded from a CDN
    body = with_alt_texts(body, [o.get("metadata", {}).get("image/png", {}).get("alt") for c in notebook.cells
                                 if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})])
    key = os.environ.get("UGC_API_KEY", "").strip()
    # defence in depth: never write a report that contains the key (not the sandbox's public, documented "sandbox")
    if key and key != PUBLIC_SANDBOX_KEY and key in body:
        raise ReportError("the rendered report contains the API key; it was not written")
    out.parent.mkdir(parents=True, exist_ok=True)
    return write_output(out, lambda path: path.write_text(body, encoding="utf-8"), "the report")
