"""Whole numbers in URLs are read one way: strange digits and huge numbers never reach the code.

Every GET route of the URL map is visited as an administrator (who may open them all) with each
bad number in every integer of its rule and in every integer query argument the platform reads;
the answer is a page or a 404/400, never a server error.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from flask import Flask

from tests.conftest import login
from tests.test_no_third_party import urls_to_visit, world  # noqa: F401 - `world` is a fixture
from training.extensions import limiter
from training.params import MAX_INT, IdConverter, parse_int

BAD_NUMBERS = ["²", "٣", "-1", "1e9", "9" * 30, str(MAX_INT + 1), " 7", "0x1f"]
# Every integer read from a query string (grep `int_arg(` and `parse_int(`).
INTEGER_QUERY_ARGS = ("org", "page", "parent", "a", "b", "category", "sort", "attempts")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0", 0), ("42", 42), (str(MAX_INT), MAX_INT), ("007", 7)]
    + [(bad, None) for bad in [*BAD_NUMBERS, "", None, "1.0", "１２"]],
)
def test_parse_int_takes_ascii_digits_within_range(raw, expected):
    assert parse_int(raw) == expected


def test_parse_int_honours_the_range():
    assert parse_int("5", minimum=6) is None
    assert parse_int("5", maximum=4) is None
    assert parse_int("5", minimum=5, maximum=5) == 5


def test_routes_use_the_strict_converter(app: Flask):
    converters = {
        type(conv) for rule in app.url_map.iter_rules() for conv in rule._converters.values()
    }
    assert IdConverter in converters
    assert not any(
        cls.__name__ == "IntegerConverter" and cls is not IdConverter for cls in converters
    )


def raw_url(rule, values: dict[str, list], bad: str) -> str:
    """The rule's path with `bad` in each integer place and fixture values elsewhere."""

    def fill(match: re.Match) -> str:
        name = match.group(1)
        converter = rule._converters[name]
        value = bad if isinstance(converter, IdConverter) else str(values[name][0])
        return quote(value, safe="")

    return re.sub(r"<(?:[^:<>]+:)?(\w+)>", fill, rule.rule)


def test_no_route_fails_on_a_strange_number(app: Flask, world):  # noqa: F811
    visits, unknown = urls_to_visit(app, world)
    assert not unknown
    admin = app.test_client()
    login(admin, "admin")
    with_integers = [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ())
        and any(isinstance(c, IdConverter) for c in rule._converters.values())
    ]
    assert len(with_integers) > 10
    failures = []
    for bad in BAD_NUMBERS:
        limiter.reset()
        query = "&".join(f"{name}={quote(bad)}" for name in INTEGER_QUERY_ARGS)
        for _rule, url in visits:
            target = f"{url}{'&' if '?' in url else '?'}{query}"
            with admin.get(target) as response:
                if response.status_code >= 500:
                    failures.append(f"{target} -> {response.status_code}")
        for rule in with_integers:
            url = raw_url(rule, world, bad)
            with admin.get(url) as response:
                if response.status_code != 404:
                    failures.append(f"{url} -> {response.status_code}, expected 404")
    assert not failures, "\n".join(failures)
