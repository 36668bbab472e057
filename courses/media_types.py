"""Which media files a course may carry, recognised by their content rather than their name."""

from __future__ import annotations

import re

# Only formats browsers display inertly: no SVG or HTML, which can carry scripts.
ALLOWED_MEDIA_TYPES: dict[str, str] = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}

# Other spellings people use for the same type; the canonical one comes first.
MEDIA_EXTENSIONS: dict[str, tuple[str, ...]] = {
    mimetype: (ext, ".jpeg") if mimetype == "image/jpeg" else (ext,)
    for mimetype, ext in ALLOWED_MEDIA_TYPES.items()
}

SAFE_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def is_safe_filename(name: str) -> bool:
    """Whether `name` is a plain file name that cannot climb out of its folder."""
    # fullmatch: with match, `$` would also accept a name ending in a newline.
    return bool(SAFE_FILENAME.fullmatch(name)) and ".." not in name


def sniff_media_type(data: bytes) -> str | None:
    """The media type by content (magic bytes), or None when not one we accept (SVG, HTML, EXE…)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(data) >= 12 and data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def extension_fits(name: str, mimetype: str) -> bool:
    """Whether the file name ends in an extension of `mimetype` (case-insensitive)."""
    return name.lower().endswith(MEDIA_EXTENSIONS.get(mimetype, ()))
