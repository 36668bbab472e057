"""XLSX next to every CSV: opened with openpyxl, its figures are the page's, as real numbers."""

from __future__ import annotations

import io
from datetime import date

import pytest
from babel.dates import format_date
from openpyxl import load_workbook

from tests.conftest import login
from tests.course_helpers import build_course
from tests.download_helpers import download_name
from tests.stats_helpers import assert_sheet_is_the_page, finish_lessons, page_tables
from tests.test_stats_pages import crowd, two_in_the_south  # noqa: F401 - six north, five south
from tests.test_stats_permissions import fetch
from training.extensions import db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAIRS = [
    ("/stats/", "/stats/overview.xlsx", 0, "overview"),
    ("/stats/", "/stats/trend.xlsx", 1, "trend"),
    ("/stats/tree", "/stats/tree.xlsx", 0, "organizations"),
    ("/stats/funnel", "/stats/funnel.xlsx", 0, "funnel"),
    ("/stats/learners", "/stats/learners.xlsx", 0, "learners"),
]


@pytest.fixture(autouse=True)
def english(client):
    client.set_cookie("lang", "en")


def workbook(response):
    assert response.status_code == 200
    assert response.mimetype == XLSX
    return load_workbook(io.BytesIO(response.data))


def test_every_xlsx_equals_its_page(crowd, login_as, users):  # noqa: F811
    client = login_as("admin")
    root = users["admin"].organization_id
    for page, export, index, name in PAIRS:
        for query in ("", "?period=all", "?period=4&language=ru"):
            html = client.get(page + query).get_data(as_text=True)
            response = fetch(client, export + query)
            assert download_name(response).startswith(f"{name}-{root}-")
            assert download_name(response).endswith(".xlsx")
            assert_sheet_is_the_page(workbook(response).worksheets[0], page_tables(html)[index])


def test_numbers_are_numbers(crowd, login_as):  # noqa: F811
    client = login_as("admin")
    sheet = workbook(fetch(client, "/stats/tree.xlsx")).worksheets[0]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    north = rows["Северная"]
    assert [cell.value for cell in north[1:4]] == [6, 6, 6]
    assert all(cell.data_type == "n" for cell in north[1:8])
    rate = north[7]
    assert rate.value == pytest.approx(5 / 6, abs=0.005) and rate.number_format == "0%"
    assert sheet.column_dimensions["A"].width >= len("Organization")


def test_hidden_cells_are_empty_with_a_note(app, users, make_user, login_as):
    """Two learners in the south: hidden, and the north with them (the union's total minus
    the north would give the south away); every hidden cell is empty and says why."""
    two_in_the_south(app, users, make_user)
    client = login_as("admin")
    sheet = workbook(fetch(client, "/stats/tree.xlsx")).worksheets[0]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    for name in ("Северная", "Южная"):
        learners = rows[name][1]
        assert learners.value is None and "Hidden" in learners.comment.text, name
    for row in rows.values():
        for cell in row[1:]:
            assert cell.value != "hidden"
            if cell.value is None:
                assert cell.comment is not None


def test_the_filters_sheet_says_what_the_figures_are_of(crowd, login_as, users):  # noqa: F811
    client = login_as("organizer")
    book = workbook(fetch(client, "/stats/overview.xlsx?period=all&language=ru"))
    assert book.sheetnames == ["Courses", "Filters"]
    about = {row[0].value: row[1].value for row in book["Filters"].iter_rows()}
    assert about["Organization"].endswith("Северная")
    assert about["Course"] == "All courses"
    assert about["Language"] == "Русский"
    assert about["Period"].startswith(format_date(date(2000, 1, 3), "short", locale="en"))
    assert "from 1 to 4 are hidden" in about["Small groups"]


def test_typed_text_stays_text(app, client, users, make_user):
    """A display name that looks like a formula is written as the text it is."""
    with app.test_request_context():
        course = build_course(users["trainer"])
        person = make_user("formula", display_name='=HYPERLINK("http://x.example","y")')
        finish_lessons(person, course)
        for n in range(4):  # enough people that the list may name them
            finish_lessons(make_user(f"neighbour{n}"), course)
    login(client, "admin")
    sheet = workbook(fetch(client, "/stats/learners.xlsx?period=all")).worksheets[0]
    cell = next(row[1] for row in sheet.iter_rows(min_row=2) if row[0].value == "formula")
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x.example","y")'


def test_downloads_sit_next_to_each_other(crowd, login_as):  # noqa: F811
    client = login_as("admin")
    html = client.get("/stats/").get_data(as_text=True)
    assert 'href="/stats/overview.csv"' in html and 'href="/stats/overview.xlsx"' in html
    assert 'href="/stats/trend.xlsx"' in html
    learners = client.get("/stats/learners").get_data(as_text=True)
    assert 'formaction="/stats/learners.xlsx"' in learners


def test_quiz_figures_and_difficult_questions(app, users, make_user, login_as):
    from tests.quiz_helpers import build_quiz
    from tests.stats_helpers import finish_lessons, take_quiz

    with app.test_request_context():
        course, quiz = build_quiz(users["trainer"])
        for i in range(6):
            person = make_user(f"taker{i}")
            finish_lessons(person, course)
            take_quiz(person, quiz, right=i < 5)
        db.session.commit()
    client = login_as("organizer")
    quizzes, hard = page_tables(client.get("/stats/quizzes").get_data(as_text=True))[:2]
    sheet = workbook(fetch(client, "/stats/quizzes.xlsx")).worksheets[0]
    assert_sheet_is_the_page(sheet, quizzes)
    assert sheet.cell(2, 6).number_format == "0%" and sheet.cell(2, 7).number_format == "0.0"
    questions = workbook(fetch(client, "/stats/quizzes.xlsx?table=questions")).worksheets[0]
    assert_sheet_is_the_page(questions, hard)
    assert questions.cell(2, 4).data_type == "n" and questions.cell(2, 4).number_format == "0.00"
