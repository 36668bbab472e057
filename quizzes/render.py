"""Question texts to safe HTML, once per version, with the lessons' Markdown pipeline."""

from __future__ import annotations

import html
import re

from quizzes.spec import QuestionSpec
from training.markdown import render_markdown, sanitise_html

_SINGLE_PARAGRAPH = re.compile(r"^<p>(.*)</p>\s*$", re.DOTALL)


def render_text(text: str, text_format: str, media_base: str | None = None) -> str:
    """One text in its declared format: Markdown, HTML (sanitised) or plain/Moodle (escaped)."""
    if not text.strip():
        return ""
    if text_format == "markdown":
        return render_markdown(text, media_base=media_base)
    if text_format == "html":
        return sanitise_html(text, media_base=media_base)
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def inline(html_text: str) -> str:
    """A one-paragraph rendering without its <p>, for option labels and selects."""
    match = _SINGLE_PARAGRAPH.match(html_text)
    return match.group(1) if match and "<p>" not in match.group(1) else html_text


def render_spec(spec: QuestionSpec, media_base: str | None = None) -> dict[str, str]:
    """Every text of a question mapped to its HTML in its own format: {raw text: html}.

    The same raw text in two formats (rare: one answer `[html]`, another plain) renders as
    the first one met.
    """
    rendered = {}
    for text, text_format in spec.texts():
        if text not in rendered:
            rendered[text] = inline(render_text(text, text_format, media_base))
    if spec.text:
        rendered[spec.text] = render_text(spec.text, spec.text_format, media_base)  # blocks kept
    return rendered
