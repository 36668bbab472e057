"""The interface every question type implements, and the registry the rest of quizzes asks.

A type owns everything that depends on what kind of question it is: grading (pure: no
database, no clock, so past results can be recomputed and trusted), checking a response's
shape, reading its answer from the attempt form, its template partial, validating a spec for
the bank, what the review shows, and its GIFT mapping where GIFT has one. Bank, attempts,
views, templates, analysis and GIFT ask the type object and never switch on its name.
"""

from __future__ import annotations

import math
import random
import re
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from quizzes.spec import QuestionSpec
from training.errors import ServiceError

# 96 random bits: not guessable within any number of requests a server would answer.
TOKEN_BYTES = 12


class InvalidResponse(ValueError):
    """A response that could not have come from the served form (forged ids, wrong shape)."""


@dataclass(frozen=True)
class GradeResult:
    """Score 0..1, whether it is fully right, feedback for what was chosen, choice labels;
    `graded` is False for an answer only a trainer can score (an essay): its score waits."""

    score: float
    feedback: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()  # option ids or normalised answers, for item analysis
    graded: bool = True

    @property
    def correct(self) -> bool:
        return self.score >= 1 - 1e-9


def clamp(value: float) -> float:
    """Keep a score within 0..1 (negative weights may push a sum below zero)."""
    return min(1.0, max(0.0, value))


def normalise_text(text: str) -> str:
    """Case-insensitive, whitespace-collapsed, and ё read as е (Russian spelling varies)."""
    return " ".join(text.casefold().replace("ё", "е").split())


def parse_number(text: str) -> float:
    """A number as people type it: spaces allowed, a decimal comma or point."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", cleaned):
        raise InvalidResponse("not a number")
    value = float(cleaned)
    if not math.isfinite(value):
        raise InvalidResponse("not a finite number")
    return value


class QuestionType(ABC):
    """One kind of question. Subclass it, give it a `name`, and register it in quizzes.types.

    Form fields of an item are named `q<item id>` or `q<item id>-<anything>`: the attempt
    page refuses fields naming items that are not on it by that pattern.
    """

    name: ClassVar[str]
    # What trainers read for the type (bank, editor); the `name` is for code and data only.
    title: ClassVar[LazyString | str] = _l("Question")
    # GIFT's answer-block form this type reads ("choice", "numeric", "pairs", "answers",
    # "truefalse"; see quizzes.gift.answers), or "" when GIFT cannot express it.
    gift_reads: ClassVar[str] = ""
    # Whether `to_gift` can write it (the bank's GIFT export and editor leave it out if not).
    in_gift: ClassVar[bool] = False
    # Scored by a trainer after submission (quizzes.essays), not by `grade`.
    graded_by_hand: ClassVar[bool] = False

    @property
    def template(self) -> str:
        """The partial that shows the item's fields (context: item, spec, v, name, r)."""
        return f"quizzes/types/{self.name}.html"

    @abstractmethod
    def grade(self, spec: QuestionSpec, response: Any) -> GradeResult:
        """Score a response (pure: no database, no clock)."""

    @abstractmethod
    def check(self, spec: QuestionSpec, response: Any) -> Any:
        """The response in canonical form, or InvalidResponse when it cannot be one."""

    @abstractmethod
    def correct_answer(self, spec: QuestionSpec) -> list[str]:
        """Texts describing the right answer(s), for review pages."""

    @abstractmethod
    def full_marks(self, spec: QuestionSpec) -> Any:
        """The response that earns full marks (demo data, checks)."""

    @abstractmethod
    def check_spec(self, spec: QuestionSpec) -> None:
        """Refuse (ServiceError) a question of this type that cannot be answered or graded."""

    def read_form(self, name: str, order: list[str], form: MultiDict) -> Any:
        """The raw answer in a submitted attempt page (`order`: the ids as served)."""
        return form.get(name)

    def served_order(self, spec: QuestionSpec, shuffle: bool, rng: random.Random) -> list[str]:
        """The ids in the order this attempt shows them ([] when the type has no list)."""
        return []

    def served_values(self, spec: QuestionSpec, order: list[str]) -> list[str]:
        """The values the form offers to pick from (option ids...), each served as a token."""
        return []

    def tokens(self, spec: QuestionSpec, order: list[str]) -> dict[str, str]:
        """A fresh random token for each served value: token -> value, kept with the item.

        The form carries only tokens, so neither the author's order nor an id tells the answer,
        and a token means nothing in another attempt.
        """
        values = self.served_values(spec, order)
        return {secrets.token_urlsafe(TOKEN_BYTES): value for value in values}

    def invalid_message(self) -> str:
        """What the learner is told when a response fails `check`."""
        return _("That answer is not one of the offered options.")

    def review_answers(self, spec: QuestionSpec, html: Callable[[str], str]) -> list[Markup]:
        """The right answer(s) as safe HTML for the review (`html`: the version's rendering)."""
        # The version's stored HTML was sanitised when the version was saved (quizzes.render).
        texts = self.correct_answer(spec)
        return [Markup(html(t)) if html(t) else escape(t) for t in texts]  # noqa: S704

    def choice_labels(self, spec: QuestionSpec) -> dict[str, str]:
        """Item-analysis labels as words: choice label -> its whole text (the page shortens
        it at a word and shows the rest on request)."""
        return {o.id: o.text for o in spec.options}

    def from_gift(self, block: Any, start: int, end: int, brace: int) -> QuestionSpec | str:
        """A spec from the GIFT answer block start..end (see quizzes.gift.answers), or why the
        question is skipped; `block` is a quizzes.gift.text.Block.

        The GIFT reader only asks types whose `gift_reads` names a GIFT form; a type without
        one skips the question with this reason rather than guessing.
        """
        return _("Questions of type “%(name)s” cannot be read from GIFT.", name=self.name)

    def to_gift(self, spec: QuestionSpec, general: str) -> str:
        """The GIFT answer block `{...}` (`general`: the escaped general feedback).

        Raises ValueError for a spec GIFT cannot express.
        """
        raise ValueError(f"GIFT cannot express a {self.name!r} question")


REGISTRY: dict[str, QuestionType] = {}


def register(cls: type[QuestionType]) -> type[QuestionType]:
    """Make a type known by its name (quizzes.types registers the built-in ones)."""
    REGISTRY[cls.name] = cls()
    return cls


def unregister(name: str) -> None:
    """Forget a type (tests that register their own)."""
    REGISTRY.pop(name, None)


def type_of(name: str) -> QuestionType:
    """The registered type of this name; a ServiceError for an unknown one."""
    kind = REGISTRY.get(name)
    if kind is None:
        raise ServiceError(_("Unknown question type."))
    return kind


def gift_reader(form: str) -> QuestionType:
    """The type that reads this GIFT answer-block form."""
    return next(kind for kind in REGISTRY.values() if kind.gift_reads == form)


def grade(spec: QuestionSpec, response: Any) -> GradeResult:
    """Grade a response to a question of any registered type."""
    return REGISTRY[spec.type].grade(spec, response)


def full_marks_response(spec: QuestionSpec) -> Any:
    """The response that earns full marks, built from the question (demo data, checks)."""
    return REGISTRY[spec.type].full_marks(spec)


def require(condition: bool, message: str) -> None:
    """A ServiceError with `message` unless `condition` holds (for `check_spec`)."""
    if not condition:
        raise ServiceError(message)
