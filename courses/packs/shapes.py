"""The shape of course.yaml and of a lesson's front matter (pydantic), for the pack reader.

Kept apart from courses.packs.checks and imported on a pack's first read: pydantic and the
models it builds cost a worker several megabytes, and most workers never read a pack.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from flask_babel import gettext as _
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from courses.packs.checks import Issue, shorten
from courses.packs.format import COURSE_FILE, FORMAT


def _shaped(kind: type, message: Callable[[], str]) -> BeforeValidator:
    """Refuse a value that is not a `kind` (list, dict) with `message`, not pydantic's words."""

    def check(value: Any) -> Any:
        if not isinstance(value, kind):
            raise PydanticCustomError("pack_shape", message())
        return value

    return BeforeValidator(check)


def _format(value: Any) -> int:
    # bool is an int in Python, but `format: true` is not format 1.
    if type(value) is not int or value != FORMAT:
        message = _(
            "Unsupported pack format “%(value)s”; this site reads format 1.", value=shorten(value)
        )
        raise PydanticCustomError("pack_format", message)
    return value


def _quizzes(value: Any) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise PydanticCustomError("pack_shape", _("“quizzes” must be a list of quizzes."))
    return value


class _Entry(BaseModel):
    """Unknown fields are refused: most likely typos that would be silently lost."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ModuleEntry(_Entry):
    """One module in course.yaml; its values are checked with the rest of the pack."""

    key: Any
    title: Any
    lessons: Annotated[list[Any], _shaped(list, lambda: _("“lessons” must be a list."))]


Module = Annotated[
    ModuleEntry, _shaped(dict, lambda: _("A module must have a key, a title and lessons."))
]


class CourseFile(_Entry):
    """The fields of course.yaml and the containers they hold (values: see `check`).

    An empty `description:`, `topics:`, `quizzes:` or `certificate:` is YAML null: "none".
    """

    format: Annotated[int, BeforeValidator(_format)]
    slug: Any
    title: Any
    description: Any = None
    language: Any
    topics: Any = None
    duration_minutes: Any
    cover: Any = None
    modules: Annotated[list[Module], _shaped(list, lambda: _("“modules” must be a list."))]
    quizzes: Annotated[list[dict[str, Any]] | None, BeforeValidator(_quizzes)] = None
    certificate: Annotated[
        dict[str, Any] | None,
        _shaped((dict, type(None)), lambda: _("“certificate” must be “key: value” lines.")),
    ] = None


class FrontMatter(_Entry):
    """A lesson file's settings between its two “---” lines."""

    title: Any = None  # the reader names a missing title in the front matter's own words
    required: Any = True


def validation_issues(
    error: ValidationError,
    file: str,
    *,
    at: tuple[str | int, ...] = (),
) -> list[Issue]:
    """Pydantic's errors as issues of `file`, each at its YAML path (`at` + the error's `loc`)."""
    issues = []
    for item in error.errors():
        path = (*at, *item["loc"])
        name = shorten(path[-1]) if path else ""
        if item["type"] == "missing":
            message = _("The field “%(key)s” is missing.", key=name)
        elif item["type"] == "extra_forbidden":
            message = _("Unknown field “%(key)s”.", key=name)
        elif item["type"].startswith("pack_"):
            message = item["msg"]  # our own PydanticCustomError, already translated
        else:  # pydantic's own words are English: say it in the trainer's language
            message = _("“%(name)s” has the wrong type.", name=name)
        issues.append(Issue(file, path, message))
    return issues


def course_file_issues(data: dict[str, Any]) -> list[Issue]:
    """What is wrong with the fields and containers of course.yaml, each at its YAML path."""
    return _issues(CourseFile, data, COURSE_FILE)


def front_matter_issues(data: dict[str, Any], file: str) -> list[Issue]:
    """What is wrong with the front matter of the lesson file `file`."""
    return _issues(FrontMatter, data, file)


def _issues(model: type[BaseModel], data: dict[str, Any], file: str) -> list[Issue]:
    try:
        model.model_validate(data)
    except ValidationError as error:
        return validation_issues(error, file)
    return []
