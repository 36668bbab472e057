"""Moodle's GIFT features through the pages: a matching distractor from attempt to item
analysis, and a bank export that names what GIFT cannot hold."""

from __future__ import annotations

import io

from quizzes import bank, services
from quizzes.gift import parse_gift
from quizzes.spec import Pair, QuestionSpec
from tests.conftest import login, post
from tests.course_helpers import build_course
from tests.test_quiz_pages import current_attempt, start_as_learner
from training.extensions import db

MATCHING = """::Органы:: Сопоставьте орган и его дело. {
    =[markdown]**Профком** -> руководит между собраниями
    =Ревизионная комиссия -> проверяет финансы
    = -> издаёт приказы по предприятию
}"""


def test_a_distractor_is_a_choice_in_every_row_through_to_item_analysis(login_as, users):
    course = build_course(users["trainer"])
    spec = parse_gift(MATCHING).items[0].spec
    question = bank.add_question(course, spec, users["trainer"])
    quiz = services.create_quiz(
        course,
        services.QuizSettings(title="Органы", module_key="osnovy", is_open=True, review="answers"),
    )
    services.add_fixed(quiz, question)
    db.session.commit()

    client, attempt, url = start_as_learner(login_as, users, course, quiz)
    item = attempt.items[0]
    page = client.get(url).get_data(as_text=True)
    assert page.count(f'value="{item.token("p3")}"') == 2  # the distractor, in both rows
    assert f'name="q{item.id}-p3"' not in page  # and no row of its own
    assert "<strong>Профком</strong>" in page and "[markdown]" not in page
    r = post(
        client,
        url,
        {
            "page": 0,
            "action": "submit",
            f"q{item.id}-p1": item.token("p3"),
            f"q{item.id}-p2": item.token("p2"),
        },
    )
    assert r.status_code == 302
    assert current_attempt().score == 0.5
    result = " ".join(client.get(r.headers["Location"]).get_data(as_text=True).split())
    assert "<strong>Профком</strong> → издаёт приказы по предприятию" in result  # answered
    assert "<strong>Профком</strong> → руководит между собраниями" in result  # right answer

    post(client, "/account/logout")
    login(client, "trainer")
    analysis = client.get(f"/author/info-work/quizzes/{quiz.key}/analysis").get_data(as_text=True)
    # the label is cut at a word, the whole of it one tap away, then the count
    assert "**Профком** → издаёт приказы по предприятию</details>: 1" in analysis


def test_the_bank_names_questions_gift_cannot_hold_and_the_export_lists_them(login_as, users):
    course = build_course(users["trainer"])
    arrows = QuestionSpec(
        "matching", "Стрелки", name="Стрелки", pairs=[Pair("p1", "a->b", "c"), Pair("p2", "d", "e")]
    )
    lossy = bank.add_question(course, arrows, users["trainer"], "Разное")
    bank.add_question(course, parse_gift(MATCHING).items[0].spec, users["trainer"], "Разное")
    db.session.commit()
    client = login_as("trainer")
    page = " ".join(client.get("/author/info-work/bank").get_data(as_text=True).split())
    assert "1 вопрос нельзя записать в файл GIFT" in page
    assert "не попадёт в GIFT: GIFT не может хранить «-&gt;» в левой части пары" in page

    exported = client.get("/author/info-work/bank/export").get_data(as_text=True)
    assert exported.startswith("// «Стрелки» не попадёт в файл GIFT: GIFT не может хранить «->»")
    assert [item.spec.name for item in parse_gift(exported).items] == ["Органы"]

    editor = client.get(f"/author/info-work/bank/{lossy.id}").get_data(as_text=True)
    assert "GIFT не может хранить «-&gt;» в левой части пары на соответствие." in editor

    # Re-importing the export brings back what it holds, nothing else.
    r = post(
        client,
        "/author/info-work/bank",
        {"file": (io.BytesIO(exported.encode()), "bank.gift"), "text": "", "category": ""},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    assert len(bank.bank(course)) == 3
