"""Demo assignments: the demo learner's work on the starter course's first two practical tasks
(one accepted by the demo trainer, one waiting for review). The shipped pack brings its tasks; a
course without them gets the two below."""

from __future__ import annotations

import sqlalchemy as sa

from assignments import reviewing, submitting
from assignments.models import Assignment, Submission
from assignments.rubric import parse_rubric
from assignments.services import AssignmentSettings, assignments_of, create_assignment
from courses import learning
from courses.models import Course
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
    return ["the demo learner's work on 2 assignments (1 accepted, 1 waiting)"]


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
