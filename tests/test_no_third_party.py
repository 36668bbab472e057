"""No page makes the browser contact anyone but the platform.

Every GET route of the URL map is rendered for every role (anonymous, learner, trainer,
organizer, admin), with its parameters filled from a small world of fixtures. Routes added
later (statistics...) are walked automatically; a route with a parameter this test cannot
fill fails it until a value is added to `values_for` below.

Allowed in the HTML: same-site URLs, the platform's public address, data: images, and
mailto: and otpauth: links (opened by an app on the device, not a site). The one
exception is a link a trainer wrote into a lesson or question: it
must be an <a> (never something the browser loads) carrying rel="noopener noreferrer".
"""

from __future__ import annotations

import itertools
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from assignments.files import check_uploads
from assignments.services import AssignmentSettings, create_assignment
from assignments.submitting import submit
from certificates.models import Certificate
from certificates.services import format_certificate_code
from cohorts.models import CohortMember
from cohorts.questions import services as questions
from courses import media, publishing
from courses.models import Course, CourseMedia, Lesson, Module
from quizzes import bank
from quizzes import services as quiz_services
from quizzes.models import Attempt
from quizzes.spec import Option, QuestionSpec
from tests.assignment_helpers import PDF
from tests.cohort_helpers import make_cohort
from tests.conftest import login, post
from tests.privacy_helpers import take_quiz
from tests.quiz_helpers import build_quiz
from training.accounts import recovery
from training.accounts.models import TokenPurpose, User
from training.extensions import db, limiter
from training.notifications.services import unsubscribe_token
from training.organizations.services import create_invite

# What trainers write in the fixtures: the only external addresses a page may show.
LESSON_LINK = "https://union.example.org/news"
LESSON_IMAGE = "https://cdn.example.net/picture.png"
QUESTION_LINK = "https://gift.example.com/info"
QUESTION_IMAGE = "https://img.example.com/q.png"
TRAINER_URLS = {LESSON_LINK, LESSON_IMAGE, QUESTION_LINK, QUESTION_IMAGE}

# Routes that only answer with query arguments: what to send them.
QUERY_ARGS = {"authoring.diff": {"a": 1, "b": 2}}

URL_ATTRIBUTES = ("src", "href", "action", "formaction", "poster", "data", "background", "cite")
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)", re.IGNORECASE)


def tiny_png() -> bytes:
    from tests.test_course_media import tiny_png as png

    return png()


@pytest.fixture
def world(app: Flask, users, org_tree, tmp_path, monkeypatch) -> dict[str, list[Any]]:
    """A published course with media, trainer links, a quiz attempt, a certificate, an invite."""
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path / "media"))
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setitem(app.config, "SUBMISSIONS_ROOT", str(tmp_path / "submissions"))
    trainer = users["trainer"]
    with app.test_request_context():
        course, quiz = build_quiz(trainer, questions_per_page=0)
        trainer = db.session.merge(trainer)
        item = media.store_media(course, "scheme.png", tiny_png(), trainer.id)
        lesson = db.session.scalar(sa.select(Lesson).where(Lesson.key == "intro"))
        lesson.body += f"\n\n[Сайт профсоюза]({LESSON_LINK})\n\n![Картинка]({LESSON_IMAGE})\n"
        question = bank.add_question(
            course,
            QuestionSpec(
                type="single",
                text=f'<p>См. <a href="{QUESTION_LINK}">справку</a> '
                f'<img src="{QUESTION_IMAGE}" alt="схема"></p>',
                text_format="html",
                name="html-question",
                options=[Option("o1", "Да", 1.0), Option("o2", "Нет", 0.0)],
            ),
            trainer,
            "HTML",
        )
        extra = quiz_services.create_quiz(
            course, quiz_services.QuizSettings(title="Справочный", is_open=True, required=False)
        )
        quiz_services.add_fixed(extra, question)
        publishing.publish(course, trainer, "Ссылки")
        invite = create_invite(db.session.merge(org_tree["school"]), users["admin"].id)
        db.session.commit()
        ids = {
            "course": course.id,
            "slug": course.slug,
            "quiz": quiz.key,
            "module": db.session.scalar(sa.select(Module).order_by(Module.position)),
            "lesson": lesson.id,
            "media": item.id,
            "question": question.id,
            "invite": invite.id,
            "extra": extra.key,
        }
        module = ids["module"]
        ids["module_id"], ids["module_key"] = module.id, module.key
    learner = app.test_client()
    login(learner, "learner")
    post(learner, f"/courses/{ids['slug']}/enroll")
    for key in ("intro", "plan", "reach"):
        post(learner, f"/courses/{ids['slug']}/lessons/{key}/done")
    db.session.expire_all()
    attempt = take_quiz(learner, quiz)
    certificate = db.session.scalar(sa.select(Certificate))
    assert attempt.passed and certificate is not None
    # An attempt left open at the quiz with the HTML question: its page shows the question.
    post(learner, f"/courses/{ids['slug']}/quizzes/{ids['extra']}/start")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseMedia)) == 1
    # An assignment (added after the certificate) with the learner's version and its file.
    with app.test_request_context():
        task = create_assignment(
            db.session.get(Course, ids["course"]),
            AssignmentSettings(title="Заметка", task=f"См. [сайт]({LESSON_LINK})", hand_in="both"),
            key="task",
        )
        sent = submit(task, users["learner"].id, "Работа", check_uploads([("w.pdf", PDF)]), 0)
        db.session.commit()
        ids["submission"], ids["file"] = sent.id, sent.files[0].id
        cohort, ids["cohort_code"] = make_cohort(
            db.session.get(Course, ids["course"]), users["trainer"]
        )
        db.session.add(
            CohortMember(cohort_id=cohort.id, user_id=users["learner"].id, course_id=ids["course"])
        )
        db.session.commit()
        ids["cohort"] = cohort.id
    # A question under a lesson (its thread page, edit page and the unanswered list).
    with app.test_request_context():
        thread = questions.ask(
            db.session.get(Course, ids["course"]),
            "intro",
            db.session.get(User, users["learner"].id),
            "Вопрос",
            "Как **быть**?",
        )
        db.session.commit()
        ids["thread"], ids["post"] = thread.id, thread.posts[0].id
    # Live one-time links of each kind (the pages only show a button on GET).
    with app.test_request_context():
        person = db.session.get(User, users["learner"].id)
        person.email = "learner@example.org"
        recovery.new_token(person, TokenPurpose.EMAIL_VERIFY, 3600, "verify-me", email=person.email)
        recovery.new_token(person, TokenPurpose.PASSWORD_RESET, 3600, "reset-me")
        unsubscribe = unsubscribe_token(person, "certificate_issued")
        db.session.commit()
    return {
        "token": ["verify-me", "reset-me", unsubscribe],
        "slug": [ids["slug"]],
        "key": ["intro", ids["quiz"], ids["extra"], "task"],
        "submission_id": [ids["submission"]],
        "file_id": [ids["file"]],
        "module": [ids["module_key"]],
        "module_id": [ids["module_id"]],
        "lesson_id": [ids["lesson"]],
        "media_id": [ids["media"]],
        "question_id": [ids["question"]],
        "number": [1],
        "attempt_id": list(db.session.scalars(sa.select(Attempt.id).order_by(Attempt.id))),
        "certificate_id": [certificate.id],
        "code": [format_certificate_code(certificate.code), ids["cohort_code"]],
        "org_id": [org_tree["school"].id],
        "organization_id": [org_tree["school"].id],
        "course_id": [ids["course"]],
        "user_id": [users["learner"].id],
        "invite_id": [ids["invite"]],
        "cohort_id": [ids["cohort"]],
        "thread_id": [ids["thread"]],
        "post_id": [ids["post"]],
        "filename": ["scheme.png", "css/app.css", "favicon.svg"],
    }


class UrlCollector(HTMLParser):
    """Every URL a page makes the browser load or offers as a link: (tag, attribute, url, rel)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str, str]] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        rel = values.get("rel", "")
        for name in URL_ATTRIBUTES:
            if name in values:
                self.found.append((tag, name, values[name].strip(), rel))
        for name in ("srcset", "imagesrcset"):
            for candidate in values.get(name, "").split(","):
                if candidate.strip():
                    self.found.append((tag, name, candidate.split()[0], rel))
        for url in CSS_URL.findall(values.get("style", "")):
            self.found.append((tag, "style", url.strip(), rel))
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            target = values.get("content", "").partition("url=")[2]
            if target:
                self.found.append((tag, "refresh", target.strip(), rel))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found.extend(("style", "css", url.strip(), "") for url in CSS_URL.findall(data))


def problems_in(html: str, own_hosts: set[str]) -> tuple[list[str], set[str]]:
    """Third-party URLs in a page (as messages), and the trainer links it carried correctly."""
    collector = UrlCollector()
    collector.feed(html)
    problems, trainer_links = [], set()
    for tag, attribute, url, rel in collector.found:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        where = f"<{tag} {attribute}={url!r}>"
        if scheme in ("", "http", "https") and not url.startswith("//") and not parts.netloc:
            continue  # a path on this site
        if scheme == "data":
            if (tag, attribute) != ("img", "src") or not url.startswith("data:image/"):
                problems.append(f"data URL outside an image: {where}")
            continue
        if scheme in ("mailto", "otpauth") and (tag, attribute) == ("a", "href"):
            continue  # handed to an app on the device (mail, the authenticator), no site
        if scheme in ("http", "https", "") and (parts.hostname or "") in own_hosts:
            continue
        if url in TRAINER_URLS and (tag, attribute) == ("a", "href"):
            if {"noopener", "noreferrer"} <= set(rel.split()):
                trainer_links.add(url)
            else:
                problems.append(f"trainer link without rel=noopener noreferrer: {where}")
            continue
        problems.append(f"third-party URL: {where}")
    return problems, trainer_links


def urls_to_visit(app: Flask, values: dict[str, list[Any]]) -> tuple[list[tuple[str, str]], set]:
    """(rule, url) for every GET route and every combination of fixture values; unknown args."""
    unknown = set()
    visits = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()):
            continue
        # Built from the rule itself, not url_for: one endpoint may have several rules
        # (e.g. "/x" and "/x.csv" told apart by defaults), and each must be visited.
        names = sorted(rule.arguments - set(rule.defaults or {}))
        missing = [n for n in names if n not in values]
        if missing:
            unknown.update(f"{rule.endpoint}: {n}" for n in missing)
            continue
        for combo in itertools.product(*(values[n] for n in names)):
            args = dict(zip(names, combo, strict=True))
            args.update(QUERY_ARGS.get(rule.endpoint, {}))
            built = rule.build(args, append_unknown=True)
            assert built is not None, (rule.rule, args)
            visits.append((rule.rule, built[1]))
    return visits, unknown


def clients_by_role(app: Flask) -> dict[str, FlaskClient]:
    clients = {"anonymous": app.test_client()}
    for role in ("learner", "trainer", "organizer", "admin"):
        clients[role] = app.test_client()
        login(clients[role], role)
    return clients


def test_no_page_loads_anything_from_another_site(app, world):
    visits, unknown = urls_to_visit(app, world)
    assert not unknown, f"add fixture values for these route parameters: {sorted(unknown)}"
    own_hosts = {"localhost", urlsplit(app.config["PUBLIC_BASE_URL"]).hostname or ""}
    problems: list[str] = []
    reached: set[str] = set()
    trainer_links: set[str] = set()
    pages = 0
    for role, client in clients_by_role(app).items():
        limiter.reset()  # the public verification pages are rate-limited per address
        for rule, url in visits:
            with client.get(url) as response:  # files are streamed: close them
                body = (
                    response.get_data(as_text=True) if response.mimetype.startswith("text/") else ""
                )
            if response.status_code < 400:
                reached.add(rule)
            if 300 <= response.status_code < 400:
                target = urlsplit(response.headers["Location"])
                if target.netloc and target.hostname not in own_hosts:
                    problems.append(f"{role} {url}: redirects to {response.headers['Location']}")
            elif response.mimetype == "text/html":
                pages += 1
                found, links = problems_in(body, own_hosts)
                problems.extend(f"{role} {url}: {p}" for p in found)
                trainer_links |= links
            elif response.mimetype == "text/css":
                for css_url in CSS_URL.findall(body):
                    if urlsplit(css_url).netloc or css_url.startswith("//"):
                        problems.append(f"{role} {url}: CSS loads {css_url}")
    assert not problems, "\n".join(problems)
    # The walk really covered the platform: every GET route answered someone...
    every_get = {r.rule for r in app.url_map.iter_rules() if "GET" in (r.methods or ())}
    assert reached == every_get, f"never reached: {sorted(every_get - reached)}"
    assert pages > 200
    # ...and the trainer-written links were seen, each carrying rel="noopener noreferrer".
    assert trainer_links == TRAINER_URLS


def test_the_checker_catches_what_it_should():
    own = {"localhost"}
    bad = [
        '<img src="https://cdn.example.org/x.png">',
        '<script src="//cdn.example.org/x.js"></script>',
        '<link rel="stylesheet" href="https://fonts.example.com/css">',
        '<form action="https://collector.example/">',
        '<img srcset="/a.png 1x, https://cdn.example.org/b.png 2x">',
        '<div style="background: url(https://t.example/p.gif)"></div>',
        "<style>body { background: url('//t.example/p.gif') }</style>",
        '<meta http-equiv="refresh" content="0;url=https://elsewhere.example/">',
        '<a href="https://elsewhere.example/">not written by a trainer</a>',
        f'<a href="{LESSON_LINK}">trainer link without rel</a>',
        f'<a href="{LESSON_LINK}" rel="noopener">half a rel</a>',
        '<iframe src="https://video.example/embed"></iframe>',
    ]
    for html in bad:
        assert problems_in(html, own)[0], html
    good = [
        '<img src="/static/x.png" srcset="/a.png 1x, /b.png 2x">',
        '<img src="data:image/png;base64,AAAA">',
        '<a href="mailto:union@example.org">mail</a>',
        '<a href="http://localhost/verify/X">self</a>',
        f'<a href="{LESSON_LINK}" rel="noopener noreferrer nofollow">trainer link</a>',
    ]
    for html in good:
        assert problems_in(html, own)[0] == [], html


def test_the_walk_visits_each_rule_of_an_endpoint_and_reports_unknown_parameters():
    demo = Flask("walk")

    @demo.route("/report.csv", defaults={"fmt": "csv"})
    @demo.route("/report", defaults={"fmt": "html"})
    def report(fmt: str) -> str:
        return fmt

    @demo.route("/courses/<slug>/report")
    def course_report(slug: str) -> str:
        return slug

    @demo.route("/things/<int:thing_id>")
    def thing(thing_id: int) -> str:
        return str(thing_id)

    visits, unknown = urls_to_visit(demo, {"slug": ["news"], "filename": ["app.css"]})
    urls = {url for _rule, url in visits}
    assert {"/report", "/report.csv", "/courses/news/report"} <= urls
    assert unknown == {"thing: thing_id"}
