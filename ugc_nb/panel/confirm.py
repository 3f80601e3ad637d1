"""``ConfirmBox``: the step between "Delete…" and sending — what will happen, and a deliberate yes.

It shows the plan (count, breakdowns, what is skipped) and any warning, styles Confirm as the
action deserves (red for a delete, amber for a retry), and for large or unfiltered actions keeps
Confirm disabled until the count is typed (Enter in the box submits). It only says yes or no: the
panel runs the plan it was opened with, and nothing else.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..cleanup.plan import Plan
from ..tasks.units import agree, count

__all__ = ["ConfirmBox", "first_line"]


class ConfirmBox(w.VBox):
    """The confirmation of one plan; ``on_confirm()`` is called when the person confirms it."""

    def __init__(self, on_confirm: Callable[[], None]) -> None:
        self.plan: Plan | None = None
        self.html = w.HTML()
        self.text = w.Text(placeholder="type the number of tasks to confirm", layout=w.Layout(width="300px", display="none"))
        self.confirm_button = w.Button(description="Confirm", button_style="danger")
        self.cancel_button = w.Button(description="Cancel")
        self.message = w.HTML()
        self._on_confirm = on_confirm
        super().__init__([self.html, self.text, w.HBox([self.confirm_button, self.cancel_button]), self.message],
                         layout=w.Layout(display="none", border="1px solid #d33", padding="6px"))
        self.text.observe(lambda _: self._on_typed(), names="value")
        self.text.on_msg(self.on_text_msg)  # Enter in the box submits

    @property
    def needs_typing(self) -> bool:
        """Whether the count must be typed before Confirm works."""
        return self.text.layout.display != "none"

    def ask(self, plan: Plan, warning: str, *, needs_typing: bool) -> None:
        """Show ``plan`` (with ``warning`` HTML above it) and wait for a yes."""
        self.plan = plan
        self.html.value = warning + plan._repr_html_()
        self.confirm_button.description = f"Confirm: {plan.rule.verb.lower()} {plan.to_send:,}"
        self.confirm_button.button_style = "danger" if plan.action == "delete" else "warning"
        self.layout.border = f"1px solid {'#d33' if plan.action == 'delete' else '#e0a800'}"
        self.text.value = ""
        self.text.layout.display = "" if needs_typing else "none"
        self.text.placeholder = f"type {plan.to_send} to confirm, then Enter"
        self.confirm_button.disabled = needs_typing  # until the typed count matches
        self.message.value = ""
        self.layout.display = ""

    def dismiss(self) -> None:
        """Hide, and forget the plan."""
        self.plan = None
        self.layout.display = "none"

    def typed_matches(self) -> bool:
        """The typed count (commas allowed) is the plan's."""
        plan = self.plan
        return plan is not None and self.text.value.strip().replace(",", "") == str(plan.to_send)

    def refuse(self) -> bool:
        """True (and says why) when a confirm must not go through: no plan, or the count is not typed."""
        plan = self.plan
        if plan is None:
            self.message.value = "<p>Nothing to confirm: press Delete or Retry first.</p>"
            return True
        if self.needs_typing and not self.typed_matches():
            self.message.value = (
                f"<p style='color:#b00020'>This will {plan.action} {plan.to_send:,} tasks: type <b>{plan.to_send}</b> "
                f"in the box to confirm (got {html.escape(self.text.value.strip() or 'nothing')}).</p>"
            )
            return True
        return False

    def _on_typed(self) -> None:
        if self.plan is not None and self.needs_typing:
            self.confirm_button.disabled = not self.typed_matches()

    def on_text_msg(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        """A message from the typed-count box: Enter ("submit") confirms."""
        if content.get("event") == "submit":
            self._on_confirm()


def first_line(plan: Plan, matching: str | None, *, everything: bool = False, hidden: list[str] | None = None) -> str:
    """The confirmation's opening, in words: what it acts on, with the number the Confirm button says ("Delete the 1
    task you ticked"; with ``matching``, the filters "select all matching" took: "Delete all 47 tasks matching status
    failed"; "Delete 45 of the 47 …" when some cannot be acted on), then every task of the frame, and selected tasks
    the filters hide, when so."""
    n, chosen = plan.to_send, len(plan.ids)
    whose = f"matching {matching}" if matching is not None else "you ticked"
    what = (f"all {count(chosen)}" if matching is not None else f"the {count(chosen)}") if n == chosen else f"{n:,} of the {count(chosen)}"
    text = f"<p style='font-size:1.15em;margin:2px 0 6px'><b>{html.escape(plan.rule.verb)} {html.escape(what)} {html.escape(whose)}</b></p>"
    if everything:
        text += "<p style='color:#b00020'><b>This is every task loaded.</b></p>"
    if hidden:
        shown = ", ".join(html.escape(i) for i in hidden[:10]) + (f", … {len(hidden) - 10:,} more" if len(hidden) > 10 else "")
        text += (f"<p style='color:#b00020'><b>{len(hidden):,} of the selected tasks {agree(len(hidden), 'is', 'are')} hidden by the "
                 "current filters</b> "
                 f"and are included: {shown}</p>")
    return text
