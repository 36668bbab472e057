"""A realistic dataset for benchmarking organizer statistics, built in a few minutes.

    python bench/generate.py --learners 100000 [--database-url URL] [--seed N] [--reset]

In an empty database (by default a new SQLite file, instance/bench.sqlite3) it builds:

- a union tree of about 1,000 organizations: the federal one, 85 regional, 5-6 local per
  region and primaries under the locals; learners sit mostly in primaries (a few big, many
  small, some with 1-4 people), a few directly in locals;
- 20 published courses (15 Russian, 5 English), 3-5 modules of 2-4 lessons, one or two module
  quizzes and a final quiz of about 10 questions each, made through the authoring services
  and owned by `bench-trainer`;
- an administrator (`bench-admin`), one organizer per region (`organizer-01` …) and the
  learners, all with the password "bench-password";
- the learners' last 365 days: enrollments, lesson progress, quiz attempts and certificates,
  with the learning-event log in exactly the shapes the application writes;
- the statistics aggregates, rebuilt from that log.

A database holding any rows is refused unless --reset is given: a SQLite file is deleted,
on PostgreSQL every table (and alembic_version) is dropped. The schema comes from the
migrations. Bulk rows go in with SQLAlchemy Core, a batch per transaction; events are written
in time order, so the log's physical order is the one the application produces. History ends
at today's midnight (UTC); the same seed gives the same data on any day, shifted by whole days
(certificate codes apart).
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate
import sqlalchemy as sa

from app import create_app
from certificates.models import Certificate
from certificates.services import new_code
from courses import publishing, services
from courses.keys import slugify
from courses.models import Course, CourseRevision, Enrollment, LessonProgress
from quizzes import bank
from quizzes import services as quiz_services
from quizzes.models import Attempt, Question, QuestionVersion, Quiz
from quizzes.spec import Option, QuestionSpec
from stats import store
from stats.models import LastActive, WeeklyCount
from training.accounts.models import Role, User, UserRole
from training.accounts.passwords import hash_password
from training.config import normalise_database_url
from training.events import LearningEvent
from training.extensions import db
from training.organizations.models import Organization, OrgKind
from training.progress import shown

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password"  # noqa: S105 - printed for the benchmark accounts
BATCH = 20_000  # rows per INSERT batch and transaction
CHUNK = 2_000  # learners simulated between two user inserts
DAY = 86_400.0
HISTORY_DAYS = 365
REGIONS = 85
ADMIN = "bench-admin"
TRAINER = "bench-trainer"


# ---- names ----------------------------------------------------------------------------------


def items(text: str) -> tuple[str, ...]:
    """A vocabulary list written as one ";"-separated string."""
    return tuple(part.strip() for part in text.split(";"))


FEMALE = items("Анна; Валентина; Галина; Екатерина; Елена; Ирина; Людмила; Марина; Мария; Вера")
FEMALE += items("Надежда; Наталья; Ольга; Светлана; Татьяна; Юлия")
MALE = items("Александр; Алексей; Андрей; Дмитрий; Евгений; Иван; Игорь; Максим; Михаил")
MALE += items("Николай; Олег; Павел; Роман; Сергей; Юрий")
SURNAMES = items("Иванов; Смирнов; Кузнецов; Попов; Васильев; Петров; Соколов; Михайлов")
SURNAMES += items("Новиков; Фёдоров; Морозов; Волков; Алексеев; Лебедев; Семёнов; Егоров")
SURNAMES += items("Павлов; Козлов; Степанов; Николаев; Орлов; Андреев; Макаров; Никитин")
SURNAMES += items("Захаров; Зайцев; Соловьёв; Борисов")
REGION_KINDS = ("Областная",) * 4 + ("Республиканская", "Краевая", "Окружная")
LOCAL_KINDS = items("Городская; Районная; Районная; Муниципальная; Межрайонная")
INSTITUTIONS = ("школы",) * 4 + ("детского сада",) * 2 + ("гимназии", "лицея", "колледжа")
INSTITUTIONS += ("центра детского творчества", "университета")


def person_name(rng: random.Random) -> str:
    """A generated Russian-looking name; most education workers are women."""
    if rng.random() < 0.78:
        return f"{rng.choice(FEMALE)} {rng.choice(SURNAMES)}а"
    return f"{rng.choice(MALE)} {rng.choice(SURNAMES)}"


# ---- the organization tree ------------------------------------------------------------------


@dataclass(eq=False)
class Org:
    """An organization before and after insertion (id and path are known after)."""

    name: str
    kind: OrgKind
    parent: Org | None
    id: int = 0
    path: str = ""


@dataclass
class Tree:
    """The generated union, level by level."""

    levels: list[list[Org]]

    @property
    def root(self) -> Org:
        """The federal organization."""
        return self.levels[0][0]

    @property
    def regions(self) -> list[Org]:
        """The regional organizations."""
        return self.levels[1]

    @property
    def locals(self) -> list[Org]:
        """The local organizations."""
        return self.levels[2]

    @property
    def primaries(self) -> list[Org]:
        """The primary organizations."""
        return self.levels[3]


def build_tree(rng: random.Random) -> Tree:
    """1 federal, 85 regional, 5-6 locals each, 0-3 primaries per local (about 1,000 in all)."""
    root = Org("Профсоюз работников образования (бенчмарк)", OrgKind.FEDERAL, None)
    regions = [
        Org(f"{rng.choice(REGION_KINDS)} организация {n:02d}", OrgKind.REGIONAL, root)
        for n in range(1, REGIONS + 1)
    ]
    locals_ = [
        Org(f"{rng.choice(LOCAL_KINDS)} организация № {n}", OrgKind.LOCAL, region)
        for region in regions
        for n in range(1, rng.choice((5, 6)) + 1)
    ]
    primaries = []
    for local in locals_:
        count = rng.choices((0, 1, 2, 3), weights=(30, 45, 20, 5))[0]
        for number in sorted(rng.sample(range(1, 200), count)):
            name = f"Первичная организация {rng.choice(INSTITUTIONS)} № {number}"
            primaries.append(Org(name, OrgKind.PRIMARY, local))
    return Tree([[root], regions, locals_, primaries])


def insert_tree(tree: Tree, created_at: datetime) -> None:
    """Insert level by level; ids are read back by (parent, name), then paths are set."""
    table = Organization.__table__
    for level in tree.levels:
        rows = [
            {
                "name": org.name,
                "kind": str(org.kind),
                "parent_id": org.parent.id if org.parent else None,
                "path": "",
                "created_at": created_at,
            }
            for org in level
        ]
        db.session.execute(sa.insert(table), rows)
        fresh = sa.select(table.c.id, table.c.parent_id, table.c.name).where(table.c.path == "")
        ids = {(parent_id, name): org_id for org_id, parent_id, name in db.session.execute(fresh)}
        for org in level:
            org.id = ids[(org.parent.id if org.parent else None, org.name)]
            org.path = (org.parent.path if org.parent else "/") + f"{org.id}/"
        db.session.execute(sa.update(Organization), [{"id": o.id, "path": o.path} for o in level])
    db.session.commit()


def place_learners(tree: Tree, learners: int, rng: random.Random) -> list[int]:
    """Organization id of every learner, skewed over primaries, shuffled like registrations."""
    primaries = tree.primaries
    counts: Counter[int] = Counter()
    # A few tiny primaries (1-4 members): the smallest groups statistics must not expose.
    tiny = rng.sample(primaries, max(1, len(primaries) // 25))
    for org in tiny:
        counts[org.id] = min(rng.randint(1, 4), learners - sum(counts.values()))
    # About 2% registered straight into a local organization.
    direct = rng.sample(tree.locals, max(1, len(tree.locals) // 10))
    budget = learners - sum(counts.values())
    for org in rng.choices(direct, k=min(budget, round(learners * 0.02))):
        counts[org.id] += 1
    # The rest by lognormal weights: a few big primaries (universities), many small schools.
    others = [org for org in primaries if org not in tiny]
    weights = [rng.lognormvariate(0, 1.2) for _ in others]
    budget = learners - sum(counts.values())
    for org in rng.choices(others, weights=weights, k=budget):
        counts[org.id] += 1
    placement = [org_id for org_id, n in sorted(counts.items()) for _ in range(n)]
    rng.shuffle(placement)
    return placement


# ---- staff accounts -------------------------------------------------------------------------


@dataclass
class Staff:
    """The accounts to log in with."""

    admin: str
    trainer_id: int
    trainer_name: str
    organizers: list[tuple[str, str]]  # (username, region name)


def insert_users(rows: list[dict[str, Any]], roles: list[set[Role]]) -> list[int]:
    """Insert accounts with their roles; returns their ids in the order of `rows`."""
    last = db.session.scalar(sa.select(sa.func.max(User.id))) or 0
    db.session.execute(sa.insert(User.__table__), rows)
    ids = dict(db.session.execute(sa.select(User.username, User.id).where(User.id > last)).all())
    user_ids = [ids[row["username"]] for row in rows]
    db.session.execute(
        sa.insert(UserRole.__table__),
        [
            {"user_id": uid, "role": str(role)}
            for uid, held in zip(user_ids, roles, strict=True)
            for role in sorted(held)
        ],
    )
    return user_ids


def user_row(
    username: str, name: str, org_id: int, password_hash: str, created: datetime
) -> dict[str, Any]:
    """A users row with every column the model defaults."""
    return {
        "username": username,
        "display_name": name,
        "email": None,
        "password_hash": password_hash,
        "organization_id": org_id,
        "locale": None,
        "active": True,
        "auth_version": 1,
        "created_at": created,
        "last_login_at": None,
    }


def insert_staff(tree: Tree, password_hash: str, rng: random.Random, created: datetime) -> Staff:
    """The administrator and trainer at the top, one organizer per regional organization."""
    trainer_name = person_name(rng)
    rows = [
        user_row(ADMIN, person_name(rng), tree.root.id, password_hash, created),
        user_row(TRAINER, trainer_name, tree.root.id, password_hash, created),
    ]
    roles = [{Role.LEARNER, Role.ADMIN}, {Role.LEARNER, Role.TRAINER}]
    organizers = []
    for n, region in enumerate(tree.regions, start=1):
        username = f"organizer-{n:02d}"
        rows.append(user_row(username, person_name(rng), region.id, password_hash, created))
        roles.append({Role.LEARNER, Role.ORGANIZER})
        organizers.append((username, region.name))
    ids = insert_users(rows, roles)
    db.session.commit()
    return Staff(ADMIN, ids[1], trainer_name, organizers)


# ---- courses --------------------------------------------------------------------------------

RU_COURSES = items(
    "Информационная работа в первичной организации; Профсоюзная новость: от факта к публикации;"
    "Социальные сети для профактива; Публичный отчёт выборного органа;"
    "Общественные корреспонденты; Мотивация профсоюзного членства;"
    "Фото и видео для профсоюзного сайта; Работа со СМИ и пресс-релизы;"
    "Правовые основы информационной работы; Цифровые инструменты профактива;"
    "Наставничество молодых педагогов; Охрана труда: что должен знать актив;"
    "Коллективный договор: как о нём рассказать; Профсоюзное собрание: подготовка и проведение;"
    "Кризисные коммуникации в профсоюзе"
)
EN_COURSES = items(
    "Writing trade union news; Social media for union activists;"
    "Public reports of elected bodies; A network of volunteer correspondents;"
    "Digital tools for union organisers"
)
WORDS: dict[str, dict[str, Any]] = {
    "ru": {
        "modules": items(
            "Зачем это нужно; Основные понятия; Планирование работы; Инструменты и каналы;"
            "Работа с аудиторией; Практикум; Оценка результатов; Итоги и следующие шаги"
        ),
        "lessons": items(
            "С чего начать; Цели и задачи; Кто наша аудитория; Формат публикации; Заголовок и лид;"
            "Фотографии и подписи; План на месяц; Обратная связь; Разбор примера; Чек-лист актива;"
            "Кто за что отвечает; Как измерить результат; Частые вопросы; Практическое задание;"
            "Типичные ошибки; Работа в команде; Сроки и согласования; Права и ответственность;"
            "Голос члена профсоюза; Итоговая памятка"
        ),
        "sentences": items(
            "Профсоюзная организация сильна, когда о её делах знают.;"
            "Начните с главного: что произошло и почему это важно людям.;"
            "Короткий текст с фотографией читают чаще, чем длинный отчёт.;"
            "Согласуйте план публикаций с председателем заранее.;"
            "Каждая новость отвечает на вопросы кто, что, где и когда.;"
            "Спросите коллег, что им интересно, и пишите об этом.;"
            "Цифры убеждают, если их немного и они понятны.;"
            "Отмечайте тех, кто помог: это мотивирует других.;"
            "Публикуйте регулярно, даже если событий немного.;"
            "Проверяйте факты и имена перед публикацией."
        ),
        "optional": "Дополнительные материалы",
        "module_quiz": "Проверка по модулю «{}»",
        "final_quiz": "Итоговый тест",
        "question": "Вопрос {n} по теме «{topic}»: какое утверждение верно?",
        "options": items("Верное утверждение; Отчасти верное; Неверное; Не относится к теме"),
        "topics": items("новости; соцсети; отчёт; мотивация; право; планирование"),
    },
    "en": {
        "modules": items(
            "Why it matters; Key ideas; Planning the work; Tools and channels;"
            "Working with members; Workshop; Measuring results; Summary and next steps"
        ),
        "lessons": items(
            "Where to start; Goals and tasks; Who reads us; Choosing a format; Headline and lead;"
            "Photos and captions; A monthly plan; Feedback; A worked example; Activist checklist;"
            "Who does what; Measuring reach; Common questions; Practical task; Typical mistakes;"
            "Working as a team; Deadlines and approvals; Rights and duties; The member's voice;"
            "Final notes"
        ),
        "sentences": items(
            "A union is strong when people know what it does.;"
            "Start with the news: what happened and why it matters to members.;"
            "A short text with a photo is read more often than a long report.;"
            "Agree the publication plan with the chair in advance.;"
            "Every news item answers who, what, where and when.;"
            "Ask colleagues what interests them and write about that.;"
            "Figures convince when there are few of them and they are clear.;"
            "Thank the people who helped: it encourages others.;"
            "Publish regularly, even when little happens.;"
            "Check facts and names before publishing."
        ),
        "optional": "Further reading",
        "module_quiz": "Module check: {}",
        "final_quiz": "Final test",
        "question": "Question {n} on “{topic}”: which statement is right?",
        "options": items("The right statement; Partly right; Wrong; Off the topic"),
        "topics": items("news; social media; reports; motivation; law; planning"),
    },
}


@dataclass(frozen=True)
class Template:
    """The fixed part of one kind of learning event (what, where, in which course)."""

    verb: str
    object_type: str
    object_path: str
    object_name: str
    course_id: int
    context: dict[str, Any]
    question_ids: tuple[int, ...] = ()


@dataclass
class QuizInfo:
    """What the simulation needs to know about a quiz."""

    id: int
    pass_mark: int
    attempts_allowed: int
    min_delay: int
    time_limit: int | None
    questions: list[tuple[float, bool]]  # difficulty, has a half-credit option
    attempted: int  # event templates
    passed: int
    failed: int


@dataclass
class LessonInfo:
    """A lesson of a published revision and its two event templates."""

    key: str
    required: bool
    viewed: int
    completed: int


@dataclass
class ModuleInfo:
    """A module: its lessons, when it counts as done, its event, its quiz if any."""

    lessons: list[LessonInfo]
    done_when: set[str]  # its required lessons, or all of them when none is required
    completed: int
    quiz: QuizInfo | None = None


@dataclass
class CourseInfo:
    """A published course as the simulation walks it."""

    id: int
    language: str
    popularity: float
    modules: list[ModuleInfo]
    final: QuizInfo
    required: set[str]
    enrolled: int
    completed: int
    certified: int
    revision: int
    title: str
    hours: float

    @property
    def quizzes(self) -> list[QuizInfo]:
        """Module quizzes in order, then the final one (all required for the certificate)."""
        return [m.quiz for m in self.modules if m.quiz] + [self.final]


class Templates(list[Template]):
    """Every kind of event the dataset holds; events refer to them by index."""

    def add(self, *args: Any, **kwargs: Any) -> int:
        """Register a template; returns its index."""
        self.append(Template(*args, **kwargs))
        return len(self) - 1


def lesson_body(rng: random.Random, words: dict[str, Any], title: str) -> str:
    """A few paragraphs of generated Markdown with a heading and a list."""
    sentences = words["sentences"]
    paragraphs = [
        " ".join(rng.sample(sentences, rng.randint(3, 5))) for _ in range(rng.randint(2, 4))
    ]
    bullets = "\n".join(f"- {s}" for s in rng.sample(sentences, 3))
    return f"{paragraphs[0]}\n\n## {title}\n\n" + "\n\n".join(paragraphs[1:]) + f"\n\n{bullets}"


def build_course(
    rng: random.Random, owner: User, title: str, language: str, templates: Templates
) -> CourseInfo:
    """One course through the authoring services: modules, lessons, quizzes, published."""
    words = WORDS[language]
    module_count = rng.choices((3, 4, 5), weights=(55, 30, 15))[0]
    course = services.create_course(
        owner,
        slug=slugify(title),
        meta=services.CourseMeta(
            title,
            description=rng.choice(words["sentences"]),
            language=language,
            topics=rng.sample(words["topics"], 2),
        ),
    )
    lesson_titles = iter(rng.sample(words["lessons"], len(words["lessons"])))
    module_titles = sorted(rng.sample(words["modules"], module_count), key=words["modules"].index)
    for module_title in module_titles:
        module = services.add_module(course, module_title)
        for _ in range(rng.choices((2, 3, 4), weights=(50, 35, 15))[0]):
            lesson_title = next(lesson_titles)
            services.add_lesson(module, lesson_title, lesson_body(rng, words, lesson_title))
    if rng.random() < 0.25:  # some courses end with an optional lesson learners may skip
        extra = words["optional"]
        body = lesson_body(rng, words, extra)
        services.add_lesson(course.modules[-1], extra, body, required=False)
    lesson_count = len(course.lessons())
    course.duration_minutes = 15 * lesson_count + 30
    revision = publishing.publish(course, owner, "Первая версия" if language == "ru" else "First")

    quizzes: dict[str | None, QuizInfo] = {}
    candidates = course.modules[:-1]
    for number, module in enumerate(
        sorted(rng.sample(candidates, rng.choice((1, 2))), key=candidates.index), start=1
    ):
        settings = quiz_services.QuizSettings(
            title=words["module_quiz"].format(module.title),
            module_key=module.key,
            is_open=True,
            pass_mark=rng.choice((60, 70, 70, 80)),
            attempts_allowed=rng.choice((0, 0, 0, 3)),
            min_delay_seconds=rng.choice((0, 0, 300)),
        )
        quizzes[module.key] = build_quiz(rng, course, owner, settings, f"quiz-{number}", templates)
    final = quiz_services.QuizSettings(
        title=words["final_quiz"],
        is_open=True,
        pass_mark=rng.choice((70, 75, 80)),
        attempts_allowed=rng.choice((0, 3, 5)),
        min_delay_seconds=rng.choice((0, 3600, 86_400)),
        time_limit_seconds=rng.choice((None, 1200, 1800)),
    )
    quizzes[None] = build_quiz(rng, course, owner, final, "final", templates)
    return course_info(rng, course, revision, quizzes, templates)


def build_quiz(
    rng: random.Random,
    course: Course,
    owner: User,
    settings: quiz_services.QuizSettings,
    key: str,
    templates: Templates,
) -> QuizInfo:
    """A quiz of 8-12 fixed single-choice questions, a third of them with half credit."""
    words = WORDS[course.language]
    quiz = quiz_services.create_quiz(course, settings, key=key)
    questions = []
    for n in range(1, rng.randint(8, 12) + 1):
        half = rng.random() < 0.33
        right, partly, wrong, off = words["options"]
        spec = QuestionSpec(
            type="single",
            name=f"{key}-{n}",
            text=words["question"].format(n=n, topic=settings.title),
            options=[
                Option("o1", right, 1.0),
                Option("o2", partly, 0.5 if half else 0.0),
                Option("o3", wrong, 0.0),
                Option("o4", off, 0.0),
            ],
        )
        question = bank.add_question(course, spec, owner, settings.title)
        quiz_services.add_fixed(quiz, question)
        questions.append((question.id, rng.gauss(-0.7, 0.8), half))
    path = f"courses/{course.slug}/quizzes/{quiz.key}"
    parent = {"parent": f"courses/{course.slug}"}
    ids = tuple(q[0] for q in questions)
    return QuizInfo(
        id=quiz.id,
        pass_mark=quiz.pass_mark,
        attempts_allowed=quiz.attempts_allowed,
        min_delay=quiz.min_delay_seconds,
        time_limit=quiz.time_limit_seconds,
        questions=[(difficulty, half) for _id, difficulty, half in questions],
        attempted=templates.add("attempted", "quiz", path, quiz.title, course.id, parent),
        passed=templates.add("passed", "quiz", path, quiz.title, course.id, parent, ids),
        failed=templates.add("failed", "quiz", path, quiz.title, course.id, parent, ids),
    )


def course_info(
    rng: random.Random,
    course: Course,
    revision: CourseRevision,
    quizzes: dict[str | None, QuizInfo],
    templates: Templates,
) -> CourseInfo:
    """The event templates of a published course, as courses/learning.py writes them."""
    path = f"courses/{course.slug}"
    inside = {"parent": path, "revision": revision.number}
    modules = []
    for module in revision.outline:
        lessons = []
        for item in module["lessons"]:
            lesson_path = f"{path}/lessons/{item['key']}"
            lessons.append(
                LessonInfo(
                    key=item["key"],
                    required=item.get("required", True),
                    viewed=templates.add(
                        "viewed", "lesson", lesson_path, item["title"], course.id, inside
                    ),
                    completed=templates.add(
                        "completed", "lesson", lesson_path, item["title"], course.id, inside
                    ),
                )
            )
        required = {lesson.key for lesson in lessons if lesson.required}
        module_path = f"{path}/modules/{module['key']}"
        modules.append(
            ModuleInfo(
                lessons=lessons,
                done_when=required or {lesson.key for lesson in lessons},
                completed=templates.add(
                    "completed", "module", module_path, module["title"], course.id, inside
                ),
                quiz=quizzes.get(module["key"]),
            )
        )
    version = {"revision": revision.number}
    return CourseInfo(
        id=course.id,
        language=course.language,
        popularity=rng.paretovariate(1.5),
        modules=modules,
        final=quizzes[None],
        required=revision.required_keys(),
        enrolled=templates.add("enrolled", "course", path, revision.title, course.id, version),
        completed=templates.add("completed", "course", path, revision.title, course.id, version),
        certified=templates.add("certified", "course", path, revision.title, course.id, version),
        revision=revision.number,
        title=revision.title,
        # as certificates.services.issue_if_complete computes it without course settings
        hours=round(course.duration_minutes / 60, 4),
    )


def build_catalog(
    rng: random.Random, trainer_id: int, launched: datetime, templates: Templates
) -> list[CourseInfo]:
    """The 20 courses, then their timestamps moved to before the first learner arrived."""
    owner = db.session.get(User, trainer_id)
    assert owner is not None
    catalog = [build_course(rng, owner, title, "ru", templates) for title in RU_COURSES]
    catalog += [build_course(rng, owner, title, "en", templates) for title in EN_COURSES]
    db.session.flush()
    # Written "now" by the services; learners enroll up to a year back, so date them earlier.
    db.session.execute(sa.update(Course).values(created_at=launched, draft_updated_at=launched))
    for model in (CourseRevision, Quiz, Question, QuestionVersion):
        db.session.execute(sa.update(model).values(created_at=launched))
    db.session.commit()
    return catalog


# ---- what learners do (pure simulation, no database) ----------------------------------------


@dataclass(eq=False)
class Learner:
    """One learner and everything they did, recorded before their user id is known."""

    org_id: int
    username: str
    display_name: str
    language: str
    ability: float  # quiz skill, logistic scale
    persistence: float  # chance of going on to the next step
    created_at: float = 0.0
    last_seen: float = 0.0
    enrollments: list[tuple[int, float]] = field(default_factory=list)
    # course id, lesson key, first viewed, completed
    progress: dict[tuple[int, str], list[Any]] = field(default_factory=dict)
    # quiz id, number, started, deadline, submitted, score, passed
    attempts: list[list[Any]] = field(default_factory=list)
    certificates: list[tuple[CourseInfo, float]] = field(default_factory=list)
    # timestamp, template, extra (quiz events: attempt number and item scores)
    events: list[tuple[float, int, Any]] = field(default_factory=list)


class Stop(Exception):
    """The learner's record in a course ends here (they left, or the next step is after now)."""


class Walk:
    """One learner going through one course, in the order the application records it."""

    def __init__(self, sim: Simulation, learner: Learner, course: CourseInfo, start: float):
        self.rng, self.now = sim.rng, sim.now
        self.sim, self.learner, self.course, self.t = sim, learner, course, start
        # Per enrollment: interest varies around the learner's own persistence.
        drop = (1 - learner.persistence) * self.rng.lognormvariate(0, 0.5)
        self.go_on = min(0.999, max(0.3, 1 - drop))
        self.done: set[str] = set()
        self.modules_done: set[int] = set()
        self.course_done = False
        self.passed: set[int] = set()
        self.tries: Counter[int] = Counter()
        self.certified = False
        self.started = False

    def quits(self, weight: float = 1.0) -> bool:
        """Whether the learner leaves the course here (weight: how likely, relative)."""
        return self.rng.random() < (1 - self.go_on) * weight

    def at(self, moment: float) -> None:
        """Move the clock; history ends at now."""
        if moment >= self.now:
            raise Stop
        self.t = moment

    def soon(self, low: float, high: float) -> None:
        """Move the clock a few seconds on."""
        self.at(self.t + self.rng.uniform(low, high))

    def next_session(self, min_gap: float = 0.0) -> None:
        """Later the same sitting, or another day at a waking hour (UTC, Moscow minus 3)."""
        if min_gap < 600 and self.rng.random() < 0.6:
            self.at(self.t + max(min_gap, self.rng.uniform(20, 300)))
            return
        days = 1 + int(self.rng.expovariate(1 / 2.5))
        moment = (self.t // DAY + days) * DAY + self.rng.triangular(4, 19.5, 15) * 3600
        self.at(max(moment, self.t + min_gap))

    def emit(self, template: int, extra: Any = None) -> None:
        """Record an event now; events of one request follow each other by milliseconds."""
        self.learner.events.append((self.t, template, extra))
        self.learner.last_seen = max(self.learner.last_seen, self.t)
        self.t += self.rng.uniform(0.002, 0.02)

    def run(self) -> None:
        """Enroll and learn until done, gone, or out of history; count the funnel."""
        self.sim.counts["enrollments"] += 1
        try:
            self.enroll()
            self.learn()
        except Stop:
            pass
        self.sim.counts["started"] += self.started
        self.sim.counts["completed"] += self.course_done

    def enroll(self) -> None:
        """The enrollment row and its "enrolled" event (learning.enroll)."""
        self.learner.enrollments.append((self.course.id, self.t))
        self.emit(self.course.enrolled)

    def learn(self) -> None:
        """Lessons in order, each module's quiz after it, the final quiz, then catching up."""
        if self.rng.random() < 0.03:  # enrolling opens the first lesson; a few close it unread
            raise Stop
        first = True
        for module in self.course.modules:
            for lesson in module.lessons:
                if not lesson.required and self.rng.random() < 0.5:
                    continue
                if first:
                    self.soon(1, 10)
                    first = False
                else:
                    # Most who leave do so early; those still here after a few lessons stay.
                    if self.quits(1 + 3 * 0.5 ** len(self.done)):
                        raise Stop
                    self.next_session()
                self.view(lesson)
                if self.quits(0.3):
                    raise Stop
                self.at(self.t + min(3600, self.rng.lognormvariate(math.log(420), 0.5)))
                self.mark_done(module, lesson)
            if module.quiz is not None:
                self.quiz_step(module.quiz)
        self.quiz_step(self.course.final)
        for quiz in self.course.quizzes:  # the certificate page shows what is still missing
            if quiz.id not in self.passed and self.rng.random() < self.learner.persistence:
                self.next_session(min_gap=quiz.min_delay)  # the quiz's pause between attempts
                self.take_quiz(quiz)

    def view(self, lesson: LessonInfo) -> None:
        """First opening of a lesson: its progress row and "viewed" (learning.record_view)."""
        self.started = True
        self.learner.progress[(self.course.id, lesson.key)] = [self.t, None]
        self.emit(lesson.viewed)

    def mark_done(self, module: ModuleInfo, lesson: LessonInfo) -> None:
        """Lesson completed, then whatever that finished (learning.mark_done)."""
        self.learner.progress[(self.course.id, lesson.key)][1] = self.t
        self.emit(lesson.completed)
        self.done.add(lesson.key)
        self.note_progress()

    def note_progress(self) -> None:
        """Modules and the course whose every required step (lessons and tests) is now done,
        each once, then the certificate (learning.record_completions, then certificates)."""
        for module in self.course.modules:
            if id(module) in self.modules_done or not module.done_when <= self.done:
                continue
            if module.quiz is None or module.quiz.id in self.passed:
                self.modules_done.add(id(module))
                self.emit(module.completed)
        tests_passed = all(quiz.id in self.passed for quiz in self.course.quizzes)
        if not self.course_done and self.course.required <= self.done and tests_passed:
            self.course_done = True
            self.emit(self.course.completed)
        self.certify_if_complete()

    def certify_if_complete(self) -> None:
        """Issue the certificate the moment lessons and quizzes are all done (once)."""
        if self.certified or not self.course.required <= self.done:
            return
        if any(quiz.id not in self.passed for quiz in self.course.quizzes):
            return
        self.certified = True
        self.learner.certificates.append((self.course, self.t))
        self.emit(self.course.certified)
        self.sim.counts["certified"] += 1

    def quiz_step(self, quiz: QuizInfo) -> None:
        """Take a quiz when reaching it; failing for good makes some learners give up."""
        if self.quits(0.5):
            raise Stop
        self.next_session()
        if not self.take_quiz(quiz) and self.rng.random() < 0.5:
            raise Stop

    def take_quiz(self, quiz: QuizInfo) -> bool:
        """Attempts until passed, out of attempts, or discouraged; True when passed."""
        while not quiz.attempts_allowed or self.tries[quiz.id] < quiz.attempts_allowed:
            self.tries[quiz.id] += 1
            number = self.tries[quiz.id]
            deadline = self.t + quiz.time_limit if quiz.time_limit else None
            attempt = [quiz.id, number, self.t, deadline, None, None, None]
            self.learner.attempts.append(attempt)
            self.emit(quiz.attempted, (number, None))
            self.sim.counts["attempts"] += 1
            if self.rng.random() < 0.02:  # left the attempt open and the course with it
                raise Stop
            limit = (quiz.time_limit or 3600) - 10
            self.at(self.t + min(limit, self.rng.lognormvariate(math.log(480), 0.5)))
            scores = self.answer(quiz, number)
            score = sum(scores) / len(scores)
            passed = score * 100 >= quiz.pass_mark - 1e-9  # as quizzes.attempts.submit
            attempt[4:] = [self.t, score, passed]
            self.emit(quiz.passed if passed else quiz.failed, (number, scores))
            if passed:
                self.sim.counts["passed attempts"] += 1
                self.passed.add(quiz.id)
                self.note_progress()
                return True
            if self.rng.random() > 0.4 + 0.5 * self.learner.persistence:
                return False
            self.next_session(min_gap=quiz.min_delay)
        return False

    def answer(self, quiz: QuizInfo, number: int) -> list[float]:
        """Item scores: a logistic chance of the right option, better on later attempts."""
        skill = self.learner.ability + 0.4 * (number - 1)
        scores = []
        for difficulty, half in quiz.questions:
            if self.rng.random() < 1 / (1 + math.exp(-1.7 * (skill - difficulty))):
                scores.append(1.0)
            elif half and self.rng.random() < 0.4:
                scores.append(0.5)
            else:
                scores.append(0.0)
        return scores


class Simulation:
    """Draws learners and walks them through their courses over the last year."""

    def __init__(self, rng: random.Random, now: float, catalog: list[CourseInfo]):
        self.rng, self.now, self.catalog = rng, now, catalog
        self.counts: Counter[str] = Counter()

    def learner(self, number: int, org_id: int) -> Learner:
        """A learner's profile: a third or so are committed, many casual, some only look."""
        rng = self.rng
        name = person_name(rng) if rng.random() < 0.9 else ""
        learner = Learner(
            org_id=org_id,
            username=f"learner{number:06d}",
            display_name=name,
            language="en" if rng.random() < 0.12 else "ru",
            ability=rng.gauss(0.2, 1.0),
            persistence=rng.choices((0.985, 0.88, 0.6), weights=(33, 35, 32))[0],
        )
        self.live(learner)
        return learner

    def live(self, learner: Learner) -> None:
        """Enroll in 1-4 courses over time and walk each; registration comes just before."""
        rng = self.rng
        count = rng.choices((1, 2, 3, 4), weights=(38, 32, 20, 10))[0]
        first = self.now - rng.uniform(0, HISTORY_DAYS) * DAY
        spread = max(120, min(120 * DAY, self.now - first))
        starts = sorted([first, *(first + rng.uniform(60, spread) for _ in range(count - 1))])
        courses = self.choose(learner.language, count)
        # Most register and enroll in one sitting; some had an account for a few days.
        signup = rng.uniform(30, 600) if rng.random() < 0.7 else rng.uniform(600, 5 * DAY)
        learner.created_at = first - signup
        learner_completed = False
        for course, start in zip(courses, starts, strict=True):
            if start >= self.now:
                continue
            walk = Walk(self, learner, course, start)
            walk.run()
            learner_completed = learner_completed or walk.course_done
        self.counts["learners"] += 1
        self.counts["completers"] += learner_completed

    def choose(self, language: str, count: int) -> list[CourseInfo]:
        """Courses by popularity, mostly in the learner's language, without repeats."""
        pool = list(self.catalog)
        weights = [c.popularity * (1.0 if c.language == language else 0.15) for c in pool]
        chosen = []
        for _ in range(count):
            index = self.rng.choices(range(len(pool)), weights=weights)[0]
            chosen.append(pool.pop(index))
            weights.pop(index)
        return chosen


# ---- writing learners -----------------------------------------------------------------------


def utc(moment: float) -> datetime:
    """A timezone-aware UTC datetime from epoch seconds."""
    return datetime.fromtimestamp(moment, UTC)


class Rows:
    """Rows waiting for one bulk INSERT per table, written every BATCH rows."""

    def __init__(self) -> None:
        self.pending: dict[Any, list[dict[str, Any]]] = {}

    def add(self, table: Any, row: dict[str, Any]) -> None:
        """Queue one row for `table`."""
        self.pending.setdefault(table, []).append(row)

    def flush(self, force: bool = False) -> None:
        """Insert full batches (or everything when forced), one transaction per call."""
        wrote = False
        for table, rows in self.pending.items():
            if rows and (force or len(rows) >= BATCH):
                db.session.execute(sa.insert(table), rows)
                rows.clear()
                wrote = True
        if wrote:
            db.session.commit()


class EventSpill:
    """Events sorted into weekly files on disk, so the log can be written in time order."""

    def __init__(self, folder: str, start: float) -> None:
        self.folder, self.start = Path(folder), start
        self.buffers: dict[int, list[tuple]] = {}
        self.buffered = 0
        self.sequence = 0  # keeps one learner's same-millisecond events in their order

    def add(self, moment: float, actor_id: int, org_id: int, template: int, extra: Any) -> None:
        """File one event under its week (memory holds at most 200,000 before a dump)."""
        week = max(0, int((moment - self.start) // (7 * DAY)))
        self.sequence += 1
        self.buffers.setdefault(week, []).append(
            (moment, self.sequence, actor_id, org_id, template, extra)
        )
        self.buffered += 1
        if self.buffered >= 200_000:
            self.dump()

    def dump(self) -> None:
        """Append the buffered events to their weeks' files."""
        for week, records in self.buffers.items():
            with open(self.folder / f"{week:03d}.pickle", "ab") as file:
                pickle.dump(records, file, protocol=pickle.HIGHEST_PROTOCOL)
        self.buffers, self.buffered = {}, 0

    def weeks(self) -> Iterator[list[tuple]]:
        """Each week's events in time order, oldest week first."""
        self.dump()
        for path in sorted(self.folder.glob("*.pickle")):
            records: list[tuple] = []
            with open(path, "rb") as file:
                while True:
                    try:
                        records.extend(pickle.load(file))  # noqa: S301 - our own temp file
                    except EOFError:
                        break
            records.sort()
            yield records


@dataclass
class Context:
    """What writing a learner's rows needs besides the learner."""

    password_hash: str
    issuer: str
    trainer_name: str
    rows: Rows
    spill: EventSpill


def write_learners(chunk: list[Learner], ctx: Context) -> None:
    """Insert a chunk's accounts, then queue their domain rows and spill their events."""
    user_rows = []
    for learner in chunk:
        row = user_row(
            learner.username,
            learner.display_name,
            learner.org_id,
            ctx.password_hash,
            utc(learner.created_at),
        )
        if learner.last_seen:  # logged in shortly before their last activity
            row["last_login_at"] = utc(max(learner.created_at, learner.last_seen - 900))
        user_rows.append(row)
    ids = insert_users(user_rows, [{Role.LEARNER}] * len(chunk))
    for learner, user_id in zip(chunk, ids, strict=True):
        queue_rows(learner, user_id, ctx)
    ctx.rows.flush()
    db.session.commit()


def queue_rows(learner: Learner, user_id: int, ctx: Context) -> None:
    """The learner's domain rows and events, all from the same simulated steps."""
    add = ctx.rows.add
    for course_id, moment in learner.enrollments:
        add(
            Enrollment.__table__,
            {"user_id": user_id, "course_id": course_id, "enrolled_at": utc(moment)},
        )
    for (course_id, key), (viewed, completed) in learner.progress.items():
        add(
            LessonProgress.__table__,
            {
                "user_id": user_id,
                "course_id": course_id,
                "lesson_key": key,
                "first_viewed_at": utc(viewed),
                "completed_at": utc(completed) if completed is not None else None,
            },
        )
    for quiz_id, number, started, deadline, submitted, score, passed in learner.attempts:
        add(
            Attempt.__table__,
            {
                "quiz_id": quiz_id,
                "user_id": user_id,
                "number": number,
                "started_at": utc(started),
                "deadline_at": utc(deadline) if deadline is not None else None,
                "submitted_at": utc(submitted) if submitted is not None else None,
                "score": score,
                "passed": passed,
            },
        )
    for course, moment in learner.certificates:
        add(Certificate.__table__, certificate_row(learner, user_id, course, moment, ctx))
    for moment, template, extra in learner.events:
        ctx.spill.add(moment, user_id, learner.org_id, template, extra)


def certificate_row(
    learner: Learner, user_id: int, course: CourseInfo, moment: float, ctx: Context
) -> dict[str, Any]:
    """A certificate as certificates.services.issue_if_complete writes it (no settings row)."""
    return {
        "code": new_code(),
        "user_id": user_id,
        "course_id": course.id,
        "sequence": 1,
        "revision_number": course.revision,
        "course_title": course.title,
        "hours": course.hours,
        "issuer_name": ctx.issuer,
        "trainer_name": ctx.trainer_name,
        "holder_name": learner.display_name or learner.username,
        "name_mode": "initials",
        "pseudonym": "",
        "issued_at": utc(moment),
        "expires_at": None,
        "revoked_at": None,
        "revoked_by_id": None,
        "revoke_reason": "",
    }


def simulate_and_write(sim: Simulation, placement: list[int], ctx: Context) -> None:
    """Learners chunk by chunk: simulate, insert accounts, queue rows, spill events."""
    with shown("    learners", len(placement), "learners") as advance:
        for first in range(0, len(placement), CHUNK):
            chunk = [
                sim.learner(number, org_id)
                for number, org_id in enumerate(placement[first : first + CHUNK], start=first + 1)
            ]
            write_learners(chunk, ctx)
            advance(len(chunk))
    print(f"    {ctx.spill.sequence:,} events simulated", flush=True)
    ctx.rows.flush(force=True)


def event_row(record: tuple, templates: Templates, rng: random.Random) -> dict[str, Any]:
    """One learning_events row, shaped like training.events.record_event's."""
    moment, _sequence, actor_id, org_id, index, extra = record
    template = templates[index]
    context, result = template.context, None
    if extra is not None:  # a quiz event: the attempt number, and item scores once graded
        number, scores = extra
        context = {**template.context, "attempt": number}
        if scores is not None:
            total = sum(scores)
            result = {
                "score": {
                    "scaled": round(total / len(scores), 4),
                    "raw": round(total, 4),
                    "min": 0,
                    "max": len(scores),
                },
                "success": template.verb == "passed",
                "completion": True,
            }
            context["items"] = {
                str(q): round(s, 4) for q, s in zip(template.question_ids, scores, strict=True)
            }
    return {
        "statement_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "actor_id": actor_id,
        "actor_ref": None,
        "organization_id": org_id,
        "verb": template.verb,
        "object_type": template.object_type,
        "object_path": template.object_path,
        "object_name": template.object_name,
        "course_id": template.course_id,
        "timestamp": utc(moment),
        "result": result,
        "context": context,
    }


def write_events(spill: EventSpill, templates: Templates, rng: random.Random) -> int:
    """The whole log, oldest first, a batch per transaction."""
    table = LearningEvent.__table__
    batch: list[dict[str, Any]] = []
    written = 0
    with shown("    events", spill.sequence, "events") as advance:
        for week in spill.weeks():
            for record in week:
                batch.append(event_row(record, templates, rng))
                if len(batch) >= BATCH:
                    db.session.execute(sa.insert(table), batch)
                    db.session.commit()
                    written += len(batch)
                    advance(len(batch))
                    batch = []
        if batch:
            db.session.execute(sa.insert(table), batch)
            db.session.commit()
            written += len(batch)
            advance(len(batch))
    return written


# ---- the database ---------------------------------------------------------------------------


def default_url() -> str:
    """instance/bench.sqlite3 of this checkout, wherever the command runs from."""
    return f"sqlite:///{ROOT / 'instance' / 'bench.sqlite3'}"


def absolute_sqlite(url: str) -> str:
    """A relative SQLite path means the current folder (Flask-SQLAlchemy would use instance/)."""
    parsed = sa.make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return url
    full = parsed.set(database=str(Path(database).resolve()))
    return full.render_as_string(hide_password=False)


def has_rows(engine: sa.Engine) -> bool:
    """True when any table but alembic_version holds a row."""
    with engine.connect() as conn:
        for name in sa.inspect(conn).get_table_names():
            query = sa.select(sa.literal(1)).select_from(sa.table(name)).limit(1)
            if name != "alembic_version" and conn.execute(query).first() is not None:
                return True
    return False


def prepare_database(reset: bool) -> None:
    """Refuse a database with data unless reset; reset deletes the file or drops the tables."""
    if db.engine.url.get_backend_name() == "sqlite":
        prepare_sqlite(Path(db.engine.url.database or ""), reset)
    else:
        prepare_server(db.engine, reset)


def prepare_sqlite(path: Path, reset: bool) -> None:
    """A missing or empty file is used as it is; one with data only goes with --reset."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        return
    # A plain connection that only reads: the app's would switch a refused file to WAL.
    probe = sa.create_engine(f"sqlite:///{path}")
    try:
        if not has_rows(probe):
            return
    except sa.exc.DatabaseError:
        pass  # not a database at all: never overwritten without --reset either
    finally:
        probe.dispose()
    if not reset:
        raise SystemExit(f"{path} holds data; pass --reset to delete it and start again.")
    db.engine.dispose()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def prepare_server(engine: sa.Engine, reset: bool) -> None:
    """PostgreSQL: with data, refuse, or with --reset drop every table and alembic_version."""
    try:
        found = has_rows(engine)
    except sa.exc.OperationalError as error:
        raise SystemExit(f"Cannot open the database ({error.orig}). Create it first.") from None
    if found and not reset:
        where = engine.url.render_as_string(hide_password=True)
        raise SystemExit(f"{where} holds data; pass --reset to drop every table first.")
    if found:
        db.metadata.drop_all(bind=engine)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


def tune_sqlite(engine: sa.Engine) -> None:
    """Bulk-load settings for this process's SQLite connections (the app's pragmas stay)."""
    if engine.dialect.name != "sqlite":
        return
    engine.dispose()  # every connection from here on gets the settings

    @sa.event.listens_for(engine, "connect")
    def _bulk_load(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # A scratch database: a power cut may cost the last batches; fsync per batch costs more.
        cursor.execute("PRAGMA synchronous = OFF")
        # 256 MB of page cache keeps the event indexes in memory as they grow past a million.
        cursor.execute("PRAGMA cache_size = -262144")
        cursor.close()


def count(model: type) -> int:
    """Rows of a model's table."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


# ---- the whole run --------------------------------------------------------------------------


class Phases:
    """Wall-clock seconds of each phase, printed as each one ends."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        """Time the block as phase `name`."""
        print(f"  {name}…", flush=True)
        started = time.perf_counter()
        yield
        self.seconds[name] = time.perf_counter() - started
        print(f"  {name}: {self.seconds[name]:.1f} s", flush=True)


def generate(url: str, learners: int, seed: int, reset: bool) -> None:
    """Build the dataset in the database at `url` and print a summary."""
    url = absolute_sqlite(normalise_database_url(url))
    # DATABASE_URL too: an environment variable of that name would otherwise win.
    config = {"DATABASE_URL": url, "SQLALCHEMY_DATABASE_URI": url, "ENVIRONMENT": "development"}
    app = create_app(config)
    with app.app_context():
        where = db.engine.url.render_as_string(hide_password=True)
        print(f"Benchmark dataset: {learners:,} learners, seed {seed}, in {where}", flush=True)
        try:
            prepare_database(reset)
            tune_sqlite(db.engine)
            build(learners, seed)
        finally:
            db.session.remove()
            db.engine.dispose()  # closes connections; SQLite folds its WAL back into the file


def build(learners: int, seed: int) -> None:
    """Every phase in order, each with its own random stream, then the summary."""
    phases = Phases()
    started = time.perf_counter()
    with phases("schema"):
        flask_migrate.upgrade()
    # History ends at today's midnight (UTC): sessions fall at waking hours counted from
    # midnights, so a seed gives the same data on any day, shifted by whole days.
    now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    launched = now - timedelta(days=HISTORY_DAYS + 30)
    with phases("organizations"):
        tree = build_tree(random.Random(f"{seed}-tree"))
        insert_tree(tree, launched - timedelta(days=30))
        placement = place_learners(tree, learners, random.Random(f"{seed}-placement"))
    with phases("staff"):
        password_hash = hash_password(PASSWORD)  # once: scrypt is slow on purpose
        staff = insert_staff(tree, password_hash, random.Random(f"{seed}-staff"), launched)
    templates = Templates()
    with phases("courses"):
        rng = random.Random(f"{seed}-courses")
        catalog = build_catalog(rng, staff.trainer_id, launched, templates)
    sim = Simulation(random.Random(f"{seed}-learners"), now.timestamp(), catalog)
    start = now.timestamp() - HISTORY_DAYS * DAY
    with tempfile.TemporaryDirectory(prefix="bench-events-") as folder:
        spill = EventSpill(folder, start)
        ctx = Context(password_hash, tree.root.name, staff.trainer_name, Rows(), spill)
        with phases("learners"):
            simulate_and_write(sim, placement, ctx)
        with phases("events"):
            write_events(ctx.spill, templates, random.Random(f"{seed}-statements"))
    with phases("statistics rebuild"):
        aggregates = store.rebuild(shown)
        db.session.commit()
    with phases("planner statistics"):
        # A bulk load leaves the query planner blind until autovacuum gets round to it; a
        # live installation has ANALYZE run for it. Without it PostgreSQL sorts 100k users
        # for a page of the learner list instead of walking the username index.
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    print_summary(sim, staff, aggregates, phases, time.perf_counter() - started)


def print_summary(
    sim: Simulation, staff: Staff, aggregates: int, phases: Phases, elapsed: float
) -> None:
    """Counts from the database, the funnel from the simulation, times, and the logins."""
    c = sim.counts
    kinds = Counter(db.session.scalars(sa.select(Organization.kind)))
    learners = c["learners"] or 1
    enrollments = count(Enrollment)
    events = count(LearningEvent)
    attempts = count(Attempt)

    def share(part: int, whole: int) -> str:
        return f"{100 * part / whole:.0f}%" if whole else "-"

    funnel = (
        f"{enrollments / learners:.2f} per learner; {share(c['started'], enrollments)} started,"
        f" {share(c['completed'], enrollments)} completed the course,"
        f" {share(c['certified'], enrollments)} certified"
    )
    lines = [
        ("organizations", count(Organization), ", ".join(f"{kinds[k]} {k}" for k in OrgKind)),
        ("learners", c["learners"], f"{share(c['completers'], learners)} did a whole course"),
        ("courses", count(Course), f"{count(Quiz)} quizzes, {count(Question)} questions"),
        ("enrollments", enrollments, funnel),
        ("lesson progress", count(LessonProgress), "rows"),
        ("events", events, f"{events / learners:.1f} per learner"),
        ("attempts", attempts, f"{share(c['passed attempts'], attempts)} passed"),
        ("certificates", count(Certificate), ""),
        ("aggregate rows", count(WeeklyCount) + count(LastActive), f"rebuild wrote {aggregates}"),
    ]
    print("\nSummary")
    for name, value, note in lines:
        print(f"  {name:<16}{value:>12,}  {note}")
    print("Seconds per phase: " + ", ".join(f"{k} {v:.1f}" for k, v in phases.seconds.items()))
    print(f"Total: {elapsed:.1f} s")
    first, last = staff.organizers[0], staff.organizers[-1]
    print(f"\nLog in with the password {PASSWORD!r}:")
    print(f"  administrator  {staff.admin}")
    print(f"  trainer        {TRAINER} (owns the courses)")
    print(f"  organizers     {first[0]} … {last[0]}, one per region ({first[0]}: {first[1]})")


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and generate."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or default_url(),
        help="default: $DATABASE_URL, else instance/bench.sqlite3",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reset", action="store_true", help="delete the data that is there first")
    args = parser.parse_args(argv)
    if args.learners < 1:
        parser.error("--learners must be at least 1")
    generate(args.database_url, args.learners, args.seed, args.reset)


if __name__ == "__main__":
    main()
