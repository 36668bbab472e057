"""Check a starter-curriculum course pack against the curriculum's quality rules.

Usage: python scripts/check_starter.py courses/starter/<slug> [...]
Prints one line per problem and exits 1 when there is any. Rules: 3–5 modules of 2–4
lessons, ≥ 330 words per lesson, a module quiz per module (≥ 6 questions, ≥ 4 types) and a
final quiz (≥ 8 questions), feedback on every answer and general feedback on every question.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from courses.packs import PackError, read_pack_dir
from quizzes.gift import GiftError, parse_gift

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
    if not 3 <= len(pack.modules) <= 5:
        problems.append(f"course.yaml: {len(pack.modules)} modules (want 3–5)")
    for module in pack.modules:
        if not 2 <= len(module.lessons) <= 4:
            problems.append(f"module {module.key}: {len(module.lessons)} lessons (want 2–4)")
        for lesson in module.lessons:
            if words(lesson.body) < MIN_WORDS:
                problems.append(
                    f"lessons/{lesson.key}.md: {words(lesson.body)} words (want ≥ {MIN_WORDS})"
                )
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
        types = {item.spec.type for item in items}
        if quiz.get("module") and len(types) < 4:
            problems.append(f"quiz {key}: {len(types)} question types (want ≥ 4)")
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


def main() -> int:
    failed = False
    for arg in sys.argv[1:]:
        for line in check(Path(arg)):
            print(f"{arg}: {line}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
