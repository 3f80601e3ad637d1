"""The shareable HTML report: :func:`render_report` runs the packaged ``03-report.ipynb`` and strips the code."""

from .render import render_report, report_notebook

__all__ = ["render_report", "report_notebook"]
