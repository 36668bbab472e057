"""The catalog's course map: the starter courses in the recommended order, with what each gives."""

from __future__ import annotations

import re

from courses import publishing
from courses.starter import COURSE_MAP
from tests.course_helpers import build_course
from training.extensions import db

MAP = re.compile(r'<section class="course-map".*?</section>', re.S)


def course_map_of(page: str) -> str:
    """The map section of a catalog page, or "" when the page has none."""
    found = MAP.search(page)
    return found.group(0) if found else ""


def english(owner, slug: str):
    """A published course in English."""
    course = build_course(owner, slug=slug, publish=False)
    course.language = "en"
    publishing.publish(course, owner)
    db.session.commit()
    return course


def test_the_map_lists_published_starter_courses_in_the_recommended_order(client, users):
    # Built in the reverse of the map's order: the map, not the build order, decides.
    build_course(users["trainer"], slug="open-report")
    build_course(users["trainer"], slug="membership-motivation", publish=False)
    build_course(users["trainer"], slug="info-work-basics")
    build_course(users["trainer"], slug="local-course")
    english(users["trainer"], "info-work-basics-en")
    found = course_map_of(client.get("/courses/").get_data(as_text=True))
    links = re.findall(r'href="/courses/([\w-]+)"', found)
    assert links == ["info-work-basics", "open-report"]  # unpublished, local and English: not here
    assert "С чего начать" in found
    assert "Начните здесь" in found and "Что включить, честные цифры" in found


def test_the_map_follows_the_language_and_steps_aside_for_a_topic(client, users):
    build_course(users["trainer"], slug="info-work-basics")
    english(users["trainer"], "info-work-basics-en")
    found = course_map_of(client.get("/courses/?lang=en").get_data(as_text=True))
    assert re.findall(r'href="/courses/([\w-]+)"', found) == ["info-work-basics-en"]
    page = client.get("/courses/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Where to start" in page and "Start here: aims, roles" in page
    page = client.get("/courses/?topic=новости").get_data(as_text=True)
    assert "/courses/info-work-basics" in page and course_map_of(page) == ""


def test_no_map_without_starter_courses(client, users):
    build_course(users["trainer"])
    page = client.get("/courses/").get_data(as_text=True)
    assert "/courses/info-work" in page and course_map_of(page) == ""


def test_every_shipped_pack_is_on_the_map_once():
    from tests.test_starter_curriculum import PACKS

    slugs = [slug for slug, _summary in COURSE_MAP]
    assert sorted(slugs) == sorted(p.name for p in PACKS)
