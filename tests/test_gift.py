"""Tests for the GIFT reader and writer (quizzes/gift/): pure functions, no app needed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.gift import GiftError, GiftItem, GiftLoss, GiftSkipped, parse_gift, to_gift
from quizzes.gift.text import KNOWN_MARKER_RE
from quizzes.gift.write import format_number, format_percent
from quizzes.spec import TEXT_FORMATS, NumericAnswer, Option, Pair, QuestionSpec, TextAnswer


def one(source: str) -> QuestionSpec:
    """The only question of a GIFT text."""
    result = parse_gift(source)
    assert result.skipped == []
    assert len(result.items) == 1
    return result.items[0].spec


def spec(type_: str, text: str, **fields: object) -> QuestionSpec:
    """A QuestionSpec as the reader makes it: Moodle's default text format."""
    fields.setdefault("text_format", "moodle")
    return QuestionSpec(type=type_, text=text, **fields)  # type: ignore[arg-type]


def error_of(source: str) -> GiftError:
    """The GiftError a GIFT text raises."""
    with pytest.raises(GiftError) as caught:
        parse_gift(source)
    return caught.value


# --- layout: comments, blank lines, names, categories, formats ---------------------------------


def test_comment_lines_are_dropped_but_double_slashes_inside_text_stay() -> None:
    source = (
        "// Вопросы по охране труда\n"
        "   // отступ перед комментарием — тоже комментарий\n"
        "Устав профсоюза опубликован на https://example.org/ustav {T}\n"
    )
    assert one(source) == spec(
        "truefalse", "Устав профсоюза опубликован на https://example.org/ustav", truth=True
    )


def test_comment_inside_a_question_neither_splits_nor_joins_it() -> None:
    source = (
        "Кто подписывает коллективный договор? {\n"
        "// варианты ответа:\n"
        "=Работодатель и профком\n"
        "~Только директор\n"
        "}\n"
    )
    assert one(source).options == [
        Option("o1", "Работодатель и профком", 1.0),
        Option("o2", "Только директор", 0.0),
    ]


def test_blank_lines_separate_questions_and_lines_are_counted() -> None:
    source = "\n\nFirst {T}\n\n\n   \nSecond {F}\n// comment\n\nThird\n{T}\n"
    result = parse_gift(source)
    assert [(item.spec.text, item.line) for item in result.items] == [
        ("First", 3),
        ("Second", 7),
        ("Third", 10),
    ]


def test_crlf_line_endings_and_byte_order_mark() -> None:
    result = parse_gift("\ufeff::Q1:: Первый {T}\r\n\r\n::Q2:: Второй\r\n{F}\r\n")
    assert [(item.spec.name, item.spec.text, item.line) for item in result.items] == [
        ("Q1", "Первый", 1),
        ("Q2", "Второй", 3),
    ]


def test_question_spanning_lines_keeps_its_line_breaks() -> None:
    source = "::Отпуск:: Сколько дней длится\nежегодный оплачиваемый\nотпуск? {#28}\n"
    assert one(source) == spec(
        "numeric",
        "Сколько дней длится\nежегодный оплачиваемый\nотпуск?",
        name="Отпуск",
        numeric=[NumericAnswer(value=28.0)],
    )


def test_question_name() -> None:
    assert one("::Трудовой договор::Срок испытания — до трёх месяцев. {TRUE}").name == (
        "Трудовой договор"
    )
    assert one(":: Spaced name ::  Text {T}").name == "Spaced name"
    assert one("::Time 10\\:30:: Starts at 10:30? {T}") == spec(
        "truefalse", "Starts at 10:30?", name="Time 10:30", truth=True
    )


def test_categories_apply_to_the_following_questions() -> None:
    source = (
        "Без категории {T}\n\n"
        "$CATEGORY: Курс/Модуль 1\n\n"
        "Первый {T}\n\n"
        "$CATEGORY:$course$/top/Курс/Модуль 2\n"
        "Второй {T}\n\n"
        "$CATEGORY: $system$/Общие вопросы\n\n"
        "Третий {T}\n\n"
        "$CATEGORY: $course$/Ёлки\n\n"
        "Четвёртый {T}\n\n"
        "$CATEGORY: $course$/top\n\n"
        "Пятый {T}\n"
    )
    result = parse_gift(source)
    assert [(item.category, item.spec.text, item.line) for item in result.items] == [
        ("", "Без категории", 1),
        ("Курс/Модуль 1", "Первый", 5),
        ("Курс/Модуль 2", "Второй", 8),
        ("Общие вопросы", "Третий", 12),
        ("Ёлки", "Четвёртый", 16),
        ("", "Пятый", 20),
    ]


@pytest.mark.parametrize("text_format", TEXT_FORMATS)
def test_format_markers(text_format: str) -> None:
    source = f"::Q::[{text_format}] **Профсоюз** защищает права работников. {{T}}"
    assert one(source) == spec(
        "truefalse",
        "**Профсоюз** защищает права работников.",
        name="Q",
        text_format=text_format,
        truth=True,
    )


def test_no_marker_means_moodle_format_and_brackets_that_are_no_marker_are_text() -> None:
    assert one("Plain question {T}").text_format == "moodle"
    assert one("[HTML]<p>Upper-case marker</p> {T}").text_format == "html"
    assert one("[ст. 81 ТК РФ] Увольнение по инициативе работодателя {T}").text == (
        "[ст. 81 ТК РФ] Увольнение по инициативе работодателя"
    )
    # A short answer drops its marker (Moodle does too): it is compared, never shown.
    assert one("Вопрос {=[html]<b>ответ</b>}").answers == [TextAnswer("<b>ответ</b>")]
    assert one("Вопрос {=[sic] ответ}").answers == [TextAnswer("[sic] ответ")]


def test_escapes_in_every_text() -> None:
    source = (
        "::Имя\\: \\{1\\}:: Сколько будет 2 \\+ 2 \\= ? \\~ \\# \\\\ строка\\nещё {\n"
        "=4 \\= четыре#Верно\\: \\{\\}\\~\\=\\#\n"
        "~5 \\# пять\n"
        "####Общий \\#отзыв\\nвторая строка\n"
        "}"
    )
    assert one(source) == spec(
        "single",
        "Сколько будет 2 \\+ 2 = ? ~ # \\ строка\nещё",
        name="Имя: {1}",
        options=[Option("o1", "4 = четыре", 1.0, "Верно: {}~=#"), Option("o2", "5 # пять", 0.0)],
        general_feedback="Общий #отзыв\nвторая строка",
    )


def test_escaped_newlines_at_the_ends_of_a_text_are_kept() -> None:
    assert one("\\nQuestion\\n {T}").text == "\nQuestion\n"


# --- question types ---------------------------------------------------------------------------


def test_single_choice() -> None:
    source = (
        "::Профком::Кто избирает профсоюзный комитет? {\n"
        "  =Общее собрание членов профсоюза #Верно, высший орган — собрание.\n"
        "  ~Директор предприятия #Нет, работодатель не вмешивается.\n"
        "  ~Трудовая инспекция\n"
        "}"
    )
    assert one(source) == spec(
        "single",
        "Кто избирает профсоюзный комитет?",
        name="Профком",
        options=[
            Option("o1", "Общее собрание членов профсоюза", 1.0, "Верно, высший орган — собрание."),
            Option("o2", "Директор предприятия", 0.0, "Нет, работодатель не вмешивается."),
            Option("o3", "Трудовая инспекция", 0.0),
        ],
    )


def test_single_choice_with_partial_credit() -> None:
    source = "Jesus Christ was from {~Jerusalem ~%25%Bethlehem ~%50%Galilee =Nazareth ~%-50%Rome}."
    assert one(source) == spec(
        "single",
        "Jesus Christ was from",
        text_after=".",
        options=[
            Option("o1", "Jerusalem", 0.0),
            Option("o2", "Bethlehem", 0.25),
            Option("o3", "Galilee", 0.5),
            Option("o4", "Nazareth", 1.0),
            Option("o5", "Rome", -0.5),
        ],
    )


def test_single_choice_without_a_full_marks_answer() -> None:
    assert one("Лучший ответ {=%50%частичный ~неверный}").options == [
        Option("o1", "частичный", 0.5),
        Option("o2", "неверный", 0.0),
    ]


def test_multiple_answers() -> None:
    source = (
        "Какие гарантии есть у членов выборного органа профсоюза? {\n"
        "~%50%Защита от увольнения без согласия вышестоящего органа#Да\n"
        "~%50%Освобождение от работы на время учёбы\n"
        "~%-100%Двойная зарплата#Такой гарантии нет\n"
        "~%33.33333%Third\n"
        "}"
    )
    assert one(source) == spec(
        "multiple",
        "Какие гарантии есть у членов выборного органа профсоюза?",
        options=[
            Option("o1", "Защита от увольнения без согласия вышестоящего органа", 0.5, "Да"),
            Option("o2", "Освобождение от работы на время учёбы", 0.5),
            Option("o3", "Двойная зарплата", -1.0, "Такой гарантии нет"),
            Option("o4", "Third", 0.3333333),
        ],
    )


def test_all_tilde_answers_with_one_positive_weight_are_multiple_answers() -> None:
    assert one("Q {~%100%right ~wrong}").type == "multiple"


@pytest.mark.parametrize(
    ("answer", "truth"),
    [("T", True), ("TRUE", True), ("true", True), ("t", True), ("F", False), ("FALSE", False)],
)
def test_true_false(answer: str, truth: bool) -> None:
    assert one(
        f"Коллективный договор заключается на срок не более трёх лет. {{ {answer} }}"
    ) == spec(
        "truefalse", "Коллективный договор заключается на срок не более трёх лет.", truth=truth
    )


def test_true_false_feedback_first_for_wrong_second_for_right() -> None:
    # Moodle's importer: {T#wrong#right}; feedback_true is for whoever answered "true".
    assert one("Земля круглая. {T#Нет, круглая.#Верно!}") == spec(
        "truefalse",
        "Земля круглая.",
        truth=True,
        feedback_true="Верно!",
        feedback_false="Нет, круглая.",
    )
    assert one("The sun rises in the west. {FALSE#No, in the east.#Right.}") == spec(
        "truefalse",
        "The sun rises in the west.",
        truth=False,
        feedback_true="No, in the east.",
        feedback_false="Right.",
    )
    assert one("Only a wrong feedback. {F#Ошибка}").feedback_true == "Ошибка"
    assert one("Only a right feedback. {F##Верно}").feedback_false == "Верно"


def test_short_answer() -> None:
    source = (
        "Как называется основной документ профсоюзной организации? {\n"
        "=Устав#Правильно\n"
        "=%50%Положение#Частично: положение бывает у первичной организации\n"
        "=%0%Договор#Нет\n"
        "}"
    )
    assert one(source) == spec(
        "shortanswer",
        "Как называется основной документ профсоюзной организации?",
        answers=[
            TextAnswer("Устав", 1.0, "Правильно"),
            TextAnswer("Положение", 0.5, "Частично: положение бывает у первичной организации"),
            TextAnswer("Договор", 0.0, "Нет"),
        ],
    )


def test_short_answer_feedback_may_contain_an_arrow() -> None:
    assert one("Who's buried in Grant's tomb? {=no one#see -> history =nobody}") == spec(
        "shortanswer",
        "Who's buried in Grant's tomb?",
        answers=[TextAnswer("no one", 1.0, "see -> history"), TextAnswer("nobody")],
    )


def test_numeric_value_and_tolerance() -> None:
    assert one("Число пи с точностью до сотых? {#3.14:0.01}") == spec(
        "numeric",
        "Число пи с точностью до сотых?",
        numeric=[NumericAnswer(value=3.14, tolerance=0.01)],
    )


def test_numeric_range_and_exact() -> None:
    assert one("What is a number from 1 to 5? {#1..5}").numeric == [
        NumericAnswer(low=1.0, high=5.0)
    ]
    assert one("Сколько будет 1+1? {#2}").numeric == [NumericAnswer(value=2.0)]
    assert one("Below zero? {# -10 .. -0.5 }").numeric == [NumericAnswer(low=-10.0, high=-0.5)]
    assert one("Tiny {#1e-05:2.5E-6}").numeric == [NumericAnswer(value=1e-05, tolerance=2.5e-06)]


def test_numeric_weighted_answers_with_feedback() -> None:
    source = (
        "Когда был принят Трудовой кодекс РФ? {#\n"
        "    =2001:0      # Верно, 30 декабря 2001 года.\n"
        "    =%50%2001:2  # Почти.\n"
        "    =%25%1990..2010\n"
        "    ####Кодекс вступил в силу 1 февраля 2002 года.\n"
        "}"
    )
    assert one(source) == spec(
        "numeric",
        "Когда был принят Трудовой кодекс РФ?",
        numeric=[
            NumericAnswer(value=2001.0, feedback="Верно, 30 декабря 2001 года."),
            NumericAnswer(value=2001.0, tolerance=2.0, weight=0.5, feedback="Почти."),
            NumericAnswer(low=1990.0, high=2010.0, weight=0.25),
        ],
        general_feedback="Кодекс вступил в силу 1 февраля 2002 года.",
    )


def test_matching() -> None:
    source = (
        "::Органы::Сопоставьте орган и его роль. {\n"
        "  =Профком -> руководит первичной организацией\n"
        "  =Ревизионная комиссия -> проверяет финансы\n"
        "  =Конференция->избирает делегатов -> и руководство\n"
        "}"
    )
    assert one(source) == spec(
        "matching",
        "Сопоставьте орган и его роль.",
        name="Органы",
        pairs=[
            Pair("p1", "Профком", "руководит первичной организацией"),
            Pair("p2", "Ревизионная комиссия", "проверяет финансы"),
            Pair("p3", "Конференция", "избирает делегатов -> и руководство"),
        ],
    )


def test_missing_word() -> None:
    assert one("Moodle costs {~lots of money =nothing ~a small amount} to download.") == spec(
        "single",
        "Moodle costs",
        text_after="to download.",
        options=[
            Option("o1", "lots of money", 0.0),
            Option("o2", "nothing", 1.0),
            Option("o3", "a small amount", 0.0),
        ],
    )


def test_missing_word_with_answers_on_their_own_lines() -> None:
    source = "Профсоюзный взнос составляет {\n  ~%0%5%\n  =1%\n  ~10%\n} от заработной платы."
    assert one(source) == spec(
        "single",
        "Профсоюзный взнос составляет",
        text_after="от заработной платы.",
        options=[Option("o1", "5%", 0.0), Option("o2", "1%", 1.0), Option("o3", "10%", 0.0)],
    )


def test_missing_word_in_other_types() -> None:
    assert one("Два плюс {=два =2} равно четырём.").text_after == "равно четырём."
    assert one("{T} — так отвечают на верное утверждение.") == spec(
        "truefalse", "", text_after="— так отвечают на верное утверждение.", truth=True
    )


def test_general_feedback() -> None:
    assert one("Ёж — млекопитающее? {TRUE####Ежи кормят детёнышей молоком.}") == spec(
        "truefalse",
        "Ёж — млекопитающее?",
        truth=True,
        general_feedback="Ежи кормят детёнышей молоком.",
    )
    assert one("Q {=a#fb ~b #####general}").general_feedback == "general"


DESCRIPTION = "Descriptions (text without “{…}”) are not imported."


def test_essay_is_read_with_its_general_feedback() -> None:
    result = parse_gift("Текст\n\n::Эссе:: Опишите роль профсоюза. {}\n\nWrite {\n####hint\n}")
    assert result.skipped == [GiftSkipped(1, DESCRIPTION)]
    assert [(item.line, item.spec) for item in result.items] == [
        (3, QuestionSpec("essay", "Опишите роль профсоюза.", name="Эссе", text_format="moodle")),
        (5, QuestionSpec("essay", "Write", text_format="moodle", general_feedback="hint")),
    ]


def test_essay_exports_as_moodle_writes_it_and_reads_back() -> None:
    plain = QuestionSpec("essay", "Опишите роль профсоюза.", name="Эссе")
    with_feedback = QuestionSpec("essay", "Write", general_feedback="Смотрите *устав*.")
    written = to_gift([("Эссе", plain), ("Эссе", with_feedback)])
    assert "::Эссе:: [markdown]Опишите роль профсоюза. {}" in written
    assert "[markdown]Write {\n\t####Смотрите *устав*.\n}" in written
    assert [item.spec for item in parse_gift(written).items] == [plain, with_feedback]


def test_description_is_skipped() -> None:
    result = parse_gift("::Введение:: Следующие вопросы — о колдоговоре.\n\nВопрос {T}")
    assert result.skipped == [GiftSkipped(1, DESCRIPTION)]
    assert [item.line for item in result.items] == [3]


def test_numeric_feedback_for_any_other_answer_is_read() -> None:
    assert one("Pi? {#\n=3.14:0.01\n~#Wrong\n}").numeric == [
        NumericAnswer(value=3.14, tolerance=0.01),
        NumericAnswer(weight=0.0, feedback="Wrong"),
    ]


def test_moodle_export_reads_back() -> None:
    # What Moodle's exporter writes: a comment per question, [html], explicit 100% and empty #.
    source = (
        "// question: 0  name: Switch category to $course$/top/Default for Профсоюз\n"
        "$CATEGORY: $course$/top/Default for Профсоюз\n\n\n"
        "// question: 12  name: Взносы\n"
        "::Взносы::[html]<p>Размер взноса?</p>{\n"
        "\t=%100%1%#\n"
        "\t=%50%один процент#\n"
        "}\n\n"
        "// question: 13  name: Год\n"
        "::Год::[html]<p>Год?</p>{#\n"
        "\t=%100%2001:0#\n"
        "}\n"
    )
    result = parse_gift(source)
    assert [(item.category, item.spec.type, item.line) for item in result.items] == [
        ("Default for Профсоюз", "shortanswer", 6),
        ("Default for Профсоюз", "numeric", 12),
    ]
    assert result.items[0].spec.answers == [TextAnswer("1%"), TextAnswer("один процент", 0.5)]


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "line", "message"),
    [
        ("Q1 {T}\n\nQuestion {=yes ~no\n", 3, "Unclosed “{”."),
        ("Q {\n=yes\n~no\nNext question {T}", 1, "Unclosed “{”."),
        ("Q1 {T}\n\nQuestion =yes ~no}", 3, "“}” without “{”."),
        ("Question {T}\n}", 2, "“}” without “{”."),
        ("Question {#}", 1, "The answer block has no answers."),
        ("Question {TRUE yes}", 1, "Unexpected text after “TRUE”"),
        ("Question {\nT#a#b#c\n}", 2, "at most two “#” feedbacks"),
        ("Question {\n=a\n~%abc%b\n}", 3, "Bad weight “%abc%”"),
        ("Question {\n=a\n~%150%b\n}", 3, "Weight “%150%” is outside -100..100."),
        ("Question {=a ~%50 b}", 1, "The weight “%50” needs a closing “%”"),
        ("Question {\n=a -> b\n=c -> d\n=e\n}", 4, "“left -> right”"),
        ("Question {=a -> b}", 1, "at least two pairs."),
        ("Question {=a -> b #fb =c -> d}", 1, "cannot have “#feedback”"),
        ("Question {=a -> =c -> d}", 1, "right side of a matching pair needs text"),
        ("Question {=a -> b = -> c}", 1, "at least two pairs."),
        ("Pi? {#3.14 ~2#Wrong}", 1, "one “~#feedback”"),
        ("Pi? {#3.14 ~#Wrong ~#Worse}", 1, "one “~#feedback”"),
        ("Pi? {#~#Wrong}", 1, "no answers"),
        ("Question {#\n=3.14:0.01\n=abc\n}", 3, "“abc” is not a number."),
        ("Question {#3,14}", 1, "“3,14” is not a number (use a point for decimals)."),
        ("Question {#1:x}", 1, "“x” is not a number."),
        ("Question {#5..1}", 1, "The range “5..1” ends below its start."),
        ("Question {#5:-1}", 1, "The tolerance in “5:-1” is negative."),
        ("Question {#=%0%5}", 1, "No answer has a positive weight."),
        ("Question {Париж}", 1, "Answers must start with"),
        ("Question {=%0%Париж}", 1, "No answer has a positive weight."),
        ("Question {=}", 1, "An answer has no text."),
        ("Question {Париж =Лондон}", 1, "Answers must start with"),
        ("Question\n{\n~a\n~b\n}", 2, "No answer has a positive weight."),
        ("Question {=a}\n\nQ {~only}", 3, "at least two answers."),
        ("Question {=a ~b} and {=c ~d}", 1, "only one answer block"),
        ("Question {=a ~b} tail }", 1, "“}” without “{”."),
        ("Question {=a ~b}\nA next question without a blank line {T}", 2, "only one answer"),
        ("Question {\n=a\n~b\n}\nForgotten blank line", 5, "same line"),
        ("::Name\n\n::Q:: text {T}", 1, "not closed with “::”."),
        ("// c\n\n[latex] x^2 {T}", 3, "Unknown format “[latex]”"),
        ("::Q::[draft]Text {T}", 1, "Unknown format “[draft]”"),
    ],
)
def test_errors_point_at_their_line(source: str, line: int, message: str) -> None:
    error = error_of(source)
    assert error.line == line
    assert message in error.message
    assert str(error) == f"line {line}: {error.message}"
    assert_sentence(error.message)


def assert_sentence(message: str) -> None:
    """Shown to trainers as "Line 3: …": a sentence with typographic quotes, fully formatted."""
    assert message[0].isupper() or message.startswith("“"), message
    assert message.endswith("."), message
    assert "'" not in message and "%%" not in message and "%(" not in message, message


def test_skip_reasons_are_sentences() -> None:
    result = parse_gift("Intro\n\nEssay {}\n\nStar {=ab*c}")
    assert len(result.skipped) == 2
    for skipped in result.skipped:
        assert_sentence(skipped.reason)


def test_one_error_refuses_the_whole_file() -> None:
    with pytest.raises(GiftError):
        parse_gift("Good {T}\n\nBad {T\n\nGood too {F}")


def test_gift_error_fields() -> None:
    error = GiftError(7, "Unclosed “{”.")
    assert (error.line, error.message, str(error)) == (7, "Unclosed “{”.", "line 7: Unclosed “{”.")


# --- a realistic file -------------------------------------------------------------------------

REALISTIC = """\
// Курс «Основы профсоюзной работы», итоговый тест
// Подготовлено для импорта в платформу

$CATEGORY: $course$/top/Основы/Модуль 1

::Профсоюз::Профсоюз — это добровольное общественное объединение граждан. {TRUE}

::Учредители::Сколько человек нужно, чтобы создать первичную профсоюзную организацию? {#
    =3#Верно, не менее трёх.
    =%50%2..5#Почти.
}

::Взносы::[markdown]Членский взнос **обычно** составляет {
    ~0,5%
    =1%#Верно: 1 \\% нельзя, но 1% можно.
    ~5%
} заработной платы.

::Права::Какие права есть у профкома? {
    ~%50%Вести коллективные переговоры#Да
    ~%50%Контролировать соблюдение трудового законодательства
    ~%-100%Увольнять работников#Нет
}

// Раздел без вопросов
::Введение:: Следующие вопросы посвящены колдоговору.

$CATEGORY: Основы/Модуль 2

::Колдоговор::Кто подписывает коллективный договор? {
=Работодатель и представитель работников
~Только работодатель
~Государственная инспекция труда
####Статья 40 ТК РФ.
}

::Срок::Максимальный срок коллективного договора (лет)? {#3}

::Органы::Сопоставьте: {
    =Профком -> исполнительный орган
    =Конференция -> высший орган
    =Ревизионная комиссия -> контроль финансов
}

::Термин::Как называется соглашение между работниками и работодателем? {
    =коллективный договор
    =колдоговор#Разговорное название, засчитано.
    =%50%договор
}

::Эссе::Опишите, как ваш профком защищал работника. {}

::Ссылка::Текст кодекса: https://www.consultant.ru/document/cons_doc_LAW_34683/ —
это федеральный закон? {T#Это кодекс, но он тоже федеральный закон.#Верно.}

::Спецсимволы::Как записать в GIFT символы \\{, \\}, \\~, \\=, \\#, \\: и \\\\? {
    =С обратной косой чертой#Верно: \\\\\\{ и т. д.
    ~Никак
}

::Ёмкость::Ёмкость ёлочного шара (мл)? {#250:10####Ёлочные шары бывают разные.}

$CATEGORY:Основы/Модуль 3

::Отпуск::Продолжительность ежегодного основного оплачиваемого отпуска
составляет {
    ~14
    =28
    ~36
} календарных дней.

::Забастовка::Решение о забастовке принимает
{FALSE#Нет: решение принимает собрание.#Верно.} один директор.

::Гарантии::Сопоставьте гарантию и статью ТК РФ. {
    =Гарантии при увольнении -> ст. 374
    =Гарантии профсоюзным работникам -> ст. 375
}

::Пи::Число π до сотых? {#3.14:0.005}

::Ёлка::Напишите слово «ёлка». {=ёлка =елка#Без ё тоже засчитано}

::Мнение:: Что вы думаете о курсе? {
}
"""


def test_realistic_file() -> None:
    result = parse_gift(REALISTIC)
    assert len(result.items) == 18
    assert result.skipped == [GiftSkipped(26, DESCRIPTION)]
    assert [item.line for item in result.items] == [
        6,
        8,
        13,
        19,
        30,
        37,
        39,
        45,
        51,
        53,
        56,
        61,
        65,
        72,
        75,
        80,
        82,
        84,
    ]
    types = [item.spec.type for item in result.items]
    assert {t: types.count(t) for t in set(types)} == {
        "truefalse": 3,
        "numeric": 4,
        "single": 4,
        "multiple": 1,
        "matching": 2,
        "shortanswer": 2,
        "essay": 2,
    }
    by_name = {item.spec.name: item for item in result.items}
    assert [by_name[n].category for n in ("Профсоюз", "Колдоговор", "Отпуск")] == [
        "Основы/Модуль 1",
        "Основы/Модуль 2",
        "Основы/Модуль 3",
    ]
    assert by_name["Взносы"].spec == spec(
        "single",
        "Членский взнос **обычно** составляет",
        name="Взносы",
        text_format="markdown",
        text_after="заработной платы.",
        options=[
            Option("o1", "0,5%", 0.0),
            Option("o2", "1%", 1.0, "Верно: 1 \\% нельзя, но 1% можно."),
            Option("o3", "5%", 0.0),
        ],
    )
    assert by_name["Спецсимволы"].spec.text == (
        "Как записать в GIFT символы {, }, ~, =, #, : и \\?"
    )
    assert by_name["Спецсимволы"].spec.options[0].feedback == "Верно: \\{ и т. д."
    assert by_name["Ссылка"].spec.feedback_false == "Это кодекс, но он тоже федеральный закон."
    assert by_name["Забастовка"].spec.text_after == "один директор."
    assert by_name["Отпуск"].spec.text == (
        "Продолжительность ежегодного основного оплачиваемого отпуска\nсоставляет"
    )
    assert by_name["Ёмкость"].spec.general_feedback == "Ёлочные шары бывают разные."
    # Writing it out and reading it back changes nothing.
    again = parse_gift(to_gift([(item.category, item.spec) for item in result.items]))
    assert [(i.category, i.spec) for i in again.items] == [
        (i.category, i.spec) for i in result.items
    ]


# --- writing ----------------------------------------------------------------------------------


def test_to_gift_layout() -> None:
    items = [
        ("", spec("truefalse", "Земля круглая.", name="Q1", truth=True, feedback_false="Нет")),
        (
            "Курс/Модуль 1",
            spec(
                "single",
                "Moodle costs",
                text_after="to download.",
                options=[Option("o1", "lots", 0.0, "no"), Option("o2", "nothing", 1.0)],
            ),
        ),
        ("Курс/Модуль 1", spec("numeric", "Pi?", numeric=[NumericAnswer(3.14, 0.01)])),
        ("", spec("shortanswer", "Ёлка?", text_format="markdown", answers=[TextAnswer("ёлка")])),
    ]
    assert to_gift(items) == (
        "::Q1:: Земля круглая. {TRUE#Нет}\n\n"
        "$CATEGORY: Курс/Модуль 1\n\n"
        "Moodle costs {\n\t~lots#no\n\t=nothing\n} to download.\n\n"
        "Pi? {#3.14:0.01}\n\n"
        "$CATEGORY:\n\n"
        "[markdown]Ёлка? {=ёлка}\n"
    )
    assert to_gift([]) == ""


def test_to_gift_protects_texts_that_would_read_as_syntax() -> None:
    tricky = [
        spec("truefalse", "// not a comment", truth=True),
        spec("truefalse", "[html] is a tag name", truth=False),
        spec("truefalse", "$CATEGORY: not a category", truth=True),
        spec("truefalse", "::not a name::", truth=True),
        spec(
            "single",
            "Percent",
            options=[
                Option("o1", "%50% off", 1.0),
                Option("o2", "%none", 0.0),
                Option("o3", "ok", 1.0),
            ],
        ),
        spec("shortanswer", "Arrow", answers=[TextAnswer("a-b"), TextAnswer("%50")]),
        spec("shortanswer", "Stars", answers=[TextAnswer("a*b\\*"), TextAnswer("*", 0.0)]),
        spec("shortanswer", "Marker", answers=[TextAnswer("[html]<b>"), TextAnswer("[1]")]),
        spec("matching", "M", pairs=[Pair("p1", "xy", "z->w"), Pair("p2", "end-", ">start")]),
        spec(
            "single",
            "Markers",
            options=[Option("o1", "[plain]x", 1.0, "[html]y"), Option("o2", "[b]", 0.0)],
        ),
    ]
    written = to_gift([("", item) for item in tricky])
    assert "[moodle]// not a comment" in written
    assert "[moodle][html] is a tag name" in written
    assert "~%100%%50% off" in written  # Moodle reads no weight after "="
    assert "~%0%%none" in written
    assert "=a\\*b\\\\\\*\n" in written  # a star is a wildcard in Moodle unless escaped
    assert "=%0%*\n" in written
    assert "=[moodle][html]<b>\n" in written
    assert "=[moodle][plain]x#[moodle][html]y" in written
    assert "=xy -> z->w" in written
    assert [item.spec for item in parse_gift(written).items] == tricky


def test_to_gift_single_choice_markers() -> None:
    all_right = spec("single", "Q", options=[Option("o1", "a", 1.0), Option("o2", "b", 1.0)])
    partial = spec("single", "Q", options=[Option("o1", "a", 1.0), Option("o2", "b", 0.5)])
    assert "=a\n\t~%100%b" in to_gift([("", all_right)])  # one "~" keeps it from short answer
    assert "=a\n\t~%50%b" in to_gift([("", partial)])
    assert [i.spec for i in parse_gift(to_gift([("", all_right), ("", partial)])).items] == [
        all_right,
        partial,
    ]
    # Moodle gives "=" full marks whatever follows, and all-"~" is multiple choice.
    no_full_marks = spec("single", "Q", options=[Option("o1", "a", 0.5), Option("o2", "b", 0.5)])
    with pytest.raises(GiftLoss, match="single-choice"):
        to_gift([("", no_full_marks)])
    # Our reader still takes "=%50%" (older exports wrote it).
    assert one("Q {=%50%a ~%50%b}") == no_full_marks


@pytest.mark.parametrize(
    "bad",
    [
        spec("unknown", "Q"),
        spec("truefalse", "Q", text_format="rtf", truth=True),
        spec("truefalse", "Q"),
        spec("single", "Q", options=[Option("o1", "a", 1.0)]),
        spec("multiple", "Q", options=[Option("o1", "a", 0.0), Option("o2", "b", -1.0)]),
        spec("multiple", "Q", options=[Option("o1", "a", 2.0), Option("o2", "b", 0.0)]),
        spec("single", "Q", options=[Option("o1", " ", 1.0), Option("o2", "b", 0.0)]),
        spec("shortanswer", "Q"),
        spec("numeric", "Q", numeric=[NumericAnswer()]),
        spec("numeric", "Q", numeric=[NumericAnswer(low=1.0)]),
        spec("numeric", "Q", numeric=[NumericAnswer(low=5.0, high=1.0)]),
        spec("numeric", "Q", numeric=[NumericAnswer(value=1.0, tolerance=-1.0)]),
        spec("numeric", "Q", numeric=[NumericAnswer(value=float("nan"))]),
        spec("matching", "Q", pairs=[Pair("p1", "a", "b")]),
    ],
)
def test_to_gift_refuses_what_gift_cannot_hold(bad: QuestionSpec) -> None:
    with pytest.raises(ValueError):
        to_gift([("", bad)])


def test_to_gift_refuses_a_multiline_category() -> None:
    with pytest.raises(ValueError):
        to_gift([("A\nB", spec("truefalse", "Q", truth=True))])


def test_number_and_percent_formatting() -> None:
    assert [format_number(x) for x in (2.0, -0.0, 3.14, 1e-05, 1e20, -2.5)] == [
        "2",
        "0",
        "3.14",
        "1e-05",
        "1e+20",
        "-2.5",
    ]
    assert [format_percent(w) for w in (1.0, 0.5, -1.0, 0.0, 0.3333333, 0.1 + 0.2)] == [
        "100",
        "50",
        "-100",
        "0",
        "33.33333",
        "30.000000000000004",
    ]
    for weight in (0.3333333, 0.1 + 0.2, 1 / 3, 0.07, -0.125, 1e-07, -0.0):
        written = to_gift(
            [
                (
                    "",
                    spec(
                        "multiple", "Q", options=[Option("o1", "a", 1.0), Option("o2", "b", weight)]
                    ),
                )
            ]
        )
        assert parse_gift(written).items[0].spec.options[1].weight == weight


# --- property: writing then reading gives back the same questions -----------------------------

FRAGMENTS = [
    "a",
    "Z",
    "я",
    "Ж",
    "ё",
    "Ё",
    "7",
    " ",
    "\t",
    "\n",
    "~",
    "=",
    "#",
    "{",
    "}",
    ":",
    "\\",
    "%",
    "[",
    "]",
    "-",
    ">",
    "/",
    "$",
    ".",
    "n",
    "->",
    "//",
    "::",
    "####",
    "\\n",
    "%50%",
    "[html]",
    "[moodle]",
    "$CATEGORY:",
    "TRUE",
    "https://example.org",
    "\u00a0",
    "*",
    "\\*",
    "[plain]",
    "[HTML]",
]
# GIFT trims every text, so generated texts have no surrounding spaces or tabs.
texts = st.lists(st.sampled_from(FRAGMENTS), max_size=8).map(
    lambda parts: "".join(parts).strip(" \t")
)
filled = texts.filter(bool)
all_weights = st.sampled_from([1.0, 0.5, 0.25, 0.0, -0.5, -1.0])
plain_weights = st.sampled_from([1.0, 0.5, 0.25, 0.0])
decimals = st.integers(-100_000, 100_000).map(lambda n: n / 100)
tolerances = st.integers(0, 1_000).map(lambda n: n / 1000)


own_formats = st.sampled_from(["", *TEXT_FORMATS])
# Moodle reads any "->" among short answers as matching, and splits a pair at its first "->".
no_arrow = texts.filter(lambda text: "->" not in text)
no_arrow_filled = no_arrow.filter(bool)


def options(weights: st.SearchStrategy[list[float]]) -> st.SearchStrategy[list[Option]]:
    """Options o1, o2, ... with the given weights, each text in its own format or not."""
    one_option = st.tuples(filled, texts, own_formats, own_formats)
    return weights.flatmap(
        lambda ws: st.tuples(*(one_option for _ in ws)).map(
            lambda parts: [
                Option(f"o{i}", *part[:1], weight, *part[1:])
                for i, (weight, part) in enumerate(zip(ws, parts, strict=True), 1)
            ]
        )
    )


# Single and multiple take the same weights: a single choice without a 100% option is written
# with `=%50%`, and one with only 100% options with `~%100%`.
choice_options = options(
    st.lists(all_weights, min_size=2, max_size=5).filter(lambda ws: max(ws) > 0)
)
text_answers = st.lists(
    st.builds(TextAnswer, no_arrow_filled, plain_weights, no_arrow, own_formats),
    min_size=1,
    max_size=4,
).filter(lambda answers: any(a.weight > 0 for a in answers))
numeric_answers = st.tuples(
    st.lists(
        st.one_of(
            st.builds(
                lambda v, t, w, f: NumericAnswer(value=v, tolerance=t, weight=w, feedback=f),
                decimals,
                tolerances,
                plain_weights,
                texts,
            ),
            st.builds(
                lambda lo, width, w, f: NumericAnswer(
                    low=lo, high=lo + width, weight=w, feedback=f
                ),
                decimals,
                tolerances,
                plain_weights,
                texts,
            ),
        ),
        min_size=1,
        max_size=4,
    ).filter(lambda answers: any(a.weight > 0 for a in answers)),
    st.lists(st.builds(lambda f: NumericAnswer(weight=0.0, feedback=f), texts), max_size=1),
).map(lambda parts: parts[0] + parts[1])
# Rights are plain text: one that starts like a format marker is refused (GiftLoss, tested apart).
rights = filled.filter(lambda text: not KNOWN_MARKER_RE.match(text))
pairs = st.tuples(
    st.lists(st.tuples(no_arrow_filled, rights, own_formats), min_size=2, max_size=4),
    st.lists(rights, max_size=2),
).map(
    lambda sides: [
        Pair(f"p{i}", left, right, fmt)
        for i, (left, right, fmt) in enumerate(sides[0] + [("", r, "") for r in sides[1]], 1)
    ]
)


def as_read(question: QuestionSpec) -> QuestionSpec:
    """The question as the reader gives it: no own format for an empty text or one that is the
    question's."""
    items = [question, *question.options, *question.answers, *question.numeric, *question.pairs]
    for item in items:
        for name in [n for n in vars(item) if n.endswith("_format") and n != "text_format"]:
            if not getattr(item, name.removesuffix("_format"), "") and name != "left_format":
                setattr(item, name, "")
        if isinstance(item, Pair) and not item.left:
            item.left_format = ""
        if isinstance(item, Option) and not item.feedback:
            item.feedback_format = ""
    return question.without_default_formats()


@st.composite
def questions(draw: st.DrawFn) -> QuestionSpec:
    """A random question of any type that GIFT can hold."""
    type_ = draw(
        st.sampled_from(
            ["single", "multiple", "truefalse", "shortanswer", "numeric", "matching", "essay"]
        )
    )
    fields: dict[str, object] = {
        "name": draw(texts),
        "text_format": draw(st.sampled_from(TEXT_FORMATS)),
        "text_after": draw(texts),
        "general_feedback": draw(texts),
        "general_feedback_format": draw(own_formats),
    }
    if type_ in ("single", "multiple"):
        fields["options"] = draw(choice_options)
        if type_ == "single":  # GIFT marks single choice by a full-marks `=` answer
            first = fields["options"][0]  # type: ignore[index]
            first.weight = 1.0
            first.text = "x" + first.text if first.text.startswith("%") else first.text
    elif type_ == "truefalse":
        fields.update(
            truth=draw(st.booleans()),
            feedback_true=draw(texts),
            feedback_false=draw(texts),
            feedback_true_format=draw(own_formats),
            feedback_false_format=draw(own_formats),
        )
    elif type_ == "shortanswer":
        fields["answers"] = draw(text_answers)
    elif type_ == "numeric":
        fields["numeric"] = draw(numeric_answers)
    elif type_ == "essay":
        fields["text_after"] = ""  # an essay is answered below its text, never in a blank
    else:
        fields["pairs"] = draw(pairs)
    return as_read(QuestionSpec(type=type_, text=draw(texts), **fields))  # type: ignore[arg-type]


categories = st.sampled_from(["", "Курс", "Курс/Модуль 1", "Trade unions/Law", "Ёлки: зима"])


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.tuples(categories, questions()), max_size=5))
def test_written_questions_read_back_equal(items: list[tuple[str, QuestionSpec]]) -> None:
    result = parse_gift(to_gift(items))
    assert result.skipped == []
    assert [(item.category, item.spec) for item in result.items] == items


def test_items_are_dataclasses_with_lines() -> None:
    result = parse_gift("\n\nQ {T}")
    assert result.items == [GiftItem("", spec("truefalse", "Q", truth=True), 3)]


SOURCE_PIECES = [*FRAGMENTS, "T", "{T}", "{#1..2}", "{}", "\n\n", "$CATEGORY: x\n", "=", "~", "->"]


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.sampled_from(SOURCE_PIECES), max_size=30).map("".join))
def test_any_source_is_read_or_refused_and_reads_back_stably(source: str) -> None:
    try:
        result = parse_gift(source)
    except GiftError as error:
        assert 1 <= error.line <= source.count("\n") + 1
        return
    items = [(item.category, item.spec) for item in result.items]
    assert [(item.category, item.spec) for item in parse_gift(to_gift(items)).items] == items
