"""Trainers build quizzes: GIFT import/export, question versions, settings, attempts, analysis."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from courses.models import Course
from quizzes import attempts, bank, services
from quizzes.models import Question, QuestionVersion, Quiz, QuizSlot
from tests.conftest import count_queries, post
from tests.course_helpers import build_course
from tests.quiz_helpers import RIGHT, build_quiz, enroll, sample_specs
from training.extensions import db

GIFT = """// Модуль 1: новости
$CATEGORY: Новости

::pyramid::Что ставят в начало новости?{=Главное#Верно ~Предысторию#Нет ~Благодарности}

::lead::Первый абзац новости называется…{=лид =Лид#Да}

::consent::Фото можно публиковать без согласия.{F}

::count::Сколько вопросов в лиде?{#4}

::essay::Напишите новость.{}

::intro::Дальше — вопросы о новостях.
"""


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def upload(client, text: str, slug: str = "info-work"):
    return post(
        client,
        f"/author/{slug}/bank",
        {"file": (io.BytesIO(text.encode()), "quiz.gift"), "category": "Разное"},
        content_type="multipart/form-data",
    )


def test_gift_upload_fills_the_bank_and_reports_skipped_items(login_as, users):
    build_course(users["trainer"])
    client = login_as("trainer")
    r = upload(client, GIFT)
    assert r.status_code == 302
    assert count(Question) == 5  # the essay too; the description is skipped
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Новости" in page and "Что ставят в начало новости?" in page  # by its text
    flashed = client.get("/author/info-work/bank").get_data(as_text=True)
    assert "Новости" in flashed


def test_gift_with_a_syntax_error_imports_nothing(login_as, users):
    build_course(users["trainer"])
    client = login_as("trainer")
    broken = GIFT + "\n::bad::Незакрытый вопрос {=да ~нет\n"
    r = upload(client, broken)
    assert r.status_code == 422
    assert "16" in r.get_data(as_text=True)  # the line of the unclosed brace
    assert count(Question) == 0


def test_export_then_import_gives_the_same_questions(login_as, users):
    build_course(users["trainer"])
    build_course(users["trainer"], slug="copy")
    client = login_as("trainer")
    upload(client, GIFT)
    exported = client.get("/author/info-work/bank/export").get_data(as_text=True)
    assert "$CATEGORY: Новости" in exported
    upload(client, exported, slug="copy")
    specs = {}
    for slug in ("info-work", "copy"):
        rows = db.session.execute(
            sa.select(QuestionVersion.data)
            .join(Question, Question.current_version_id == QuestionVersion.id)
            .join(Course, Course.id == Question.course_id)
            .where(Course.slug == slug)
            .order_by(Question.id)
        ).scalars()
        specs[slug] = list(rows)
    assert specs["info-work"] == specs["copy"]


def test_editing_a_question_in_gift_makes_a_new_version(login_as, users):
    build_course(users["trainer"])
    client = login_as("trainer")
    upload(client, GIFT)
    question = db.session.scalar(sa.select(Question).order_by(Question.id))
    page = client.get(f"/author/info-work/bank/{question.id}").get_data(as_text=True)
    assert "::pyramid::" in page
    r = post(
        client,
        f"/author/info-work/bank/{question.id}",
        {"gift": "::pyramid::Что главное?{=Факт ~Мнение}", "category": "Новости"},
    )
    assert r.status_code == 302
    db.session.expire_all()
    versions = db.session.scalars(
        sa.select(QuestionVersion.number).where(QuestionVersion.question_id == question.id)
    ).all()
    assert sorted(versions) == [1, 2]
    for bad in ("::x:: без ответа", "::a::A{=1}\n\n::b::B{=2}", "::x::{=да ~нет"):
        r = post(client, f"/author/info-work/bank/{question.id}", {"gift": bad})
        assert r.status_code == 422 and 'class="errors"' in r.get_data(as_text=True), bad
    assert count(QuestionVersion) == 6  # 5 imported + 1 edit


def test_quiz_settings_and_random_draw_through_pages(login_as, users):
    build_course(users["trainer"])
    client = login_as("trainer")
    upload(client, GIFT)
    r = post(
        client,
        "/author/info-work/quizzes",
        {
            "title": "Проверка",
            "module": "osnovy",
            "pass_mark": "60",
            "attempts_allowed": "3",
            "min_delay_minutes": "0.5",
            "questions_per_page": "1",
            "review": "feedback",
            "done_when": "passed",
            "is_open": "y",
        },
    )
    assert r.status_code == 302
    quiz = db.session.scalar(sa.select(Quiz))
    assert quiz.min_delay_seconds == 30 and quiz.module_key == "osnovy"
    category_id = db.session.scalar(sa.select(Question.category_id))
    r = post(
        client,
        f"/author/info-work/quizzes/{quiz.key}/slots",
        {"kind": "random", "random-category": category_id, "random-count": "2"},
    )
    assert count(QuizSlot) == 1
    # too many to draw: a clear message, nothing added
    r = post(
        client,
        f"/author/info-work/quizzes/{quiz.key}/slots",
        {"kind": "random", "random-category": category_id, "random-count": "9"},
        follow_redirects=True,
    )
    assert "alert--error" in r.get_data(as_text=True)
    assert count(QuizSlot) == 1
    for bad in ({"pass_mark": "150"}, {"attempts_allowed": "-1"}, {"module": "nope"}):
        data = {
            "title": "X",
            "pass_mark": "50",
            "attempts_allowed": "0",
            "questions_per_page": "1",
            "review": "score",
            "done_when": "passed",
            **bad,
        }
        r = post(client, f"/author/info-work/quizzes/{quiz.key}", data)
        assert r.status_code == 422 and 'class="errors"' in r.get_data(as_text=True), bad
    db.session.expire_all()
    assert db.session.scalar(sa.select(Quiz.pass_mark)) == 60


def test_attempts_list_and_item_analysis_with_csv(login_as, users, make_user):
    course, quiz = build_quiz(users["trainer"])
    for n, right in enumerate((True, False, True)):
        learner = make_user(f"learner{n}")
        enroll(learner, course)
        attempt = attempts.start(quiz, learner.id)
        answers = {i.id: RIGHT[i.version.name] if right else None for i in attempt.items}
        attempts.submit(attempt, learner.id, answers)
    db.session.commit()
    client = login_as("trainer")
    page = client.get(f"/author/info-work/quizzes/{quiz.key}/attempts").get_data(as_text=True)
    assert "learner0" in page and "learner2" in page
    # On a phone the cells stack, each under its column's name.
    for label in ("Слушатель", "Попытка", "Начата", "Завершена", "Результат", "Итог"):
        assert page.count(f'data-label="{label}"') == 3, label
    page = client.get(f"/author/info-work/quizzes/{quiz.key}/analysis").get_data(as_text=True)
    assert "Что ставят в начало новости?" in page and "pyramid" not in page  # text, not name
    assert '<td class="num" data-label="0–10%">' in page  # the distribution, stacked on a phone
    assert page.count('data-label="Лёгкость"') == 6  # each question's row names its cells
    response = client.get(f"/author/info-work/quizzes/{quiz.key}/analysis?format=csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][0] == "question" and len(rows) == 1 + 6

    # the same rows as a spreadsheet: counts and indices are numbers there
    from openpyxl import load_workbook

    response = client.get(f"/author/info-work/quizzes/{quiz.key}/analysis?format=xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    assert book.sheetnames[1] == "Фильтры"
    for row, line in zip(sheet.iter_rows(min_row=2), rows[1:], strict=True):
        assert row[0].value == line[0].lstrip("'")  # the CSV guards formula signs, text is text
        assert row[1].value == int(line[1])
        for cell, shown in zip(row[2:4], line[2:4], strict=True):
            assert (cell.value is None) if not shown else f"{cell.value:.3f}" == shown


def test_quiz_pages_are_for_the_courses_authors_only(login_as, users, make_user):
    from tests.conftest import login
    from training.accounts.models import Role

    _course, quiz = build_quiz(users["trainer"])
    make_user("stranger", Role.TRAINER)
    client = login_as("learner")
    assert client.get("/author/info-work/bank").status_code == 403
    post(client, "/account/logout")
    login(client, "stranger")
    for path in (
        "/author/info-work/bank",
        "/author/info-work/bank/export",
        f"/author/info-work/quizzes/{quiz.key}",
        f"/author/info-work/quizzes/{quiz.key}/attempts",
        f"/author/info-work/quizzes/{quiz.key}/analysis",
    ):
        assert client.get(path).status_code == 403, path
    assert upload(client, GIFT).status_code == 403
    assert count(Question) == 6  # the helper's six, nothing more


def test_cli_import_and_export_gift(app, users, tmp_path):
    build_course(users["trainer"])
    runner = app.test_cli_runner()
    source = tmp_path / "moodle.gift"
    source.write_text(GIFT, encoding="utf-8")
    r = runner.invoke(args=["quizzes", "import-gift", str(source), "--course", "info-work"])
    assert r.exit_code == 0, r.output
    assert "Imported 5 questions" in r.output and "skipped" in r.output
    out = tmp_path / "out.gift"
    r = runner.invoke(args=["quizzes", "export-gift", "info-work", str(out)])
    assert r.exit_code == 0 and "::pyramid::" in out.read_text(encoding="utf-8")
    broken = tmp_path / "broken.gift"
    broken.write_text("::a::Вопрос {=да ~нет\n", encoding="utf-8")
    r = runner.invoke(args=["quizzes", "import-gift", str(broken), "--course", "info-work"])
    assert r.exit_code != 0 and "broken.gift:1" in r.output
    assert count(Question) == 5
    r = runner.invoke(args=["quizzes", "import-gift", str(source), "--course", "nope"])
    assert r.exit_code != 0


def test_html_question_text_is_sanitised(ctx, users):
    from quizzes.gift import parse_gift

    course = build_course(users["trainer"])
    source = "[html]<p onclick='x()'>Ответ <script>alert(1)</script><strong>здесь</strong></p>{T}"
    spec = parse_gift(source).items[0].spec
    question = bank.add_question(course, spec, users["trainer"])
    html = question.current_version.html(spec.text)
    assert "<strong>здесь</strong>" in html
    assert "script" not in html and "onclick" not in html and "alert" not in html


def test_the_quiz_list_names_places_by_module_title(login_as, users):
    build_quiz(users["trainer"])
    client = login_as("trainer")
    page = client.get("/author/info-work/quizzes").get_data(as_text=True)
    assert '<td data-label="Место в курсе">После модуля: Основы</td>' in page
    assert ">osnovy</td>" not in page  # the title, not the key


def test_the_question_count_reads_each_draws_category_as_it_is_now(ctx, users):
    """Fixed questions count while live; a draw counts what its own category holds now, up
    to the draw; another course's bank does not enter the sum."""
    course, quiz = build_quiz(users["trainer"])  # six fixed questions
    other = build_course(users["trainer"], slug="other-course")
    for spec in sample_specs():
        bank.add_question(other, spec, users["trainer"], "Модуль 1")  # same category name
    pool = [bank.add_question(course, spec, users["trainer"], "Запас") for spec in sample_specs()]
    services.add_random(quiz, pool[0].category, 4)
    empty_soon = bank.add_question(course, sample_specs()[0], users["trainer"], "Пусто")
    services.add_random(quiz, empty_soon.category, 1)
    db.session.commit()
    assert services.question_count(quiz) == 6 + 4 + 1
    for question in pool[:3]:  # three of six left in the draw's category: the draw gives 3
        bank.retire_question(question)
    bank.retire_question(empty_soon)  # the second draw's category is empty now
    bank.retire_question(quiz.slots[0].question)  # a fixed question retired
    db.session.commit()
    db.session.refresh(quiz)  # loaded again after the commit, before counting statements
    with count_queries() as statements:
        assert services.question_count(quiz) == 5 + 3 + 0
    assert len(statements) == 1, statements
    assert "GROUP BY" not in statements[0]  # each draw's category counted, not the whole bank
