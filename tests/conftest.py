"""Shared test setup: the headless browser for dash_duo, and a clear failure when it is missing.

Browser tests never skip: without Chromium and its driver they fail, saying how to install them.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_INSTALL = ("Browser tests need Chromium and its driver: `apt-get install chromium chromium-driver` "
            "(Debian/Ubuntu), or run them with `make test`, which sets everything up.")


def pytest_configure(config):
    # Without a display a visible browser cannot start: dash_duo would retry for 30 s and then fail
    # with a TestingTimeoutError that does not say why.
    if not os.environ.get("DISPLAY") and hasattr(config.option, "headless"):
        config.option.headless = True


def pytest_setup_options():
    """Extra Chrome options for dash_duo (dash adds --no-sandbox, --disable-gpu, --disable-dev-shm-usage)."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for arg in ("--window-size=1400,1000", "--disable-background-networking", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars",
                f"--user-data-dir={tempfile.mkdtemp(prefix='optviz-chrome-')}"):
        options.add_argument(arg)
    return options


def browser_problem() -> str | None:
    if not any(shutil.which(b) for b in _BROWSERS):
        return f"no Chromium found (looked for {', '.join(_BROWSERS)}). {_INSTALL}"
    if not shutil.which("chromedriver"):
        return f"no chromedriver on PATH. {_INSTALL}"
    return None


def pytest_runtest_setup(item):
    if "dash_duo" in getattr(item, "fixturenames", ()):
        problem = browser_problem()
        if problem:
            pytest.fail(problem, pytrace=False)


@pytest.fixture(scope="session")
def dash_app():
    """The app of app.py, one instance for the whole session.

    Callbacks are registered with ``@dash.callback``, and Dash hands them to the first app that
    starts serving; a second instance (``dash.testing``'s ``import_app`` runs app.py again with
    runpy) would have none. Every test uses the module's own instance instead."""
    import app

    return app.app


@pytest.fixture
def artifacts() -> Path:
    """Where browser tests save screenshots (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
