"""Real gunicorn processes for fault tests: an installation to serve, the server, a browser.

`gunicorn(...)` starts `.venv/bin/gunicorn -c gunicorn.conf.py` exactly as `make serve` does,
with the settings in the environment, on a loopback port nobody else can take (the test binds
the socket and hands it over as ``fd://N``), waits until `/healthz` answers, and stops the whole
process group afterwards, whatever happened in the test. `Browser` is a small cookie-keeping
HTTP client on urllib that shows redirects instead of following them.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any, NamedTuple

import flask_migrate
import sqlalchemy as sa
from flask import Flask

from quizzes.models import AttemptItem
from tests.conftest import FAST_HASH, PASSWORD, extra_app, make_database, worker_number
from tests.course_helpers import build_course
from tests.quiz_helpers import RIGHT, build_quiz, form_fields
from training.accounts.models import Role
from training.accounts.services import create_user
from training.extensions import db
from training.organizations.models import OrgKind
from training.organizations.services import create_organization

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
PYTHON = ROOT / ".venv" / "bin" / "python"
POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgres")
SECRET_KEY = "gunicorn-fault-tests-secret-key-0123456789"
# How long a fresh gunicorn may take to answer at all: a liveness wait, not a speed goal. Its
# workers each import the whole app; with the suite's other process and a browser test busy on
# the same two cores that took over 18 s in CI, so the wait is generous.
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ERROR_PAGE = 'class="error-page"'

# Settings of the test process that must not leak into the server's environment.
_NOT_INHERITED = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "FLASK_APP", "FLASK_DEBUG")


def this_worker() -> int:
    """0 for a plain pytest run, n for xdist's gw<n> (databases and Redis are per worker)."""
    return worker_number(os.environ.get("PYTEST_XDIST_WORKER", "master"))


# ---- an installation on its own database ------------------------------------------------------


@dataclass
class Site:
    """A database with an organization, a trainer, learners, a course with a quiz (all
    questions on one page) and, optionally, a second course without one."""

    app: Flask
    folder: Path
    database_url: str
    top_id: int
    course_id: int
    course_slug: str
    quiz_id: int
    quiz_key: str
    learners: tuple[str, ...]

    def settings(self, **more: Any) -> dict[str, Any]:
        """TRAINING_* settings for a server on this site (files stay in the test's folder)."""
        return {
            "MEDIA_ROOT": str(self.folder / "media"),
            "SIGNING_KEYS_DIR": str(self.folder / "keys"),
            "PUBLIC_BASE_URL": "http://127.0.0.1:9",
            # Every learner logs in from 127.0.0.1: the per-address limit is not under test.
            "LOGIN_LIMIT_PER_IP": "10000 per minute",
            **more,
        }

    def quiz_path(self) -> str:
        return f"/courses/{self.course_slug}/quizzes/{self.quiz_key}"

    def dispose(self) -> None:
        with self.app.app_context():
            db.engine.dispose()


def build_site(
    folder: Path,
    name: str,
    learners: tuple[str, ...] = ("learner",),
    second_course: bool = False,
    sqlite: bool = False,
) -> Site:
    """Build the data in this process through the services, commit, and let go of the database
    so that gunicorn (another process) serves it. The suite's kind of database, or SQLite
    when asked (tests of SQLite's own locking run in both of CI's passes)."""
    folder.mkdir(parents=True, exist_ok=True)
    database = f"w{this_worker()}_{name}"
    url = f"sqlite:///{folder / database}.sqlite3" if sqlite else make_database(database, folder)
    app = extra_app(
        folder,
        SQLALCHEMY_DATABASE_URI=url,
        MEDIA_ROOT=str(folder / "media"),
        SIGNING_KEYS_DIR=str(folder / "keys"),
        PASSWORD_HASH_METHOD=FAST_HASH,
        TWO_FACTOR_REQUIRED_ROLES=(),
    )
    with app.app_context(), app.test_request_context():
        flask_migrate.upgrade()
        top = create_organization("Профсоюз", OrgKind.FEDERAL, None)
        trainer = create_user("trainer", PASSWORD, top, roles={Role.TRAINER})
        for username in learners:
            create_user(username, PASSWORD, top)
        course, quiz = build_quiz(trainer, questions_per_page=0)
        if second_course:
            build_course(trainer, slug="second-course")
        db.session.commit()
        site = Site(
            app=app,
            folder=folder,
            database_url=app.config["SQLALCHEMY_DATABASE_URI"],
            top_id=top.id,
            course_id=course.id,
            course_slug=course.slug,
            quiz_id=quiz.id,
            quiz_key=quiz.key,
            learners=learners,
        )
    site.dispose()  # after the context: its session has handed its connection back
    return site


def right_answers(app: Flask, attempt_id: int) -> dict[str, Any]:
    """The attempt page's form fields filled with the right answers (read from the database)."""
    fields: dict[str, Any] = {}
    with app.app_context():
        items = db.session.scalars(
            sa.select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)
        ).all()
        for item in items:  # sent as the page serves them: by the attempt's tokens
            fields.update(form_fields(item, RIGHT[item.version.name]))
    return fields


def attempt_id_from(location: str) -> int:
    match = re.search(r"/attempts/(\d+)$", location)
    assert match, f"not an attempt page: {location}"
    return int(match.group(1))


# ---- the server -------------------------------------------------------------------------------


class Server(NamedTuple):
    """A running gunicorn: its address and the file holding its stdout and stderr."""

    url: str
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def server_environment(
    database_url: str, settings: dict[str, Any] | None = None, **variables: str
) -> dict[str, str]:
    """The environment of `make serve` for a test: testing mode, plain http on loopback.

    `settings` become TRAINING_<NAME> (strings as they are, anything else as JSON);
    `variables` are set as given (REDIS_URL, GUNICORN_WORKERS...).
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TRAINING_", "GUNICORN_")) and key not in _NOT_INHERITED
    }
    env.update(
        TRAINING_ENVIRONMENT="testing",
        SECRET_KEY=SECRET_KEY,
        DATABASE_URL=database_url,
        TRAINING_SESSION_COOKIE_SECURE="false",
        TRAINING_TWO_FACTOR_REQUIRED_ROLES="[]",
        GUNICORN_ACCESS_LOG="-",
    )
    for name, value in (settings or {}).items():
        env[f"TRAINING_{name}"] = value if isinstance(value, str) else json.dumps(value)
    env.update(variables)
    return env


@contextlib.contextmanager
def gunicorn(
    database_url: str,
    folder: Path,
    *,
    workers: int = 4,
    name: str = "gunicorn",
    settings: dict[str, Any] | None = None,
    **variables: str,
) -> Iterator[Server]:
    """Run gunicorn with `workers` sync workers until the block ends; yields (url, log path).

    The listening socket is bound here and inherited by gunicorn (``GUNICORN_BIND=fd://N``),
    so the port is free and ours before the server even starts. On the way out the master
    gets SIGTERM (graceful), then the process group SIGKILL: no worker outlives the test.
    """
    log_path = folder / f"{name}.log"
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        port = listener.getsockname()[1]
        env = server_environment(database_url, settings, **variables)
        env["GUNICORN_BIND"] = f"fd://{listener.fileno()}"
        env["GUNICORN_WORKERS"] = str(workers)
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                # gunicorn >= 25 also opens a control socket, by default one per user in
                # $XDG_RUNTIME_DIR or ~/.gunicorn: parallel servers would fight over it.
                [str(GUNICORN), "-c", "gunicorn.conf.py", "--no-control-socket"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(listener.fileno(),),
                start_new_session=True,  # its own process group, ended as one below
            )
    finally:
        listener.close()  # gunicorn holds its own copy
    try:
        server = Server(f"http://127.0.0.1:{port}", log_path)
        wait_until_healthy(server, process)
        yield server
    finally:
        stop(process)


def wait_until_healthy(server: Server, process: subprocess.Popen) -> None:
    """Poll /healthz until it answers 200; fail with the log if gunicorn dies or never does."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"gunicorn exited with {process.returncode}:\n{server.log_text()[-4000:]}"
            )
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass  # the socket listens already; workers are still loading the app
        time.sleep(0.05)
    raise AssertionError(f"gunicorn did not answer /healthz:\n{server.log_text()[-4000:]}")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the master (workers finish their request and go), then SIGKILL the group."""
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_TIMEOUT)
    with contextlib.suppress(ProcessLookupError):  # nothing left in the group: fine
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


# ---- a browser --------------------------------------------------------------------------------


@dataclass
class Reply:
    """One HTTP response, read and closed."""

    status: int
    headers: Message
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    @property
    def is_error_page(self) -> bool:
        return ERROR_PAGE in self.text


class _ShowRedirects(urllib.request.HTTPRedirectHandler):
    """Hand 3xx answers back to the caller instead of following them."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """Cookies kept like a browser's (across ports of 127.0.0.1, as a browser does), English
    pages, CSRF tokens read from the forms, redirects shown rather than followed."""

    def __init__(
        self, base_url: str, jar: http.cookiejar.CookieJar | None = None, cookie: str | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.jar = jar if jar is not None else http.cookiejar.CookieJar()
        # A fixed Cookie header (see frozen()); replies then never change it.
        self.cookie = cookie
        handlers: list[Any] = [_ShowRedirects()]
        if cookie is None:
            handlers.append(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener = urllib.request.build_opener(*handlers)

    def on(self, base_url: str) -> Browser:
        """The same browser talking to another node (the cookies go along)."""
        return Browser(base_url, self.jar, self.cookie)

    def frozen(self) -> Browser:
        """A copy that sends exactly the current cookies with every request, from any thread."""
        probe = urllib.request.Request(self.base_url + "/")  # noqa: S310 - http only
        self.jar.add_cookie_header(probe)
        cookie = probe.get_header("Cookie")
        assert cookie, "no cookies to freeze"
        return Browser(self.base_url, self.jar, cookie)

    def request(self, method: str, path: str, data: dict[str, Any] | None = None) -> Reply:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body, method=method)  # noqa: S310
        request.add_header("Accept-Language", "en")
        request.add_header("User-Agent", "gunicorn-fault-tests")
        if self.cookie is not None:
            request.add_header("Cookie", self.cookie)
        try:
            response = self.opener.open(request, timeout=60)
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            response = error
        with contextlib.closing(response):
            return Reply(
                response.status,
                response.headers,
                response.read().decode("utf-8", errors="replace"),
            )

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, data: dict[str, Any] | None = None) -> Reply:
        return self.request("POST", path, data or {})

    def token(self, path: str = "/") -> str:
        """The CSRF token of this browser's session, from a form on `path`."""
        page = self.get(path)
        match = CSRF_RE.search(page.text)
        assert match, f"no CSRF token on {path} ({page.status})"
        return match.group(1)

    def login(self, username: str, password: str = PASSWORD) -> Reply:
        """Log in through the login form (learners have no second factor here)."""
        token = self.token("/account/login")
        reply = self.post(
            "/account/login", {"csrf_token": token, "username": username, "password": password}
        )
        assert reply.status == 302, f"login of {username}: {reply.status}\n{reply.text[:2000]}"
        return reply
