"""Demo assignments: the demo learner's work on the starter course's first two practical tasks
(one accepted by the demo trainer, one waiting for review) and on a peer-reviewed task of the
demo's own. The shipped pack brings its tasks; a course without them gets the two below."""

from __future__ import annotations

import sqlalchemy as sa

from assignments import peers, reviewing, submitting
from assignments.models import Assignment, Submission
from assignments.rubric import parse_rubric
from assignments.services import AssignmentSettings, assignments_of, create_assignment
from courses import learning
from courses.models import Course
from training.accounts.models import User
from training.accounts.services import find_user
from training.extensions import db

COURSE = "open-report"
RUBRIC = """Кто адресат | Ясно, для кого информация
- 0 | Не указан
- 2 | Назван в общих словах
- 3 | Назван конкретно, с потребностями
Как часто и где | Каналы и периодичность
- 0 | Нет
- 2 | Есть для части адресатов
- 3 | Есть для всех адресатов
"""
TASKS = (
    (
        "audience",
        "why-open-report",
        "Практика: кому адресован отчёт",
        "Составьте для своей организации таблицу: **кто** прочтёт отчёт, **что** ему "
        "важно узнать и **где** он его прочтёт. Три–пять строк достаточно.",
    ),
    (
        "report-plan",
        "report-content",
        "Практика: план отчёта",
        "Напишите план открытого отчёта своей организации: разделы, цифры, кто что готовит.",
    ),
)
FELLOW_WORK = "Собрание 12 марта: решили открыть чат для молодых педагогов и провести опрос."
LEARNER_NOTE = "На собрании обсудили нагрузку. Итог: профком готовит обращение к директору."
WORK = (
    "| Кто | Что важно | Где читает |\n|---|---|---|\n| Молодые педагоги | Нагрузка, "
    "наставничество | Чат в мессенджере |\n| Ветераны | Льготы, выплаты | Стенд в учительской |"
)
FIGURES = (
    "| Цифра | Источник |\n|---|---|\n| Обращений за год | Журнал обращений |\n"
    "| Заседаний профкома | Протоколы |\n| Финансы крупными статьями | Смета и отчёт казначея |"
)


def load_demo_assignments() -> list[str]:
    """The demo learner's work on two tasks, once; the tasks are added if the course has none."""
    course = db.session.scalar(sa.select(Course).where(Course.slug == COURSE))
    trainer, learner = find_user("trainer"), find_user("learner")
    if course is None or course.published_revision is None or not (trainer and learner):
        return []
    done = sa.select(Submission.id).join(Submission.assignment)
    if db.session.scalar(done.where(Assignment.course_id == course.id).limit(1)):
        return []
    made = assignments_of(course)[:2]
    if len(made) < 2:  # an older pack without tasks: the demo brings its own, optional
        made = [_demo_task(course, *task) for task in TASKS]
    learning.enroll(learner.id, course)
    first = submitting.submit(made[0], learner.id, WORK, [], 0)
    feedback = "Хорошая таблица. В следующий раз добавьте, **как часто** выходят материалы."
    # the best level of the first criterion, the one below it elsewhere: accepted, room to grow
    criteria = made[0].rubric.criteria if made[0].rubric else []
    levels = {i: len(c["levels"]) - (1 if i == 0 else 2) for i, c in enumerate(criteria)}
    reviewing.review(first, trainer, reviewing.Grade(levels, feedback, "accepted"))
    submitting.submit(made[1], learner.id, FIGURES, [], 0)
    _peer_task(course, learner, find_user("organizer"))
    return ["the demo learner's work on 3 assignments (1 accepted, 1 waiting, 1 peer-reviewed)"]


def _demo_task(course: Course, key: str, module: str, title: str, task: str) -> Assignment:
    """One of the demo's own optional tasks with the demo rubric."""
    settings = AssignmentSettings(
        title=title,
        module_key=module,
        task=task,
        required=False,
        hand_in="text",
        criteria=parse_rubric(RUBRIC),
    )
    return create_assignment(course, settings, key=key)


def _peer_task(course: Course, learner: User, fellow: User | None) -> None:
    """A peer-reviewed task: the demo learner and a fellow participant (the demo organizer,
    also a learner) each sent work and reviewed each other's; a trainer accepts at the end."""
    settings = AssignmentSettings(
        title="Практика: новость для сайта",
        module_key=None,
        task="Напишите короткую заметку о последнем собрании вашей организации для сайта.",
        required=False,
        hand_in="text",
        review_mode="peer",
        peer_reviews=1,
        criteria=parse_rubric(RUBRIC),
    )
    assignment = create_assignment(course, settings, key="meeting-note")
    if fellow is None:
        return
    learning.enroll(fellow.id, course)
    submitting.submit(assignment, fellow.id, FELLOW_WORK, [], 0)
    submitting.submit(assignment, learner.id, LEARNER_NOTE, [], 0)
    for reviewer, levels, feedback in (
        (learner, {0: 1, 1: 2}, "Понятно и коротко. Добавьте, где прочитать решение целиком."),
        (fellow, {0: 2, 1: 1}, "Хорошая заметка: ясно, кому она и что решили."),
    ):
        given = peers.allocate(assignment, reviewer)
        if given is not None:
            peers.peer_review(given.submission, reviewer, levels, feedback)
