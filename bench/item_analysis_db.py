"""Item analysis from the database: read 10,000 submitted attempts and analyse them.

    python bench/item_analysis_db.py [--attempts 10000] [--runs 10]

Builds a throw-away SQLite database with one quiz of 10 fixed questions, then times
`attempt_records` (one query) plus `analyse`, i.e. what the trainer's page computes.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import flask_migrate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from courses import services as course_services
from quizzes import bank, services
from quizzes.analysis import analyse
from quizzes.models import Attempt, AttemptItem
from quizzes.reports import attempt_records
from quizzes.spec import Option, QuestionSpec
from training.accounts.models import Role, User
from training.accounts.services import create_user
from training.db import utcnow
from training.extensions import db
from training.organizations.models import OrgKind
from training.organizations.services import create_organization


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    rng = random.Random(42)
    folder = Path(tempfile.mkdtemp(prefix="bench-analysis-"))
    app = create_app(
        {
            "ENVIRONMENT": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
        }
    )
    with app.app_context(), app.test_request_context():
        flask_migrate.upgrade()
        org = create_organization("Профсоюз", OrgKind.FEDERAL, None)
        trainer = create_user("trainer", "bench-password-1", org, roles={Role.TRAINER})
        course = course_services.create_course(
            trainer, slug="bench", meta=course_services.CourseMeta("Bench")
        )
        versions = []
        quiz = services.create_quiz(course, services.QuizSettings(title="Bench", is_open=True))
        for n in range(10):
            spec = QuestionSpec(
                type="single",
                text=f"Вопрос {n}",
                options=[Option(f"o{i}", f"Вариант {i}", 1.0 if i == 0 else 0.0) for i in range(4)],
            )
            question = bank.add_question(course, spec, trainer)
            services.add_fixed(quiz, question)
            versions.append(question.current_version_id)
        db.session.commit()
        # learners and attempts with plain inserts: the point is reading, not writing
        users = [
            {
                "username": f"l{i}",
                "password_hash": "x",
                "organization_id": org.id,
                "display_name": "",
                "active": True,
                "auth_version": 1,
                "created_at": utcnow(),
            }
            for i in range(args.attempts)
        ]
        db.session.execute(User.__table__.insert(), users)
        user_ids = [
            row[0]
            for row in db.session.execute(
                User.__table__.select().with_only_columns(User.id).where(User.username.like("l%"))
            )
        ]
        now = utcnow()
        db.session.execute(
            Attempt.__table__.insert(),
            [
                {
                    "quiz_id": quiz.id,
                    "user_id": uid,
                    "number": 1,
                    "started_at": now,
                    "submitted_at": now,
                    "score": 0.0,
                    "passed": False,
                }
                for uid in user_ids
            ],
        )
        attempt_ids = [
            row[0]
            for row in db.session.execute(Attempt.__table__.select().with_only_columns(Attempt.id))
        ]
        items = []
        for aid in attempt_ids:
            ability = rng.gauss(0, 1)
            for pos, vid in enumerate(versions):
                right = rng.random() < 1 / (1 + 2.718 ** -(ability - pos * 0.3 + 1))
                choice = "o0" if right else rng.choice(["o1", "o2", "o3"])
                items.append(
                    {
                        "attempt_id": aid,
                        "position": pos,
                        "version_id": vid,
                        "order": [],
                        "score": 1.0 if right else 0.0,
                        "choices": choice,
                    }
                )
        db.session.execute(AttemptItem.__table__.insert(), items)
        db.session.commit()

        times, reading = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            records = attempt_records(quiz)
            read = time.perf_counter()
            stats = analyse(records)
            times.append((time.perf_counter() - start) * 1000)
            reading.append((read - start) * 1000)
        size = f"{stats.attempts} attempts × {len(versions)} questions"
        print(f"item analysis from the database: {size}")
        median, best = statistics.median(times), min(times)
        print(f"  median {median:.0f} ms, best {best:.0f} ms ({args.runs} runs)")
        print(f"  of which reading the attempts: median {statistics.median(reading):.0f} ms")
        print(f"  mean {stats.mean:.1f}%, alpha {stats.alpha:.2f}")


if __name__ == "__main__":
    main()
