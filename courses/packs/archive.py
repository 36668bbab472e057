"""Course pack files in folders and zip archives: careful reading, deterministic writing."""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _

ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
# Litter that file managers and version control add to folders; never part of a pack.
JUNK_NAMES = {"__MACOSX", "Thumbs.db", "desktop.ini"}
# What zipfile raises for damaged or exotic archives, and while unpacking one entry.
ARCHIVE_ERRORS = (zipfile.BadZipFile, NotImplementedError, EOFError, ValueError, OSError)
ENTRY_ERRORS = (*ARCHIVE_ERRORS, zlib.error, RuntimeError)
CHUNK = 64 * 1024


@dataclass(frozen=True)
class PackProblem:
    """One reason to refuse a pack, pointing at a file and, when known, a line."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}" if where else self.message


class PackError(Exception):
    """The pack is refused whole; `problems` lists every problem found (not just the first)."""

    def __init__(self, problems: list[PackProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class _TooBig(Exception):
    """The bytes actually unpacked went over the limit."""


def is_junk(name: str) -> bool:
    """Whether a path is operating-system litter (.DS_Store, __MACOSX/, .git/…) to skip."""
    return any(part in JUNK_NAMES or part.startswith(".") for part in name.split("/"))


def unsafe_path(name: str) -> str | None:
    """Why a zip entry's path could escape the pack when unpacked, or None when it is safe."""
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return _("Absolute paths are not allowed in a pack.")
    if "\\" in name:
        return _("Backslashes are not allowed in paths; use forward slashes.")
    parts = name.removesuffix("/").split("/")
    if ".." in parts:
        return _("Paths with “..” are not allowed in a pack.")
    if any(part in ("", ".") for part in parts):
        return _("Empty path components are not allowed in a pack.")
    return None


def files_from_dir(path: Path) -> tuple[dict[str, bytes], list[PackProblem]]:
    """Every regular file under `path` by its relative POSIX path, and what was refused."""
    if not path.is_dir():
        raise PackError([PackProblem("", None, _("The pack folder does not exist."))])
    files: dict[str, bytes] = {}
    problems: list[PackProblem] = []
    for folder, dirnames, filenames in os.walk(path):
        dirnames[:] = sorted(name for name in dirnames if not is_junk(name))
        for name in sorted(dirnames + filenames):
            full = Path(folder, name)
            relative = full.relative_to(path).as_posix()
            if is_junk(relative):
                continue
            mode = full.lstat().st_mode
            if stat.S_ISLNK(mode):
                # A link could read files from anywhere on the server into the course.
                problems.append(PackProblem(relative, None, _("Symbolic links are not allowed.")))
            elif name in filenames and not stat.S_ISREG(mode):
                problems.append(PackProblem(relative, None, _("Only regular files are allowed.")))
            elif name in filenames:
                files[relative] = full.read_bytes()
    return files, problems


def files_from_zip(
    data: bytes, *, max_total_bytes: int, max_files: int
) -> tuple[dict[str, bytes], list[PackProblem]]:
    """Every file in the archive by path, and what was refused; raises on fatal problems."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except ARCHIVE_ERRORS:
        raise PackError([PackProblem("", None, _("This file is not a zip archive."))]) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > max_files:
            message = _(
                "The archive holds %(count)d entries; at most %(max)d are allowed.",
                count=len(entries),
                max=max_files,
            )
            raise PackError([PackProblem("", None, message)])
        if sum(entry.file_size for entry in entries) > max_total_bytes:
            raise PackError([_too_big(max_total_bytes)])
        files: dict[str, bytes] = {}
        problems: list[PackProblem] = []
        budget = max_total_bytes
        for entry in entries:
            name = entry.filename
            if message := _entry_problem(entry, files):
                problems.append(PackProblem(name, None, message))
                continue
            if entry.is_dir() or is_junk(name):
                continue
            try:
                files[name] = _read_entry(archive, entry, budget)
            except _TooBig:
                raise PackError([*problems, _too_big(max_total_bytes)]) from None
            except ENTRY_ERRORS:
                problems.append(PackProblem(name, None, _("This file is damaged in the archive.")))
                continue
            budget -= len(files[name])
    return _strip_single_folder(files), problems


def _entry_problem(entry: zipfile.ZipInfo, seen: dict[str, bytes]) -> str | None:
    name = entry.filename
    if message := unsafe_path(name):
        return message
    if stat.S_ISLNK(entry.external_attr >> 16):
        return _("Symbolic links are not allowed.")
    if entry.flag_bits & 0x1:
        return _("Encrypted files are not supported.")
    if name in seen:
        return _("This file appears twice in the archive.")
    return None


def _too_big(limit: int) -> PackProblem:
    message = _("Unpacked, the archive is larger than %(size)d MB.", size=max(1, limit >> 20))
    return PackProblem("", None, message)


def _read_entry(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, budget: int) -> bytes:
    """The entry's bytes, stopping as soon as they exceed `budget` (headers can lie)."""
    chunks = []
    size = 0
    with archive.open(entry) as stream:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > budget:
                raise _TooBig
            chunks.append(chunk)
    return b"".join(chunks)


def _strip_single_folder(files: dict[str, bytes]) -> dict[str, bytes]:
    """Unwrap the one top-level folder people get when they zip the pack's folder itself."""
    if "course.yaml" in files or not files:
        return files
    top = next(iter(files)).split("/", 1)[0]
    prefix = top + "/"
    if f"{prefix}course.yaml" in files and all(name.startswith(prefix) for name in files):
        return {name.removeprefix(prefix): data for name, data in files.items()}
    return files


def zip_files(files: dict[str, bytes]) -> bytes:
    """A zip of `files` that depends on nothing but their names and bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            entry = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3  # Unix, whatever system writes the archive
            entry.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(entry, files[name])
    return buffer.getvalue()


def write_files(files: dict[str, bytes], path: Path) -> None:
    """Write `files` under `path`, which must not exist or be an empty folder."""
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise FileExistsError(path)
    path.mkdir(parents=True, exist_ok=True)
    for name in sorted(files):
        target = path.joinpath(*name.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(files[name])
