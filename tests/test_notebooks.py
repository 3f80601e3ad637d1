"""The notebooks: committed clean, and executed top to bottom on a real kernel against the sandbox."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: What a person should never read: pandas' timedelta and offset reprs, microseconds, "task(s)", NaT.
RAW_UNITS = re.compile(r"\d+ days \d\d:\d\d|\+00:00|task\(s\)|\d\d:\d\d:\d\d\.\d{6}|\bNaT\b")
KEY_LIKE = re.compile(r"(Bearer\s+[A-Za-z0-9_\-]{16,}|UGC_API_KEY\s*=\s*['\"][^'\"]{8,}|sk-[A-Za-z0-9]{16,})")


def test_the_notebooks_exist():
    """01-explore, 02-cleanup, 03-report, 04-cleanup (scheduled) and the dashboard page are in notebooks/."""
    assert [p.name for p in NOTEBOOKS] == ["01-explore.ipynb", "02-cleanup.ipynb", "03-report.ipynb", "04-cleanup.ipynb", "dashboard.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs_or_keys(path):
    """A committed notebook has no outputs, no execution counts and nothing that looks like a key."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name} has outputs"
    assert not KEY_LIKE.search(path.read_text()), f"{path.name} contains something that looks like a key"


def execute(path: Path, tmp_path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}, store_widget_state=True).execute()
    return nb


def outputs(nb, mime):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if mime in o.get("data", {})]


@pytest.fixture
def private_home(tmp_path, monkeypatch):
    """The kernel's per-user data dir (journal) lives in a temp dir."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


@pytest.mark.parametrize(
    "name, pngs, widgets",
    [("01-explore.ipynb", 5, 0), ("02-cleanup.ipynb", 0, 1), ("03-report.ipynb", 1, 0), ("04-cleanup.ipynb", 0, 0),
     ("dashboard.ipynb", 0, 1)],
)
def test_notebook_runs_clean_on_the_sandbox(name, pngs, widgets, private_home):
    """Executed on a real kernel with no key: no error output, the figures and widgets are there, the sandbox is announced,
    and every table reads in human units (no '0 days 00:58:00', '+00:00', microseconds, 'task(s)')."""
    nb = execute(ROOT / "notebooks" / name, private_home)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors[0].get("evalue")
    assert len(outputs(nb, "image/png")) >= pngs
    assert len(outputs(nb, "application/vnd.jupyter.widget-view+json")) >= widgets
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    state = str(nb.metadata.get("widgets", {}))  # the dashboard says it in its badge, a widget
    assert "Warning" not in text, text[text.index("Warning") - 200:][:400]  # no deprecated spelling, no stray warning
    shown = "".join(v if isinstance(v, str) else "".join(v) for c in nb.cells if c.cell_type == "code" for o in c.outputs
                    for v in [o.get("text", ""), *(d for k, d in o.get("data", {}).items() if k in ("text/plain", "text/html"))])
    assert "SANDBOX" in text or "SANDBOX" in state or "from the embedded sandbox" in shown  # the report says it in its headline
    raw = RAW_UNITS.findall(shown)
    assert not raw, f"raw pandas units in {name}'s outputs: {sorted(set(raw))[:5]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_runs_on_an_empty_queue(path, private_home, monkeypatch):
    """With no tasks at all (UGC_SANDBOX_TASKS=0) every cell of every notebook runs without an error."""
    monkeypatch.setenv("UGC_SANDBOX_TASKS", "0")
    nb = execute(path, private_home)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors[0].get("evalue")
