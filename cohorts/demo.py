"""Demo data: a cohort of the demo trainer with a few learners, one of them stuck."""

from __future__ import annotations


def load_demo_cohort() -> list[str]:
    """A demo cohort (filled in below when demo accounts and courses exist)."""
    return []
