"""Complementary suppression: no hidden count can be worked out by subtracting shown ones.

The rule (stats/suppression.py) is pure, so most of this drives it over random organization
trees; the last tests replay the attack that found the hole, through the pages.
"""

from __future__ import annotations

import random
from collections import defaultdict

import pytest
import sqlalchemy as sa

from stats.suppression import Family, Line, hidden_cells, small, tree_lines
from tests.quiz_helpers import build_quiz
from tests.stats_helpers import finish_lessons, page_tables, take_quiz
from tests.test_stats_permissions import fetch
from training.audit import AuditEvent
from training.extensions import db
from training.organizations.models import OrgKind
from training.organizations.services import create_organization

T = 5  # the threshold throughout


def line(total: int, *members: int) -> tuple[list[Line], dict]:
    """One parent (org 0) with children 1..n for one measure "m"."""
    values = {(0, "m"): total, **{(i + 1, "m"): v for i, v in enumerate(members)}}
    lines = tree_lines([0], {0: list(range(1, len(members) + 1))}, Family(("m",)))
    return lines, values


def shown(hidden, n: int) -> list[bool]:
    return [(i, "m") not in hidden for i in range(n + 1)]


def test_the_reported_case_hides_the_other_child_too():
    # 7 attempts in the region, 6 in one child, 1 in the other: 7 - 6 gave the 1 away
    lines, values = line(7, 6, 1)
    hidden = hidden_cells(lines, values, None, T)
    assert shown(hidden, 2) == [True, False, False]


def test_a_line_with_two_small_children_needs_nothing_more():
    lines, values = line(12, 8, 2, 2)
    assert shown(hidden_cells(lines, values, None, T), 3) == [True, True, False, False]


def test_the_smallest_nonzero_sibling_is_the_one_hidden():
    lines, values = line(30, 0, 9, 6, 2, 13)
    assert shown(hidden_cells(lines, values, None, T), 5) == [True, True, True, False, False, True]


def test_a_small_residual_is_an_unknown_of_its_own():
    # direct members of the parent: 3 (small). Alone they would be 30 - 27; hide a child.
    lines, values = line(30, 20, 7)
    assert shown(hidden_cells(lines, values, None, T), 2) == [True, True, False]
    # with a small child as well, the two unknowns protect each other
    lines, values = line(30, 25, 2)
    assert shown(hidden_cells(lines, values, None, T), 2) == [True, True, False]


def test_a_hidden_parent_needs_a_hidden_child_below_it():
    lines, values = line(3, 2, 1)  # the parent itself is small, so are both children
    assert shown(hidden_cells(lines, values, None, T), 2) == [False, False, False]
    lines, values = line(20, 12, 8)
    hidden = hidden_cells(lines, values, None, T, forced=[(0, "m")])  # hidden from above
    assert shown(hidden, 2) == [False, True, False]


def test_the_period_cannot_be_subtracted_from_all_time():
    # all time 9 and 9; this period 8 and 5: the rest of time is 1 and 4 — both small
    lines, period = line(13, 8, 5)
    _, whole = line(18, 9, 9)
    assert shown(hidden_cells(lines, period, whole, T), 2) == [True, False, False]
    # only one child's rest of time is small (2 of 10): the other child hides with it
    lines, period = line(20, 10, 10)
    _, whole = line(30, 12, 18)
    assert shown(hidden_cells(lines, period, whole, T), 2) == [True, False, False]
    # the same figures as all time: nothing to subtract, nothing hidden
    assert shown(hidden_cells(lines, period, period, T), 2) == [True, True, True]


# --- the property, over random trees -------------------------------------------------------


def random_tree(rng: random.Random):
    """Organization ids 0..n-1 (0 the root), children lists, and two measures per org.

    Each organization has direct members counted under measures "a" and "b", "t" = a + b
    (a row total on a page). Values lean small so that suppression has work to do.
    """
    parent = {0: None}
    children: dict[int, list[int]] = defaultdict(list)
    frontier, next_id = [0], 1
    while frontier and next_id < rng.randint(4, 40):
        node = frontier.pop(0)
        for _ in range(rng.choice((0, 1, 2, 2, 3, 4))):
            parent[next_id] = node
            children[node].append(next_id)
            frontier.append(next_id)
            next_id += 1
    own = {
        (org, m): rng.choice((0, 0, 1, 2, 3, 4, 5, 6, 9, 15, 40))
        for org in parent
        for m in ("a", "b")
    }
    return parent, children, own


def subtree_totals(parent, children, own) -> dict:
    totals: dict = {}
    for org in sorted(parent, reverse=True):  # children have larger ids than their parents
        for m in ("a", "b"):
            totals[(org, m)] = own[(org, m)] + sum(totals[(k, m)] for k in children[org])
        totals[(org, "t")] = totals[(org, "a")] + totals[(org, "b")]
    return totals


def lineage(parent, org) -> list[int]:
    path = [org]
    while parent[path[-1]] is not None:
        path.append(parent[path[-1]])
    return path[::-1]


FAMILY = Family(("a", "b", "t"), (("t", ("a", "b")),))


def settle_every_page(parent, children, period, whole):
    """Hide cells page by page (each page sees its lineage and their children only)."""
    decided: dict = {}
    for org in parent:
        path = lineage(parent, org)
        kids = {p: children[p] for p in path}
        lines = tree_lines(path, kids, FAMILY)
        hidden = hidden_cells(lines, period, whole, T)
        for page_line in lines:
            for key in (page_line.total, *page_line.members):
                seen = key in hidden
                assert decided.setdefault(key, seen) == seen, f"pages disagree on {key}"
    return decided


def check_lines(parent, children, tables, hidden):
    """Every line of the tree, in the period and (given) in the rest of time.

    The reader is assumed to know every residual that is not small (the worst case), so a
    line with exactly one unknown must have had no visible member left to hide; and then its
    residual must not be zero in every table (an organization with one child and no members
    of its own has the child's figures: hiding the child alone would hide nothing).
    """
    checks = [((org, "t"), [(org, "a"), (org, "b")]) for org in parent]
    for p in parent:
        if children[p]:
            checks += [((p, m), [(k, m) for k in children[p]]) for m in FAMILY.measures]
    for total, members in checks:
        residuals = [values[total] - sum(values[k] for k in members) for values in tables]
        assert min(residuals) >= 0
        hidden_members = sum(hidden[k] for k in members)
        for label, residual in zip(("period", "rest of time"), residuals, strict=False):
            unknown = hidden[total] + hidden_members + small(residual, T)
            if unknown != 1:
                continue
            assert all(hidden[k] for k in members), (label, total, "a visible member was left")
            assert any(residuals), (label, total, "the member equals its total")


@pytest.mark.parametrize("seed", range(400))
def test_no_hidden_count_follows_from_its_siblings_on_random_trees(seed):
    rng = random.Random(seed)
    parent, children, own = random_tree(rng)
    period = subtree_totals(parent, children, own)
    earlier = {key: rng.choice((0, 0, 0, 1, 2, 7)) for key in own}
    whole_own = {key: own[key] + earlier[key] for key in own}
    whole = subtree_totals(parent, children, whole_own) if seed % 2 else None
    hidden = settle_every_page(parent, children, period, whole)
    tables = [period]
    if whole is not None:
        tables.append({key: whole[key] - period[key] for key in period})
    for table in tables:
        for key, value in table.items():
            if small(value, T):
                assert hidden[key], key
    check_lines(parent, children, tables, hidden)


# --- through the pages ---------------------------------------------------------------------


@pytest.fixture
def split_region(app, users, make_user, org_tree):
    """The reported case: a region whose two locals show 6/5/5 and 1/1/1 on one quiz."""
    with app.test_request_context():
        other = create_organization("Заречная", OrgKind.LOCAL, db.session.merge(org_tree["north"]))
        db.session.commit()
        org_tree["other"] = other
        course, quiz = build_quiz(users["trainer"])
        for i in range(5):  # at the school, in the first local: one of them tries twice
            person = make_user(f"many{i}")
            finish_lessons(person, course)
            if i == 0:
                take_quiz(person, quiz, right=False)
            take_quiz(person, quiz, right=True)
        lonely = make_user("lonely", org="other")
        finish_lessons(lonely, course)
        take_quiz(lonely, quiz, right=True)
        db.session.commit()
        return {"course": course, "orgs": org_tree}


def quiz_row(client, org_id: int) -> list[str]:
    html = client.get(f"/stats/quizzes?org={org_id}").get_data(as_text=True)
    return page_tables(html)[0][1][2:5]


def test_the_region_minus_one_local_no_longer_gives_the_other_away(split_region, login_as):
    client = login_as("organizer")  # the northern region's organizer
    client.set_cookie("lang", "en")
    orgs = split_region["orgs"]
    assert quiz_row(client, orgs["north"].id) == ["7", "6", "6"]
    assert quiz_row(client, orgs["other"].id) == ["hidden"] * 3
    # 7 − 6, 6 − 5, 6 − 5 would be the lonely learner's 1/1/1: the larger local hides too
    assert quiz_row(client, orgs["north_local"].id) == ["hidden"] * 3
    assert quiz_row(client, orgs["school"].id) == ["hidden"] * 3  # the same figures below it
    export = fetch(client, f"/stats/quizzes.csv?org={orgs['north_local'].id}").get_data(
        as_text=True
    )
    assert "hidden" in export and ",6," not in export
    # Russian by default: what users read
    client.set_cookie("lang", "ru")
    assert quiz_row(client, orgs["other"].id) == ["скрыто"] * 3


def test_the_learner_list_names_no_one_where_the_count_is_hidden(split_region, login_as, users):
    client = login_as("organizer")
    orgs = split_region["orgs"]
    html = client.get(f"/stats/learners?org={orgs['other'].id}").get_data(as_text=True)
    assert "lonely" not in html
    assert "Слишком мало слушателей" in html
    export = fetch(client, f"/stats/learners.csv?org={orgs['other'].id}")
    assert export.status_code == 200 and "lonely" not in export.get_data(as_text=True)
    event = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "stats.learners.export")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.details["rows"] == 0
    # the region's own list (its count is shown) still names its people for recognition
    html = client.get(f"/stats/learners?org={orgs['north'].id}").get_data(as_text=True)
    assert "lonely" in html and "many0" in html


def test_a_period_cannot_be_subtracted_from_all_time(app, users, make_user, login_as):
    from datetime import timedelta

    from stats import store
    from tests.course_helpers import build_course
    from training.db import utcnow
    from training.events import LearningEvent

    with app.test_request_context():
        course = build_course(users["trainer"])
        people = [make_user(f"early{i}") for i in range(8)]
        for person in people:
            finish_lessons(person, course)
        early = [p.id for p in people[:2]]
        db.session.execute(
            sa.update(LearningEvent)
            .where(LearningEvent.actor_id.in_(early))
            .values(timestamp=utcnow() - timedelta(days=200))
        )
        store.rebuild()
        db.session.commit()
    client = login_as("organizer")
    client.set_cookie("lang", "en")

    def total(query: str) -> list[str]:
        html = client.get("/stats/" + query).get_data(as_text=True)
        return next(row for row in page_tables(html)[0] if row[0] == "Total")[3:7]

    assert total("?period=all") == ["8", "8", "8", "8"]
    # 6 in the last four weeks would say that 2 people did everything before them
    assert total("?period=4") == ["hidden"] * 4
