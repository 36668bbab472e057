"""Instructions per request on the learner's paths, counted by valgrind (callgrind): figures
that do not move with a busy or noisy machine, for comparing two versions of the code.

    python bench/instructions.py [--requests 50] [--root OTHER_CHECKOUT]

Timings on a shared virtual machine drift by a fifth from one run to the next, which hides a
change worth 5 %. Instruction counts repeat to within a fraction of a percent, so two
checkouts (say, `git worktree add /tmp/base <commit>` and --root /tmp/base) compare
reliably. Counts are not times: a statement's wait on the database, or a cache miss, costs
no instructions. The setup runs under valgrind uncounted; each path is warmed up first.
Needs valgrind (apt-get install valgrind); takes about four minutes.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 20

#: The paths measured: (name, requests a round makes).
PATHS = (
    ("platform floor (/healthz)", 1),
    ("lesson page with path", 1),
    ("lesson, first view (records it)", 1),
    ("check page, visitor", 1),
    ("certificate PDF again", 1),
    ("quiz cycle (page, start, attempt, submit, result)", 5),
    ("review queue, trainer", 1),
    ("gradebook, 40 learners, trainer", 1),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=50, help="counted rounds per path")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to measure")
    parser.add_argument("--inner", type=Path, help=argparse.SUPPRESS)  # run under valgrind
    args = parser.parse_args()
    if args.inner:
        measure(args.root.resolve(), args.requests, args.inner)
        return
    with tempfile.TemporaryDirectory(prefix="bench-instructions-") as folder:
        dumps = Path(folder) / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={dumps}",
            sys.executable,
            __file__,
            "--requests",
            str(args.requests),
            "--root",
            str(args.root),
            "--inner",
            str(dumps),
        ]
        subprocess.run(command, check=True, stderr=subprocess.DEVNULL)  # noqa: S603 - valgrind
        show(args.root, args.requests, dumps)


def show(root: Path, requests: int, dumps: Path) -> None:
    """Print each path's dump as millions of instructions per request."""
    revision = subprocess.run(  # noqa: S603 - git, on the measured checkout
        ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(f"instructions per request (callgrind), {root} at {revision or '?'}, {requests} rounds")
    for n, (name, per_round) in enumerate(PATHS, start=1):
        text = Path(f"{dumps}.{n}").read_text()
        total = int(re.search(r"^totals: (\d+)", text, re.M).group(1))
        print(f"  {name:<52} {total / requests / per_round / 1e6:7.2f} M")


def measure(root: Path, requests: int, dumps: Path) -> None:
    """Inside valgrind: prepare the benchmark database, then count each path on its own."""
    for run in prepared_rounds(root, first_views=WARM_UP + requests):
        for _ in range(WARM_UP):
            run()
        callgrind("--zero")
        callgrind("--instr=on")
        for _ in range(requests):
            run()
        callgrind("--instr=off")
        callgrind("--dump")


def prepared_rounds(root: Path, first_views: int) -> list[Callable[[], None]]:
    """One round of each path of PATHS, in its order, through test clients of an app on a
    fresh copy of the load benchmark's data (bench/profile_path.py profiles the same rounds);
    `first_views`: how many rounds of first views the caller will make."""
    sys.path.insert(0, str(root))
    os.chdir(root)
    from app import create_app
    from bench.load import PASSWORD, SECRET, TOKEN, prepare

    folder = Path(tempfile.mkdtemp(prefix="bench-instructions-"))
    url = f"sqlite:///{folder / 'instructions.sqlite3'}"
    dataset = prepare(url)
    app = create_app(
        {
            "ENVIRONMENT": "testing",
            "SECRET_KEY": SECRET,
            "SQLALCHEMY_DATABASE_URI": url,
            "SIGNING_KEYS_DIR": str(Path(tempfile.gettempdir()) / "bench-load-keys"),
            "CERTIFICATE_PDF_DIR": str(folder / "certificate-pdfs"),
            "VERIFY_LIMIT_PER_IP": "10000000 per minute",
            "LOGIN_LIMIT_PER_IP": "10000 per minute",  # the newcomers log in from here
            # The trainer's pages are measured, not the second factor of their login.
            "TWO_FACTOR_REQUIRED_ROLES": (),
        }
    )

    def logged_in(username: str):
        client = app.test_client()
        token = TOKEN.search(client.get("/account/login").text).group(1)
        data = {"username": username, "password": PASSWORD, "csrf_token": token}
        assert client.post("/account/login", data=data).status_code == 302
        return client

    learner, holder = logged_in("bench-learner-01"), logged_in("bench-holder")
    trainer = logged_in("bench-trainer")
    visitor = app.test_client()
    # Learners who have opened no lesson yet, each opening every lesson once: the round after
    # the last is refused. Enrolled on their own, not in the cohort the gradebook shows.
    newcomers = enrol_newcomers(app, -(-first_views // len(dataset.lesson_paths)))
    clients = [logged_in(name) for name in newcomers]
    views = iter([(client, path) for client in clients for path in dataset.lesson_paths])

    def get(client, path: str):
        def run() -> None:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        return run

    return [
        get(learner, "/healthz"),
        get(learner, dataset.lesson_path),
        first_view(views),
        get(visitor, f"/verify/{dataset.certificate_code}"),
        get(holder, f"/certificates/{dataset.certificate_id}/certificate.pdf"),
        quiz_cycle(learner, dataset.quiz_path, TOKEN),
        get(trainer, dataset.review_path),
        get(trainer, dataset.gradebook_path),
    ]


def enrol_newcomers(app, count: int) -> list[str]:
    """Learners enrolled in the benchmark's course who have opened nothing (usernames)."""
    from bench.load import PASSWORD
    from courses import learning
    from courses.models import Course
    from training.accounts.services import create_user
    from training.extensions import db
    from training.organizations.models import Organization

    with app.app_context(), app.test_request_context():
        course = db.session.scalar(sa.select(Course).where(Course.slug == "bench"))
        school = db.session.scalar(sa.select(Organization).where(Organization.name == "Школа"))
        names = [f"bench-newcomer-{n:03d}" for n in range(count)]
        for name in names:
            learning.enroll(create_user(name, PASSWORD, school).id, course)
        db.session.commit()
    return names


def first_view(views: Iterator[tuple[Any, str]]):
    """Each round, the next learner's first view of the next lesson."""

    def run() -> None:
        client, path = next(views)  # StopIteration: more rounds than `first_views`
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    return run


def quiz_cycle(client, quiz: str, token: re.Pattern[str]):
    """One learner's round as bench/locustfile.py makes it, answering every question."""
    radio = re.compile(r'type="radio" name="([^"]+)" value="([^"]+)"')

    def run() -> None:
        page = client.get(quiz).text
        started = client.post(quiz + "/start", data={"csrf_token": token.search(page).group(1)})
        form = client.get(started.headers["Location"]).text
        action = re.search(r'<form method="post" action="([^"]+/attempts/\d+)"', form).group(1)
        data = dict(radio.findall(form))  # the last option of each question
        data.update(csrf_token=token.search(form).group(1), page="0", action="submit")
        submitted = client.post(action, data=data)
        assert 'class="score"' in client.get(submitted.headers["Location"]).text

    return run


def callgrind(option: str) -> None:
    """Tell valgrind about this process: start or stop counting, zero or dump the counts."""
    subprocess.run(  # noqa: S603 - valgrind's own tool
        ["callgrind_control", option, str(os.getpid())],  # noqa: S607
        check=True,
        capture_output=True,
    )


if __name__ == "__main__":
    main()
