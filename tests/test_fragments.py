"""Kept page parts (training.fragments): the same bytes as a fresh render for every viewer,
never one viewer's part in another's page, and fragment templates that read only their inputs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import meta

from tests.conftest import CSRF_RE, login, post
from tests.course_helpers import build_course
from tests.quiz_helpers import build_quiz, enroll
from training import fragments

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"

#: What a fragment template may read besides its inputs: translations and fixed links.
ALLOWED = {"_", "gettext", "ngettext", "url_for"}
CALL = re.compile(r"""fragment\(\s*["']([^"']+\.fragment\.html)["']""")
IMPORT = re.compile(r"""{%-?\s*(?:from|import)\s+["']([^"']+)["']""")


def inputs_by_fragment() -> dict[str, set[str]]:
    """Each fragment template's inputs, read from every call in templates and code."""
    found: dict[str, set[str]] = {}
    sources = [*TEMPLATES.rglob("*.html"), *ROOT.glob("*/**/*.py")]
    for source in sources:
        if ".venv" in source.parts or source.name.startswith("test_"):
            continue
        text = source.read_text(encoding="utf-8")
        for call in CALL.finditer(text):
            rest = _arguments(text, call.end())
            found.setdefault(call.group(1), set()).update(re.findall(r"\b(\w+)=(?!=)", rest))
    return found


def _arguments(text: str, start: int) -> str:
    """The rest of a call's arguments from `start`, up to its closing parenthesis (calls in
    Python code span lines; inputs may themselves call something: path.frozen())."""
    depth = 1
    for end in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[end], 0)
        if depth == 0:
            return text[start:end]
    raise AssertionError("unclosed fragment call")


def test_every_fragment_template_is_called_and_reads_only_its_inputs(app):
    calls = inputs_by_fragment()
    templates = {str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.fragment.html")}
    assert templates and set(calls) == templates
    env = app.jinja_env
    for name, inputs in calls.items():
        read = set()
        pending = [name]
        while pending:  # the fragment and every template it imports macros from
            current = pending.pop()
            source = (TEMPLATES / current).read_text(encoding="utf-8")
            read |= meta.find_undeclared_variables(env.parse(source))
            pending += IMPORT.findall(source)
        # No current_user, csrf_token, request, session, flashed messages or page globals.
        assert read <= inputs | ALLOWED, (name, sorted(read - inputs - ALLOWED))


def test_only_fragment_templates_are_kept(app):
    with app.test_request_context(), pytest.raises(ValueError, match="not a fragment"):
        fragments.fragment("base.html")


def page(client, url: str) -> str:
    """The page's HTML with CSRF tokens (random per session) blanked."""
    response = client.get(url)
    assert response.status_code == 200, url
    return CSRF_RE.sub('name="csrf_token" value=""', response.get_data(as_text=True))


def test_pages_with_kept_parts_equal_fresh_ones_for_each_viewer(app, users, make_user):
    course, _quiz = build_quiz(users["trainer"])
    other = make_user("other")
    for person in (users["learner"], other, users["trainer"], users["admin"]):
        enroll(person, course)
    urls = ["/", "/courses/info-work", "/courses/info-work/lessons/intro"]
    urls += ["/courses/info-work/lessons/plan"]
    clients = {}
    for name in ("learner", "other", "trainer", "admin"):
        clients[name] = app.test_client()
        login(clients[name], name)
        for url in urls:  # the first view of a lesson records it as started: settle that first
            clients[name].get(url)
    post(clients["learner"], "/courses/info-work/lessons/intro/done")  # paths now differ
    post(clients["admin"], "/language", {"lang": "en", "next": "/"})
    fresh = {}
    for name, client in clients.items():
        for url in urls:
            fragments.forget()
            fresh[name, url] = page(client, url)
    # Warm: every viewer in turn, the others' parts kept, twice and in another order.
    for name in [*clients, *reversed(clients)]:
        for url in urls:
            assert page(clients[name], url) == fresh[name, url], (name, url)
    lesson = "/courses/info-work/lessons/plan"
    assert fresh["learner", lesson] != fresh["other", lesson]  # a part per path state
    assert "1 из " in fresh["learner", lesson] and "0 из " in fresh["other", lesson]
    assert '<html lang="en">' in fresh["admin", lesson] and "Users</a>" in fresh["admin", "/"]
    assert "/admin/users" not in fresh["learner", "/"]


def test_two_courses_alike_but_for_their_address_keep_their_own_sidebars(login_as, users):
    """Same modules, lessons, titles and progress: only the links differ, and they are in the
    sidebar's key, so one course's page never shows the other's links."""
    for slug in ("info-work", "info-work-2"):
        course = build_course(users["trainer"], slug=slug)
        enroll(users["learner"], course)
    client = login_as("learner")
    first = client.get("/courses/info-work/lessons/plan").get_data(as_text=True)
    second = client.get("/courses/info-work-2/lessons/plan").get_data(as_text=True)
    assert 'href="/courses/info-work/lessons/intro"' in first
    assert 'href="/courses/info-work-2/lessons/intro"' in second
    assert "/courses/info-work/lessons/" not in second
