"""Links that are the same for every request of a process: built once, then looked up.

Building a URL walks the routing map (a few dozen microseconds); a page with a course path
builds dozens of the same ones on every request. Only relative URLs are cached, keyed by the
app's routing map and the script root, so a test app or a mounted app gets its own.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import current_app, request, url_for
from werkzeug.routing import Map

#: Distinct links kept per process (course paths × lessons, header links); least used go.
CACHE_SIZE = 4096


@lru_cache(maxsize=CACHE_SIZE)
def _built(_url_map: Map, _script_root: str, endpoint: str, values: tuple[Any, ...]) -> str:
    return url_for(endpoint, **dict(values))


def fixed_url(endpoint: str, **values: Any) -> str:
    """url_for(endpoint, **values) for a relative link that depends only on its arguments."""
    return _built(current_app.url_map, request.script_root, endpoint, tuple(sorted(values.items())))


def template_url_for(endpoint: str, **values: Any) -> str:
    """Templates' url_for: cached for plain relative links, Flask's own for anything else
    (external links, anchors, endpoints relative to the current blueprint, unhashable values)."""
    if endpoint.startswith(".") or any(key.startswith("_") for key in values):
        return url_for(endpoint, **values)
    try:
        return fixed_url(endpoint, **values)
    except TypeError:  # a list or dict among the values: not a cache key
        return url_for(endpoint, **values)
