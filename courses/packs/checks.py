"""Checks of a course pack's content, tied to files and to lines of their YAML."""

from __future__ import annotations

from typing import Any, NamedTuple

import yaml
from flask_babel import gettext as _

from courses import media_refs
from courses.keys import KEY_RE, SLUG_RE
from courses.media_types import extension_fits, is_safe_filename, sniff_media_type
from courses.packs.archive import PackProblem
from courses.packs.format import COURSE_FILE, CoursePack, PackLesson

LANGUAGES = ("ru", "en")
MAX_TITLE = 200
MAX_TOPICS = 10
MAX_TOPIC = 40
MAX_DURATION = 100_000


def shorten(value: Any, limit: int = 60) -> str:
    """A pack's value as it may appear in a message: never more than `limit` characters.

    Values come from uploaded files and may be huge; messages repeat them to the trainer.
    """
    text = value if isinstance(value, str) else repr(value)[: limit + 1]
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Issue(NamedTuple):
    """A problem before its line is known: `path` leads to the YAML node it concerns."""

    file: str
    path: tuple[str | int, ...]
    message: str
    line: int | None = None


# --- Semantic checks (shared by validate_pack and the readers) -------------------------------


def _title_problem(title: object) -> str | None:
    if title is None or (isinstance(title, str) and not title.strip()):
        return _("Enter a title.")
    if not isinstance(title, str):
        return _("A title must be text.")
    if "\n" in title or "\r" in title:
        return _("A title must fit on one line.")
    if len(title) > MAX_TITLE:
        return _("A title may have at most %(num)d characters.", num=MAX_TITLE)
    return None


def _check_meta(pack: CoursePack, add: Any) -> None:
    if not isinstance(pack.slug, str) or not SLUG_RE.fullmatch(pack.slug):
        add(("slug",), _("The slug must be 2 to 64 lower-case Latin letters, digits or dashes."))
    if problem := _title_problem(pack.title):
        add(("title",), problem)
    if not isinstance(pack.description, str):
        add(("description",), _("The description must be text."))
    if not isinstance(pack.language, str) or pack.language not in LANGUAGES:
        add(("language",), _("The language must be “ru” or “en”."))
    if not isinstance(pack.topics, list):
        add(("topics",), _("Topics must be a list."))
    elif len(pack.topics) > MAX_TOPICS:
        add(("topics",), _("At most %(num)d topics.", num=MAX_TOPICS))
    else:
        for i, topic in enumerate(pack.topics):
            if not isinstance(topic, str) or not topic.strip() or len(topic) > MAX_TOPIC:
                add(
                    ("topics", i),
                    _("A topic must be text of 1 to %(num)d characters.", num=MAX_TOPIC),
                )
    duration = pack.duration_minutes
    # bool is an int in Python, but `duration_minutes: true` is surely a mistake.
    if type(duration) is not int or not 1 <= duration <= MAX_DURATION:
        add(("duration_minutes",), _("The duration must be whole minutes, from 1 to 100000."))
    if pack.cover is not None:
        media = pack.media if isinstance(pack.media, dict) else {}
        if not isinstance(pack.cover, str) or pack.cover not in media:
            add(("cover",), _("The cover must be one of the files in media/."))
        elif sniff_media_type(media[pack.cover]) == "application/pdf":
            add(("cover",), _("The cover must be an image, not a PDF."))


def _check_outline(pack: CoursePack, issues: list[Issue]) -> None:
    if not isinstance(pack.modules, list):
        issues.append(Issue(COURSE_FILE, ("modules",), _("“modules” must be a list.")))
        return
    module_keys: set[str] = set()
    lesson_keys: set[str] = set()
    for i, module in enumerate(pack.modules):
        where = ("modules", i)
        if not isinstance(module.key, str) or not KEY_RE.fullmatch(module.key):
            issues.append(Issue(COURSE_FILE, (*where, "key"), key_message()))
        elif module.key in module_keys:
            message = _("Two modules have the key “%(key)s”.", key=shorten(module.key))
            issues.append(Issue(COURSE_FILE, (*where, "key"), message))
        else:
            module_keys.add(module.key)
        if problem := _title_problem(module.title):
            issues.append(Issue(COURSE_FILE, (*where, "title"), problem))
        if not isinstance(module.lessons, list):
            issues.append(Issue(COURSE_FILE, (*where, "lessons"), _("“lessons” must be a list.")))
            continue
        for j, lesson in enumerate(module.lessons):
            _check_lesson(lesson, (*where, "lessons", j), lesson_keys, issues)


def key_message() -> str:
    return _("A key must be 1 to 64 lower-case Latin letters, digits or dashes.")


def _check_lesson(
    lesson: PackLesson, where: tuple[str | int, ...], seen: set[str], issues: list[Issue]
) -> None:
    key = lesson.key
    if not isinstance(key, str) or not KEY_RE.fullmatch(key):
        issues.append(Issue(COURSE_FILE, where, key_message()))
        return
    if key in seen:
        message = _(
            "The lesson “%(key)s” appears twice; lesson keys must be unique.", key=shorten(key)
        )
        issues.append(Issue(COURSE_FILE, where, message))
        return
    seen.add(key)
    file = f"lessons/{key}.md"
    if problem := _title_problem(lesson.title):
        issues.append(Issue(file, ("title",), problem))
    if not isinstance(lesson.required, bool):
        issues.append(Issue(file, ("required",), _("“required” must be true or false.")))
    if not isinstance(lesson.body, str):
        issues.append(Issue(file, (), _("The lesson text must be text.")))


def check_files(media: object, quizzes: object, issues: list[Issue]) -> None:
    for name, data in sorted(media.items()) if isinstance(media, dict) else []:
        file = f"media/{name}"
        if not isinstance(name, str) or not is_safe_filename(name):
            issues.append(Issue(file, (), _filename_message()))
        elif not isinstance(data, bytes) or not (mimetype := sniff_media_type(data)):
            message = _("Only PNG, JPEG, GIF, WebP images and PDF files are allowed as media.")
            issues.append(Issue(file, (), message))
        elif not extension_fits(name, mimetype):
            message = _("The file's name does not match its content (%(type)s).", type=mimetype)
            issues.append(Issue(file, (), message))
    for name, text in sorted(quizzes.items()) if isinstance(quizzes, dict) else []:
        file = f"quizzes/{name}"
        if not isinstance(name, str) or not is_safe_filename(name) or not name.endswith(".gift"):
            issues.append(Issue(file, (), _filename_message() + " " + _("Quizzes end in .gift.")))
        elif not isinstance(text, str):
            issues.append(Issue(file, (), _("A quiz must be text.")))


def media_reference_issues(pack: CoursePack) -> list[Issue]:
    """Every lesson's reference to a `media/…` file the pack lacks, at its line of the file."""
    media = pack.media if isinstance(pack.media, dict) else {}
    issues = []
    for module in pack.modules if isinstance(pack.modules, list) else []:
        for lesson in module.lessons:
            if not isinstance(lesson.body, str):
                continue
            for name, line in media_refs.missing(lesson.body, media_refs.markdown, media):
                at = line + lesson.body_line - 1 if lesson.body_line else None
                issues.append(
                    Issue(f"lessons/{lesson.key}.md", (), media_refs.not_in_pack(name), at)
                )
    return issues


def _filename_message() -> str:
    return _(
        "A file name may have up to 100 Latin letters, digits, dots, dashes and underscores, "
        "starting with a letter or digit."
    )


def check(pack: CoursePack) -> list[Issue]:
    """Every semantic problem in `pack`, each tied to a file and a path inside it."""
    issues: list[Issue] = []
    _check_meta(pack, lambda path, message: issues.append(Issue(COURSE_FILE, path, message)))
    _check_outline(pack, issues)
    check_files(pack.media, pack.quizzes, issues)
    return issues


# --- Turning issues into problems -------------------------------------------------------------


def line_of(node: yaml.Node | None, path: tuple[str | int, ...]) -> int | None:
    """The 1-based line of the YAML node at `path`, or of the deepest part of it that exists."""
    if node is None:
        return None
    line = node.start_mark.line
    for step in path:
        if isinstance(node, yaml.MappingNode):
            # The last match wins, as in yaml.safe_load when a key is repeated.
            found = [(k, v) for k, v in node.value if getattr(k, "value", None) == step]
            if not found:
                break
            key_node, node = found[-1]
            line = key_node.start_mark.line
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if not 0 <= step < len(node.value):
                break
            node = node.value[step]
            line = node.start_mark.line
        else:
            break
    return line + 1


def locate(
    issues: list[Issue],
    nodes: dict[str, tuple[yaml.Node | None, int]],
    skip: set[tuple[str, tuple[str | int, ...]]],
) -> list[PackProblem]:
    """Problems with their lines, leaving out those under a path in `skip`."""
    problems = []
    for issue in issues:
        # A missing or malformed part is reported once; checks of its placeholder are noise.
        if any((issue.file, issue.path[:n]) in skip for n in range(len(issue.path) + 1)):
            continue
        line = issue.line
        # Problems about a whole file (path ()) have no line unless the reader gave one.
        if line is None and issue.path and issue.file in nodes:
            node, offset = nodes[issue.file]
            found = line_of(node, issue.path)
            line = found + offset if found is not None else None
        problems.append(PackProblem(issue.file, line, issue.message))
    return problems


def validate_pack(pack: CoursePack) -> list[PackProblem]:
    """Semantic problems of an in-memory pack (no line numbers); empty when it is fine."""
    return tidy(locate(check(pack), {}, set()))


def tidy(problems: list[PackProblem]) -> list[PackProblem]:
    """Problems without repeats, ordered by file and line."""
    return sorted(dict.fromkeys(problems), key=lambda p: (p.file, p.line or 0))
