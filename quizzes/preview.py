"""A question as learners see it, for trainers: its type's partial, read-only, nothing saved."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from markupsafe import Markup

from quizzes.models import Question, QuestionVersion
from quizzes.types import type_of
from training.text import cut_words

#: Characters of a question's text shown in lists (the quiz page, the question picker).
EXCERPT_CHARS = 110


def excerpt(version: QuestionVersion, limit: int = EXCERPT_CHARS) -> str:
    """The start of a question's text as plain words (its rendered HTML without the tags)."""
    spec = version.spec
    # The stored HTML is sanitised; striptags also turns its entities back into characters.
    plain = Markup(version.html(spec.text)).striptags() or spec.text  # noqa: S704
    return cut_words(plain, limit)


@dataclass
class PreviewItem:
    """Stands in for an attempt's item in the type partials (quizzes/_item.html): the
    author's order, values served as themselves, no answer."""

    version: QuestionVersion
    order: list[str] = field(default_factory=list)
    id: int = 0
    position: int = 0
    response: None = None

    def token(self, value: str) -> str:
        return value


def preview_item(question: Question) -> PreviewItem:
    """The question's current version, ready for the learners' partial."""
    version = question.current_version
    spec = version.spec
    # Options in the author's order; a type that always shuffles (matching) gets a fixed seed,
    # so the preview stays the same from one look to the next.
    order = type_of(spec.type).served_order(spec, False, random.Random(0))  # noqa: S311
    return PreviewItem(version=version, order=order)
