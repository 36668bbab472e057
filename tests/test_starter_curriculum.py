"""The shipped curriculum meets its quality rules and loads as published courses."""

from __future__ import annotations

import pytest

from courses.starter import STARTER
from scripts.check_starter import check

# A short introductory course that predates the rules; every other pack is held to them.
EXEMPT = {"news-first-steps"}
PACKS = sorted(p for p in STARTER.iterdir() if (p / "course.yaml").exists())


@pytest.mark.parametrize("folder", [p for p in PACKS if p.name not in EXEMPT], ids=lambda p: p.name)
def test_curriculum_pack_meets_the_rules(folder):
    assert check(folder) == []


def test_every_pack_is_a_valid_pack():
    from courses.packs import read_pack_dir

    slugs = [read_pack_dir(p).slug for p in PACKS]
    assert len(slugs) == len(set(slugs)) and all(
        p.name == s for p, s in zip(PACKS, slugs, strict=True)
    )
