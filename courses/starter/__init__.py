"""The starter curriculum: course packs shipped with the platform, loaded with the demo data."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from courses.models import Course
from courses.packs import import_pack, read_pack_dir
from courses.publishing import publish
from training.accounts.services import find_user
from training.extensions import db

STARTER = Path(__file__).parent

# The recommended order of the shipped courses and what each gives, for the catalog's course map.
# A course not published (or deleted) simply drops out of the map.
COURSE_MAP: tuple[tuple[str, LazyString], ...] = (
    (
        "info-work-basics",
        _l("Start here: aims, roles, a year plan, channels, measuring, good practice."),
    ),
    (
        "info-work-basics-en",
        _l("Start here: aims, roles, a year plan, channels, measuring, good practice."),
    ),
    ("news-first-steps", _l("A short start: what makes news and how to write the first item.")),
    ("digital-tools", _l("Safe accounts, chats, mailings, shared documents, readable leaflets.")),
    (
        "social-communities",
        _l("The organisation's groups in social networks: rules, dialogue, growth."),
    ),
    ("correspondents", _l("A network of volunteer correspondents: find, brief, edit, support.")),
    (
        "membership-motivation",
        _l("Results members can check, honest answers, campaigns, feedback."),
    ),
    ("open-report", _l("What to put in, honest figures, plain language, publishing, questions.")),
)


class MapStep(NamedTuple):
    """One step of the course map: the course and what it gives."""

    course: Course
    summary: LazyString


def course_map(courses: list[Course], language: str) -> list[MapStep]:
    """The map's steps for the published `courses` in `language`, in the recommended order."""
    by_slug = {c.slug: c for c in courses if c.published_revision.language == language}
    return [MapStep(by_slug[slug], summary) for slug, summary in COURSE_MAP if slug in by_slug]


def load_starter_courses(owner_username: str = "trainer") -> list[str]:
    """Import and publish every shipped pack whose course is not there yet (idempotent)."""
    owner = find_user(owner_username)
    if owner is None:
        return []
    added = []
    for folder in sorted(p for p in STARTER.iterdir() if (p / "course.yaml").exists()):
        pack = read_pack_dir(folder)
        if db.session.scalar(sa.select(Course.id).where(Course.slug == pack.slug)):
            continue
        result = import_pack(pack, owner)
        publish(result.course, owner, "Starter curriculum")
        added.append(f"course {pack.slug}")
    return added
