"""Authoring comfort: the course address made from the title, images from the lesson editor,
choosing several questions at once with a preview, a readable history diff, item analysis
explained, and destructive actions that look destructive."""

from __future__ import annotations

import io
import json
import re

import sqlalchemy as sa

from courses.diffs import compare
from courses.keys import _TRANSLIT, slugify
from courses.models import Course, CourseMedia
from quizzes import attempts, bank
from quizzes import services as quiz_services
from quizzes.models import Question, QuestionVersion, Quiz, QuizSlot
from tests.conftest import login, post
from tests.course_helpers import build_course
from tests.quiz_helpers import RIGHT, build_quiz, sample_specs
from tests.test_course_media import PDF, tiny_png
from training.accounts.models import Role
from training.extensions import db
from training.security import CONTENT_SECURITY_POLICY


def new_course(client, title: str, slug: str = ""):
    return post(
        client,
        "/author/new",
        {"slug": slug, "title": title, "language": "ru", "duration": "30"},
    )


def slugs() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Course.slug).order_by(Course.id)))


# ---- 1. the course address from the title ----------------------------------------------------


def test_an_empty_address_is_made_from_the_title_and_kept_unique(login_as, users):
    client = login_as("trainer")
    r = new_course(client, "Профсоюзная новость: первые шаги")
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/author/profsoiuznaia-novost-pervye-shagi")
    assert new_course(client, "Профсоюзная  новость — первые шаги!").status_code == 302
    assert slugs() == ["profsoiuznaia-novost-pervye-shagi", "profsoiuznaia-novost-pervye-shagi-2"]
    # a typed address is used as it is, and a taken typed one is refused, not renamed
    assert new_course(client, "Другое", slug="moi-kurs").status_code == 302
    r = new_course(client, "Ещё", slug="moi-kurs")
    assert r.status_code == 422
    assert "Курс с таким адресом уже существует." in r.get_data(as_text=True)
    assert slugs()[-1] == "moi-kurs" and len(slugs()) == 3


def test_a_title_without_letters_asks_for_an_address_and_creates_nothing(login_as, users):
    client = login_as("trainer")
    for title in ("!!!", "«»", "Ъ"):
        r = new_course(client, title)
        assert r.status_code == 422, title
        page = r.get_data(as_text=True)
        assert 'id="slug-error"' in page and "Введите адрес латинскими буквами" in page
    assert slugs() == []


def test_the_form_carries_the_servers_transliteration_for_its_script(login_as, users, client):
    trainer = login_as("trainer")
    page = trainer.get("/author/new").get_data(as_text=True)
    script = re.search(r'<script src="(/static/js/slug\.js\?v=[0-9a-f]{12})" defer></script>', page)
    assert script is not None
    field = re.search(r'<input[^>]*id="slug"[^>]*>', page).group(0)
    assert 'data-slug-from="title"' in field and 'data-slug-max="60"' in field
    table = json.loads(
        re.search(r"data-translit=\"([^\"]*)\"", field).group(1).replace("&#34;", '"')
    )
    assert table == _TRANSLIT
    # the title comes first, so the address follows it in reading order
    assert page.index('id="title"') < page.index('id="slug"')
    # a same-origin file: the Content-Security-Policy (script-src 'self') lets it run
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    with client.get(script.group(1)) as js:
        assert js.status_code == 200 and "javascript" in js.mimetype
        assert "data-translit" in js.get_data(as_text=True)
    # the edit page of an existing course shows the fixed address and no script
    build_course(users["trainer"])
    edit = trainer.get("/author/info-work/edit").get_data(as_text=True)
    assert "slug.js" not in edit and "/courses/info-work" in edit


def test_slugify_matches_the_rule_the_script_follows():
    assert slugify("Щука и ёж: 2026!", 60) == "shchuka-i-ezh-2026"
    assert slugify("  --Объём--  ", 60) == "obem"
    assert len(slugify("Очень " * 30, 60)) <= 60


# ---- 2. images from the lesson editor ---------------------------------------------------------


def media_rows() -> list[tuple[str, str]]:
    db.session.expire_all()
    rows = db.session.execute(sa.select(CourseMedia.filename, CourseMedia.content_type))
    return sorted(tuple(row) for row in rows)


def insert(client, name: str, data: bytes, slug: str = "info-work"):
    return post(
        client,
        f"/author/{slug}/media/insert",
        {"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_the_editor_uploads_a_file_and_gets_the_markdown_to_insert(
    app, login_as, users, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path))
    course = build_course(users["trainer"])
    client = login_as("trainer")
    r = insert(client, "Схема охвата.png", tiny_png())
    assert r.status_code == 201
    assert r.json == {"filename": "skhema-okhvata.png", "markdown": "![](media/skhema-okhvata.png)"}
    assert (tmp_path / str(course.id) / "skhema-okhvata.png").read_bytes() == tiny_png()
    r = insert(client, "Памятка.pdf", PDF)
    assert r.json["markdown"] == "[pamiatka.pdf](media/pamiatka.pdf)"
    assert media_rows() == [
        ("pamiatka.pdf", "application/pdf"),
        ("skhema-okhvata.png", "image/png"),
    ]
    # the editor without JavaScript lists the files and says how to refer to them
    lesson = course.lessons()[0]
    page = client.get(f"/author/info-work/lessons/{lesson.id}").get_data(as_text=True)
    assert "<code>media/skhema-okhvata.png</code>" in page
    assert "напишите ![описание](media/name.png)" in page
    assert '<div class="media-insert" id="media-insert" hidden' in page
    assert re.search(r'src="/static/js/lesson-editor\.js\?v=[0-9a-f]{12}"', page)


def test_refused_editor_uploads_say_why_in_russian_and_store_nothing(
    app, login_as, users, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path))
    monkeypatch.setitem(app.config, "MEDIA_MAX_BYTES", 2048)
    build_course(users["trainer"])
    trainer = login_as("trainer")
    assert insert(trainer, "scheme.png", tiny_png()).status_code == 201
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for name, data, message in (
        ("x.svg", svg, "Загружать можно только"),
        ("big.png", tiny_png() + b"\0" * 4096, "больше"),
        ("scheme.png", tiny_png(), "уже есть"),
        ("empty.png", b"", "Загружать можно только"),
    ):
        r = insert(trainer, name, data)
        assert r.status_code == 422, name
        assert message in r.json["error"], (name, r.json)
    r = post(trainer, "/author/info-work/media/insert", {}, content_type="multipart/form-data")
    assert r.status_code == 422 and r.json["error"] == "Выберите файл."
    # without the CSRF token: refused before the view
    r = trainer.post(
        "/author/info-work/media/insert",
        data={"file": (io.BytesIO(tiny_png()), "other.png")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400
    assert media_rows() == [("scheme.png", "image/png")]
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["scheme.png"]


def test_only_the_courses_authors_may_upload_from_the_editor(
    app, client, users, make_user, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path))
    build_course(users["trainer"])
    make_user("other", Role.TRAINER)
    login(client, "other")
    assert insert(client, "scheme.png", tiny_png()).status_code == 403
    assert insert(client, "scheme.png", tiny_png(), slug="nope").status_code == 404
    assert media_rows() == []


# ---- 3. adding several questions at once, with a preview ---------------------------------------


def bank_and_empty_quiz(trainer) -> tuple[Course, Quiz, list[Question]]:
    course = build_course(trainer)
    questions = [bank.add_question(course, spec, trainer, "Модуль 1") for spec in sample_specs()]
    quiz = quiz_services.create_quiz(
        course, quiz_services.QuizSettings(title="Проверка", module_key="osnovy", is_open=True)
    )
    db.session.commit()
    return course, quiz, questions


def slot_questions(quiz: Quiz) -> list[int]:
    db.session.expire_all()
    return [
        s.question_id
        for s in db.session.scalars(
            sa.select(QuizSlot).where(QuizSlot.quiz_id == quiz.id).order_by(QuizSlot.position)
        )
    ]


def test_several_questions_are_added_at_once_and_leave_the_list(login_as, users):
    _course, quiz, questions = bank_and_empty_quiz(users["trainer"])
    client = login_as("trainer")
    page = client.get(f"/author/info-work/quizzes/{quiz.key}").get_data(as_text=True)
    picker = page[page.index('class="question-picker"') :]
    assert picker.count('type="checkbox" name="fixed-question"') == 6
    # question text, not names or ids
    assert "Что ставят в начало новости?" in picker and "pyramid" not in picker
    assert "#" + str(questions[0].id) not in picker
    first, third = questions[0].id, questions[2].id
    r = post(
        client,
        f"/author/info-work/quizzes/{quiz.key}/slots",
        {"kind": "fixed", "fixed-question": [str(first), str(third)]},
        follow_redirects=True,
    )
    page = r.get_data(as_text=True)
    assert "Добавлено 2 вопроса." in page
    assert slot_questions(quiz) == [first, third]
    picker = page[page.index('class="question-picker"') :]
    assert picker.count('name="fixed-question"') == 4
    for gone in (first, third):
        assert f'name="fixed-question" value="{gone}"' not in picker
    # the quiz's own list shows the text too
    questions_list = page[: page.index('class="question-picker"')]
    assert "Что ставят в начало новости?" in questions_list
    assert "Фото публикуют без согласия." in questions_list


def test_bad_question_choices_are_refused_and_add_nothing(login_as, users, make_user):
    _course, quiz, questions = bank_and_empty_quiz(users["trainer"])
    other = build_course(users["trainer"], slug="other")
    foreign = bank.add_question(other, sample_specs()[0], users["trainer"], "Чужие")
    db.session.commit()
    client = login_as("trainer")
    url = f"/author/info-work/quizzes/{quiz.key}/slots"
    post(client, url, {"kind": "fixed", "fixed-question": [str(questions[0].id)]})
    assert slot_questions(quiz) == [questions[0].id]
    r = post(client, url, {"kind": "fixed"}, follow_redirects=True)
    assert "Отметьте вопросы, которые нужно добавить." in r.get_data(as_text=True)
    # one already in the quiz spoils the whole choice: none of it is added
    r = post(
        client,
        url,
        {"kind": "fixed", "fixed-question": [str(questions[1].id), str(questions[0].id)]},
        follow_redirects=True,
    )
    assert "Этот вопрос уже есть в тесте." in r.get_data(as_text=True)
    for bad in ([str(foreign.id)], ["999999"], ["abc"]):
        r = post(client, url, {"kind": "fixed", "fixed-question": bad})
        assert r.status_code in (302, 404), bad
    assert slot_questions(quiz) == [questions[0].id]


def test_the_preview_shows_each_type_as_learners_see_it_read_only(login_as, users):
    _course, quiz, questions = bank_and_empty_quiz(users["trainer"])
    client = login_as("trainer")
    for question in questions:
        r = client.get(
            f"/author/info-work/bank/{question.id}/preview?next=/author/info-work/quizzes/{quiz.key}"
        )
        assert r.status_code == 200
        page = r.get_data(as_text=True)
        assert '<fieldset class="question-preview" disabled>' in page
        assert question.current_version.spec.text in page
        assert f'href="/author/info-work/quizzes/{quiz.key}"' in page  # back where they came from
        main = page.split('<main id="main"')[1].split("</main>")[0]
        assert "<form" not in main  # nothing to send: answers go nowhere
    single = client.get(f"/author/info-work/bank/{questions[0].id}/preview").get_data(as_text=True)
    assert 'type="radio"' in single and "Главное" in single and "Предысторию" in single
    matching = client.get(f"/author/info-work/bank/{questions[5].id}/preview").get_data(
        as_text=True
    )
    assert "<select" in matching and "Заголовок" in matching
    # a foreign redirect target is not followed; another course's question is not found
    r = client.get(f"/author/info-work/bank/{questions[0].id}/preview?next=https://evil.example/")
    assert '<p><a href="/author/info-work/bank">← Назад</a></p>' in r.get_data(as_text=True)
    assert client.get(f"/author/other/bank/{questions[0].id}/preview").status_code == 404
    assert client.get("/author/info-work/bank/999999/preview").status_code == 404


# ---- 4. a readable history diff ----------------------------------------------------------------


def test_changed_lines_are_compared_word_by_word_and_unchanged_runs_fold():
    lines = compare(["Текст первого урока."], ["Текст второго урока."])
    assert [line.kind for line in lines] == ["change"]
    assert [(p.kind, p.text) for p in lines[0].pieces] == [
        ("same", "Текст "),
        ("del", "первого"),
        ("add", "второго"),
        ("same", " урока."),
    ]
    before = [f"Строка {n}" for n in range(20)]
    after = [*before[:10], "Новая строка", *before[10:]]
    kinds = [(line.kind, line.hidden) for line in compare(before, after)]
    assert kinds == [
        ("gap", 8),
        ("same", 0),
        ("same", 0),
        ("add", 0),
        ("same", 0),
        ("same", 0),
        ("gap", 8),
    ]
    assert compare(before, before) == []
    # unlike lines are shown as one removed and one added, not as confetti
    assert [line.kind for line in compare(["Совсем одно"], ["Иное целиком и полностью"])] == [
        "del",
        "add",
    ]


def test_the_history_diff_is_escaped_readable_and_in_words(login_as, users):
    course = build_course(users["trainer"])
    client = login_as("trainer")
    lesson = next(x for x in course.lessons() if x.key == "intro")
    body = "Текст **второго** урока.\n\n## Раздел\n\nЕщё. <script>alert(1)</script>"
    post(
        client,
        f"/author/info-work/lessons/{lesson.id}",
        {"title": lesson.title, "module": lesson.module_id, "body": body, "required": "y"},
    )
    module = course.modules[0]
    post(client, f"/author/info-work/modules/{module.id}", {"title": "Основы работы"})
    post(client, "/author/info-work/publish", {"comment": ""})
    page = client.get("/author/info-work/history/diff?a=1&b=2").get_data(as_text=True)
    main = page.split('<main id="main"')[1]
    assert (
        "<script>alert(1)</script>" not in main and "&lt;script&gt;alert(1)&lt;/script&gt;" in main
    )
    assert '<del><span class="visually-hidden">удалено: </span>первого</del>' in main
    assert '<ins><span class="visually-hidden">добавлено: </span>второго</ins>' in main
    # the outline in words: the renamed module word by word, no keys or English field names
    assert '## Основы<ins><span class="visually-hidden">добавлено: </span> работы</ins>' in main
    assert "[osnovy]" not in main and "language:" not in main
    assert "Удалённый текст зачёркнут" in main


# ---- 5. item analysis explained -----------------------------------------------------------------


def answered(quiz: Quiz, user, wrong: set[str]) -> None:
    attempt = attempts.start(quiz, user.id)
    answers = {
        i.id: None if i.version.name in wrong else RIGHT[i.version.name] for i in attempt.items
    }
    attempts.submit(attempt, user.id, answers)


def test_item_analysis_explains_itself_and_holds_back_figures_on_few_attempts(
    login_as, users, make_user
):
    _course, quiz = build_quiz(users["trainer"])
    long_option = "Главное событие, ради которого вообще стоило писать эту новость для сайта"
    pyramid = db.session.scalar(sa.select(QuestionVersion).where(QuestionVersion.name == "pyramid"))
    data = dict(pyramid.data)
    data["options"] = [dict(data["options"][0], text=long_option), *data["options"][1:]]
    pyramid.data = data
    # pyramid goes against the rest of the test: a "low discrimination" on three attempts
    for n, wrong in enumerate(({"pyramid"}, set(RIGHT) - {"pyramid"}, set())):
        answered(quiz, make_user(f"learner{n}"), wrong)
    db.session.commit()
    client = login_as("trainer")
    url = f"/author/info-work/quizzes/{quiz.key}/analysis"
    page = client.get(url).get_data(as_text=True)
    assert "Что означают показатели" in page and "Средний балл за вопрос" in page
    assert "Пока попыток меньше 10" in page
    facts = page[page.index('<dl class="facts">') : page.index("</dl>")]
    assert "мало попыток" in facts
    rows = page[page.index("<tbody>", page.index("<h2>Вопросы")) :]
    assert rows.count('<span class="muted">мало попыток</span>') == 6
    assert "низкая различающая способность" not in rows
    # the long answer is cut at a word, the whole of it one click away
    assert "<summary>Главное событие, ради которого вообще…</summary>" in rows
    assert f"{long_option}</details>" in rows
    # the CSV keeps the raw figures
    csv_text = client.get(url + "?format=csv").get_data(as_text=True)
    assert "low discrimination" in csv_text

    for n in range(3, 12):
        answered(quiz, make_user(f"learner{n}"), set() if n % 2 else set(RIGHT))
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "мало попыток" not in page and "Пока попыток меньше" not in page
    facts = page[page.index('<dl class="facts">') : page.index("</dl>")]
    assert re.search(r"<dd>-?\d,\d\d</dd>", facts)  # alpha is shown, with a Russian comma


# ---- 6. destructive actions look destructive --------------------------------------------------


def test_deleting_is_set_apart_and_confirmed(login_as, users):
    build_course(users["trainer"], publish=False)
    client = login_as("trainer")
    page = client.get("/author/info-work").get_data(as_text=True)
    cross = '<span aria-hidden="true">✕ </span>'
    assert f'<a class="danger-link" href="/author/info-work/delete">{cross}Удалить курс</a>' in page
    assert page.count('class="danger-link"') == 1 + 2 + 3  # the course, two modules, three lessons
    assert 'aria-label="Удалить: Зачем нужна информационная работа"' in page
    confirm = client.get("/author/info-work/delete").get_data(as_text=True)
    assert f'<button type="submit" class="button button--danger">{cross}Удалить</button>' in confirm
    assert "нельзя отменить" in confirm
    assert course_count() == 1  # looking is not deleting
    restore = client.get("/author/info-work/history").get_data(as_text=True)
    assert "button--danger" not in restore


def course_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Course))


def test_item_analysis_shows_options_as_words_not_markdown(ctx, users):
    from quizzes.reports import question_labels
    from quizzes.spec import Option, QuestionSpec

    course, quiz = build_quiz(users["trainer"])
    spec = QuestionSpec(
        "single",
        "Что главное?",
        name="bold",
        options=[Option("o1", "**Главное** событие", 1.0), Option("o2", "Погода `вчера`")],
    )
    question = bank.add_question(course, spec, users["trainer"])
    _names, choices, _by_hand = question_labels(quiz)
    labels = {key: label.short for key, label in choices[str(question.id)].items()}
    assert labels == {"o1": "Главное событие", "o2": "Погода вчера"}
