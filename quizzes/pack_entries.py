"""The quiz entries of a course pack's course.yaml as typed values (pydantic), for pack import.

Parsing first and applying second keeps the checks in one place: a value that validates here
is the right shape, and the importer only asks the database what the YAML cannot say.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

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
