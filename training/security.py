"""Security baseline applied to every response: CSP and friends, safe redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def is_safe_next(target: str | None) -> bool:
    """True only for a path on this site (no scheme, no host, no protocol-relative tricks)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default: str) -> str:
    """`target` when it is a local path, else `default`."""
    return target if target and is_safe_next(target) else default


#: Every response carries these unless its view set its own value (a sandboxed file download
#: sets a stricter policy, for one).
BASELINE_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000")


def install_security_headers(app: Flask) -> None:
    """Add CSP, anti-sniffing, framing and referrer headers to every response."""
    baseline = BASELINE_HEADERS + ((HSTS,) if app.config["SESSION_COOKIE_SECURE"] else ())

    @app.after_request
    def _headers(response: Response) -> Response:
        # One pass over the response's headers, then one extend: a setdefault per header
        # scans them and raises KeyError inside Werkzeug each time, on every request.
        present = {key.lower() for key, _value in response.headers}
        response.headers.extend([(k, v) for k, v in baseline if k.lower() not in present])
        return response
