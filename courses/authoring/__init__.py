"""Trainer pages (blueprint "authoring"): the outline, publishing, co-authors, files, packs."""

from __future__ import annotations

# Importing the view modules registers their routes on `bp`.
from courses.authoring import editors, media, outline, packs, publishing  # noqa: F401
from courses.authoring.loaders import AUTHORS, bp, course_or_404, editable_course

__all__ = ["AUTHORS", "bp", "course_or_404", "editable_course"]
