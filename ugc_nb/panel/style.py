"""How the panel looks, and how it shows what went wrong: its few styles (one ``<style>`` element it shows first, in Voila, JupyterLab and Notebook 7
alike) and how it shows an error."""

import functools
import html
import logging
import traceback
from collections.abc import Callable
from typing import Any

__all__ = ["PANEL_CSS", "error_html", "guard"]

#: The panel's few styles: the action bar stays in view (sticky) above the table; filter lists and labels are never
#: cut; the rows of filters wrap on a narrow screen (768 px, a 390 px phone).
PANEL_CSS = """<style>
.ugc-actions{position:sticky;top:0;z-index:20;background:var(--jp-layout-color0,#fff);padding:4px 0;
  border-bottom:1px solid rgba(127,127,127,.25);max-height:85vh;overflow-y:auto}
.ugc-dashboard,.ugc-panel,.jp-OutputArea-output:has(.ugc-panel),.jp-OutputArea-child:has(.ugc-panel),
.jp-OutputArea:has(.ugc-panel){overflow:visible!important}
.ugc-choice .widget-checkbox,.ugc-choice .widget-checkbox label{overflow:visible;text-overflow:clip;white-space:nowrap;max-width:none}
.ugc-panel .widget-toggle-buttons .widget-toggle-button{width:auto;min-width:4em}
.ugc-panel .widget-hbox{flex-wrap:wrap}
.ugc-panel .dataTables_wrapper{overflow-x:auto}
.ugc-panel table.dataTable td{white-space:nowrap}
.ugc-panel table.dataTable td.ugc-wrap{white-space:normal;min-width:14em;max-width:30em}
.ugc-panel input.dt-select-checkbox:disabled{opacity:.3;cursor:not-allowed}
.ugc-panel .widget-dropdown{max-width:100%}
.ugc-cards{display:flex;flex-wrap:wrap;gap:8px;margin:6px 0 10px}
.ugc-figures{display:flex;flex-wrap:wrap;gap:4px 12px;align-items:flex-start}
.ugc-card{border:1px solid rgba(127,127,127,.35);border-radius:8px;padding:4px 12px;min-width:88px}
.ugc-card b{display:block;font-size:1.35em}.ugc-card span{opacity:.75;font-size:.85em}
</style>"""


def error_html(exc: BaseException) -> str:
    """An error as the panel shows it: its type and message, the traceback folded away."""
    details = "".join(traceback.format_exception(exc))
    return (f"<div style='color:#b00020'><b>{html.escape(type(exc).__name__)}:</b> {html.escape(str(exc))}"
            f"<details><summary>details</summary><pre>{html.escape(details)}</pre></details></div>")


logger = logging.getLogger("ugc_nb")


def guard(method: Callable[..., None]) -> Callable[..., None]:
    """Show any exception from a widget callback in the panel instead of losing it."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any) -> None:
        try:
            method(self, *args)
        except Exception as exc:  # noqa: BLE001 - shown to the person, and logged
            logger.exception("cleanup panel: %s failed", method.__name__)
            self.show_error(exc)
            self._set_busy(False)

    return wrapper
