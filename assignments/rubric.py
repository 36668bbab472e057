"""A rubric as trainers write it: one line per criterion, its levels below as "- points | title |
description". Pure: parsing and writing back, with the line of each mistake."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from training.errors import ServiceError

MAX_CRITERIA = 20
MAX_LEVELS = 10


def parse_rubric(text: str) -> list[dict[str, Any]]:
    """Criteria with their levels from the trainer's text; ServiceError names the bad line."""
    criteria: list[dict[str, Any]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("-"):
            if not criteria:
                raise _error(number, _("a level comes before any criterion"))
            criteria[-1]["levels"].append(_level(line[1:], number))
            continue
        title, _sep, description = line.partition("|")
        criteria.append({"title": title.strip()[:200], "description": description.strip()[:1000]})
        criteria[-1]["levels"] = []
    for criterion in criteria:
        if not criterion["levels"]:
            raise ServiceError(
                _("Criterion “%(title)s” has no levels.", title=criterion["title"]), "rubric"
            )
    if len(criteria) > MAX_CRITERIA or any(len(c["levels"]) > MAX_LEVELS for c in criteria):
        raise ServiceError(
            _(
                "At most %(criteria)d criteria of %(levels)d levels each.",
                criteria=MAX_CRITERIA,
                levels=MAX_LEVELS,
            ),
            "rubric",
        )
    return criteria


def _level(text: str, number: int) -> dict[str, Any]:
    points, _sep, rest = text.partition("|")
    title, _sep, description = rest.partition("|")
    points = points.strip()
    if not points.isascii() or not points.isdigit() or int(points) > 1000:
        raise _error(number, _("a level starts with its points, a whole number up to 1000"))
    if not title.strip():
        raise _error(number, _("a level needs a title after the points"))
    return {
        "title": title.strip()[:200],
        "description": description.strip()[:1000],
        "points": int(points),
    }


def _error(number: int, message: str) -> ServiceError:
    return ServiceError(_("Line %(line)d: %(message)s", line=number, message=message), "rubric")


def rubric_text(criteria: list[dict[str, Any]]) -> str:
    """The text a trainer edits, written back from stored criteria (parses to the same)."""
    lines = []
    for criterion in criteria:
        head = criterion["title"]
        lines.append(f"{head} | {criterion['description']}" if criterion["description"] else head)
        for level in criterion["levels"]:
            tail = f" | {level['description']}" if level["description"] else ""
            lines.append(f"- {level['points']} | {level['title']}{tail}")
    return "\n".join(lines)
