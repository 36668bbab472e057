"""What a worker holds: resident memory after imports, after create_app and after a few
hundred requests of the learner's pages, measured in one process (no gunicorn, no load).

    python bench/worker_memory.py [--requests 300] [--top 12]

Prints RSS at each stage, the biggest growth between the first and last request round
(tracemalloc, by file) and the size of the per-process caches. Runs on a throw-away SQLite
database with the lesson benchmark's course.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def rss_mb() -> float:
    """This process's resident memory in MB (Linux)."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+)", status, re.M).group(1)) / 1024


def cache_sizes() -> dict[str, int]:
    """Entries held by the per-process caches a request can fill."""
    from training import fragments, markdown, urls

    sizes = {
        "fixed links (training.urls)": urls._built.cache_info().currsize,
        "page parts (training.fragments)": fragments._rendered.cache_info().currsize,
        "Markdown (training.markdown)": markdown.shown_markdown.cache_info().currsize,
    }
    if "certificates.pdf" in sys.modules:
        pdf = sys.modules["certificates.pdf"]
        sizes["QR codes (certificates.pdf)"] = pdf.qr_runs.cache_info().currsize
    return sizes


def config(folder: Path) -> dict:
    """The app's settings for both processes: a throw-away SQLite file in `folder`."""
    return {
        "ENVIRONMENT": "testing",
        "SECRET_KEY": "bench",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
        "WTF_CSRF_ENABLED": False,
    }


def prepare(folder: Path) -> None:
    """Child process: migrate and fill the database; print the lesson keys as JSON."""
    import flask_migrate

    from app import create_app
    from bench.lesson_page import build_bench_course
    from courses import learning
    from training.accounts.models import Role
    from training.accounts.services import create_user
    from training.extensions import db
    from training.organizations.models import OrgKind
    from training.organizations.services import create_organization

    app = create_app(config(folder))
    with app.app_context(), app.test_request_context():
        flask_migrate.upgrade()
        org = create_organization("Профсоюз", OrgKind.FEDERAL, None)
        trainer = create_user("trainer", "bench-password-1", org, roles={Role.TRAINER})
        learner = create_user("learner", "bench-password-1", org)
        course = build_bench_course(trainer)
        learning.enroll(learner.id, course)
        db.session.commit()
        print(json.dumps([lesson.key for lesson in course.lessons()]))


def main() -> None:
    """Prepare the database in a child process (migrations stay out of this one), then build
    the app here, make the requests and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare)
        return

    start = rss_mb()
    folder = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    child = subprocess.run(  # noqa: S603 - this very script, with a folder it made
        [sys.executable, __file__, "--prepare", str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    keys = json.loads(child.stdout.strip().splitlines()[-1])
    from app import create_app

    imported = rss_mb()
    app = create_app(config(folder))
    created = rss_mb()

    client = app.test_client()
    client.post("/account/login", data={"username": "learner", "password": "bench-password-1"})
    urls = ["/", "/courses/", "/courses/bench", "/account/", "/certificates/", "/notifications/"]
    urls += [f"/courses/bench/lessons/{key}" for key in keys]

    def round_of_requests(count: int) -> None:
        for n in range(count):
            response = client.get(urls[n % len(urls)])
            assert response.status_code in (200, 302), (urls[n % len(urls)], response.status_code)

    round_of_requests(len(urls) * 2)  # every page once: templates compiled, caches filled
    warmed = rss_mb()
    tracemalloc.start(1)
    before = tracemalloc.take_snapshot()
    round_of_requests(args.requests)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    done = rss_mb()

    print(f"worker memory, in process ({args.requests} requests over {len(urls)} pages)")
    print(f"  interpreter            {start:6.1f} MB")
    print(f"  + imports              {imported:6.1f} MB")
    print(f"  + create_app           {created:6.1f} MB")
    print(f"  + every page once      {warmed:6.1f} MB")
    print(f"  + {args.requests} requests         {done:6.1f} MB (tracemalloc's own cost included)")
    print("  growth over the requests, by file:")
    for stat in after.compare_to(before, "filename")[: args.top]:
        print(f"    {stat.size_diff / 1024:8.1f} KB  {stat.traceback[0].filename}")
    print("  caches:")
    for name, size in cache_sizes().items():
        print(f"    {name:<34} {size} entries")
    heavy = ("fpdf", "fontTools", "PIL", "alembic", "xlsxwriter", "psycopg", "redis")
    heavy = [m for m in heavy if m in sys.modules]
    print(f"  heavy modules loaded: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
