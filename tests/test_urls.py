"""Cached links (training/urls.py): the same URL Flask builds, per app and script root."""

from __future__ import annotations

from flask import url_for

from training.urls import fixed_url, template_url_for


def test_cached_links_are_flasks_own(app):
    with app.test_request_context("/"):
        for endpoint, values in [
            ("main.home", {}),
            ("courses.lesson", {"slug": "info-work", "key": "plan"}),
            ("static", {"filename": "css/app.css"}),
            ("courses.lesson", {"slug": "инфо", "key": "a b"}),
        ]:
            assert fixed_url(endpoint, **values) == url_for(endpoint, **values)
            assert template_url_for(endpoint, **values) == url_for(endpoint, **values)
        # Asked twice, the second comes from the cache and is still right.
        assert fixed_url("courses.lesson", slug="x", key="y") == "/courses/x/lessons/y"


def test_a_mounted_app_gets_its_own_links(app):
    with app.test_request_context("/"):
        plain = fixed_url("main.home")
    with app.test_request_context("/", base_url="http://localhost/union"):
        mounted = fixed_url("main.home")
    assert (plain, mounted) == ("/", "/union/")


def test_external_and_anchored_links_are_not_cached(app):
    with app.test_request_context("/", base_url="http://one.example"):
        assert template_url_for("main.home", _external=True) == "http://one.example/"
    with app.test_request_context("/", base_url="http://two.example"):
        assert template_url_for("main.home", _external=True) == "http://two.example/"
        assert template_url_for("main.home", _anchor="top") == "/#top"
        assert template_url_for("main.home", tags=["a", "b"]) == "/?tags=a&tags=b"
