"""Courses: authoring, revisions, publishing, catalog, enrollment, reading, progress, packs."""
