"""Short forms of long texts for lists and tables: cut at a word, never inside one."""

from __future__ import annotations

ELLIPSIS = "…"


def cut_words(text: str, limit: int) -> str:
    """`text` with its whitespace collapsed, cut to at most `limit` characters at a word
    boundary, with "…" when something was left out (a single over-long word is cut)."""
    plain = " ".join(text.split())
    if len(plain) <= limit:
        return plain
    room = max(1, limit - len(ELLIPSIS))
    head = plain[: room + 1]
    cut = head.rfind(" ")
    kept = head[:cut] if cut > 0 else plain[:room]
    return kept.rstrip(" ,;:—–-") + ELLIPSIS
