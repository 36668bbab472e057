"""Organizers see, per assignment, how many learners of an organization handed it in and how
many had it accepted — counts only, hidden for small groups like every other count, the CSV
equal to the page, the page's statements the same however many learners and assignments."""

from __future__ import annotations

import pytest

from assignments import reviewing, submitting
from assignments.models import Submission
from stats import store
from tests.assignment_helpers import build_assignment, enroll
from tests.conftest import count_queries
from tests.stats_helpers import csv_as_shown, csv_rows, figure_columns_are_numbers, page_tables
from tests.test_stats_permissions import fetch
from training.accounts.models import User
from training.extensions import db
from training.organizations.models import OrgKind
from training.organizations.services import create_organization

ACCEPT = reviewing.Grade({0: 2, 1: 1}, "Хорошо", "accepted")
REVISE = reviewing.Grade({0: 0, 1: 0}, "Доработайте", "revise")


def hand_in(assignment, person: User, text: str = "Текст заметки о собрании") -> Submission:
    """The person's next version of the assignment, sent."""
    seen = len(submitting.versions(assignment, person.id))
    return submitting.submit(assignment, person.id, text, [], seen)


@pytest.fixture
def handed_in(app, users, make_user, org_tree):
    """Six learners at the school hand in (one twice, after a revision); five are accepted.
    One learner alone in another local of the region hands in and is accepted."""
    with app.test_request_context():
        other = create_organization("Заречная", OrgKind.LOCAL, db.session.merge(org_tree["north"]))
        db.session.commit()
        org_tree["other"] = other
        course, assignment = build_assignment(users["trainer"])
        trainer = db.session.get(User, users["trainer"].id)
        people = [make_user(f"writer{i}") for i in range(6)] + [make_user("alone", org="other")]
        for i, person in enumerate(people):
            enroll(person, course)
            first = hand_in(assignment, person)
            if i == 0:  # asked to revise, sends a second version, then accepted
                reviewing.review(first, trainer, REVISE)
                first = hand_in(assignment, person, "Вторая версия")
            if i != 5:
                reviewing.review(first, trainer, ACCEPT)
        db.session.commit()
        return {"course": course, "assignment": assignment, "orgs": org_tree}


def work_table(client, query: str = "") -> list[list[str]]:
    """The assignments table of the quizzes page (the last table but the questions')."""
    html = client.get("/stats/quizzes" + query).get_data(as_text=True)
    assert "Текст заметки" not in html and "Вторая версия" not in html  # never contents
    assert "writer" not in html and "alone" not in html  # never names
    tables = page_tables(html)
    return next(t for t in tables if t[0][:2] == ["Course", "Assignment"])


def test_organizers_see_hand_ins_and_acceptances_by_organization(handed_in, login_as):
    client = login_as("organizer")  # the northern region's organizer
    client.set_cookie("lang", "en")
    orgs = handed_in["orgs"]
    table = work_table(client)
    assert table[0] == ["Course", "Assignment", "Handed in", "Accepted", "Accepted, share"]
    # people, not versions: the learner who sent twice counts once, accepted once
    assert table[1][1:] == ["Заметка для сайта", "7", "6", "86%"]
    assert work_table(client, f"?org={orgs['other'].id}")[1][2:] == ["hidden", "hidden", "—"]
    # 7 − 6 and 6 − 5 would give the lone learner away: the larger local hides too
    assert work_table(client, f"?org={orgs['north_local'].id}")[1][2:] == ["hidden", "hidden", "—"]
    client.set_cookie("lang", "ru")
    html = client.get("/stats/quizzes").get_data(as_text=True)
    assert "Сдали работу" in html and "Доля принятых" in html


def test_the_csv_is_the_page(handed_in, login_as):
    client = login_as("organizer")
    client.set_cookie("lang", "en")
    orgs = handed_in["orgs"]
    for query in ("", "?period=all", f"?org={orgs['north_local'].id}"):
        joiner = "&" if query else "?"
        response = fetch(client, f"/stats/quizzes.csv{query}{joiner}table=assignments")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        rows = csv_rows(response)
        assert csv_as_shown(rows) == work_table(client, query), query
        figure_columns_are_numbers(rows, 2)


def test_the_counts_come_from_the_event_log_rule(handed_in, app):
    """Counted on write by the same rule `stats check` and `stats rebuild` replay: no drift,
    and a rebuild gives the same figures."""
    assert store.check().total == 0
    before = store.check().counters
    store.rebuild()
    assert store.check().total == 0 and store.check().counters == before


def test_no_table_where_no_course_has_an_assignment(login_as, users, app):
    client = login_as("organizer")
    client.set_cookie("lang", "en")
    html = client.get("/stats/quizzes").get_data(as_text=True)
    assert "Handed in" not in html


def test_the_page_costs_the_same_statements_for_more_work(handed_in, app, login_as, make_user):
    client = login_as("organizer")
    client.set_cookie("lang", "en")
    client.get("/stats/quizzes")
    with count_queries() as statements:
        assert client.get("/stats/quizzes").status_code == 200
    before = len(statements)
    with app.test_request_context():
        course = db.session.merge(handed_in["course"])
        _other_course, another = build_assignment(
            db.session.merge(handed_in["course"].owner), slug="second"
        )
        for i in range(8):
            person = make_user(f"late{i}", org="school")
            enroll(person, course)
            hand_in(db.session.merge(handed_in["assignment"]), person)
        db.session.commit()
        assert another.id
    with count_queries() as statements:
        assert client.get("/stats/quizzes").status_code == 200
    assert len(statements) == before, statements
    assert len(work_table(client)) == 1 + 2  # both assignments are on the page
