"""Reading a course pack from its files, collecting every problem with its file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from flask_babel import gettext as _

from courses.keys import KEY_RE
from courses.packs.archive import PackError, PackProblem, files_from_dir, files_from_zip
from courses.packs.checks import Issue, check, check_files, key_message, locate, tidy
from courses.packs.format import (
    COURSE_FIELDS,
    COURSE_FILE,
    FORMAT,
    FRONT_MATTER_FIELDS,
    MODULE_FIELDS,
    REQUIRED_FIELDS,
    CoursePack,
    PackLesson,
    PackModule,
)


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
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = mark.line + 1 + offset if mark else None
            message = _("YAML syntax error: %(error)s.", error=error.problem or error.context)
            self.add(file, (), message, line)
            return False, None
        except yaml.YAMLError as error:
            position = getattr(error, "position", None)
            line = text[:position].count("\n") + 1 + offset if position is not None else None
            self.add(file, (), _("YAML syntax error: %(error)s.", error=str(error)), line)
            return False, None
        self.nodes[file] = (node, offset)
        return True, data

    def unknown_fields(self, file: str, data: dict, where: tuple, allowed: tuple) -> None:
        """Refuse fields we do not know: most likely typos that would be silently lost."""
        for key in data:
            if key not in allowed:
                message = _("Unknown field “%(key)s”.", key=str(key))
                self.add(file, (*where, key if isinstance(key, str) else str(key)), message)

    def missing_fields(self, file: str, data: dict, where: tuple, required: tuple) -> None:
        """Note every required field that is absent."""
        for key in required:
            if key not in data:
                self.add(file, (*where, key), _("The field “%(key)s” is missing.", key=key))

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
        self.unknown_fields(file, front, (), FRONT_MATTER_FIELDS)
        if "title" not in front:
            self.add(file, ("title",), _("The front matter has no title."), 2)
        body = "\n".join(lines[end + 1 :]).rstrip()
        return PackLesson(key, front.get("title", ""), body, front.get("required", True))

    def course(self, data: dict, lessons: dict[str, PackLesson | None]) -> CoursePack:
        """The pack as described by course.yaml, with placeholders where parts are broken."""
        self.unknown_fields(COURSE_FILE, data, (), COURSE_FIELDS)
        self.missing_fields(COURSE_FILE, data, (), REQUIRED_FIELDS)
        if "format" in data and (type(data["format"]) is not int or data["format"] != FORMAT):
            value = str(data["format"])
            message = _(
                "Unsupported pack format “%(value)s”; this site reads format 1.", value=value
            )
            self.add(COURSE_FILE, ("format",), message)
        raw_modules = data.get("modules", [])
        if not isinstance(raw_modules, list):
            self.add(COURSE_FILE, ("modules",), _("“modules” must be a list."))
            raw_modules = []
        listed: set[str] = set()
        modules = [self.module(i, raw, lessons, listed) for i, raw in enumerate(raw_modules)]
        if isinstance(data.get("modules"), list):
            for key in sorted(set(lessons) - listed):
                message = _("This lesson is not listed in any module of course.yaml.")
                self.add(f"lessons/{key}.md", (), message)
        quizzes = _or_default(data.get("quizzes"), [])
        if not isinstance(quizzes, list) or not all(isinstance(q, dict) for q in quizzes):
            self.add(COURSE_FILE, ("quizzes",), _("“quizzes” must be a list of quizzes."))
            quizzes = []
        certificate = _or_default(data.get("certificate"), {})
        if not isinstance(certificate, dict):
            self.add(COURSE_FILE, ("certificate",), _("“certificate” must be “key: value” lines."))
            certificate = {}
        return CoursePack(
            certificate=certificate,
            quiz_settings=quizzes,
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
        where = ("modules", i)
        if not isinstance(raw, dict):
            self.add(COURSE_FILE, where, _("A module must have a key, a title and lessons."))
            return PackModule("", "", [])
        self.unknown_fields(COURSE_FILE, raw, where, MODULE_FIELDS)
        self.missing_fields(COURSE_FILE, raw, where, MODULE_FIELDS)
        keys = raw.get("lessons", [])
        if not isinstance(keys, list):
            self.add(COURSE_FILE, (*where, "lessons"), _("“lessons” must be a list."))
            keys = []
        found = []
        for j, key in enumerate(keys):
            lesson = None
            if isinstance(key, str) and KEY_RE.fullmatch(key):
                listed.add(key)
                if key not in lessons:
                    message = _(
                        "Lesson “%(key)s” is listed in the outline but lessons/%(key)s.md is "
                        "missing.",
                        key=key,
                    )
                    self.add(COURSE_FILE, (*where, "lessons", j), message)
                lesson = lessons.get(key)
            if lesson is None:
                # A stand-in keeps positions aligned with course.yaml for the checks.
                lesson = PackLesson(key, "", "")
                self.skip.add((f"lessons/{key}.md", ()))
            found.append(lesson)
        return PackModule(raw.get("key"), raw.get("title"), found)


def _or_default(value: Any, default: Any) -> Any:
    return default if value is None else value


def _parse(files: dict[str, bytes], problems: list[PackProblem]) -> CoursePack:
    """The pack in `files` (POSIX path → bytes), or PackError with `problems` and all others."""
    reader = _Reader()
    course_bytes: bytes | None = None
    lesson_bytes: dict[str, bytes] = {}
    media: dict[str, bytes] = {}
    quiz_bytes: dict[str, bytes] = {}
    for name in sorted(files):
        folder, _slash, rest = name.partition("/")
        if name == COURSE_FILE:
            course_bytes = files[name]
        elif folder == "lessons" and rest.endswith(".md") and "/" not in rest:
            if KEY_RE.fullmatch(rest.removesuffix(".md")):
                lesson_bytes[rest.removesuffix(".md")] = files[name]
            else:
                reader.add(
                    name,
                    (),
                    _("A lesson file is named after its key, then .md.") + " " + key_message(),
                )
        elif folder == "media" and rest and "/" not in rest:
            media[rest] = files[name]
        elif folder == "quizzes" and rest.endswith(".gift") and "/" not in rest:
            quiz_bytes[rest] = files[name]
        elif folder in ("lessons", "media", "quizzes") and rest:
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
    lessons = {key: reader.lesson(key, data) for key, data in lesson_bytes.items()}
    quizzes = {}
    for name, data in quiz_bytes.items():
        # Quizzes are kept verbatim, byte order mark and all.
        if (text := reader.decode(f"quizzes/{name}", data, keep_bom=True)) is not None:
            quizzes[name] = text
    pack = None
    if course_bytes is None:
        reader.add(COURSE_FILE, (), _("course.yaml is missing."))
    elif (text := reader.decode(COURSE_FILE, course_bytes)) is not None:
        ok, data = reader.load_yaml(COURSE_FILE, text, 0)
        if ok and not isinstance(data, dict):
            reader.add(COURSE_FILE, (), _("course.yaml must be “key: value” lines."), 1)
        elif ok:
            pack = reader.course(data, lessons)
    checks: list[Issue] = []
    if pack is None:
        check_files(media, quizzes, checks)
    else:
        pack.media, pack.quizzes = media, quizzes
        pack.course_node = reader.nodes.get(COURSE_FILE, (None, 0))[0]
        checks = check(pack)
    found = locate(reader.issues, reader.nodes, set()) + locate(checks, reader.nodes, reader.skip)
    if problems or found or pack is None:
        raise PackError(tidy(problems + found))
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
