"""Static files under versioned addresses (training/static.py): kept a year, renamed on change."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from app import create_app
from training.static import static_version

STATIC = Path(__file__).resolve().parent.parent / "static"


def _stylesheet_link(page: str) -> str:
    return re.search(r'<link rel="stylesheet" href="([^"]+)">', page).group(1)


def test_pages_link_the_stylesheet_under_its_digest_and_it_is_kept_a_year(client):
    link = _stylesheet_link(client.get("/").get_data(as_text=True))
    digest = hashlib.sha256((STATIC / "css/app.css").read_bytes()).hexdigest()[:12]
    assert link == f"/static/css/app.css?v={digest}"
    with client.get(link) as r:
        assert r.status_code == 200 and r.data == (STATIC / "css/app.css").read_bytes()
        assert r.cache_control.public and r.cache_control.immutable
        assert r.cache_control.max_age == 365 * 24 * 3600 and not r.cache_control.no_cache


def test_scripts_and_the_icon_are_versioned_too(client):
    page = client.get("/").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    assert re.fullmatch(r"/static/favicon\.svg\?v=[0-9a-f]{12}", icon)
    with client.get(icon) as r:
        assert r.cache_control.immutable


def test_without_the_current_version_the_browser_asks_each_time(client):
    for address in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        with client.get(address) as r:
            assert r.status_code == 200 and r.cache_control.no_cache
            assert not r.cache_control.immutable
        with client.get(address, headers={"If-None-Match": r.headers["ETag"]}) as again:
            assert again.status_code == 304


def test_missing_files_and_paths_out_of_the_folder_are_not_found(client):
    assert client.get("/static/nothing.css?v=000000000000").status_code == 404
    assert client.get("/static/../app.py?v=000000000000").status_code == 404
    assert static_version(str(STATIC), "../app.py") is None
    assert static_version(str(STATIC), "css") is None  # a folder


def test_a_changed_file_gets_a_new_version(tmp_path):
    sheet = tmp_path / "site.css"
    sheet.write_text("body { color: black }")
    first = static_version(str(tmp_path), "site.css")
    sheet.write_text("body { color: navy; }")
    second = static_version(str(tmp_path), "site.css")
    assert first and second and first != second
    expected = hashlib.sha256(b"body { color: navy; }").hexdigest()[:12]
    assert second == expected


def test_development_keeps_plain_addresses(app):
    development = create_app({**app.config, "ENVIRONMENT": "development"})
    with development.test_request_context("/"):
        from flask import url_for

        assert url_for("static", filename="css/app.css") == "/static/css/app.css"
    with development.test_client().get("/static/css/app.css?v=000000000000") as r:
        assert r.status_code == 200 and not r.cache_control.immutable
