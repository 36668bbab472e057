"""Whole numbers from URLs, read one way everywhere: ASCII digits only, within range.

Python's `int()` and `str.isdigit()` accept far more than "0-9": "²" passes isdigit() and then
breaks int(), "٣" is 3, and a 30-digit number overflows the database's integer. Routes use the
`int` converter below (registered over Werkzeug's), query strings use `int_arg`.
"""

from __future__ import annotations

import re

from flask import request
from werkzeug.routing import IntegerConverter

#: The largest id or count a URL may carry: PostgreSQL's `integer`.
MAX_INT = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")


def parse_int(raw: str | None, *, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """`raw` as a whole number when it is 1-10 ASCII digits within range, else None."""
    if raw is None or not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if minimum <= value <= maximum else None


def int_arg(
    name: str, default: int | None = None, *, minimum: int = 0, maximum: int = MAX_INT
) -> int | None:
    """The query argument `name` as a whole number, or `default` when absent or not one."""
    value = parse_int(request.args.get(name), minimum=minimum, maximum=maximum)
    return default if value is None else value


class IdConverter(IntegerConverter):
    """`<int:…>` in routes: ASCII digits, at most MAX_INT; anything else is a 404."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)
