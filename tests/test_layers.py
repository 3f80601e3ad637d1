"""The package's layers hold: every import in every module (lazy ones inside functions too) points to its own
package or a lower layer, as ugc_nb/__init__.py's docstring draws them. Read with ``ast``, nothing imported."""

from __future__ import annotations

import ast
from pathlib import Path

import ugc_nb

PACKAGE = Path(ugc_nb.__file__).parent

#: Layer of each top-level part of ugc_nb (a subpackage or a module), lowest first.
LAYERS = {
    "_version": -1, "_moved": -1, "api": 0,
    "tasks": 1,
    "insight": 2, "cleanup": 2, "sandbox": 2,
    "source": 3,
    "panel": 4, "report": 4,
    "cli": 5, "__main__": 6, "__init__": 6,
}


def part_of(path: Path) -> str:
    """The top-level part a module file belongs to ('api', 'cleanup', 'source', …)."""
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def imported_parts(path: Path) -> set[tuple[str, int]]:
    """(part, line) of every ugc_nb part a module imports, relative or absolute."""
    rel = path.relative_to(PACKAGE).with_suffix("")
    package = list(rel.parts[:-1]) if rel.name != "__init__" else list(rel.parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                target = [*base, *(node.module.split(".") if node.module else [])]
                names = [".".join(target)] if target else [a.name for a in node.names]
            elif node.module and node.module.split(".")[0] == "ugc_nb":
                names = [".".join(node.module.split(".")[1:]) or node.names[0].name]
        elif isinstance(node, ast.Import):
            names = [".".join(a.name.split(".")[1:]) for a in node.names if a.name.split(".")[0] == "ugc_nb" and "." in a.name]
        for name in names:
            if name:
                found.add((name.split(".")[0], node.lineno))
    return found


def test_every_part_of_the_package_has_a_layer():
    """A new module or subpackage must be placed in a layer (here and in the docstring) before it is used."""
    parts = {part_of(p) for p in PACKAGE.rglob("*.py")}
    assert parts <= set(LAYERS), sorted(parts - set(LAYERS))


def test_no_module_imports_from_a_higher_layer_or_a_sibling_part():
    """api ← tasks ← insight, cleanup, sandbox ← source ← panel, report ← cli: never upwards, never sideways."""
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        mine = part_of(path)
        for part, line in imported_parts(path):
            if part == mine or part not in LAYERS:
                continue
            if LAYERS[part] >= LAYERS[mine]:
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports {part} (layer {LAYERS[part]}) from layer {LAYERS[mine]}")
    assert not wrong, "\n".join(wrong)


def test_the_docstring_draws_the_same_layers():
    """ugc_nb/__init__.py's drawing names every part on the line of its layer."""
    drawing = ugc_nb.__doc__.split("::", 1)[1]
    for part, layer in LAYERS.items():
        if part in ("_version", "_moved", "__init__"):
            continue
        line = next((ln for ln in drawing.splitlines() if ln.strip().startswith(f"{layer} ")), "")
        assert part in line, (part, layer, line)


def test_the_checker_sees_an_upward_import(tmp_path, monkeypatch):
    """The checker itself: a module of the api layer importing the panel is reported (so the rule can fail)."""
    fake = tmp_path / "ugc_nb"
    (fake / "api").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "api" / "bad.py").write_text("def f():\n    from ..panel import CleanupPanel\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    assert imported_parts(fake / "api" / "bad.py") == {("panel", 2)}


def test_the_core_imports_no_widget_or_report_library():
    """`import ugc_nb` (and loading tasks) needs neither the [panel] nor the [report] extra: nothing of theirs is imported."""
    import subprocess
    import sys

    code = ("import sys, ugc_nb; ugc_nb.load_tasks(ugc_nb.Sandbox(n_tasks=5).client()); "
            "print(sorted(m for m in ('ipywidgets', 'itables', 'papermill', 'nbconvert', 'voila') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_a_missing_extra_is_named_with_the_install_command(monkeypatch):
    """Without ipywidgets, ugc_nb.CleanupPanel says which extra to install, in one line."""
    import importlib

    import pytest

    real = importlib.import_module

    def without_widgets(name, *args):
        if name == "ugc_nb.panel":
            raise ModuleNotFoundError("No module named 'ipywidgets'", name="ipywidgets")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", without_widgets)
    with pytest.raises(ImportError, match=r"needs the \[panel\] extra \(ipywidgets is missing\): pip install 'ugc-nb\[panel\]'"):
        ugc_nb.CleanupPanel  # noqa: B018


def test_modules_and_functions_stay_small_enough_to_read():
    """No module much over 400 lines, no function much over 60 (a few lines of slack, not a new habit)."""
    long_modules, long_functions = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text()
        if text.count("\n") > 420:
            long_modules.append(f"{path.relative_to(PACKAGE)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > 65:
                long_functions.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert not long_modules and not long_functions, long_modules + long_functions


def test_old_module_paths_import_for_one_release_with_a_warning():
    """`from ugc_nb.analysis import status_counts` (0.1's path) still works, warns with the new home, and is the new
    module itself; ugc_nb.connect stays the function."""
    import importlib
    import sys

    import pytest

    sys.modules.pop("ugc_nb.analysis", None)
    with pytest.warns(DeprecationWarning, match=r"ugc_nb\.analysis moved: use ugc_nb\.insight\.analysis"):
        old = importlib.import_module("ugc_nb.analysis")
    assert old is importlib.import_module("ugc_nb.insight.analysis") and old.status_counts is ugc_nb.insight.status_counts
    assert callable(ugc_nb.connect)
