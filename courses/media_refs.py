"""Which of a course's media files a text shows or links to (`media/…`), found the way the
text is rendered, so a reference in a code block or plain text does not count.

Used to refuse a pack whose lessons or questions name a file the pack lacks, and to warn
before publishing a draft that names a file the course does not have.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import unquote

from flask_babel import gettext as _

from courses.media import course_media
from courses.models import Course
from training.markdown import render_markdown

# Rendering with this media base turns every reference to the course's files into this prefix.
_BASE = "/__course_media__/"
_REFERENCE_RE = re.compile(r'(?:src|href)="' + re.escape(_BASE) + r'([^"?#]*)')

Render = Callable[[str, str], str]  # (text, media base) -> HTML


def referenced(text: str, render: Render) -> list[str]:
    """The media file names `text` shows or links to, in order, each once."""
    rendered = render(text, _BASE)
    names = (unquote(html.unescape(m[1])) for m in _REFERENCE_RE.finditer(rendered))
    return list(dict.fromkeys(name for name in names if name))


def markdown(text: str, base: str) -> str:
    """A lesson's Markdown as learners get it (the `Render` for lessons)."""
    return render_markdown(text, media_base=base)


def line_of(text: str, name: str) -> int:
    """The 1-based line of `text` where `media/<name>` first appears (1 if nowhere)."""
    pos = text.find(f"media/{name}")
    return text.count("\n", 0, pos) + 1 if pos != -1 else 1


def missing(text: str, render: Render, files: set[str] | dict) -> list[tuple[str, int]]:
    """(name, line) of every file `text` refers to that is not among `files`."""
    return [(name, line_of(text, name)) for name in referenced(text, render) if name not in files]


def not_in_pack(name: str) -> str:
    """The message for a reference to a file the pack does not have."""
    return _("media/%(name)s not found in the pack.", name=name)


def publish_problems(course: Course) -> list[str]:
    """Lessons of the draft and its cover that name a file the course does not have."""
    files = {media.filename for media in course_media(course)}
    problems = []
    if course.cover_filename and course.cover_filename not in files:
        problems.append(
            _(
                "The cover media/%(name)s is not among the course's files.",
                name=course.cover_filename,
            )
        )
    for lesson in course.lessons():
        for name, _line in missing(lesson.body, markdown, files):
            problems.append(
                _(
                    "The lesson “%(title)s” shows media/%(name)s, which is not among the "
                    "course's files.",
                    title=lesson.title,
                    name=name,
                )
            )
    return problems
