"""The course pack format: the CoursePack value types and how a pack is written as files.

Pure, no database. Writing is deterministic so that export → import → export gives identical
bytes; `courses.packs` validates a pack before it is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

COURSE_FILE = "course.yaml"
FORMAT = 1


@dataclass
class PackLesson:
    """One lesson: Markdown body and its settings."""

    key: str
    title: str
    body: str
    required: bool = True
    # The file line the body starts on, when read from a file (for problems' line numbers).
    body_line: int | None = field(default=None, compare=False)


@dataclass
class PackModule:
    """A titled group of lessons, in order."""

    key: str
    title: str
    lessons: list[PackLesson]


@dataclass
class CoursePack:
    """A whole course as it travels between installations."""

    slug: str
    title: str
    description: str
    language: str
    topics: list[str]
    duration_minutes: int
    cover: str | None
    modules: list[PackModule]
    media: dict[str, bytes] = field(default_factory=dict)
    quizzes: dict[str, str] = field(default_factory=dict)
    # assignments/<key>.md kept verbatim: the assignments package writes and reads them.
    assignments: dict[str, str] = field(default_factory=dict)
    # Quiz definitions from course.yaml, kept as written: the quizzes package reads them.
    quiz_settings: list[dict[str, Any]] = field(default_factory=list)
    # Certificate settings from course.yaml, kept as written: the certificates package reads them.
    certificate: dict[str, Any] = field(default_factory=dict)
    # course.yaml as parsed YAML nodes, so later checks can name the line they refer to.
    course_node: Any = field(default=None, compare=False, repr=False)


class _Dumper(yaml.SafeDumper):
    """Safe YAML that writes multi-line text as literal blocks, the way people write it."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar(
        "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None
    )


_Dumper.add_representer(str, _represent_str)


def dump_yaml(data: dict[str, Any]) -> str:
    """YAML as packs write it (multi-line text as literal blocks); other packages' files too."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100,
    )


def to_files(pack: CoursePack) -> dict[str, bytes]:
    """Every file of a pack by its path (the pack must be valid: see `courses.packs`)."""
    course: dict[str, Any] = {
        "format": FORMAT,
        "slug": pack.slug,
        "title": pack.title,
        "description": pack.description,
        "language": pack.language,
        "topics": list(pack.topics),
        "duration_minutes": pack.duration_minutes,
    }
    if pack.cover is not None:
        course["cover"] = pack.cover
    course["modules"] = [
        {"key": m.key, "title": m.title, "lessons": [lesson.key for lesson in m.lessons]}
        for m in pack.modules
    ]
    if pack.quiz_settings:
        course["quizzes"] = pack.quiz_settings
    if pack.certificate:
        course["certificate"] = pack.certificate
    files = {COURSE_FILE: dump_yaml(course).encode()}
    for module in pack.modules:
        for lesson in module.lessons:
            front = dump_yaml({"title": lesson.title, "required": lesson.required})
            # The reader strips trailing whitespace, so write the body already stripped.
            text = f"---\n{front}---\n{lesson.body.rstrip()}\n"
            files[f"lessons/{lesson.key}.md"] = text.encode()
    files.update({f"media/{name}": data for name, data in pack.media.items()})
    files.update({f"quizzes/{name}": text.encode() for name, text in pack.quizzes.items()})
    files.update({f"assignments/{n}": text.encode() for n, text in pack.assignments.items()})
    return dict(sorted(files.items()))
