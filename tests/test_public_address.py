"""PUBLIC_BASE_URL answers as this installation? Checked against real servers on loopback."""

from __future__ import annotations

import http.server
import logging
import os
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import click
import flask_migrate

from tests.conftest import extra_app
from tests.test_backup import counts, installation, run, source  # noqa: F401 - a fixture
from training.address import THREAD_NAME, address_problem, instance_id
from training.extensions import db


@contextmanager
def serving(wsgi_app) -> Iterator[str]:
    """A real HTTP server for `wsgi_app` on a free loopback port; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@contextmanager
def something_else() -> Iterator[str]:
    """A web server that is not this platform: it answers 200 with a page, not our JSON."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"<html>default page</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_the_instance_id_is_random_per_installation_and_kept(tmp_path):
    one = extra_app(tmp_path / "one")
    again = extra_app(tmp_path / "one")
    other = extra_app(tmp_path / "other")
    first = instance_id(one)
    assert len(first) == 32 and int(first, 16) >= 0
    assert instance_id(again) == first  # read back from the same data folder
    assert instance_id(other) != first
    path = tmp_path / "one" / "instance-id"
    assert path.read_text().strip() == first
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644  # public: /healthz tells it


def test_the_public_address_is_compared_by_identity(tmp_path):
    here = extra_app(tmp_path / "here")
    there = extra_app(tmp_path / "there")
    with serving(here) as url:
        here.config["PUBLIC_BASE_URL"] = url
        assert address_problem(here) is None
    with serving(there) as url:
        here.config["PUBLIC_BASE_URL"] = url
        problem = address_problem(here)
        assert problem == (
            f"PUBLIC_BASE_URL ({url}) answers as another installation "
            f"(instance {instance_id(there)})"
        )
    with something_else() as url:
        here.config["PUBLIC_BASE_URL"] = url
        assert address_problem(here) == f"PUBLIC_BASE_URL ({url}) answers, but not as this platform"
    here.config["PUBLIC_BASE_URL"] = "http://127.0.0.1:9"  # nothing listens on port 9
    assert address_problem(here) == "nothing answers at PUBLIC_BASE_URL (http://127.0.0.1:9)"


def started_checks() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == THREAD_NAME]


def test_flask_run_warns_when_the_address_is_another_installation(tmp_path, caplog):
    there = extra_app(tmp_path / "there")
    with (
        serving(there) as url,
        caplog.at_level(logging.WARNING),
        click.Context(click.Command("run"), info_name="run"),
    ):
        here = extra_app(tmp_path / "here", PUBLIC_BASE_URL=url)
        # The check may already have finished: it is read from the app, not the live threads.
        check = here.extensions["address_check"]
        check.join(timeout=10)
    assert not check.is_alive()
    warning = " ".join(record.getMessage() for record in caplog.records)
    assert f"answers as another installation (instance {instance_id(there)})" in warning
    assert "Set PUBLIC_BASE_URL" in warning


def test_other_commands_and_tests_do_not_check(tmp_path):
    before = set(started_checks())
    with click.Context(click.Command("restore"), info_name="restore"):
        extra_app(tmp_path / "cli")
    extra_app(tmp_path / "plain")
    assert set(started_checks()) == before


def test_restore_is_not_stopped_by_another_installation_at_the_address(source, tmp_path):  # noqa: F811
    """A proxy still pointing at the old server must not block restoring into this one."""
    app, _token = source
    archive = tmp_path / "backup.tar.gz"
    assert run(app, "backup", str(archive)).exit_code == 0
    target = installation(tmp_path, "target")
    with target.app_context():
        flask_migrate.upgrade()
    other = installation(tmp_path, "other")
    try:
        with serving(other) as url:
            target.config["PUBLIC_BASE_URL"] = url
            restored = run(target, "restore", str(archive))
        assert restored.exit_code == 0, restored.output
        assert counts(target) == (1, 1, 1)
    finally:
        for each in (target, other):
            with each.app_context():
                db.session.remove()
                db.engine.dispose()
