"""GIFT as Moodle reads it: distractors, format markers, catch-alls, what export cannot hold.

The cases come from Moodle's documented behaviour (its reader, its tests and fixtures), with
our own texts; `tests/moodle_gift.py` models Moodle's reader for the export round trips.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.gift import GiftLoss, GiftSkipped, parse_gift, to_gift
from quizzes.render import render_spec
from quizzes.spec import NumericAnswer, Option, Pair, QuestionSpec, TextAnswer
from quizzes.types import REGISTRY, InvalidResponse, grade
from tests.moodle_gift import TRIM, read_file, read_question
from tests.test_gift import questions

FIXTURE = (Path(__file__).parent / "fixtures" / "moodle_style.gift").read_text(encoding="utf-8")


def items() -> dict[str, QuestionSpec]:
    return {item.spec.name: item.spec for item in parse_gift(FIXTURE).items}


# --- reading -----------------------------------------------------------------------------------


def test_matching_distractor_and_markers_on_left_sides() -> None:
    match = items()["Органы"]
    assert match.text_format == "html"
    assert match.pairs == [
        Pair("p1", "<em>Профком</em>", "руководит между собраниями"),  # html = the question's
        Pair("p2", "Ревизионная комиссия", "проверяет финансы", "moodle"),
        Pair("p3", "Конференция <делегатов>", "избирает руководство", "plain"),
        Pair("p4", "**Собрание** членов", "принимает главные решения", "markdown"),
        Pair("p5", "", "издаёт приказы по предприятию"),  # `= -> …`: a distractor
    ]


def test_markers_on_answers_and_feedback_give_each_text_its_format() -> None:
    assert items()["Взносы"].options == [
        Option("o1", "1% зарплаты", 1.0, "<b>Верно</b>, так в большинстве уставов.", "", "html"),
        Option("o2", "<10%>", 0.0, "Слишком много.", "plain"),
        Option("o3", "*Ничего*", 0.0, "Взнос **обязателен**.", "markdown", "markdown"),
    ]
    tf = parse_gift("Q {T#[html]<b>нет</b>#[plain]да ####[markdown]**итог**}").items[0].spec
    assert (tf.feedback_false, tf.feedback_false_format) == ("<b>нет</b>", "html")
    assert (tf.feedback_true, tf.feedback_true_format) == ("да", "plain")
    assert (tf.general_feedback, tf.general_feedback_format) == ("**итог**", "markdown")


def test_numeric_catch_all_is_feedback_for_any_other_number() -> None:
    assert items()["Срок"].numeric == [
        NumericAnswer(value=14.0),
        NumericAnswer(
            weight=0.0, feedback="Смотрите <em>ст. 80 ТК РФ</em>.", feedback_format="html"
        ),
    ]


def test_short_answer_star_is_any_other_response() -> None:
    assert items()["Кто"].answers == [
        TextAnswer("профсоюз", 1.0, "Верно!"),
        TextAnswer("профком", 0.5, "Почти: профком — орган профсоюза."),
        TextAnswer("*", 0.0, "Нет: это профсоюз."),
    ]
    # `\*` is a literal star; a star inside an answer is Moodle's wildcard, which we skip.
    assert parse_gift("Q {=5\\*}").items[0].spec.answers == [TextAnswer("5*")]
    result = parse_gift("Q {=проф*}")
    assert result.items == []
    assert result.skipped == [
        GiftSkipped(1, "Short answers with a “*” wildcard inside an answer are not supported.")
    ]


def test_essays_are_read_and_descriptions_skipped_with_line_and_reason() -> None:
    result = parse_gift(FIXTURE)
    assert result.skipped == [
        GiftSkipped(30, "Descriptions (text without “{…}”) are not imported."),
    ]
    essays = [item for item in result.items if item.spec.type == "essay"]
    assert [item.line for item in essays] == [28]
    assert essays[0].spec.options == essays[0].spec.answers == []


def test_readme_says_essays_are_imported() -> None:
    readme = " ".join((Path(__file__).parent.parent / "README.md").read_text("utf-8").split())
    assert "multi-line answers and essays (`{}`, exported back as `{}`" in readme
    assert "Descriptions are reported as skipped" in readme
    assert "Essays and descriptions are reported as skipped" not in readme


def test_learners_never_see_format_markers() -> None:
    for spec in items().values():
        rendered = render_spec(spec)
        for html in rendered.values():
            assert not any(f"[{m}]" in html for m in ("html", "plain", "markdown", "moodle"))
    match = render_spec(items()["Органы"])
    assert match["<em>Профком</em>"] == "<em>Профком</em>"  # html, sanitised
    assert match["Конференция <делегатов>"] == "Конференция &lt;делегатов&gt;"  # plain
    assert match["**Собрание** членов"] == "<strong>Собрание</strong> членов"  # markdown
    assert match["издаёт приказы по предприятию"] == "издаёт приказы по предприятию"
    choice = render_spec(items()["Взносы"])
    assert choice["<10%>"] == "&lt;10%&gt;"
    assert choice["Взнос **обязателен**."] == "Взнос <strong>обязателен</strong>."
    assert choice["*Ничего*"] == "<em>Ничего</em>"


# --- grading, review, analysis -----------------------------------------------------------------


def test_a_distractor_is_offered_everywhere_and_is_always_wrong() -> None:
    match = items()["Органы"]
    kind = REGISTRY["matching"]
    order = kind.served_order(match, True, __import__("random").Random(1))
    assert sorted(order) == ["p1", "p2", "p3", "p4", "p5"]  # the distractor is a choice
    assert kind.full_marks(match) == {"p1": "p1", "p2": "p2", "p3": "p3", "p4": "p4"}
    assert grade(match, kind.full_marks(match)).score == 1.0
    result = grade(match, {"p1": "p5", "p2": "p2", "p3": "p3", "p4": "p4"})
    assert result.score == 0.75 and result.choices == ("p1>p5", "p2>p2", "p3>p3", "p4>p4")
    with pytest.raises(InvalidResponse):  # a distractor has no row to answer
        kind.check(match, {"p5": "p1"})
    assert kind.check(match, {"p5": ""}) == {}  # an absent row is fine
    assert kind.choice_labels(match)["p1>p5"] == (
        "<em>Профком</em> → издаёт приказы по предприятию"
    )
    assert len(kind.choice_labels(match)) == 4 * 5
    assert kind.correct_answer(match)[-1] == "**Собрание** членов → принимает главные решения"
    review = kind.review_answers(match, render_spec(match).get)
    assert str(review[0]) == "<em>Профком</em> → руководит между собраниями"


def test_catch_alls_grade_any_other_answer_with_their_weight_and_feedback() -> None:
    short = items()["Кто"]
    assert grade(short, "Профсоюз").score == 1.0
    assert grade(short, "профком").score == 0.5
    other = grade(short, "директор")
    assert (other.score, other.feedback) == (0.0, ("Нет: это профсоюз.",))
    assert grade(short, "  ").feedback == ()  # no answer is not "any other answer"
    assert REGISTRY["shortanswer"].correct_answer(short) == ["профсоюз"]
    half = parse_gift("Q {=да =%25%*#Ну почти}").items[0].spec
    assert grade(half, "нет").score == 0.25

    number = items()["Срок"]
    assert grade(number, "14").score == 1.0
    other = grade(number, "30")
    assert (other.score, other.feedback) == (0.0, ("Смотрите <em>ст. 80 ТК РФ</em>.",))
    assert REGISTRY["numeric"].correct_answer(number) == ["14"]
    assert REGISTRY["numeric"].full_marks(number) == "14.0"


# --- export: what Moodle reads back ------------------------------------------------------------


def test_export_has_no_arrow_escape_and_moodle_reads_the_same_questions() -> None:
    specs = list(items().values())
    written = to_gift([("", spec) for spec in specs])
    assert "-\\>" not in written
    assert "\t= -> издаёт приказы по предприятию\n" in written
    assert "\t~#[html]Смотрите <em>ст. 80 ТК РФ</em>.\n" in written
    assert "\t=%0%*#Нет\\: это профсоюз.\n" in written
    assert [item.spec for item in parse_gift(written).items] == specs
    for spec, moodle in zip(specs, read_file(written), strict=True):
        assert_same_meaning(spec, moodle)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            QuestionSpec("matching", "M", pairs=[Pair("p1", "a->b", "c"), Pair("p2", "d", "e")]),
            "“->” in the left side",
        ),
        (
            QuestionSpec("matching", "M", pairs=[Pair("p1", "a", "[html]c"), Pair("p2", "d", "e")]),
            "right side that starts like a format marker",
        ),
        (QuestionSpec("shortanswer", "S", answers=[TextAnswer("a->b")]), "“->” in a short"),
        (QuestionSpec("shortanswer", "S", answers=[TextAnswer("a", 1, "see -> b")]), "“->”"),
        (
            QuestionSpec("single", "C", options=[Option("o1", "a", 0.5), Option("o2", "b", 0.0)]),
            "single-choice",
        ),
        (
            QuestionSpec(
                "numeric", "N", numeric=[NumericAnswer(value=1.0), NumericAnswer(weight=0.5)]
            ),
            "any other number",
        ),
    ],
)
def test_what_gift_cannot_hold_is_refused_with_a_reason(spec: QuestionSpec, message: str) -> None:
    with pytest.raises(GiftLoss, match=message):
        to_gift([("", spec)])


def assert_same_meaning(spec: QuestionSpec, moodle) -> None:
    """What Moodle stored means what the spec means."""
    fmt = spec.format_of
    blank = " ".join(filter(None, [spec.text, "_____" if spec.text_after else "", spec.text_after]))
    assert (moodle.name, moodle.text.strip(TRIM)) == (spec.name, blank.strip(TRIM))
    assert moodle.text_format == spec.text_format
    same_text(moodle.general, spec.general_feedback, fmt(spec.general_feedback_format))
    if spec.type in ("single", "multiple"):
        assert (moodle.qtype, moodle.single) == ("multichoice", spec.type == "single")
        assert len(moodle.answers) == len(spec.options)
        for got, option in zip(moodle.answers, spec.options, strict=True):
            assert got["weight"] == pytest.approx(option.weight)
            same_text(got["text"], option.text, fmt(option.text_format))
            same_text(got["feedback"], option.feedback, fmt(option.feedback_format))
    elif spec.type == "matching":
        assert moodle.qtype == "match"
        for got, pair in zip(moodle.answers, spec.pairs, strict=True):
            same_text(got["left"], pair.left, fmt(pair.left_format))
            assert got["right"] == pair.right.strip(TRIM)
    elif spec.type == "essay":
        assert moodle.qtype == "essay"
    elif spec.type == "truefalse":
        assert (moodle.qtype, moodle.truth) == ("truefalse", spec.truth)
        same_text(moodle.feedback_true, spec.feedback_true, fmt(spec.feedback_true_format))
        same_text(moodle.feedback_false, spec.feedback_false, fmt(spec.feedback_false_format))
    elif spec.type == "shortanswer":
        assert moodle.qtype == "shortanswer"
        for got, answer in zip(moodle.answers, spec.answers, strict=True):
            # Moodle's wildcard: an unescaped star matches anything; "\*" is a star.
            text = got["text"] if got["text"] == "*" else got["text"].replace("\\*", "*")
            assert text == answer.text.strip(TRIM) and got["weight"] == pytest.approx(answer.weight)
            if answer.text != "*":
                assert "*" not in got["text"].replace("\\*", "")
            same_text(got["feedback"], answer.feedback, fmt(answer.feedback_format))
    else:
        assert moodle.qtype == "numerical"
        for got, number in zip(moodle.answers, spec.numeric, strict=True):
            if number.any_other:
                assert (got["value"], got["weight"]) == ("*", 0.0)
            elif number.low is not None:
                assert got["value"] - got["tolerance"] == pytest.approx(number.low)
                assert got["value"] + got["tolerance"] == pytest.approx(number.high)
            else:
                assert (got["value"], got["tolerance"]) == (number.value, number.tolerance)
            same_text(got["feedback"], number.feedback, fmt(number.feedback_format))


def same_text(moodle: tuple[str, str], text: str, text_format: str) -> None:
    """Moodle trims texts (even of escaped newlines); the format matters for a text."""
    assert moodle[0] == text.strip(TRIM)
    if text.strip(TRIM):
        assert moodle[1] == text_format


@settings(max_examples=150, deadline=None, database=None)
@given(st.lists(questions(), max_size=3))
def test_exported_questions_mean_the_same_in_moodle(specs: list[QuestionSpec]) -> None:
    written = to_gift([("Категория", spec) for spec in specs])
    read = read_file(written)
    assert len(read) == len(specs)
    for spec, moodle in zip(specs, read, strict=True):
        assert_same_meaning(spec, moodle)


def test_the_moodle_model_reads_the_fixture_as_our_reader_does() -> None:
    ours = list(items().values())
    theirs = [q for q in read_file(FIXTURE) if q.qtype != "description"]
    assert [q.name for q in theirs] == [q.name for q in ours]
    for spec, moodle in zip(ours, theirs, strict=True):
        assert_same_meaning(spec, moodle)
    assert read_question("Q {=a}").qtype == "shortanswer"
