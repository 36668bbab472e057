"""Recovery codes of the accounts enrolled during the current test, by username.

Kept in a module of its own: pytest loads conftest.py under another name than the tests'
`tests.conftest` imports, and both must see the same codes.
"""

from __future__ import annotations

RECOVERY_CODES: dict[str, list[str]] = {}
