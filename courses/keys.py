"""Stable, URL-safe keys for courses, modules and lessons, made from their titles."""

from __future__ import annotations

import json
import re
import secrets

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

# A plain Russian transliteration, enough to make readable Latin keys from Cyrillic titles.
_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            *("a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o"),
            *("p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e"),
            *("iu", "ia"),
        ],
        strict=True,
    )
)


def slugify(text: str, max_length: int = 48) -> str:
    """Latin, lower-case, dash-separated form of a title ('' when nothing is left)."""
    out = []
    for ch in text.lower():
        out.append(_TRANSLIT.get(ch, ch))
    ascii_text = "".join(out)
    words = re.findall(r"[a-z0-9]+", ascii_text)
    slug = "-".join(words)[:max_length].strip("-")
    return slug


def unique_key(title: str, taken: set[str], max_length: int = 48) -> str:
    """A key from the title that is not in `taken` (suffix -2, -3… or a random one)."""
    base = slugify(title, max_length) or "item-" + secrets.token_hex(3)
    key, n = base, 2
    while key in taken:
        key = f"{base}-{n}"
        n += 1
    return key


#: The transliteration table as JSON, for the script that fills a course's address name from
#: its title as it is typed (static/js/slug.js): browser and server then agree.
TRANSLIT_JSON = json.dumps(_TRANSLIT, ensure_ascii=False, separators=(",", ":"))
