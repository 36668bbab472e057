"""Keep the translation catalogs in step with the code: extract, update, fill English, report.

Usage: python scripts/i18n.py          (extract + update catalogs, then report gaps)
       python scripts/i18n.py --check  (report only; exit 1 if a Russian translation is missing)
Message ids are English, so the English catalog translates each message to itself.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"


def pybabel(*args: str) -> None:
    exe = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(exe), "-q", *args], check=True, cwd=ROOT)  # noqa: S603 - fixed arguments


def extract_template(pot: Path) -> None:
    """Write every translatable message of the source tree to `pot`."""
    pybabel(
        *("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext"),
        *("--no-location", "--sort-output", "--omit-header", "-o", str(pot), "."),
    )


def extract() -> None:
    """Extract messages into the template, then merge it into each language's catalog."""
    extract_template(POT)
    with POT.open("rb") as f:
        template = read_po(f)
    for lang in ("ru", "en"):
        po_path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        if po_path.exists():
            with po_path.open("rb") as f:
                catalog = read_po(f, locale=lang)
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            with po_path.open("wb") as f:
                write_po(f, catalog, no_location=True, sort_output=True, width=100)
        else:
            pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", lang)


def fill_english() -> None:
    po_path = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as f:
        catalog = read_po(f, locale="en")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            message.string = (message.id[0], message.id[1])
        else:
            message.string = message.id
        message.flags.discard("fuzzy")
    with po_path.open("wb") as f:
        write_po(f, catalog, no_location=True, sort_output=True, width=100)


def missing(lang: str) -> list[str]:
    """Message ids with no (or a fuzzy) translation in `lang`."""
    po_path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as f:
        catalog = read_po(f, locale=lang)
    gaps = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if "fuzzy" in message.flags or not all(strings):
            gaps.append(message.id if isinstance(message.id, str) else message.id[0])
    return gaps


def main() -> int:
    if "--check" not in sys.argv:
        extract()
        fill_english()
    gaps = missing("ru")
    for msgid in gaps:
        print(f"ru: missing translation: {msgid}")
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main())
