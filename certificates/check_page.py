"""The public check page for visitors: an ETag from everything it shows, and the page kept.

A visitor (an employer checking a certificate) sees the same page as every other visitor in
their language: visitors' pages carry no CSRF token (their language switch is a link), no
name and no flashed message. So the page is identified by what it shows — the certificate's
state, what the holder chose to show, the language, the address and the templates — and that
identity is its strong ETag: a visitor who has the page gets 304 while nothing on it changed,
a shared cache may keep it (it must ask each time), and each worker keeps the rendered bytes
of the last pages asked for. Revocation and a public-name change give another tag at once,
because the certificate's row is read on every request. Pages for logged-in people carry
their header (notifications) and are neither tagged nor kept.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections import OrderedDict, namedtuple
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from flask import Response, current_app, render_template, request
from flask_babel import get_locale, get_timezone

from certificates.models import Certificate, certificate_state
from training.db import read_first_row, utcnow
from training.extensions import db

#: The templates that draw the page: a deploy that changes them changes every tag.
TEMPLATES = ("certificates/verify.html", "base.html")

#: Rendered pages kept per worker (about 5 KB each). Addresses with made-up query strings are
#: kept too, so the bound matters more than the hit rate.
KEPT_PAGES = 512

# One Core statement per visit (compiled once per process) reads the certificate's row; the
# ORM object is built only when the page has to be drawn.
_TABLE = Certificate.__table__
_BY_CODE = sa.select(_TABLE).where(_TABLE.c.code == sa.bindparam("code"))
#: The row's values by column name (a plain tuple: no result machinery on the way).
CertificateRow = namedtuple("CertificateRow", [column.key for column in _TABLE.columns])


@cache
def _templates_digest(folder: str) -> str:
    digest = hashlib.sha256()
    for name in TEMPLATES:
        digest.update((Path(folder) / name).read_bytes())
    return digest.hexdigest()


def find_for_visitor(code: str) -> CertificateRow | None:
    """The certificate's row for this (normalised) code, or None: one statement, and no
    transaction left for the request to commit (a visitor writes nothing)."""
    values = read_first_row(db.session, _BY_CODE, {"code": code})
    return None if values is None else CertificateRow(*values)


def check_page_etag(row: CertificateRow, state: str, locale: str, timezone: str) -> str:
    """The strong ETag of the visitors' check page at this address in this state.

    Every column of the certificate goes in, so any change to it (revocation, the holder's
    name or how it is shown) gives a new tag; keyed with the app's secret, so the tag says
    nothing about columns the page does not show.
    """
    shown = (
        request.full_path,
        state,
        locale,
        timezone,
        repr(tuple(row)),
        _templates_digest(
            os.path.join(current_app.root_path, current_app.template_folder or "templates")
        ),
    )
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, "\x1f".join(shown).encode(), hashlib.sha256).hexdigest()[:32]


def visitor_page(row: CertificateRow, fmt: object) -> Response:
    """The check page for a visitor: 304 when they have it, else the kept or a new rendering."""
    state = certificate_state(row.revoked_at, row.expires_at, utcnow())
    tag = check_page_etag(row, state, str(get_locale()), str(get_timezone()))
    if request.if_none_match.contains(tag):
        response = Response(status=304)
    else:
        # Kept per app: what a page shows also depends on the app's settings (platform name).
        kept = current_app.extensions.setdefault("check_pages", OrderedDict())
        body = kept.get(tag)
        if body is not None:
            kept.move_to_end(tag)
        else:
            certificate = Certificate(**row._asdict())
            body = render_template(
                "certificates/verify.html", certificate=certificate, status=state, fmt=fmt
            ).encode()
            kept[tag] = body
            if len(kept) > KEPT_PAGES:
                kept.popitem(last=False)
        response = Response(body, mimetype="text/html")
    response.set_etag(tag)
    # Any cache may keep it, but asks each time: revocation must show at once.
    response.headers["Cache-Control"] = "public, no-cache"
    response.vary.update(("Cookie", "Accept-Language"))
    return response
