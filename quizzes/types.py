"""Question types behind one interface: a registry of pure graders, one class per type.

`grade(spec, response)` never touches the database or the clock: the same question and
response always give the same result, so past results can be recomputed and trusted.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from quizzes.spec import QuestionSpec


class InvalidResponse(ValueError):
    """A response that could not have come from the served form (forged ids, wrong shape)."""


@dataclass(frozen=True)
class GradeResult:
    """Score 0..1, whether it is fully right, feedback for what was chosen, choice labels."""

    score: float
    feedback: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()  # option ids or normalised answers, for item analysis

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
    """Interface of a question type: grading, the correct answer, checking a response's shape."""

    name: ClassVar[str]

    @abstractmethod
    def grade(self, spec: QuestionSpec, response: Any) -> GradeResult:
        """Score a response (pure: no database, no clock)."""

    @abstractmethod
    def check(self, spec: QuestionSpec, response: Any) -> Any:
        """The response in canonical form, or InvalidResponse when it cannot be one."""

    @abstractmethod
    def correct_answer(self, spec: QuestionSpec) -> list[str]:
        """Texts describing the right answer(s), for review pages."""


REGISTRY: dict[str, QuestionType] = {}


def register(cls: type[QuestionType]) -> type[QuestionType]:
    REGISTRY[cls.name] = cls()
    return cls


@register
class SingleChoice(QuestionType):
    """One option is chosen; it earns its weight (partial credit allowed)."""

    name = "single"

    def check(self, spec: QuestionSpec, response: Any) -> str | None:
        if response in (None, ""):
            return None
        if not isinstance(response, str) or response not in {o.id for o in spec.options}:
            raise InvalidResponse("unknown option")
        return response

    def grade(self, spec: QuestionSpec, response: Any) -> GradeResult:
        chosen = self.check(spec, response)
        option = next((o for o in spec.options if o.id == chosen), None)
        if option is None:
            return GradeResult(0.0)
        feedback = (option.feedback,) if option.feedback else ()
        return GradeResult(clamp(option.weight), feedback, (option.id,))

    def correct_answer(self, spec: QuestionSpec) -> list[str]:
        best = max((o.weight for o in spec.options), default=0)
        return [o.text for o in spec.options if o.weight == best and best > 0]


@register
class MultipleChoice(QuestionType):
    """Several options may be chosen; their weights add up (negative ones too), clamped to 0..1."""

    name = "multiple"

    def check(self, spec: QuestionSpec, response: Any) -> frozenset[str]:
        if response in (None, ""):
            return frozenset()
        values = [response] if isinstance(response, str) else response
        if not isinstance(values, list | tuple | set | frozenset):
            raise InvalidResponse("expected a list of options")
        ids = {o.id for o in spec.options}
        if any(not isinstance(v, str) or v not in ids for v in values):
            raise InvalidResponse("unknown option")
        return frozenset(values)

    def grade(self, spec: QuestionSpec, response: Any) -> GradeResult:
        chosen = self.check(spec, response)
        picked = [o for o in spec.options if o.id in chosen]
        feedback = tuple(o.feedback for o in picked if o.feedback)
        # Rounded: three GIFT weights of 33.33333% must add up to full marks.
        total = round(sum(o.weight for o in picked), 4)
        return GradeResult(clamp(total), feedback, tuple(o.id for o in picked))

    def correct_answer(self, spec: QuestionSpec) -> list[str]:
        return [o.text for o in spec.options if o.weight > 0]


@register
class TrueFalse(QuestionType):
    """True or false; feedback depends on what the learner answered."""

    name = "truefalse"

    def check(self, spec: QuestionSpec, response: Any) -> bool | None:
        if response in (None, ""):
            return None
        if isinstance(response, bool):
            return response
        if response in ("true", "false"):
            return response == "true"
        raise InvalidResponse("expected true or false")

    def grade(self, spec: QuestionSpec, response: Any) -> GradeResult:
        answer = self.check(spec, response)
        if answer is None:
            return GradeResult(0.0)
        text = spec.feedback_true if answer else spec.feedback_false
        return GradeResult(
            1.0 if answer == spec.truth else 0.0,
            (text,) if text else (),
            ("true" if answer else "false",),
        )

    def correct_answer(self, spec: QuestionSpec) -> list[str]:
        return ["true" if spec.truth else "false"]


@register
class ShortAnswer(QuestionType):
    """Typed text compared with accepted answers; the best-weighted match counts."""

    name = "shortanswer"

    def check(self, spec: QuestionSpec, response: Any) -> str:
        if response is None:
            return ""
        if not isinstance(response, str) or len(response) > 1000:
            raise InvalidResponse("expected a short text")
        return response

    def grade(self, spec: QuestionSpec, response: Any) -> GradeResult:
        typed = normalise_text(self.check(spec, response))
        if not typed:
            return GradeResult(0.0)
        matches = [a for a in spec.answers if normalise_text(a.text) == typed]
        if not matches:
            return GradeResult(0.0, (), (typed,))
        best = max(matches, key=lambda a: a.weight)
        return GradeResult(clamp(best.weight), (best.feedback,) if best.feedback else (), (typed,))

    def correct_answer(self, spec: QuestionSpec) -> list[str]:
        return [a.text for a in spec.answers if a.weight >= 1]


@register
class Numeric(QuestionType):
    """A number: exact within a tolerance, or inside a range; the best-weighted match counts."""

    name = "numeric"

    def check(self, spec: QuestionSpec, response: Any) -> float | None:
        if response is None or (isinstance(response, str) and not response.strip()):
            return None
        if isinstance(response, int | float) and not isinstance(response, bool):
            return float(response)
        if not isinstance(response, str) or len(response) > 100:
            raise InvalidResponse("expected a number")
        return parse_number(response)

    def grade(self, spec: QuestionSpec, response: Any) -> GradeResult:
        value = self.check(spec, response)
        if value is None:
            return GradeResult(0.0)
        matches = [a for a in spec.numeric if _numeric_match(a, value)]
        label = (f"{value:g}",)
        if not matches:
            return GradeResult(0.0, (), label)
        best = max(matches, key=lambda a: a.weight)
        return GradeResult(clamp(best.weight), (best.feedback,) if best.feedback else (), label)

    def correct_answer(self, spec: QuestionSpec) -> list[str]:
        result = []
        for a in spec.numeric:
            if a.weight < 1:
                continue
            if a.low is not None and a.high is not None:
                result.append(f"{a.low:g}…{a.high:g}")
            elif a.tolerance:
                result.append(f"{a.value:g} ± {a.tolerance:g}")
            else:
                result.append(f"{a.value:g}")
        return result


def _numeric_match(answer: Any, value: float) -> bool:
    if answer.low is not None and answer.high is not None:
        return answer.low <= value <= answer.high
    if answer.value is None:
        return False
    # A hair of slack so 0.1 + 0.2 style rounding never fails an exact answer.
    return abs(value - answer.value) <= answer.tolerance + 1e-9 * max(1.0, abs(answer.value))


@register
class Matching(QuestionType):
    """Each left item gets one right item from a select; the score is the share matched."""

    name = "matching"

    def check(self, spec: QuestionSpec, response: Any) -> dict[str, str]:
        if response in (None, ""):
            return {}
        if not isinstance(response, dict):
            raise InvalidResponse("expected pairs")
        ids = {p.id for p in spec.pairs}
        cleaned = {}
        for left, right in response.items():
            if left not in ids or (right not in ids and right not in ("", None)):
                raise InvalidResponse("unknown pair")
            if right:
                cleaned[left] = right
        return cleaned

    def grade(self, spec: QuestionSpec, response: Any) -> GradeResult:
        chosen = self.check(spec, response)
        if not spec.pairs:
            return GradeResult(0.0)
        rights = {p.id: p.right for p in spec.pairs}
        # Two lefts may share a right text: picking either copy of that text is right.
        hits = sum(1 for p in spec.pairs if rights.get(chosen.get(p.id, "")) == p.right)
        labels = tuple(f"{left}>{right}" for left, right in sorted(chosen.items()))
        return GradeResult(hits / len(spec.pairs), (), labels)

    def correct_answer(self, spec: QuestionSpec) -> list[str]:
        return [f"{p.left} → {p.right}" for p in spec.pairs]


def grade(spec: QuestionSpec, response: Any) -> GradeResult:
    """Grade a response to a question of any registered type."""
    return REGISTRY[spec.type].grade(spec, response)


def full_marks_response(spec: QuestionSpec) -> Any:
    """The response that earns full marks, built from the question (demo data, checks)."""
    if spec.type == "single":
        return max(spec.options, key=lambda o: o.weight).id
    if spec.type == "multiple":
        return [o.id for o in spec.options if o.weight > 0]
    if spec.type == "truefalse":
        return "true" if spec.truth else "false"
    if spec.type == "shortanswer":
        return max(spec.answers, key=lambda a: a.weight).text
    if spec.type == "numeric":
        best = max(spec.numeric, key=lambda a: a.weight)
        return str(best.value if best.value is not None else best.low)
    return {p.id: p.id for p in spec.pairs}
