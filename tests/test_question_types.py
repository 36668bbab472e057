"""Grading rules of every question type (pure functions)."""

from __future__ import annotations

import pytest

from quizzes.spec import NumericAnswer, Option, Pair, QuestionSpec, TextAnswer
from quizzes.types import REGISTRY, InvalidResponse, grade, normalise_text


def single() -> QuestionSpec:
    return QuestionSpec(
        type="single",
        text="Что главное в новости?",
        options=[
            Option("o1", "Факт", 1.0, "Верно: факт — основа."),
            Option("o2", "Мнение", 0.0, "Мнение — это колонка, не новость."),
            Option("o3", "Факт и цитата", 0.5, "Почти."),
        ],
    )


def test_registry_has_seven_types():
    assert set(REGISTRY) == {
        "essay",
        "single",
        "multiple",
        "truefalse",
        "shortanswer",
        "numeric",
        "matching",
    }


def test_single_choice_scores_the_chosen_weight_with_its_feedback():
    assert grade(single(), "o1").score == 1.0 and grade(single(), "o1").correct
    result = grade(single(), "o3")
    assert result.score == 0.5 and result.feedback == ("Почти.",) and not result.correct
    assert grade(single(), "o2").feedback == ("Мнение — это колонка, не новость.",)
    assert grade(single(), None).score == 0.0
    assert grade(single(), "o1").choices == ("o1",)


def test_multiple_choice_adds_weights_and_clamps():
    spec = QuestionSpec(
        type="multiple",
        text="Что входит в лид?",
        options=[
            Option("o1", "Кто", 0.5, "Да"),
            Option("o2", "Что", 0.5, "Да"),
            Option("o3", "Ваше мнение", -1.0, "Нет"),
            Option("o4", "Погода", -0.5),
        ],
    )
    assert grade(spec, ["o1", "o2"]).score == 1.0
    assert grade(spec, ["o1"]).score == 0.5
    assert grade(spec, ["o1", "o2", "o4"]).score == 0.5
    assert grade(spec, ["o1", "o3"]).score == 0.0  # clamped, not negative
    assert grade(spec, ["o1", "o2", "o3"]).feedback == ("Да", "Да", "Нет")
    assert grade(spec, []).score == 0.0


def test_true_false_with_feedback_for_the_given_answer():
    spec = QuestionSpec(
        type="truefalse",
        text="Новость пишут от общего к частному.",
        truth=True,
        feedback_true="Верно.",
        feedback_false="Наоборот: главное — в начале.",
    )
    assert grade(spec, True).score == 1.0 and grade(spec, "true").feedback == ("Верно.",)
    assert grade(spec, "false").score == 0.0
    assert grade(spec, False).feedback == ("Наоборот: главное — в начале.",)


def test_short_answer_normalises_case_space_and_yo():
    spec = QuestionSpec(
        type="shortanswer",
        text="Как называется первый абзац новости?",
        answers=[TextAnswer("лид", 1.0, "Да!"), TextAnswer("вступление", 0.5, "Близко")],
    )
    for typed in ("лид", "  ЛИД ", "Лид"):
        assert grade(spec, typed).score == 1.0
    assert grade(spec, "Вступление").score == 0.5
    assert grade(spec, "заголовок").score == 0.0
    yo = QuestionSpec(type="shortanswer", text="?", answers=[TextAnswer("отчёт о работе", 1.0)])
    assert grade(yo, "Отчет   о  работе").score == 1.0
    assert normalise_text(" Ёлка\tзелёная ") == "елка зеленая"


def test_numeric_exact_tolerance_range_and_weights():
    spec = QuestionSpec(
        type="numeric",
        text="π?",
        numeric=[
            NumericAnswer(value=3.14, tolerance=0.01, weight=1.0, feedback="Да"),
            NumericAnswer(value=3.0, tolerance=0.0, weight=0.5, feedback="Грубо"),
        ],
    )
    assert grade(spec, "3,141").score == 1.0
    assert grade(spec, "3.15").score == 1.0
    assert grade(spec, "3.16").score == 0.0
    assert grade(spec, "3").score == 0.5 and grade(spec, "3").feedback == ("Грубо",)
    ranged = QuestionSpec(type="numeric", text="?", numeric=[NumericAnswer(low=1, high=5)])
    assert grade(ranged, "1").score == 1.0 and grade(ranged, "5.0").score == 1.0
    assert grade(ranged, "5.01").score == 0.0
    assert grade(ranged, "").score == 0.0
    with pytest.raises(InvalidResponse):
        grade(ranged, "пять")
    with pytest.raises(InvalidResponse):
        grade(ranged, "inf")


def test_matching_scores_the_share_of_right_pairs():
    spec = QuestionSpec(
        type="matching",
        text="Сопоставьте",
        pairs=[
            Pair("p1", "Заголовок", "Главное"),
            Pair("p2", "Лид", "Кто, что"),
            Pair("p3", "Цитата", "Голос"),
        ],
    )
    assert grade(spec, {"p1": "p1", "p2": "p2", "p3": "p3"}).score == 1.0
    assert grade(spec, {"p1": "p1", "p2": "p3", "p3": "p2"}).score == pytest.approx(1 / 3)
    assert grade(spec, {}).score == 0.0
    same = QuestionSpec(
        type="matching", text="?", pairs=[Pair("p1", "a", "x"), Pair("p2", "b", "x")]
    )
    assert grade(same, {"p1": "p2", "p2": "p1"}).score == 1.0


@pytest.mark.parametrize(
    ("spec_type", "response"),
    [
        ("single", "o9"),
        ("single", ["o1"]),
        ("multiple", ["o1", "forged"]),
        ("multiple", 42),
        ("truefalse", "maybe"),
        ("shortanswer", ["list"]),
        ("shortanswer", "x" * 1001),
        ("matching", {"p9": "p1"}),
        ("matching", {"p1": "p9"}),
        ("matching", "p1"),
    ],
)
def test_forged_responses_are_refused(spec_type, response):
    specs = {
        "single": single(),
        "multiple": QuestionSpec(type="multiple", text="?", options=[Option("o1", "a", 1.0)]),
        "truefalse": QuestionSpec(type="truefalse", text="?", truth=True),
        "shortanswer": QuestionSpec(type="shortanswer", text="?", answers=[TextAnswer("a")]),
        "matching": QuestionSpec(type="matching", text="?", pairs=[Pair("p1", "a", "b")]),
    }
    with pytest.raises(InvalidResponse):
        grade(specs[spec_type], response)


def test_correct_answers_for_review():
    assert REGISTRY["single"].correct_answer(single()) == ["Факт"]
    spec = QuestionSpec(type="numeric", text="?", numeric=[NumericAnswer(low=1, high=5)])
    assert REGISTRY["numeric"].correct_answer(spec) == ["1…5"]


def test_spec_json_round_trip():
    spec = single()
    assert QuestionSpec.from_json(spec.to_json()) == spec


def test_thirds_add_up_to_full_marks():
    spec = QuestionSpec(
        type="multiple",
        text="?",
        options=[Option(f"o{i}", str(i), 0.3333333) for i in range(3)] + [Option("o9", "x", -1)],
    )
    assert grade(spec, ["o0", "o1", "o2"]).correct
