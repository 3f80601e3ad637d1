"""Shared test set-up: a non-interactive matplotlib backend, no real API key from the environment."""

import os

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _no_real_api(monkeypatch, tmp_path):
    """Tests never see a developer's real key or base URL, nor read or write their real journal (the per-user
    data dir is a temp one; a test that sets XDG_DATA_HOME itself overrides it)."""
    monkeypatch.delenv("UGC_API_KEY", raising=False)
    monkeypatch.delenv("UGC_BASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))
    for name in ("NO_PROXY", "no_proxy"):  # the client honours proxy variables; the tests' servers are on loopback
        monkeypatch.setenv(name, ",".join(filter(None, [os.environ.get(name, ""), "127.0.0.1", "localhost", "::1"])))


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Expose each phase's report on the item (the browser tests screenshot on failure)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
