"""The quiz entries of a course pack's course.yaml as typed values (pydantic), for pack import.

Parsing first and applying second keeps the checks in one place: a value that validates here
is the right shape, and the importer only asks the database what the YAML cannot say.
Imported on a process's first pack import, not at startup: pydantic costs a worker megabytes.
"""

from __future__ import annotations

from typing import Annotated, Any

from flask_babel import gettext as _
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from courses.packs.checks import shorten
from quizzes.models import DONE_RULES, REVIEW_MODES
from quizzes.services import QuizSettings

MAX_MINUTES = 366 * 24 * 60
MAX_DRAW = 1000


def one_of(values: tuple[str, ...]) -> AfterValidator:
    """Refuse a text that is not one of `values` (pydantic error type "pack_choice")."""

    def check(value: Any) -> Any:
        if value not in values:
            raise PydanticCustomError("pack_choice", "", {"values": ", ".join(values)})
        return value

    return AfterValidator(check)


class FileLine(BaseModel):
    """`- file: name.gift`: every question of that GIFT file, in order."""

    model_config = ConfigDict(extra="forbid")

    file: str


class DrawLine(BaseModel):
    """`- category: Name` with `draw: N`: N questions drawn at random from the category."""

    model_config = ConfigDict(extra="forbid")

    category: str
    draw: int = Field(1, ge=1, le=MAX_DRAW)


class QuizEntry(BaseModel):
    """One quiz of course.yaml; unknown settings are refused. Attributes are named as in
    QuizSettings, with course.yaml's name as the alias where it differs."""

    # Strict: YAML's `yes` is a bool, `70` an int; a bool is not a number and a number not text.
    model_config = ConfigDict(extra="forbid", strict=True)

    key: str | None = None
    title: str
    module_key: str | None = Field(None, alias="module")
    intro: str = ""
    is_open: bool = Field(True, alias="open")
    required: bool = True
    pass_mark: int = Field(70, ge=0, le=100)
    attempts_allowed: int = Field(0, ge=0)
    # Finite and at most a year: .inf or .nan would reach round() and fail there.
    min_delay_minutes: float = Field(0, ge=0, le=MAX_MINUTES, allow_inf_nan=False)
    time_limit_minutes: float | None = Field(None, gt=0, le=MAX_MINUTES, allow_inf_nan=False)
    shuffle_questions: bool = False
    shuffle_options: bool = True
    questions_per_page: int = Field(1, ge=0)
    review: Annotated[str, one_of(REVIEW_MODES)] = "feedback"
    done_when: Annotated[str, one_of(DONE_RULES)] = "passed"
    questions: Annotated[
        list[Annotated[FileLine | DrawLine, Field(union_mode="left_to_right")]] | None,
        Field(strict=False),
    ] = None

    def settings(self) -> QuizSettings:
        """The quiz's settings as the quiz services take them (course.yaml counts minutes)."""
        minutes = {"min_delay_minutes", "time_limit_minutes"}
        values = self.model_dump(exclude={"key", "questions", *minutes})
        limit = self.time_limit_minutes
        return QuizSettings(
            **values,
            min_delay_seconds=round(self.min_delay_minutes * 60),
            time_limit_seconds=None if limit is None else round(limit * 60),
        )


#: A problem of one quiz entry: its YAML path from course.yaml's root, and the trainer's words.
EntryProblem = tuple[tuple[str | int, ...], str]


def parse_quizzes(raw_entries: list[dict[str, Any]]) -> tuple[list[QuizEntry], list[EntryProblem]]:
    """Every quiz entry of course.yaml as a typed value, and what is wrong with the others."""
    entries: list[QuizEntry] = []
    problems: list[EntryProblem] = []
    for index, raw in enumerate(raw_entries):
        try:
            entries.append(QuizEntry.model_validate(raw))
        except ValidationError as invalid:
            # A bad line fails both kinds of line: say it once.
            found = {(_where(e["loc"]), _message(e)): None for e in invalid.errors()}
            problems += [(("quizzes", index, *path), message) for path, message in found]
    return entries, problems


def _where(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """The YAML path of an error: a setting, or a line of `questions` (not the inner union
    member pydantic names)."""
    return loc[:2] if loc and loc[0] == "questions" else loc[:1]


# pydantic's error types for a number of the right type but a wrong size (or inf/nan).
OUT_OF_RANGE = {
    "greater_than",
    "greater_than_equal",
    "less_than",
    "less_than_equal",
    "finite_number",
}


def _message(error: ErrorDetails) -> str:
    """The trainer's words for a pydantic error, by where it is and what kind it is."""
    loc = error["loc"]
    name = shorten(loc[0]) if loc else "quizzes"
    if name == "questions":
        if len(loc) == 1:
            return _("“questions” must be a list.")
        return _("A line is “file: name.gift” or “category: name” with “draw: N”.")
    if error["type"] == "extra_forbidden":
        return _("Unknown quiz setting “%(name)s”.", name=name)
    if error["type"] in OUT_OF_RANGE:
        return _("The value of “%(name)s” is out of range.", name=name)
    if error["type"] == "pack_choice":
        values = (error.get("ctx") or {}).get("values", "")
        return _("“%(name)s” must be one of: %(values)s.", name=name, values=values)
    return _("“%(name)s” has the wrong type.", name=name)
