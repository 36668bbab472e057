"""Organizer dashboards: what organizers see, small counts hidden, CSV equal to the page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from babel.dates import format_date as babel_format_date

from tests.conftest import count_queries, login
from tests.course_helpers import build_course
from tests.download_helpers import download_name
from tests.quiz_helpers import build_quiz
from tests.stats_helpers import (
    csv_as_shown,
    csv_rows,
    figure_columns_are_numbers,
    finish_lessons,
    page_links,
    page_tables,
    take_quiz,
)
from tests.test_stats_permissions import fetch
from training.accounts.models import Role
from training.audit import AuditEvent
from training.db import utcnow
from training.events import LearningEvent
from training.extensions import db


@pytest.fixture(autouse=True)
def english(client):
    """Read the dashboards in English (the default language is Russian)."""
    client.set_cookie("lang", "en")


@pytest.fixture
def crowd(app, users, make_user):
    """Six learners at the school (north), five at the college (south), in one course."""
    with app.test_request_context():
        course = build_course(users["trainer"])
        north = [make_user(f"north{i}") for i in range(6)]
        south = [make_user(f"south{i}", org="college") for i in range(5)]
        for person in north[:5] + south:
            finish_lessons(person, course)
        finish_lessons(north[5], course, keys=("intro",))
        db.session.commit()
        return course


def two_in_the_south(app, users, make_user) -> None:
    """Six learners at the school (north) and two at the college (south), one course."""
    with app.test_request_context():
        course = build_course(users["trainer"])
        for n in range(6):
            finish_lessons(make_user(f"north{n}"), course)
        for n in range(2):
            finish_lessons(make_user(f"south{n}", org="college"), course)
        db.session.commit()


def row_of(table: list[list[str]], first: str) -> list[str]:
    return next(row for row in table if row[0] == first)


def test_overview_counts_the_organizers_subtree_only(crowd, login_as):
    client = login_as("organizer")  # organizer of the northern region
    html = client.get("/stats/").get_data(as_text=True)
    courses = page_tables(html)[0]
    assert courses[0][:8] == [
        "Course",
        "Learners",
        "Active in 30 days",
        "Enrolled",
        "Started learning",
        "Completed",
        "Certified",
        "Completion rate",
    ]
    assert row_of(courses, "Информационная работа")[1:8] == ["6", "6", "6", "6", "5", "5", "83%"]
    assert row_of(courses, "Total")[1:8] == ["6", "6", "6", "6", "5", "5", "83%"]


def test_admin_sees_the_whole_union(crowd, login_as):
    client = login_as("admin")
    courses = page_tables(client.get("/stats/").get_data(as_text=True))[0]
    assert row_of(courses, "Total")[1:7] == ["11", "11", "11", "11", "10", "10"]


def test_small_counts_are_hidden_and_so_is_the_sibling_that_would_give_them_away(
    crowd, login_as, app, monkeypatch
):
    client = login_as("admin")
    tree = page_tables(client.get("/stats/tree").get_data(as_text=True))[0]
    assert row_of(tree, "Южная")[1:8] == ["5", "5", "5", "5", "5", "5", "100%"]
    monkeypatch.setitem(app.config, "STATS_MIN_GROUP", 6)  # now the southern five are few
    html = client.get("/stats/tree").get_data(as_text=True)
    tree = page_tables(html)[0]
    south = row_of(tree, "Южная")
    assert south[1:8] == ["hidden"] * 6 + ["—"]
    # 11 in the union minus the north's 6 would give the south's 5 away: the north goes too
    north = row_of(tree, "Северная")
    assert north[1:8] == ["hidden"] * 6 + ["—"]
    assert "5" not in south[1:] + north[1:] and "6" not in north[1:]
    assert "Counts from 1 to 5 are hidden" in html
    # the threshold is configuration: at 2, everything is shown
    monkeypatch.setitem(app.config, "STATS_MIN_GROUP", 2)
    html = client.get("/stats/tree").get_data(as_text=True)
    assert row_of(page_tables(html)[0], "Южная")[1:4] == ["5", "5", "5"]


def test_every_csv_matches_its_page(crowd, login_as, users):
    build_quiz  # noqa: B018 - the crowd's course has no quiz; the quizzes page is checked below
    client = login_as("admin")
    pairs = [
        ("/stats/", "/stats/overview.csv", 0, "overview", 1),
        ("/stats/", "/stats/trend.csv", 1, "trend", 1),
        ("/stats/tree", "/stats/tree.csv", 0, "organizations", 1),
        ("/stats/funnel", "/stats/funnel.csv", 0, "funnel", 1),
        ("/stats/learners", "/stats/learners.csv", 0, "learners", 7),
    ]
    root = users["admin"].organization_id
    for page, export, index, name, first_figure in pairs:
        for query in ("", "?period=all", "?period=4&language=ru", "?org=" + str(root)):
            html = client.get(page + query).get_data(as_text=True)
            response = fetch(client, export + query)
            assert response.status_code == 200
            assert response.mimetype == "text/csv"
            assert download_name(response).startswith(f"{name}-{root}-")
            rows = csv_rows(response)
            assert csv_as_shown(rows) == page_tables(html)[index], (export, query)
            figure_columns_are_numbers(rows, first_figure)


def test_csv_keeps_markers_out_of_the_figure_cells(app, users, make_user, login_as):
    """Two learners in the south are hidden (and the north with them): figure cells stay
    empty, the mark goes to its own column."""
    two_in_the_south(app, users, make_user)
    client = login_as("admin")
    rows = csv_rows(fetch(client, "/stats/tree.csv"))
    assert rows[0][:3] == ["Organization", "Learners", "Learners (not shown)"]
    assert rows[0][-1] == "Completion rate (not shown)"
    south = next(r for r in rows if r[0] == "Южная")
    assert south[1:3] == ["", "hidden"] and south[-2:] == ["", "—"]
    figure_columns_are_numbers(rows, 1)


def test_tree_drills_down_to_a_primary_organization(crowd, login_as, org_tree):
    client = login_as("organizer")
    html = client.get("/stats/tree").get_data(as_text=True)
    assert [row[0] for row in page_tables(html)[0][1:]] == ["Приморская"]
    link = page_links(html)["Приморская"]
    html = client.get(link).get_data(as_text=True)
    assert [row[0] for row in page_tables(html)[0][1:]] == ["Школа № 1"]
    html = client.get(page_links(html)["Школа № 1"]).get_data(as_text=True)
    school = page_tables(html)[0]
    assert school[1][:4] == ["Школа № 1", "6", "6", "6"]  # a primary shows itself
    assert "Школа № 1" not in page_links(html)  # nothing further down
    # the breadcrumbs lead back up to the organizer's own region, not above it
    assert f"org={org_tree['north'].id}" in html and f"org={org_tree['top'].id}" not in html


def test_tree_sorts_by_any_column_without_revealing_small_counts(crowd, login_as, make_user):
    client = login_as("admin")
    ascending = page_tables(client.get("/stats/tree?sort=3").get_data(as_text=True))[0]
    assert [row[0] for row in ascending[1:]] == ["Южная", "Северная"]
    descending = page_tables(client.get("/stats/tree?sort=3&desc=1").get_data(as_text=True))[0]
    assert [row[0] for row in descending[1:]] == ["Северная", "Южная"]
    by_name = page_tables(client.get("/stats/tree?sort=0&desc=1").get_data(as_text=True))[0]
    assert [row[0] for row in by_name[1:]] == ["Южная", "Северная"]


def test_funnel_steps_and_drop_off(crowd, login_as):
    client = login_as("organizer")
    table = page_tables(client.get(f"/stats/funnel?course={crowd.id}").get_data(as_text=True))[0]
    assert table[0] == ["Step", "Learners", "Share of enrolled", "Lost since the previous step"]
    assert [row[:3] for row in table[1:]] == [
        ["Enrolled", "6", "100%"],
        ["Started learning", "6", "100%"],
        ["Module done: Основы", "5", "83%"],
        ["Module done: Измерения", "5", "83%"],
        ["Certified", "5", "83%"],
    ]


def test_period_filter_moves_figures_out(crowd, login_as, app):
    with app.app_context():
        db.session.execute(
            sa.update(LearningEvent).values(timestamp=utcnow() - timedelta(days=200))
        )
        from stats import store

        store.rebuild()
        db.session.commit()
    client = login_as("organizer")
    recent = page_tables(client.get("/stats/?period=4").get_data(as_text=True))[0]
    assert row_of(recent, "Total")[3:7] == ["0", "0", "0", "0"]
    assert row_of(recent, "Total")[1] == "6"  # learners are counted over all time
    assert row_of(recent, "Total")[2] == "0"  # none active in the last 30 days
    year = page_tables(client.get("/stats/?period=52").get_data(as_text=True))[0]
    assert row_of(year, "Total")[3:7] == ["6", "6", "5", "5"]


def test_bad_filters_are_explained_and_defaults_shown(crowd, login_as):
    client = login_as("organizer")
    response = client.get("/stats/?period=custom&start=2026-05-01&end=2026-01-01")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "The period ends before it starts." in html
    assert row_of(page_tables(html)[0], "Total")[3] == "6"
    assert "Not a valid choice" in client.get("/stats/?course=99999").get_data(as_text=True)
    assert client.get("/stats/overview.csv?period=custom&start=2026-05-01").status_code == 400
    assert client.get("/stats/tree.csv?language=fr").status_code == 400


def test_language_and_course_filters(crowd, login_as, users, app):
    with app.test_request_context():
        english = build_course(users["trainer"], slug="english")
        english.language = "en"
        db.session.commit()
    client = login_as("organizer")
    ru = page_tables(client.get("/stats/?language=ru").get_data(as_text=True))[0]
    assert [row[0] for row in ru[1:]] == [crowd.title, "Total"]
    en = page_tables(client.get("/stats/?language=en").get_data(as_text=True))[0]
    assert row_of(en, "Total")[1:4] == ["0", "0", "0"]
    one = page_tables(client.get(f"/stats/?course={crowd.id}").get_data(as_text=True))[0]
    assert len(one) == 3 and row_of(one, "Total")[3] == "6"


def test_quizzes_show_pass_rate_attempts_and_difficult_questions(app, users, make_user, login_as):
    with app.test_request_context():
        course, quiz = build_quiz(users["trainer"])
        for i in range(6):
            person = make_user(f"taker{i}")
            finish_lessons(person, course)
            take_quiz(person, quiz, right=False)
            if i < 5:
                take_quiz(person, quiz, right=True)
        db.session.commit()
        slug, key = course.slug, quiz.key
    client = login_as("organizer")
    html = client.get("/stats/quizzes").get_data(as_text=True)
    quizzes, hard = page_tables(html)[:2]
    assert row_of(quizzes, "Информационная работа")[1:] == [
        "Проверка по модулю",
        "11",
        "6",
        "5",
        "83%",
        "1.8",
    ]
    assert len(hard) == 1 + 5  # the five lowest of six questions
    assert all(float(row[3]) <= 0.5 for row in hard[1:])
    # an organizer who does not author the course gets no link into the trainer's pages
    assert "/analysis" not in html
    # an organizer who also authors it does
    with app.test_request_context():
        from training.accounts.models import User, UserRole

        trainer = db.session.get(User, users["trainer"].id)
        trainer.role_rows.append(UserRole(role=Role.ORGANIZER.value))
        db.session.commit()
    client.post("/account/logout")
    author = app.test_client()
    author.set_cookie("lang", "en")
    login(author, "trainer")
    html = author.get("/stats/quizzes").get_data(as_text=True)
    assert f"/author/{slug}/quizzes/{key}/analysis" in html
    assert f"/author/{slug}/bank/" in html


def test_learner_list_names_people_never_answers_and_is_audited(crowd, login_as, users):
    client = login_as("organizer")
    html = client.get("/stats/learners").get_data(as_text=True)
    table = page_tables(html)[0]
    assert table[0] == [
        "Username",
        "Display name",
        "Organization",
        "Course",
        "Enrolled on",
        "Steps done",
        "Certificate",
    ]
    assert [row[0] for row in table[1:]] == [f"north{i}" for i in range(6)]
    assert row_of(table, "north5")[5] == "1/3" and row_of(table, "north5")[6] == "—"
    assert "south0" not in html
    assert client.get("/stats/learners.csv?period=all").status_code == 405  # a button, POST
    fetch(client, "/stats/learners.csv?period=all")
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action.like("stats.learners.%"))
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["stats.learners.view", "stats.learners.export"]
    assert all(e.actor_id == users["organizer"].id for e in events)
    assert events[0].target_id == str(users["organizer"].organization_id)
    assert events[1].details["rows"] == 6 and events[1].details["whole_list"] is True


def test_learner_list_pages_continue_after_the_last_row(
    app, users, make_user, login_as, monkeypatch
):
    import stats.learners
    import stats.views

    with app.test_request_context():
        course = build_course(users["trainer"])
        for i in range(7):
            finish_lessons(make_user(f"paged{i}"), course, keys=())
        db.session.commit()
    client = login_as("organizer")
    monkeypatch.setattr(stats.views, "PAGE_SIZE", 3)
    # Small subtrees are read organization first, large ones along the username index.
    for small_share in (1.1, 0):
        monkeypatch.setattr(stats.learners, "SMALL_SHARE", small_share)
        seen, path = [], "/stats/learners?period=all"
        while path:
            html = client.get(path).get_data(as_text=True)
            seen += [row[0] for row in page_tables(html)[0][1:]]
            pager = html.split('class="pager"', 1)[-1].split("</nav>", 1)[0]
            found = re.search(r'href="([^"]+)" rel="next"', pager)
            path = found.group(1).replace("&amp;", "&") if found else None
        assert seen == [f"paged{i}" for i in range(7)], small_share


def test_dashboards_cost_the_same_queries_for_more_learners(app, users, make_user, login_as):
    """Figures come from aggregates: ten times the learners, not one query more."""
    with app.test_request_context():
        course = build_course(users["trainer"])
        for i in range(2):
            finish_lessons(make_user(f"first{i}"), course)
        db.session.commit()
    client = login_as("organizer")
    paths = ("/stats/", "/stats/tree", "/stats/funnel", "/stats/quizzes")
    before = {}
    for path in paths:
        client.get(path)
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        before[path] = len(statements)
    with app.test_request_context():
        for i in range(20):
            finish_lessons(make_user(f"more{i}", org="school"), course)
        db.session.commit()
    for path in paths:
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        assert len(statements) == before[path], (path, statements)
        # the suppression rule reads the lineage's figures once more (stats/protect.py)
        assert len(statements) <= 17, (path, statements)


def test_typed_dates_count_and_the_page_says_they_became_whole_weeks(crowd, login_as):
    client = login_as("organizer")  # reads English
    # a preset left in the select: the typed dates are what the organizer meant
    html = client.get("/stats/?period=12&start=2026-10-01&end=2026-10-31").get_data(as_text=True)
    monday, sunday = (shown(day) for day in (date(2026, 9, 28), date(2026, 11, 1)))
    assert f"Period: {monday} – {sunday}." in html
    assert "widened to whole weeks" in html
    assert re.search(r'<option selected value="custom"|<option value="custom" selected', html)
    html = client.get("/stats/?period=custom&start=2026-09-28&end=2026-11-01").get_data(
        as_text=True
    )
    assert "widened to whole weeks" not in html  # whole weeks already


def test_the_period_never_ends_after_today(crowd, login_as):
    client = login_as("organizer")
    html = client.get("/stats/").get_data(as_text=True)
    assert f" – {shown(utcnow().date())}." in html


def shown(day: date) -> str:
    return babel_format_date(day, "short", locale="en")
