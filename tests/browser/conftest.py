"""Browser tests: Playwright drives Debian's Chromium against a live server on loopback.

No browser is downloaded: install Chromium with `apt-get install chromium` (CI does).
Screenshots of every step are kept in tests/browser/artifacts/.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from werkzeug.serving import make_server

from app import create_app
from tests.conftest import app_config, make_database, worker_number
from tests.mail_helpers import Mailbox
from training.extensions import db

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(
            f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium` "
            "(or set CHROMIUM_PATH) to run the browser tests"
        )
    return CHROMIUM


@pytest.fixture(scope="module")
def live_app(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest, smtp: Mailbox
) -> Iterator[Flask]:
    """The real app with the demo data `make run` loads, on its own database.

    Learners' demo activity (for the dashboards) takes seconds to build, so only modules
    that set DEMO_ACTIVITY = True get it. Mail goes to the suite's local SMTP server; modules
    may add settings in LIVE_SETTINGS (e.g. delivering mail after each commit).
    """
    worker = worker_number(os.environ.get("PYTEST_XDIST_WORKER", "master"))
    folder = tmp_path_factory.mktemp("browser")
    uri = make_database(f"w{worker}_browser", folder)
    app = create_app(
        {
            **app_config(uri, worker, smtp.port),
            **getattr(request.module, "LIVE_SETTINGS", {}),
            "MEDIA_ROOT": str(folder / "media"),
            "SIGNING_KEYS_DIR": str(folder / "keys"),
            "CERTIFICATE_PDF_DIR": str(folder / "certificate-pdfs"),
            "DEMO_ACTIVITY": getattr(request.module, "DEMO_ACTIVITY", False),
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
    result = app.test_cli_runner().invoke(args=["demo", "load"])  # as `make run` does
    assert result.exit_code == 0, result.output
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def live_server(live_app: Flask) -> Iterator[str]:
    """The live app served by Werkzeug in a thread on a free loopback port."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    live_app.config["PUBLIC_BASE_URL"] = base  # QR codes and credentials point here
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """Factory of fresh browser contexts (own cookies): new_page(locale, width, height)."""
    contexts = []

    def make(locale: str = "ru-RU", width: int = 390, height: int = 844):
        context = browser.new_context(
            locale=locale, viewport={"width": width, "height": height}, device_scale_factor=1
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A phone-sized page with Russian preferred and no cookies."""
    return new_page()


@pytest.fixture
def shot(request: pytest.FixtureRequest):
    """shot(page, "step") saves tests/browser/artifacts/<test>/<n>-<step>.png."""
    folder = ARTIFACTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    counter = iter(range(1, 100))

    def take(page, step: str) -> Path:
        path = folder / f"{next(counter):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
