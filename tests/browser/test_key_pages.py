"""The key pages of every role, in Russian, on a 360×780 phone and a 1366×768 desktop:
axe-core (WCAG 2.2 AA) finds nothing, no page is wider than the phone, and no internal id
or English code shows in the Russian text. Screenshots of both sizes are kept."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from assignments import submitting
from assignments.models import Assignment
from certificates.models import Certificate
from cohorts.models import Cohort
from courses import learning
from courses.models import Course
from quizzes import attempts
from quizzes.models import Attempt, Quiz
from quizzes.types import full_marks_response
from tests.browser.login_helpers import log_in
from tests.browser.vnu import check_html
from training.accounts.models import User
from training.extensions import db

DEMO_ACTIVITY = True  # the dashboards show figures
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
axe = Axe()

# What must not show in the Russian interface: type codes, version tags, keys with hyphens,
# dotted action names, Python lists, ISO timestamps, "p1>p2" pairs, English true/false.
INTERNAL = re.compile(
    r"\b(?:single|multiple|truefalse|shortanswer|numeric|matching)\b"
    r"|\bv\d+\b"
    r"|\b(?=[\w.-]*[a-z])[a-z0-9]+(?:[-_.][a-z0-9]+)+\b"
    r"|\[['\"]"
    r"|\d{4}-\d{2}-\d{2}T\d"
    r"|\bp\d+>p\d+\b"
    r"|\btrue/false\b"
    r"|(?<![\d.])\d+\.\d{1,2}(?![\d.])"  # a decimal point: Russian writes a comma
)
# Shown on purpose: addresses, file names people download, e-mail addresses, codes.
ALLOWED = re.compile(
    r"https?://\S+|\S+@\S+|\b[\w-]+\.(?:pdf|jwt|csv|xlsx|png|gift|zip|yaml|md)\b"
    r"|\bdemo-learner-\d+\b"  # usernames people chose (the demo's)
    r"|\be-mail\b|127\.0\.0\.1\S*|Open Badges \d\.\d|xAPI \d\.\d\.\d"
)


def learner_world(app) -> dict[str, str]:
    """A learner in the middle of a course with a test: an attempt open, one submitted,
    and a finished course with a certificate."""
    with app.app_context():
        learner = db.session.scalar(sa.select(User).where(User.username == "learner"))
        course = db.session.scalar(sa.select(Course).where(Course.slug == "info-work-basics"))
        learning.enroll(learner.id, course)
        revision = course.published_revision
        first_module = revision.outline[0]
        for item in first_module["lessons"]:
            learning.mark_done(learner.id, course, revision, item["key"])
        quiz = db.session.scalar(
            sa.select(Quiz).where(
                Quiz.course_id == course.id, Quiz.module_key == first_module["key"]
            )
        )
        done = attempts.start(quiz, learner.id)
        attempts.submit(done, learner.id, {i.id: None for i in done.items})
        open_attempt = attempts.start(quiz, learner.id)
        # Work of the demo cohort's learner waits for review on the cohort's page.
        task = db.session.scalar(
            sa.select(Assignment).where(
                Assignment.course_id == course.id, Assignment.module_key == first_module["key"]
            )
        )
        submitting.submit(task, learner.id, "Ответственный за информацию: Петрова.", [], 0)
        cohort = db.session.scalar(sa.select(Cohort.id).where(Cohort.course_id == course.id))
        news = db.session.scalar(sa.select(Course).where(Course.slug == "news-first-steps"))
        learning.enroll(learner.id, news)
        for key in news.published_revision.lesson_keys():
            learning.mark_done(learner.id, news, news.published_revision, key)
        for other in db.session.scalars(sa.select(Quiz).where(Quiz.course_id == news.id)):
            if other.is_open:
                taken = attempts.start(other, learner.id)
                answers = {i.id: full_marks_response(i.version.spec) for i in taken.items}
                attempts.submit(taken, learner.id, answers)
        db.session.commit()
        certificate = db.session.scalar(
            sa.select(Certificate).where(Certificate.user_id == learner.id)
        )
        submitted = db.session.scalar(sa.select(Attempt).where(Attempt.id == done.id))
        base = f"/courses/{course.slug}"
        return {
            "course": base,
            "lesson": f"{base}/lessons/{first_module['lessons'][0]['key']}",
            "module_end": f"{base}/modules/{first_module['key']}/done",
            "finished": f"{base}/finished",
            "quiz": f"{base}/quizzes/{quiz.key}",
            "attempt": f"{base}/quizzes/{quiz.key}/attempts/{open_attempt.id}",
            "result": f"{base}/quizzes/{quiz.key}/attempts/{submitted.id}/result",
            "certificate": f"/certificates/{certificate.id}/credential",
            "verify": f"/verify/{certificate.code}",
            "quiz_key": quiz.key,
            "user_id": str(learner.id),
            "cohort": f"/cohorts/{cohort}",
            "cohort_learner": f"/cohorts/{cohort}/learners/{learner.id}",
        }


def pages_of(world: dict[str, str]) -> dict[str, list[str]]:
    slug = "/author/info-work-basics"
    return {
        "anonymous": [
            "/",
            "/courses/",
            world["course"],
            "/account/login",
            "/account/register",
            "/verify",
            world["verify"],
            "/privacy",
            "/account/forgot",
        ],
        "learner": [
            "/",
            world["course"],
            world["lesson"],
            world["module_end"],
            world["finished"],
            world["quiz"],
            world["attempt"],
            world["result"],
            "/certificates/",
            world["certificate"],
            "/account/",
            "/account/password",
            "/account/sessions",
            "/account/two-factor",
            "/account/data",
            "/notifications/",
        ],
        "trainer": [
            "/",  # opens with the work waiting for review
            "/author/review",
            "/cohorts/",
            world["cohort"],  # its learners' work waiting for review, the gradebook
            world["cohort_learner"],
            "/author/",
            slug,
            f"{slug}/bank",
            f"{slug}/quizzes",
            f"{slug}/quizzes/{world['quiz_key']}",
            f"{slug}/quizzes/{world['quiz_key']}/analysis",
            f"{slug}/history",
            f"{slug}/publish",
            f"{slug}/media",
        ],
        "organizer": [
            "/stats/",
            "/stats/tree",
            "/stats/funnel",
            "/stats/quizzes",
            "/stats/learners",
            "/people/",
        ],
        "admin": [
            "/admin/users",
            "/admin/audit",
            "/organizations/",
            f"/admin/users/{world['user_id']}",
        ],
    }


# On a phone a table's rows stack (app.css) and a cell is named by its data-label; one that
# shows text without it reads as a bare value. Cells holding only links and buttons (actions)
# speak for themselves.
UNLABELLED_CELLS = """() => [...document.querySelectorAll(
    "main table.table tbody td:not([data-label]):not([colspan])")]
  .filter(td => getComputedStyle(td).display === "block")
  .filter(td => {
    const rest = td.cloneNode(true);
    rest.querySelectorAll("a, button, form").forEach(control => control.remove());
    return rest.textContent.trim() !== "";
  })
  .map(td => td.outerHTML.slice(0, 120))"""
# A named cell with nothing in it would show its name alone ("Сведения:"); app.css leaves it out.
BARE_NAMES = """() => [...document.querySelectorAll("main table.table tbody td[data-label]")]
  .filter(td => getComputedStyle(td).display !== "none" && td.textContent.trim() === "")
  .map(td => td.outerHTML.slice(0, 120))"""


def survey(page: Page, url: str, shot, name: str) -> list[str]:
    """What is wrong with one page at 360 px; screenshots at both sizes."""
    problems = []
    page.set_viewport_size({"width": 360, "height": 780})
    response = page.goto(url)
    if response is None or response.status != 200:
        return [f"{url}: HTTP {response.status if response else '-'}"]
    width = page.evaluate("document.scrollingElement.scrollWidth")
    if width > 360:
        problems.append(f"{url}: {width} px wide on a 360 px phone")
    found = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    for violation in found.response["violations"]:
        node = violation["nodes"][0]
        problems.append(
            f"{url}: axe {violation['id']} ({violation['impact']}) {node['html'][:120]}"
        )
    for cell in page.evaluate(UNLABELLED_CELLS):
        problems.append(f"{url}: a stacked table cell without its column's name: {cell}")
    for cell in page.evaluate(BARE_NAMES):
        problems.append(f"{url}: a column's name over an empty cell: {cell}")
    text = ALLOWED.sub(" ", page.locator("main").inner_text())
    for match in sorted({m.group(0) for m in INTERNAL.finditer(text)}):
        problems.append(f"{url}: internal text «{match}»")
    shot(page, f"{name}-phone")
    page.set_viewport_size({"width": 1366, "height": 768})
    shot(page, f"{name}-desktop")
    return problems


@pytest.fixture(scope="module")
def world(live_app) -> dict[str, str]:
    """The learner's world, built once for the module's tests."""
    return learner_world(live_app)


def test_key_pages_are_accessible_fit_a_phone_and_speak_russian(live_server, world, new_page, shot):
    problems: list[str] = []
    for who, urls in pages_of(world).items():
        page = new_page(locale="en-US", width=360, height=780)
        if who != "anonymous":
            log_in(page, live_server, who)  # the helper reads the English login page
        page.context.add_cookies([{"name": "lang", "value": "ru", "url": live_server}])
        for number, url in enumerate(urls):
            slug = re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "home"
            problems += survey(page, live_server + url, shot, f"{who}-{number:02d}-{slug}"[:60])
    assert not problems, "\n".join(problems)


def test_key_pages_pass_the_nu_html_checker(live_server, world, new_page):
    """The HTML the server sends for every key page (Russian, each role) has no Nu HTML
    checker error; warnings are printed, not failed."""
    documents: dict[str, str] = {}
    for who, urls in pages_of(world).items():
        page = new_page(locale="en-US", width=360, height=780)
        if who != "anonymous":
            log_in(page, live_server, who)
        page.context.add_cookies([{"name": "lang", "value": "ru", "url": live_server}])
        for url in urls:
            response = page.request.get(live_server + url)  # the source, not the live DOM
            assert response.status == 200, f"{who} {url}: HTTP {response.status}"
            documents[f"{who} {url}"] = response.text()
    errors, warnings = check_html(documents)
    print("\n".join(warnings))
    assert len(documents) >= 40
    assert not errors, "\n".join(errors)
