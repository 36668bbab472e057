"""Static files under addresses that change with their content, kept by browsers for a year.

Without this a phone asks again for the stylesheet on every page (Flask sends it with
`no-cache`, so each page waits for a 304 before it can draw), a round trip per page on a
weak connection. `url_for('static', filename=...)` adds `?v=` and the start of the file's
SHA-256; a request carrying the file's current digest is answered `public, max-age` of a
year and `immutable`. A changed file gets a new address, so a deploy reaches every browser
at once; an address without `v` or with an old one gets Flask's own answer (asked each time,
304 from the ETag). Development keeps plain addresses: files there change under a running
server, and the cached address would go on naming the old one.
"""

from __future__ import annotations

import functools
import hashlib
import os
import stat

from flask import Flask, Response, request, send_from_directory
from werkzeug.security import safe_join

#: How long a browser keeps a versioned file: the longest HTTP caches honour.
YEAR = 365 * 24 * 3600


@functools.cache
def _digest(path: str, _mtime_ns: int, _size: int) -> str:
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:12]


def static_version(folder: str, filename: str) -> str | None:
    """The version `v` of a file under the static folder (None for no such file)."""
    path = safe_join(folder, filename)
    if path is None:
        return None
    try:
        found = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(found.st_mode):  # a folder
        return None
    return _digest(path, found.st_mtime_ns, found.st_size)


def install_static_versions(app: Flask) -> None:
    """Versioned static addresses and their year-long caching (not in development)."""
    if app.config["ENVIRONMENT"] == "development" or app.static_folder is None:
        return
    folder = app.static_folder
    flask_static = app.view_functions["static"]

    @app.url_defaults
    def _add_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values:
            version = static_version(folder, values.get("filename", ""))
            if version is not None:
                values["v"] = version

    def static(filename: str) -> Response:
        """A static file; kept a year by browsers when asked for under its current version."""
        version = request.args.get("v")
        if not version or version != static_version(folder, filename):
            return flask_static(filename=filename)
        response = send_from_directory(folder, filename, max_age=YEAR)
        response.cache_control.immutable = True
        return response

    app.view_functions["static"] = static
