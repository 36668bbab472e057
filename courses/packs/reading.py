"""Reading a course pack from its files, collecting every problem with its file and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from flask_babel import gettext as _

from courses.keys import KEY_RE
from courses.packs.archive import PackError, PackProblem, files_from_dir, files_from_zip
from courses.packs.checks import (
    Issue,
    check,
    check_files,
    key_message,
    locate,
    media_reference_issues,
    tidy,
)
from courses.packs.format import COURSE_FILE, CoursePack, PackLesson, PackModule
from courses.packs.yaml_reader import (
    MAX_DEPTH,
    MAX_NODES,
    MAX_VALUE,
    YamlRefused,
    quote_left_open,
    read_yaml,
)


def _shapes() -> ModuleType:
    """courses.packs.shapes, imported on a process's first pack read (pydantic weighs several
    megabytes, and most workers never read a pack)."""
    from courses.packs import shapes

    return shapes


def refusal_message(reason: str) -> str:
    """Why a pack's YAML was refused, in the trainer's words."""
    if reason == "anchors":
        return _("Anchors and aliases (“&” and “*”) are not allowed in a course pack.")
    if reason == "value":
        return _("A value is too long: at most %(num)d characters.", num=MAX_VALUE)
    if reason == "depth":
        return _("The YAML is nested too deeply: at most %(num)d levels.", num=MAX_DEPTH)
    return _("The YAML has too many values: at most %(num)d.", num=MAX_NODES)


class _Reader:
    """Turns a pack's files into a CoursePack, collecting every problem on the way."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self.nodes: dict[str, tuple[yaml.Node | None, int]] = {}
        self.skip: set[tuple[str, tuple[str | int, ...]]] = set()

    def add(
        self, file: str, path: tuple[str | int, ...], message: str, line: int | None = None
    ) -> None:
        """Note a problem and keep the checks from reporting it again."""
        self.issues.append(Issue(file, path, message, line))
        self.skip.add((file, path))

    def decode(self, file: str, data: bytes, *, keep_bom: bool = False) -> str | None:
        """The file as UTF-8 text, or None after noting where it is not."""
        try:
            return data.decode("utf-8" if keep_bom else "utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            self.add(file, (), _("This file is not UTF-8 text; save it as UTF-8."), line)
            return None

    def load_yaml(self, file: str, text: str, offset: int) -> tuple[bool, Any]:
        """(True, data) for well-formed YAML; `offset` is the lines before it in the file."""
        try:
            node, data = read_yaml(text)
        except YamlRefused as error:
            line = error.problem_mark.line + 1 + offset if error.problem_mark else None
            self.add(file, (), refusal_message(error.reason), line)
            return False, None
        except yaml.MarkedYAMLError as error:
            mark = quote_left_open(text, error)
            if mark is not None:
                message = _("YAML syntax error: the quote opened on this line is not closed.")
            else:
                mark = error.problem_mark or error.context_mark
                message = _("YAML syntax error: %(error)s.", error=error.problem or error.context)
            line = mark.line + 1 + offset if mark else None
            self.add(file, (), message, line)
            return False, None
        except yaml.YAMLError as error:
            position = getattr(error, "position", None)
            line = text[:position].count("\n") + 1 + offset if position is not None else None
            self.add(file, (), _("YAML syntax error: %(error)s.", error=str(error)), line)
            return False, None
        self.nodes[file] = (node, offset)
        return True, data

    def note(self, issues: list[Issue]) -> None:
        """Note problems found by validation, and keep the checks from reporting them again."""
        for issue in issues:
            self.add(*issue)

    def lesson(self, key: str, data: bytes) -> PackLesson | None:
        """A lesson from its file: `---`, YAML front matter, `---`, then the Markdown body."""
        file = f"lessons/{key}.md"
        text = self.decode(file, data)
        if text is None:
            return None
        lines = text.replace("\r\n", "\n").split("\n")
        if lines[0].rstrip() != "---":
            message = _("A lesson file must start with a “---” line, then the title, then “---”.")
            self.add(file, (), message, 1)
            return None
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
        if end is None:
            self.add(file, (), _("The front matter is never closed by a “---” line."), 1)
            return None
        ok, front = self.load_yaml(file, "\n".join(lines[1:end]), 1)
        if not ok:
            return None
        front = {} if front is None else front
        if not isinstance(front, dict):
            self.add(file, (), _("The front matter must be “key: value” lines."), 2)
            return None
        self.note(_shapes().front_matter_issues(front, file))
        if "title" not in front:
            self.add(file, ("title",), _("The front matter has no title."), 2)
        body = "\n".join(lines[end + 1 :]).rstrip()
        # The body starts on the line after the closing "---" (file line end + 2).
        return PackLesson(key, front.get("title", ""), body, front.get("required", True), end + 2)

    def course(self, data: dict, lessons: dict[str, PackLesson | None]) -> CoursePack:
        """The pack as described by course.yaml, with placeholders where parts are broken."""
        self.note(_shapes().course_file_issues(data))
        listed: set[str] = set()
        raw_modules = _as(list, data.get("modules"))
        modules = [self.module(i, raw, lessons, listed) for i, raw in enumerate(raw_modules)]
        if isinstance(data.get("modules"), list):
            for key in sorted(set(lessons) - listed):
                message = _("This lesson is not listed in any module of course.yaml.")
                self.add(f"lessons/{key}.md", (), message)
        quizzes = _as(list, data.get("quizzes"))
        return CoursePack(
            certificate=_as(dict, data.get("certificate")),
            quiz_settings=quizzes if all(isinstance(q, dict) for q in quizzes) else [],
            slug=data.get("slug"),
            title=data.get("title"),
            # An empty `description:` or `topics:` is YAML null; read it as "none".
            description=_or_default(data.get("description"), ""),
            language=data.get("language"),
            topics=_or_default(data.get("topics"), []),
            duration_minutes=data.get("duration_minutes"),
            cover=data.get("cover"),
            modules=modules,
        )

    def module(
        self, i: int, raw: Any, lessons: dict[str, PackLesson | None], listed: set[str]
    ) -> PackModule:
        """One module of the outline; lessons come from their files, in the listed order."""
        if not isinstance(raw, dict):
            return PackModule("", "", [])
        found = []
        for j, key in enumerate(_as(list, raw.get("lessons"))):
            lesson = None
            if isinstance(key, str) and KEY_RE.fullmatch(key):
                listed.add(key)
                if key not in lessons:
                    message = _(
                        "Lesson “%(key)s” is listed in the outline but lessons/%(key)s.md is "
                        "missing.",
                        key=key,
                    )
                    self.add(COURSE_FILE, ("modules", i, "lessons", j), message)
                lesson = lessons.get(key)
            if lesson is None:
                # A stand-in keeps positions aligned with course.yaml for the checks.
                lesson = PackLesson(key, "", "")
                self.skip.add((f"lessons/{key}.md", ()))
            found.append(lesson)
        return PackModule(raw.get("key"), raw.get("title"), found)


def _or_default(value: Any, default: Any) -> Any:
    return default if value is None else value


def _as(kind: type, value: Any) -> Any:
    """`value` when it is a `kind` (list, dict), else an empty one: validation said why."""
    return value if isinstance(value, kind) else kind()


@dataclass
class _Sorted:
    """A pack's files by role; misplaced ones are noted by the reader and left out."""

    course: bytes | None = None
    lessons: dict[str, bytes] = field(default_factory=dict)
    media: dict[str, bytes] = field(default_factory=dict)
    quizzes: dict[str, bytes] = field(default_factory=dict)
    assignments: dict[str, bytes] = field(default_factory=dict)


def _sort_files(files: dict[str, bytes], reader: _Reader) -> _Sorted:
    """Put each file where it belongs: course.yaml, lessons/*.md, media/*, quizzes/*.gift."""
    found = _Sorted()
    for name in sorted(files):
        folder, _slash, rest = name.partition("/")
        if name == COURSE_FILE:
            found.course = files[name]
        elif folder == "lessons" and rest.endswith(".md") and "/" not in rest:
            if KEY_RE.fullmatch(rest.removesuffix(".md")):
                found.lessons[rest.removesuffix(".md")] = files[name]
            else:
                message = _("A lesson file is named after its key, then .md.")
                reader.add(name, (), message + " " + key_message())
        elif folder == "media" and rest and "/" not in rest:
            found.media[rest] = files[name]
        elif folder == "quizzes" and rest.endswith(".gift") and "/" not in rest:
            found.quizzes[rest] = files[name]
        elif folder == "assignments" and rest.endswith(".md") and "/" not in rest:
            found.assignments[rest] = files[name]
        elif folder in ("lessons", "media", "quizzes", "assignments") and rest:
            message = _(
                "This file does not belong here: lessons/ holds .md files, media/ images and "
                "PDFs, quizzes/ .gift files, all without subfolders."
            )
            reader.add(name, (), message)
        else:
            message = _(
                "Unknown file or folder: a pack holds course.yaml and the folders lessons, "
                "media and quizzes."
            )
            reader.add(folder + "/" if rest else folder, (), message)
    return found


def _read_course(reader: _Reader, data: bytes | None, lessons: dict) -> CoursePack | None:
    """The pack as course.yaml describes it, or None when course.yaml cannot be read."""
    if data is None:
        reader.add(COURSE_FILE, (), _("course.yaml is missing."))
        return None
    if (text := reader.decode(COURSE_FILE, data)) is None:
        return None
    ok, course = reader.load_yaml(COURSE_FILE, text, 0)
    if ok and not isinstance(course, dict):
        reader.add(COURSE_FILE, (), _("course.yaml must be “key: value” lines."), 1)
        return None
    return reader.course(course, lessons) if ok else None


def _parse(files: dict[str, bytes], problems: list[PackProblem]) -> CoursePack:
    """The pack in `files` (POSIX path → bytes), or PackError with `problems` and all others."""
    reader = _Reader()
    found = _sort_files(files, reader)
    lessons = {key: reader.lesson(key, data) for key, data in found.lessons.items()}
    quizzes = {}
    for name, data in found.quizzes.items():
        # Quizzes are kept verbatim, byte order mark and all.
        if (text := reader.decode(f"quizzes/{name}", data, keep_bom=True)) is not None:
            quizzes[name] = text
    assignments = {}
    for name, data in found.assignments.items():
        if (text := reader.decode(f"assignments/{name}", data)) is not None:
            assignments[name] = text
    pack = _read_course(reader, found.course, lessons)
    checks: list[Issue] = []
    if pack is None:
        check_files(found.media, quizzes, checks)
    else:
        pack.media, pack.quizzes, pack.assignments = found.media, quizzes, assignments
        pack.course_node = reader.nodes.get(COURSE_FILE, (None, 0))[0]
        checks = check(pack) + media_reference_issues(pack)
    problems = [
        *problems,
        *locate(reader.issues, reader.nodes, set()),
        *locate(checks, reader.nodes, reader.skip),
    ]
    if problems or pack is None:
        raise PackError(tidy(problems))
    return pack


def read_pack_dir(path: Path) -> CoursePack:
    """The pack in a folder, or PackError listing every problem."""
    files, problems = files_from_dir(path)
    return _parse(files, problems)


def read_pack_zip(
    data: bytes, *, max_total_bytes: int = 100 * 1024 * 1024, max_files: int = 2000
) -> CoursePack:
    """The pack in a zip archive (at its root or in one top-level folder), or PackError."""
    files, problems = files_from_zip(data, max_total_bytes=max_total_bytes, max_files=max_files)
    return _parse(files, problems)
