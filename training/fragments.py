"""Parts of pages that depend only on what they are given, rendered once per process.

The site header's links, the footer and a course path's sidebar read the same for every
request with the same inputs and language; rendering them is most of a page's template time.
`fragment(name, **inputs)` renders a `*.fragment.html` template with exactly its
inputs (no request context: no user, no CSRF token, no flashed messages) and keeps the HTML,
keyed by the app, the language and the inputs. Per-request parts stay in the page around it.

A fragment template may read only its inputs, translations, `url_for` and the filters
(`tests/test_fragments.py` checks every one), so a kept copy can never carry one
person's data into another person's page: whatever it shows is in its key.
"""

from __future__ import annotations

from collections.abc import Hashable
from functools import lru_cache

from flask import current_app, request
from flask_babel import get_locale
from jinja2 import Environment
from markupsafe import Markup
from werkzeug.routing import Map

#: Distinct fragments kept per process (languages × viewers' link sets × path states); a
#: sidebar is about 3 KB, so the cache stays under a few megabytes.
CACHE_SIZE = 1024

SUFFIX = ".fragment.html"


@lru_cache(maxsize=CACHE_SIZE)
def _rendered(
    env: Environment,
    _url_map: Map,
    _script_root: str,
    _locale: str,
    name: str,
    inputs: tuple[tuple[str, Hashable], ...],
) -> Markup:
    # The URL map, script root and language are part of the key because the HTML depends on
    # them (links, translations) without their being inputs.
    return Markup(env.get_template(name).render(dict(inputs)))  # noqa: S704 - autoescaped


def fragment(name: str, **inputs: Hashable) -> Markup:
    """The template `name` (a `*.fragment.html`) rendered with `inputs` in the request's
    language, from memory after the first time; every input must be hashable (tuples, frozen
    dataclasses, strings)."""
    if not name.endswith(SUFFIX):  # only templates checked to read nothing but their inputs
        raise ValueError(f"{name} is not a fragment template")
    env = current_app.jinja_env
    if env.auto_reload:  # development: a template edited on disk shows on the next request
        return Markup(env.get_template(name).render(inputs))  # noqa: S704 - autoescaped
    return _rendered(
        env,
        current_app.url_map,
        request.script_root,
        str(get_locale()),
        name,
        tuple(sorted(inputs.items())),
    )


def forget() -> None:
    """Drop every kept fragment (tests; a template changed on disk in development)."""
    _rendered.cache_clear()
