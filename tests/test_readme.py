"""The README agrees with the code: every Python snippet runs (in order, on the embedded sandbox), every shown
output (``pycon`` blocks) is what the code prints, and nothing points outside the repository."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

import ugc_nb

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def blocks(kind: str) -> list[tuple[int, str]]:
    """(line, source) of every fenced block of ``kind``."""
    return [(README[: m.start()].count("\n") + 1, m.group(1)) for m in re.finditer(rf"```{kind}\n(.*?)```", README, re.S)]


def test_every_python_snippet_runs_in_order_on_the_sandbox(monkeypatch, capsys):
    """Each ```python block, run top to bottom in one namespace with no key (the reader's first try), raises nothing."""
    monkeypatch.setattr("ugc_nb.source._sandbox", ugc_nb.Sandbox(n_tasks=300, seed=1))
    namespace: dict[str, object] = {}
    found = blocks("python")
    assert len(found) >= 6
    for line, source in found:
        try:
            exec(compile(source, f"README.md:{line}", "exec"), namespace)  # noqa: S102 - the README's own code
        except Exception as exc:  # noqa: BLE001 - name the snippet that broke
            pytest.fail(f"the README snippet at line {line} fails: {type(exc).__name__}: {exc}")
        finally:
            plt.close("all")
    assert "using the embedded SANDBOX" in capsys.readouterr().out


def test_every_shown_output_is_what_the_code_prints():
    """Each ```pycon block is a doctest: its outputs are compared with what running it prints now."""
    found = blocks("pycon")
    assert found
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for line, source in found:
        test = parser.get_doctest(source, {"ugc_nb": ugc_nb}, f"README.md:{line}", "README.md", line)
        result = runner.run(test, out=lambda text: None)
        assert result.failed == 0, f"the output shown at README.md:{line} is not what the code prints (run pytest -s to see)"


def test_the_readme_points_at_nothing_outside_the_repository():
    """No `ugc-api.md`, no ../shared: the decisions where the API docs are silent are written out here."""
    assert "ugc-api.md" not in README and "../shared" not in README and "/work/" not in README
