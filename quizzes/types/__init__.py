"""Question types behind one interface (see base.py); the built-in ones are registered here.

Adding a type: one module with a QuestionType subclass, one template
`templates/quizzes/types/<name>.html`, and its line in BUILT_IN below.
"""

from __future__ import annotations

from quizzes.types.base import (
    REGISTRY,
    GradeResult,
    InvalidResponse,
    QuestionType,
    full_marks_response,
    grade,
    normalise_text,
    register,
    type_of,
    unregister,
)
from quizzes.types.choice import MultipleChoice, SingleChoice
from quizzes.types.essay import Essay
from quizzes.types.matching import Matching
from quizzes.types.numeric import Numeric
from quizzes.types.shortanswer import ShortAnswer
from quizzes.types.truefalse import TrueFalse

BUILT_IN: tuple[type[QuestionType], ...] = (
    SingleChoice,
    MultipleChoice,
    TrueFalse,
    ShortAnswer,
    Numeric,
    Matching,
    Essay,
)
for _kind in BUILT_IN:
    register(_kind)

__all__ = [
    "REGISTRY",
    "GradeResult",
    "InvalidResponse",
    "QuestionType",
    "full_marks_response",
    "grade",
    "normalise_text",
    "register",
    "type_of",
    "unregister",
]
