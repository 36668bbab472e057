"""Load benchmarks against gunicorn on loopback, with a hello-world ceiling in the same run.

    make bench-load                      # or: .venv/bin/python bench/load.py [options]

Starts the platform under gunicorn (gunicorn.conf.py, production settings) on a prepared
database, and a one-route Flask app under the same settings, then drives them with wrk (GET
pages) and locust in headless mode (quiz submissions by 32 learners), and prints requests per
second, p50 and p95 latency, and each page's ratio to the hello-world ceiling:

- the platform's floor: /healthz through the whole request pipeline (no database, no page)
- a logged-in learner's lesson page, with the course path beside it (lessons, a test, a
  practical task)                               goal: >= 35% of hello-world throughput
- a trainer's review queue (20 notes waiting)  (no goal yet)
- the gradebook of the learners' cohort (40 learners × the path's steps)  (no goal yet)
- the public certificate verification page     goal: >= 50%
  (and a repeat visit: the visitor's cookie and If-None-Match, answered 304)
- quiz submission by 32 concurrent learners    goal: p95 < 100 ms, no errors
  (and by 4, below the server's capacity: a submission's own latency, no goal)
- an organizer dashboard on the 100,000-learner dataset (--stats-database-url, from
  bench/generate.py)                            goal: p95 < 300 ms
- certificate PDF re-downloads on one worker    goal: >= 1,000 per second (the first
  download renders and keeps the file; bench/certificate_pdf.py times rendering)
- memory of one worker after the run: resident (shared pages included), proportional and
  private (what each further worker costs)     goal: < 100 MB resident

"errors a/b": socket errors and timeouts / answers of 400 and above (for locust: failed
requests / 0).

Needs wrk (apt-get install wrk) and locust in its own virtualenv (make bench-load makes it).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password"  # noqa: S105 - accounts of a throw-away benchmark database
SECRET = "bench-secret-key-0123456789abcdef"  # noqa: S105 - ditto
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SECRET_SHOWN = re.compile(r'id="totp-secret"[^>]*>([^<]+)<')
LEARNERS = 40
# One browser for the setup steps (urllib) and the load (wrk): Flask-Login's session protection
# marks a session not fresh, and so rewrites the cookie, when the browser seems to change; wrk
# never stores that new cookie, so every request would pay for it again.
USER_AGENT = "bench-load/1"
RUBRIC = """Структура | Заголовок, лид, основная часть
- 0 | Нет структуры
- 4 | Полностью
Факты
- 0 | Нет фактов
- 3 | Есть цифры и источники
"""


@dataclass
class Dataset:
    """What the scenarios need from the prepared database."""

    lesson_path: str
    quiz_path: str
    review_path: str
    gradebook_path: str
    certificate_id: int
    certificate_code: str
    lesson_paths: list[str]  # every lesson of the course, in order


def prepare(url: str) -> Dataset:
    """A published course with a quiz, learners enrolled, one certificate (fresh database)."""
    import flask_migrate

    from app import create_app
    from assignments import services as assignment_services
    from assignments import submitting
    from assignments.rubric import parse_rubric
    from bench.lesson_page import build_bench_course  # the page benchmark's course
    from certificates.models import Certificate
    from cohorts import services as cohort_services
    from courses import learning
    from quizzes import bank
    from quizzes import services as quiz_services
    from quizzes.spec import Option, QuestionSpec
    from training.accounts.models import Role
    from training.accounts.services import create_user
    from training.extensions import db
    from training.organizations.models import OrgKind
    from training.organizations.services import create_organization

    app = create_app(
        {
            "ENVIRONMENT": "testing",
            "SECRET_KEY": SECRET,
            "SQLALCHEMY_DATABASE_URI": url,
            "SIGNING_KEYS_DIR": str(Path(tempfile.gettempdir()) / "bench-load-keys"),
        }
    )
    with app.app_context(), app.test_request_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        top = create_organization("Профсоюз", OrgKind.FEDERAL, None)
        school = create_organization("Школа", OrgKind.REGIONAL, top)
        trainer = create_user("bench-trainer", PASSWORD, top, roles={Role.TRAINER})
        course = build_bench_course(trainer)
        quiz = quiz_services.create_quiz(
            course,
            quiz_services.QuizSettings(
                title="Проверка", is_open=True, required=False, questions_per_page=0
            ),
        )
        for q in range(10):
            spec = QuestionSpec(
                type="single",
                text=f"Вопрос {q + 1}: что главное в новости?",
                name=f"q{q + 1}",
                options=[
                    Option("o1", "Факт", 1.0),
                    Option("o2", "Мнение"),
                    Option("o3", "Реклама"),
                ],
            )
            quiz_services.add_fixed(quiz, bank.add_question(course, spec, trainer))
        # A practical task after the first module: a step of the lesson page's path, and the
        # trainer's review queue with half the learners' notes waiting.
        assignment = assignment_services.create_assignment(
            course,
            assignment_services.AssignmentSettings(
                title="Заметка для сайта",
                module_key=course.published_revision.outline[0]["key"],
                task="Напишите **заметку** о собрании.",
                required=False,
                criteria=parse_rubric(RUBRIC),
            ),
        )
        # The learners take the course in a cohort: their lesson pages read its dates, and the
        # trainer has its gradebook.
        now = datetime.now(UTC)
        cohort, _code = cohort_services.create_cohort(
            course,
            cohort_services.CohortSettings(
                "Весна", now - timedelta(days=7), now + timedelta(days=60)
            ),
            trainer,
        )
        for i in range(1, LEARNERS + 1):
            learner = create_user(f"bench-learner-{i:02d}", PASSWORD, school)
            cohort_services.join(cohort, learner)
            if i % 2:
                note = "Собрание профкома прошло 5 марта. " * 20
                submitting.submit(assignment, learner.id, note, [], 0)
        holder = create_user("bench-holder", PASSWORD, school)
        learning.enroll(holder.id, course)
        revision = course.published_revision
        for key in revision.lesson_keys():
            learning.mark_done(holder.id, course, revision, key)
        db.session.commit()
        certificate = db.session.query(Certificate).one()
        return Dataset(
            f"/courses/bench/lessons/{revision.lesson_keys()[5]}",
            f"/courses/bench/quizzes/{quiz.key}",
            "/author/review",
            f"/cohorts/{cohort.id}",
            certificate.id,
            certificate.code,
            [f"/courses/bench/lessons/{key}" for key in revision.lesson_keys()],
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str], workers: int, app: str | None = None
) -> Iterator[tuple[str, int]]:
    """gunicorn -c gunicorn.conf.py on a free port; yields (base URL, master pid)."""
    port = free_port()
    environment = {
        **os.environ,
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_ACCESS_LOG": "/dev/null",  # the log would cost the app, not the ceiling
    }
    command = [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "gunicorn.conf.py")]
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn
        [*command, *([app] if app else [])],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(base + ("/healthz" if not app else "/"), timeout=1)  # noqa: S310
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


class Session:
    """A logged-in browser session (cookies) for the benchmark's setup steps."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("User-Agent", USER_AGENT)]

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.geturl(), response.read().decode()

    def post(self, path: str, data: dict[str, str]) -> tuple[str, str]:
        body = urllib.parse.urlencode(data).encode()
        with self.opener.open(self.base + path, body, timeout=30) as response:
            return response.geturl(), response.read().decode()

    def log_in(self, username: str) -> None:
        """The login form, and two-factor enrolment for staff (the code computed with pyotp)."""
        import pyotp

        _url, page = self.get("/account/login")
        form = {"csrf_token": TOKEN.search(page).group(1), "username": username}
        url, page = self.post("/account/login", {**form, "password": PASSWORD})
        if url.endswith("/account/two-factor/setup"):
            secret = SECRET_SHOWN.search(page).group(1).replace(" ", "")
            token = TOKEN.search(page).group(1)
            code = pyotp.TOTP(secret).now()
            url, page = self.post("/account/two-factor/setup", {"csrf_token": token, "code": code})
        if "/account/login" in url:
            raise RuntimeError(f"could not log in as {username}")

    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def wrk(
    url: str, cookie: str | None, connections: int, seconds: int, headers: tuple[str, ...] = ()
) -> dict:
    """wrk's figures for one address (JSON line from bench/wrk_report.lua)."""
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench/wrk_report.lua"),
        "-H",
        f"User-Agent: {USER_AGENT}",
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    for header in headers:
        command += ["-H", header]
    output = subprocess.run(  # noqa: S603 - wrk from the system
        [*command, url], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def locust(base: str, quiz: str, users: int, seconds: int, venv: Path) -> dict:
    """Quiz submissions by `users` concurrent learners (locust headless); the "submit" row."""
    with tempfile.TemporaryDirectory() as folder:
        prefix = Path(folder) / "run"
        subprocess.run(  # noqa: S603 - locust from its own virtualenv
            [
                str(venv / "bin/locust"),
                "-f",
                str(ROOT / "bench/locustfile.py"),
                "--headless",
                "-u",
                str(users),
                "-r",
                str(users),
                "-t",
                f"{seconds}s",
                "-H",
                base,
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "ERROR",
            ],
            env={**os.environ, "BENCH_PASSWORD": PASSWORD, "BENCH_QUIZ": quiz},
            capture_output=True,
            check=False,  # locust exits 1 when any request failed; the figures say so
        )
        with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
            rows = {row["Name"]: row for row in csv.DictReader(handle)}
    row = rows["submit"]
    return {
        "requests": int(row["Request Count"]),
        "rps": float(row["Requests/s"]),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
        "errors": int(row["Failure Count"]),
    }


def worker_memory_mb(master: int) -> list[tuple[float, float, float]]:
    """Each worker of a gunicorn master: resident, proportional and private memory in MB.

    Resident size counts the pages a worker shares with the master (imports, the app); the
    private part is what each further worker costs, and the proportional one shares the rest
    out among the processes.
    """
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            if re.search(rf"^PPid:\s+{master}$", status.read_text(), re.M):
                rollup = (status.parent / "smaps_rollup").read_text()
                kb = {k: int(v) for k, v in re.findall(r"^(\w+):\s+(\d+) kB", rollup, re.M)}
                private = kb["Private_Clean"] + kb["Private_Dirty"]
                sizes.append((kb["Rss"] / 1024, kb["Pss"] / 1024, private / 1024))
    return sizes


def show(name: str, figures: dict, ceiling: float | None, goal: str) -> None:
    ratio = f"{100 * figures['rps'] / ceiling:5.1f}%" if ceiling else "     —"
    # Socket errors and timeouts, then answers of 400 and above (wrk's "non-2xx").
    errors = f"{figures.get('errors', 0)}/{figures.get('non_2xx', 0)}"
    print(
        f"{name:<32} {figures['rps']:8.1f} req/s  p50 {figures['p50_ms']:7.1f} ms  "
        f"p95 {figures['p95_ms']:7.1f} ms  {ratio} of hello  errors {errors:<5} goal: {goal}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--database-url", help="default: a new SQLite file in a temp folder")
    parser.add_argument(
        "--stats-database-url", help="bench/generate.py's dataset, for the dashboard"
    )
    parser.add_argument("--redis-url", default="", help="rate limits in Redis, as in production")
    parser.add_argument(
        "--reset-database",
        action="store_true",
        help="empty --database-url first (PostgreSQL: drops and recreates the public schema)",
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() * 2 + 1)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--locust-venv", type=Path, default=ROOT / ".bench-venv")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")

    folder = Path(tempfile.mkdtemp(prefix="bench-load-"))
    url = args.database_url or f"sqlite:///{folder / 'load.sqlite3'}"
    if args.reset_database:
        reset(url)
    dataset = prepare(url)
    env = {
        "TRAINING_ENVIRONMENT": "production",
        "SECRET_KEY": SECRET,
        # Production refuses to start without a key sealing two-factor secrets.
        "TRAINING_TWO_FACTOR_ENCRYPTION_KEYS": json.dumps([Fernet.generate_key().decode()]),
        "DATABASE_URL": url,
        "REDIS_URL": args.redis_url,
        "TRAINING_SESSION_COOKIE_SECURE": "false",  # plain http on loopback
        "TRAINING_SIGNING_KEYS_DIR": str(Path(tempfile.gettempdir()) / "bench-load-keys"),
        "TRAINING_CERTIFICATE_PDF_DIR": str(folder / "certificate-pdfs"),  # cold each run
        # The public page keeps its limiter (its cost is measured) with room for the load.
        "TRAINING_VERIFY_LIMIT_PER_IP": "10000000 per minute",
        "TRAINING_LOGIN_LIMIT_PER_IP": "10000 per minute",
    }
    print(
        f"machine: {os.cpu_count()} cores; gunicorn {args.workers} sync workers; "
        f"wrk -t2 -c{args.connections} -d{args.seconds}s; database {url.split(':')[0]}; "
        f"rate limits in {'Redis' if args.redis_url else 'memory'}"
    )
    # The same environment: gunicorn.conf.py checks the platform's settings when ready.
    with gunicorn(env, args.workers, "bench.hello:app") as (hello, _pid):
        ceiling = wrk(hello + "/", None, args.connections, args.seconds)
    show("hello world (ceiling)", ceiling, ceiling["rps"], "—")
    with gunicorn(env, args.workers) as (base, master):
        # The platform's own floor: a route that touches neither the database nor a template,
        # through every hook of the request pipeline. No page can do better than this.
        floor = wrk(base + "/healthz", None, args.connections, args.seconds)
        show("platform floor (/healthz)", floor, ceiling["rps"], "—")
        learner = Session(base)
        learner.log_in("bench-learner-40")
        lesson = wrk(base + dataset.lesson_path, learner.cookie(), args.connections, args.seconds)
        show("lesson page with path (learner)", lesson, ceiling["rps"], ">= 35%")
        trainer = Session(base)
        trainer.log_in("bench-trainer")
        review = wrk(base + dataset.review_path, trainer.cookie(), args.connections, args.seconds)
        show("review queue (trainer)", review, ceiling["rps"], "—")
        gradebook = wrk(
            base + dataset.gradebook_path, trainer.cookie(), args.connections, args.seconds
        )
        show(f"gradebook, {LEARNERS} learners (trainer)", gradebook, ceiling["rps"], "—")
        verify = wrk(
            base + f"/verify/{dataset.certificate_code}", None, args.connections, args.seconds
        )
        show("verification page (public)", verify, ceiling["rps"], ">= 50%")
        repeat = revisit_check_page(base, dataset.certificate_code, args)
        show("verification page, repeat (304)", repeat, ceiling["rps"], ">= 50%")
        if (args.locust_venv / "bin/locust").exists():
            quiz = locust(base, dataset.quiz_path, 32, args.seconds * 2, args.locust_venv)
            show("quiz submission (32 learners)", quiz, None, "p95 < 100 ms, 0 errors")
            # A group that leaves the server room to spare: the latency of a cycle itself,
            # where 32 learners measure mostly the queue in front of the workers.
            calm = locust(base, dataset.quiz_path, 4, args.seconds * 2, args.locust_venv)
            show("quiz submission (4 learners)", calm, None, "(no goal: below capacity)")
        else:
            print(f"quiz submission: skipped, no locust in {args.locust_venv} (make bench-load)")
        memory = worker_memory_mb(master)
    resident, proportional, private = (max(column) for column in zip(*memory, strict=True))
    print(
        f"{'worker memory after the run':<32} max {resident:.0f} MB resident, "
        f"{proportional:.0f} MB proportional, {private:.0f} MB private "
        f"(of {len(memory)} workers)  goal: < 100 MB"
    )
    with gunicorn(env, 1) as (base, _master):
        holder = Session(base)
        holder.log_in("bench-holder")
        pdf = wrk(
            base + f"/certificates/{dataset.certificate_id}/certificate.pdf",
            holder.cookie(),
            4,
            args.seconds,
        )
        # The first download renders and keeps the file; these are re-downloads.
        show("certificate PDF again (1 worker)", pdf, None, ">= 1,000 per second")
    if args.stats_database_url:
        stats_env = {**env, "DATABASE_URL": args.stats_database_url}
        with gunicorn(stats_env, args.workers) as (base, _master):
            organizer = Session(base)
            organizer.log_in(first_organizer(args.stats_database_url))
            for name, path in (
                ("overview", "/stats/?period=52"),
                ("organizations", "/stats/tree?period=52"),
            ):
                figures = wrk(base + path, organizer.cookie(), 8, args.seconds)
                show(f"dashboard {name} (100k)", figures, ceiling["rps"], "p95 < 300 ms")


def revisit_check_page(base: str, code: str, args: argparse.Namespace) -> dict:
    """A visitor who has the check page already: their cookie and the page's ETag (304s)."""
    visitor = Session(base)
    with visitor.opener.open(f"{base}/verify/{code}", timeout=30) as response:
        etag = response.headers["ETag"]
    headers = (f"If-None-Match: {etag}",)
    return wrk(f"{base}/verify/{code}", visitor.cookie(), args.connections, args.seconds, headers)


def reset(url: str) -> None:
    """An empty database at `url` for prepare() (the benchmark's own, named on purpose)."""
    import sqlalchemy as sa

    if not url.startswith("postgresql"):
        return  # a SQLite file is new each run
    target = sa.make_url(url)
    # A new machine has no such database yet: make it from the server's maintenance database.
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        )
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def first_organizer(url: str) -> str:
    """The generator's first regional organizer (its password is PASSWORD too)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        user_id, name = conn.execute(
            sa.text(
                "SELECT u.id, u.username FROM users u JOIN user_roles r ON r.user_id = u.id "
                "WHERE r.role = 'organizer' ORDER BY u.id LIMIT 1"
            )
        ).one()
        # An earlier run enrolled a second factor whose key is gone: enrol afresh, as
        # `flask users reset-two-factor` would.
        conn.execute(
            sa.text("UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL WHERE id = :id"),
            {"id": user_id},
        )
        conn.execute(sa.text("DELETE FROM recovery_codes WHERE user_id = :id"), {"id": user_id})
    engine.dispose()
    return name


if __name__ == "__main__":
    main()
