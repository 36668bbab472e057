"""What a learner answered, in words, for their result page (the review setting decides if)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup, escape

from quizzes.models import QuestionVersion


def _text(version: QuestionVersion, raw: str) -> Markup:
    """An option's or pair's text as its stored safe HTML, else escaped plain text."""
    # The version's HTML was sanitised when the version was saved (quizzes.render).
    return Markup(version.html(raw)) if version.html(raw) else escape(raw)  # noqa: S704


def your_answer(version: QuestionVersion, response: Any) -> list[Markup]:
    """The saved response as the learner saw it: option texts, pairs, true/false or the text."""
    if response in (None, "", [], {}):
        return []
    spec = version.spec
    if spec.options and isinstance(response, dict):  # e.g. an ordering type: option -> place
        return [
            _text(version, o.text) + Markup(" → ") + escape(str(response[o.id]))
            for o in spec.options
            if o.id in response
        ]
    if spec.options:
        chosen = set(response) if isinstance(response, list) else {response}
        return [_text(version, o.text) for o in spec.options if o.id in chosen]
    if spec.pairs and isinstance(response, dict):
        rights = {p.id: p.right for p in spec.pairs}
        return [
            _text(version, p.left) + Markup(" → ") + _text(version, rights[response[p.id]])
            for p in spec.pairs
            if response.get(p.id) in rights
        ]
    if isinstance(response, bool):
        return [escape(_("True") if response else _("False"))]
    return [escape(str(response))]
