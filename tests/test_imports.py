"""What importing costs: `import ugc_nb` and `ugc-nb --help` load nothing heavy, yet every public name and df.ugc work.

Each check that looks at ``sys.modules`` runs in a fresh interpreter (this one has imported everything already)
and counts only the modules that the import under test added. Behaviour only: the times are benchmark B6's
(``benchmarks/bench_import.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import ugc_nb

#: Never imported by `import ugc_nb`: the data stack, the HTTP client, the widgets, and the parts that need them.
NOT_ON_IMPORT = ("pandas", "numpy", "pyarrow", "httpx", "msgspec", "orjson", "matplotlib", "ipywidgets", "itables", "papermill",
                 "tqdm", "platformdirs", "importlib.metadata", "ugc_nb.sandbox", "ugc_nb.cleanup", "ugc_nb.source",
                 "ugc_nb.insight", "ugc_nb.tasks", "ugc_nb.panel", "ugc_nb.report", "ugc_nb.api.client", "ugc_nb.api.retry")

#: Never imported by building the command line, its help or a usage error.
NOT_FOR_HELP = ("pandas", "numpy", "pyarrow", "httpx", "msgspec", "orjson", "matplotlib", "tqdm", "ipywidgets", "papermill",
                "ugc_nb.cleanup", "ugc_nb.source", "ugc_nb.insight", "ugc_nb.tasks", "ugc_nb.report", "ugc_nb.api.client")


def fresh(code: str) -> object:
    """Run ``code`` in a new interpreter, which sets ``result``; return ``result`` (through JSON)."""
    script = "import json, sys\n_before = set(sys.modules)\n" + textwrap.dedent(code) + "\nprint(json.dumps(result))\n"
    proc = subprocess.run([sys.executable, "-W", "error", "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def test_import_ugc_nb_loads_nothing_heavy():
    """`import ugc_nb` imports none of pandas, numpy, pyarrow, httpx, matplotlib, the widgets, the sandbox, the cleanup engine."""
    loaded = fresh(f"""
        import ugc_nb
        result = sorted(m for m in {NOT_ON_IMPORT!r} if m in set(sys.modules) - _before)
    """)
    assert loaded == []


def test_the_parser_and_every_help_load_no_pandas_or_httpx():
    """build_parser(), `--help` of the command and of each subcommand, and a usage error import no pandas, numpy, pyarrow, httpx."""
    loaded = fresh(f"""
        import contextlib, io
        from ugc_nb.cli import build_parser
        seen = {{}}
        for argv in ([], ["--help"], ["summary", "--help"], ["report", "--help"], ["delete", "--help"], ["retry", "--help"],
                     ["journal", "--help"], ["reconcile", "--help"], ["delete", "--preset", "bogus"], ["retry", "--older-than"]):
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                try:
                    build_parser().parse_args(argv)
                except SystemExit:
                    pass
            seen[" ".join(argv) or "(built)"] = sorted(m for m in {NOT_FOR_HELP!r} if m in set(sys.modules) - _before)
        result = seen
    """)
    assert loaded == {argv: [] for argv in loaded}, loaded


def test_python_m_ugc_nb_help_loads_no_pandas():
    """`python -m ugc_nb --help` (what the `ugc-nb` script runs) prints the help and never imports pandas or httpx."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "ugc_nb", "--help"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.startswith("usage: ugc-nb"), proc.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert not imported & {"pandas", "numpy", "pyarrow", "httpx", "matplotlib"}


def test_version_is_read_when_asked():
    """`ugc-nb --version` prints the installed version, as argparse's own action did."""
    proc = subprocess.run([sys.executable, "-m", "ugc_nb", "--version"], capture_output=True, text=True, timeout=120)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"ugc-nb {ugc_nb.__version__}\n", "")


def test_every_public_name_resolves_and_is_listed():
    """Every name of ugc_nb.__all__ (and ugc_nb.api.__all__) resolves, by attribute and by `from ugc_nb import`, and dir() lists it."""
    import importlib

    import ugc_nb.api

    for module in (ugc_nb, ugc_nb.api):
        for name in module.__all__:
            assert getattr(module, name) is not None, name
            assert name in dir(module), name
    space: dict[str, object] = {}
    exec("from ugc_nb import " + ", ".join(ugc_nb.__all__), space)  # noqa: S102 - the import statement itself is under test
    assert all(space[name] is getattr(ugc_nb, name) for name in ugc_nb.__all__)
    assert ugc_nb.load_tasks is importlib.import_module("ugc_nb.source").load_tasks
    assert ugc_nb.delete_tasks is importlib.import_module("ugc_nb.cleanup").delete_tasks
    assert ugc_nb.presets is importlib.import_module("ugc_nb.insight.presets")
    assert ugc_nb.UGCClient is ugc_nb.api.UGCClient and ugc_nb.RetryPolicy is ugc_nb.api.RetryPolicy
    assert issubclass(ugc_nb.NotFoundError, ugc_nb.UGCError)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ugc_nb.nope  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ugc_nb.api.nope  # noqa: B018


def test_names_and_subpackages_resolve_in_a_fresh_interpreter():
    """After a bare `import ugc_nb`, the lazy names and the subpackages (ugc_nb.cleanup.journal_path_for …) are there on first use."""
    result = fresh("""
        import ugc_nb
        result = [ugc_nb.cleanup.journal_path_for.__name__, ugc_nb.tasks.tasks_frame is ugc_nb.tasks_frame,
                  ugc_nb.presets.__name__, ugc_nb.api.NO_WAIT.max_retries, ugc_nb.source.load_tasks is ugc_nb.load_tasks,
                  ugc_nb.__version__ == __import__("importlib.metadata").metadata.version("ugc-nb")]
    """)
    assert result == ["journal_path_for", True, "ugc_nb.insight.presets", ugc_nb.api.NO_WAIT.max_retries, True, True]


@pytest.mark.parametrize("first", [
    "import ugc_nb\nimport pandas as pd",  # pandas after: df.ugc is put on DataFrame when pandas is imported
    "import pandas as pd\nimport ugc_nb",  # pandas before: at once
    "import ugc_nb\nfrom ugc_nb import tasks_frame\nimport pandas as pd",  # pandas imported by ugc_nb itself
    "from ugc_nb.insight import accessor\nimport pandas as pd",  # the accessor module imported directly, no stand-in left
])
def test_df_ugc_is_registered_after_a_plain_import_ugc_nb(first):
    """`import ugc_nb` registers df.ugc in any import order, without pandas' "overriding a preexisting attribute" warning
    (warnings are errors here); it is pandas' own accessor once used, and the import hook is gone once pandas is in."""
    result = fresh(first + "\n" + textwrap.dedent("""
        import ugc_nb
        frame = ugc_nb.tasks_frame([{"id": "task_1", "account_id": "acc_1", "type": "warmup_scroll", "status": "failed",
                                     "scheduled_time": "2025-01-01T00:00:00Z", "duration": 60, "keywords": None,
                                     "edit_profile_info": None, "created_at": "2025-01-01T00:00:00Z"}])
        result = [type(frame.ugc).__name__, frame.ugc.summary().total, "ugc" in pd.DataFrame._accessors,
                  type(pd.DataFrame.__dict__["ugc"]).__module__, pd.DataFrame.ugc.__name__,
                  [type(f).__name__ for f in sys.meta_path if type(f).__module__ == "ugc_nb"]]
    """))
    assert result == ["UGCAccessor", 1, True, "pandas.core.accessor", "UGCAccessor", []]


def test_df_ugc_on_a_frame_that_is_not_a_task_frame_says_so():
    """The first df.ugc on a frame without the task columns raises the accessor's own AttributeError, as before."""
    message = fresh("""
        import ugc_nb, pandas as pd
        try:
            pd.DataFrame({"a": [1]}).ugc
        except AttributeError as exc:
            result = str(exc)
    """)
    assert "df.ugc needs a task frame" in message


def test_the_help_texts_copies_match_their_homes():
    """The preset names and summaries and the age forms the CLI's help shows are the presets' and timeutil's own."""
    from ugc_nb.api.timeutil import AGE_FORMS
    from ugc_nb.cli import options
    from ugc_nb.insight import presets

    assert options.PRESETS == {p.name: p.summary for p in presets.PRESETS.values()}
    assert options.AGE_FORMS == AGE_FORMS
