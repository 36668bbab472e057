"""Check a starter-curriculum course pack against the curriculum's quality rules.

Usage: python scripts/check_starter.py courses/starter/<slug> [...]
Prints one line per problem and exits 1 when there is any. Machine-checked rules:
- 3–6 modules of 2–4 lessons, ≥ 330 words per lesson;
- a module quiz per module (≥ 6 questions) and one final quiz (≥ 8 questions);
- feedback on every answer and general feedback on every question;
- at least one assignment per module (front matter `module: <key>` naming a real module) and at
  least one capstone: an assignment without `module`, handed in after the whole course;
- every assignment has a rubric of 3–4 criteria, each with at least 3 levels.
Rule a reviewer checks (no machine can): every question tests a decision or a skill — a
scenario, a calculation, a choice an activist makes — not recall of a number or a phrase.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assignments.rubric import parse_rubric
from courses.packs import PackError, read_pack_dir
from courses.packs.yaml_reader import read_yaml
from quizzes.gift import GiftError, parse_gift
from training.errors import ServiceError

MIN_WORDS = 330


def words(markdown: str) -> int:
    return len(re.findall(r"[\wЁёА-я-]+", markdown))


def check(folder: Path) -> list[str]:
    """Every rule the pack breaks, as readable lines."""
    try:
        pack = read_pack_dir(folder)
    except PackError as error:
        return [f"{p.file}:{p.line or ''} {p.message}" for p in error.problems]
    problems = []
    if not 3 <= len(pack.modules) <= 6:
        problems.append(f"course.yaml: {len(pack.modules)} modules (want 3–6)")
    for module in pack.modules:
        if not 2 <= len(module.lessons) <= 4:
            problems.append(f"module {module.key}: {len(module.lessons)} lessons (want 2–4)")
        for lesson in module.lessons:
            if words(lesson.body) < MIN_WORDS:
                problems.append(
                    f"lessons/{lesson.key}.md: {words(lesson.body)} words (want ≥ {MIN_WORDS})"
                )
    problems += check_assignments(pack.assignments, [m.key for m in pack.modules])
    quizzes = {q.get("key"): q for q in pack.quiz_settings}
    finals = [q for q in pack.quiz_settings if not q.get("module")]
    if len(finals) != 1:
        problems.append(f"course.yaml: {len(finals)} final quizzes (want 1)")
    for module in pack.modules:
        if not any(q.get("module") == module.key for q in pack.quiz_settings):
            problems.append(f"module {module.key}: no module quiz")
    for key, quiz in quizzes.items():
        files = [line.get("file") for line in quiz.get("questions", []) if isinstance(line, dict)]
        items = []
        for name in files:
            try:
                items += parse_gift(pack.quizzes.get(name, "")).items
            except GiftError as error:
                problems.append(f"quizzes/{name}:{error.line} {error.message}")
        want = 6 if quiz.get("module") else 8
        if len(items) < want:
            problems.append(f"quiz {key}: {len(items)} questions (want ≥ {want})")
        for item in items:
            spec, where = item.spec, f"quiz {key} line {item.line}"
            if not spec.general_feedback.strip():
                problems.append(f"{where}: no general feedback")
            missing = [o.text for o in spec.options if not o.feedback.strip()]
            missing += [a.text for a in spec.answers if not a.feedback.strip()]
            missing += [str(n.value) for n in spec.numeric if not n.feedback.strip()]
            if spec.type == "truefalse" and not (spec.feedback_true and spec.feedback_false):
                missing.append("true/false")
            if missing:
                problems.append(f"{where}: answers without feedback: {', '.join(missing)[:80]}")
    return problems


def front_matter(text: str) -> dict:
    """The YAML front matter of an assignment file (empty when there is none or it is broken)."""
    lines = text.split("\n")
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if lines[0].rstrip() != "---" or end is None:
        return {}
    try:
        _node, front = read_yaml("\n".join(lines[1:end]))
    except Exception:  # YamlRefused or any YAML syntax error: reported as no front matter
        return {}
    return front if isinstance(front, dict) else {}


def check_assignments(files: dict[str, str], modules: list[str]) -> list[str]:
    """Assignment rules for the course author: one per module, a capstone, rubrics everywhere."""
    problems = []
    covered: set[str] = set()
    capstones = 0
    for name, text in sorted(files.items()):
        front = front_matter(text)
        if not front.get("title"):
            problems.append(f"assignments/{name}: no front matter with a title")
            continue
        module = front.get("module")
        if module is None:
            capstones += 1
        elif module not in modules:
            problems.append(f"assignments/{name}: module {module!r} is not in course.yaml")
        covered.add(module)
        try:
            criteria = parse_rubric(str(front.get("rubric") or ""))
        except ServiceError as error:
            problems.append(f"assignments/{name}: rubric: {error.message}")
            continue
        if not 3 <= len(criteria) <= 4:
            problems.append(f"assignments/{name}: {len(criteria)} rubric criteria (want 3–4)")
        if any(len(c["levels"]) < 3 for c in criteria):
            problems.append(f"assignments/{name}: a rubric criterion with < 3 levels")
    problems += [f"module {key}: no assignment" for key in modules if key not in covered]
    if not capstones:
        problems.append("assignments: no capstone (an assignment without `module`)")
    return problems


def main() -> int:
    failed = False
    for arg in sys.argv[1:]:
        for line in check(Path(arg)):
            print(f"{arg}: {line}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
