"""The starter curriculum: course packs shipped with the platform, loaded with the demo data."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from courses.models import Course
from courses.packs import import_pack, read_pack_dir
from courses.publishing import publish
from training.accounts.services import find_user
from training.extensions import db

STARTER = Path(__file__).parent


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
