"""Uploaded packs cannot make the server expand YAML: aliases, depth, size and echoed values."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from courses.models import Course
from courses.packs import PackError, read_pack_zip
from courses.packs.checks import shorten
from courses.packs.yaml_reader import MAX_DEPTH, MAX_NODES, MAX_VALUE
from tests.conftest import post
from tests.test_packs import course_yaml, refused_dir, zip_of
from training.extensions import db


def alias_bomb(width: int = 10, depth: int = 8) -> str:
    """The "billion laughs" shape: each level lists the previous one `width` times."""
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, depth + 1):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "format: 1\n" + "\n".join(lines) + f"\nslug: *a{depth}\n"


def problems_of(data: bytes):
    with pytest.raises(PackError) as caught:
        read_pack_zip(data)
    return caught.value.problems


def test_an_alias_bomb_is_refused_at_its_first_anchor_without_expanding():
    text = alias_bomb()
    assert len(text) < 1000
    problems = problems_of(zip_of({"course.yaml": text}))
    assert [(p.file, p.line) for p in problems] == [("course.yaml", 2)]
    assert problems[0].message == (
        "Anchors and aliases (“&” and “*”) are not allowed in a course pack."
    )


def test_an_anchor_or_alias_alone_is_refused_too(tmp_path):
    problems = refused_dir(tmp_path, course_yaml("slug: ", "slug: &s "))
    assert [p.message for p in problems] == [
        "Anchors and aliases (“&” and “*”) are not allowed in a course pack."
    ]


def test_nesting_node_count_and_value_length_are_capped():
    deep = "format: 1\nx: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n"
    many = "format: 1\nx: [" + ", ".join(["1"] * MAX_NODES) + "]\n"
    long = "format: 1\ndescription: " + "я" * (MAX_VALUE + 1) + "\n"
    cases = {
        deep: f"The YAML is nested too deeply: at most {MAX_DEPTH} levels.",
        many: f"The YAML has too many values: at most {MAX_NODES}.",
        long: f"A value is too long: at most {MAX_VALUE} characters.",
    }
    for text, message in cases.items():
        problems = problems_of(zip_of({"course.yaml": text}))
        assert [(p.line, p.message) for p in problems] == [(2, message)]


def test_a_huge_value_is_never_echoed_whole(tmp_path):
    huge = "x" * 50_000
    problems = refused_dir(tmp_path, course_yaml("format: 1", f"format: {huge}"))
    assert all(len(p.message) < 200 for p in problems)
    assert any("xxx…" in p.message for p in problems)


def test_shorten_keeps_short_values_and_cuts_long_ones():
    assert shorten("ключ") == "ключ"
    assert shorten("a" * 100) == "a" * 59 + "…"
    assert shorten(["b"] * 1000).endswith("…") and len(shorten(["b"] * 1000)) == 60
    assert shorten(7) == "7"


def test_the_upload_page_answers_an_alias_bomb_with_a_short_error(login_as, users):
    client = login_as("trainer")
    r = post(
        client,
        "/author/import",
        {"pack": (io.BytesIO(zip_of({"course.yaml": alias_bomb()})), "bomb.zip")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    assert len(r.get_data()) < 50_000
    assert "Якоря и ссылки YAML" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 0


def test_the_import_command_refuses_an_alias_bomb(app, users, tmp_path: Path):
    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(zip_of({"course.yaml": alias_bomb()}))
    result = app.test_cli_runner().invoke(
        args=["courses", "import", str(bomb), "--owner", "trainer"]
    )
    assert result.exit_code == 1
    assert "Якоря и ссылки YAML" in result.output
    assert len(result.output) < 5_000
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 0
