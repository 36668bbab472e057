"""Course packs: a course as a folder or zip of YAML, Markdown lessons, media and GIFT quizzes.

The public API for the rest of the platform. Inside, imports go one way:
archive (files, limits) ← format (value types, writing) ← checks (validation, file:line)
← shapes (the YAML's fields, pydantic; loaded on a first read) ← reading (files to a pack)
← database (a pack to and from a course's draft).
The readers refuse a pack whole, listing every problem found; the writers refuse an invalid pack.
"""

from __future__ import annotations

from pathlib import Path

from courses.packs.archive import PackError, PackProblem, write_files, zip_files
from courses.packs.checks import validate_pack
from courses.packs.database import ImportResult, course_to_pack, import_pack
from courses.packs.format import CoursePack, PackLesson, PackModule, to_files
from courses.packs.reading import read_pack_dir, read_pack_zip

__all__ = [
    "CoursePack",
    "ImportResult",
    "PackError",
    "PackLesson",
    "PackModule",
    "PackProblem",
    "course_to_pack",
    "import_pack",
    "pack_files",
    "read_pack_dir",
    "read_pack_zip",
    "validate_pack",
    "write_pack_dir",
    "write_pack_zip",
]


def pack_files(pack: CoursePack) -> dict[str, bytes]:
    """Every file of a valid pack by its path, exactly as the writers store them."""
    if problems := validate_pack(pack):
        raise PackError(problems)
    return to_files(pack)


def write_pack_dir(pack: CoursePack, path: Path) -> None:
    """Write a valid pack as a folder; `path` must not exist or be an empty folder."""
    write_files(pack_files(pack), path)


def write_pack_zip(pack: CoursePack) -> bytes:
    """A valid pack as zip bytes: sorted entries, fixed times and permissions."""
    return zip_files(pack_files(pack))
