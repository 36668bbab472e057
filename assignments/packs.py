"""Assignments in course packs: `assignments/<key>.md`, the task as the Markdown body and the
settings, the example and the rubric in YAML front matter."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from assignments import services
from assignments.models import (
    BY_MIX,
    BY_TRAINER,
    HAND_IN,
    LATE_POLICIES,
    PASS_RULES,
    REVIEW_MODES,
    Assignment,
)
from assignments.rubric import parse_rubric, rubric_text
from courses.keys import KEY_RE
from courses.models import Course
from courses.packs import CoursePack, PackError, PackProblem
from courses.packs.format import dump_yaml
from courses.packs.reading import refusal_message
from courses.packs.yaml_reader import YamlRefused, read_yaml
from training.accounts.models import User
from training.errors import ServiceError

CHOICES = {"hand_in": HAND_IN, "pass_rule": PASS_RULES, "late_policy": LATE_POLICIES}


def export_assignments(course: Course, pack: CoursePack) -> None:
    """Write each assignment as one Markdown file (deterministic, for byte-equal packs)."""
    for assignment in services.assignments_of(course):
        front: dict[str, Any] = {"title": assignment.title}
        if assignment.module_key:
            front["module"] = assignment.module_key
        front.update(
            {
                "hand_in": assignment.hand_in,
                "required": assignment.required,
                "open": assignment.is_open,
                "pass_rule": assignment.pass_rule,
                "pass_percent": assignment.pass_percent,
                "late_policy": assignment.late_policy,
            }
        )
        if assignment.due_at is not None:
            front["due"] = assignment.due_at.isoformat()
        if assignment.template_filename:
            front["template"] = assignment.template_filename
        if assignment.example:
            front["example"] = assignment.example
        if assignment.rubric is not None:
            front["rubric"] = rubric_text(assignment.rubric.criteria)
        front.update(_review_front(assignment))
        text = f"---\n{dump_yaml(front)}---\n{assignment.task.rstrip()}\n"
        pack.assignments[f"{assignment.key}.md"] = text


def _review_front(assignment: Assignment) -> dict[str, Any]:
    """Review settings, written only when not the default (so older packs stay byte-equal)."""
    front: dict[str, Any] = {}
    if assignment.review_mode != BY_TRAINER:
        front["review"] = assignment.review_mode
    if assignment.has_peers:
        if assignment.peer_reviews != 2:
            front["peer_reviews"] = assignment.peer_reviews
        if not assignment.reviews_before_result:
            front["reviews_before_result"] = False
    if assignment.review_mode == BY_MIX:
        front["weights"] = {
            "trainer": assignment.weight_trainer,
            "peer": assignment.weight_peer,
            "self": assignment.weight_self,
        }
    return front


def import_assignments(course: Course, pack: CoursePack, _user: User) -> None:
    """Create or update the pack's assignments by key; any problem refuses the whole pack."""
    problems: list[PackProblem] = []
    existing = {a.key: a for a in services.assignments_of(course)}
    for name in sorted(pack.assignments):
        file = f"assignments/{name}"
        key = name.removesuffix(".md")
        try:
            settings = _read(pack.assignments[name], key, course)
            if key in existing:
                services.update_assignment(course, existing[key], settings)
            else:
                services.create_assignment(course, settings, key=key)
        except _Problem as problem:
            problems.append(PackProblem(file, problem.line, problem.message))
        except ServiceError as error:
            problems.append(PackProblem(file, None, error.message))
    if problems:
        raise PackError(problems)


class _Problem(Exception):
    def __init__(self, message: str, line: int | None = None) -> None:
        self.message, self.line = message, line


def _read(text: str, key: str, course: Course) -> services.AssignmentSettings:
    """Settings from one file: front matter between "---" lines, then the task."""
    if not KEY_RE.fullmatch(key):
        raise _Problem(_("An assignment file is named after its key, then .md."))
    lines = text.replace("\r\n", "\n").split("\n")
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if lines[0].rstrip() != "---" or end is None:
        raise _Problem(_("An assignment file starts with front matter between “---” lines."), 1)
    try:
        _node, front = read_yaml("\n".join(lines[1:end]))
    except YamlRefused as error:
        raise _Problem(refusal_message(error.reason), 1) from None
    except Exception as error:  # any YAML error: the file is refused at its front matter
        raise _Problem(_("YAML syntax error: %(error)s.", error=str(error)[:200]), 1) from None
    if not isinstance(front, dict) or not isinstance(front.get("title"), str):
        raise _Problem(_("The front matter has no title."), 2)
    return services.AssignmentSettings(
        title=front["title"][:200],
        module_key=_text(front, "module") or None,
        task="\n".join(lines[end + 1 :]).rstrip(),
        example=_text(front, "example"),
        template_filename=_text(front, "template") or None,
        hand_in=_choice(front, "hand_in", "text"),
        is_open=_flag(front, "open"),
        required=_flag(front, "required"),
        pass_rule=_choice(front, "pass_rule", "accepted"),
        pass_percent=_percent(front),
        due_at=_due(front),
        late_policy=_choice(front, "late_policy", "allow"),
        criteria=parse_rubric(_text(front, "rubric")),
        **_review_settings(front),
    )


def _review_settings(front: dict[str, Any]) -> dict[str, Any]:
    """`review`, `peer_reviews`, `reviews_before_result` and a mix's `weights`."""
    mode = front.get("review", BY_TRAINER)
    if mode not in REVIEW_MODES:
        raise _Problem(_("“%(name)s” has the wrong type.", name="review"))
    count = front.get("peer_reviews", 2)
    if isinstance(count, bool) or not isinstance(count, int):
        raise _Problem(_("“%(name)s” has the wrong type.", name="peer_reviews"))
    weights = front.get("weights", {})
    if not isinstance(weights, dict) or set(weights) - {"trainer", "peer", "self"}:
        raise _Problem(_("“%(name)s” has the wrong type.", name="weights"))
    for value in weights.values():
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Problem(_("“%(name)s” has the wrong type.", name="weights"))
    return {
        "review_mode": mode,
        "peer_reviews": count,
        "reviews_before_result": _flag(front, "reviews_before_result"),
        "weight_trainer": weights.get("trainer", 0),
        "weight_peer": weights.get("peer", 0),
        "weight_self": weights.get("self", 0),
    }


def _text(front: dict[str, Any], name: str) -> str:
    value = front.get(name, "")
    if not isinstance(value, str):
        raise _Problem(_("“%(name)s” has the wrong type.", name=name))
    return value


def _flag(front: dict[str, Any], name: str) -> bool:
    value = front.get(name, True)
    if not isinstance(value, bool):
        raise _Problem(_("“%(name)s” has the wrong type.", name=name))
    return value


def _choice(front: dict[str, Any], name: str, default: str) -> str:
    value = front.get(name, default)
    if value not in CHOICES[name]:
        raise _Problem(_("“%(name)s” has the wrong type.", name=name))
    return value


def _percent(front: dict[str, Any]) -> int:
    value = front.get("pass_percent", 60)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise _Problem(_("“%(name)s” has the wrong type.", name="pass_percent"))
    return value


def _due(front: dict[str, Any]) -> datetime | None:
    value = front.get("due")
    if value is None:
        return None
    try:
        due = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        due = None
    if due is None or due.tzinfo is None:
        raise _Problem(_("“%(name)s” has the wrong type.", name="due"))
    return due
