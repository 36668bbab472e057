"""Certificate pages: the learner's list and downloads, revocation, public verification."""

from __future__ import annotations

import io
from datetime import UTC

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from certificates import check_page, documents, services
from certificates.forms import CertificateSettingsForm, LookupForm, PublicNameForm, RevokeForm
from certificates.models import Certificate, CertificateSettings
from courses.authoring import editable_course
from courses.models import Course
from training.accounts.models import Role
from training.db import utcnow
from training.downloads import file_response
from training.extensions import db, limiter
from training.permissions import roles_required
from training.transaction import render_form, service_errors

bp = Blueprint("certificates", __name__)


def _mine(certificate_id: int) -> Certificate:
    """Load (404) and check (403): a learner only ever gets their own certificates."""
    certificate = db.get_or_404(Certificate, certificate_id)
    if certificate.user_id != current_user.id:
        abort(403)
    return certificate


@bp.route("/certificates/")
@login_required
def mine() -> str:
    """The learner's certificates with downloads and the public-name choice."""
    rows = db.session.scalars(
        sa.select(Certificate)
        .where(Certificate.user_id == current_user.id)
        .order_by(Certificate.issued_at.desc())
    ).all()
    forms = {
        c.id: PublicNameForm(prefix=f"c{c.id}", mode=c.name_mode, pseudonym=c.pseudonym)
        for c in rows
    }
    return render_template(
        "certificates/mine.html",
        certificates=rows,
        forms=forms,
        now=utcnow(),
        fmt=services.format_certificate_code,
    )


@bp.route("/certificates/<int:certificate_id>/name", methods=["POST"])
@login_required
def public_name(certificate_id: int) -> Response:
    """Save how the holder's name appears to people verifying the certificate."""
    certificate = _mine(certificate_id)
    form = PublicNameForm(prefix=f"c{certificate.id}")
    if form.validate_on_submit():
        with service_errors() as outcome:
            services.set_public_name(certificate, form.mode.data, form.pseudonym.data or "")
        if outcome.ok:
            flash(
                _("Saved. The verification page now shows: %(name)s", name=certificate.public_name),
                "success",
            )
    else:
        flash(_("Choose from the listed options."), "error")
    return redirect(url_for(".mine"))


@bp.route("/certificates/<int:certificate_id>/certificate.pdf")
@login_required
def pdf(certificate_id: int) -> Response:
    """The printable certificate (A4 landscape) with its code and QR."""
    found = services.with_course_language(certificate_id)  # one statement, no ORM loading
    if found is None:
        abort(404)
    certificate, language = found
    if certificate.user_id != current_user.id:
        abort(403)
    # Rendered on the first download only; later ones send the kept file (about 16 KB), with
    # its ETag, so a browser that has it gets 304. Personal data: no shared cache keeps it.
    kept = documents.stored_certificate_pdf(certificate, language)
    response = send_file(
        io.BytesIO(kept.read_bytes()),
        mimetype="application/pdf",
        etag=kept.stem,  # the digest of everything the PDF states
        as_attachment=True,
        download_name=f"certificate-{certificate.code}.pdf",
        conditional=True,
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _no_credential_if_revoked(certificate: Certificate) -> Response | None:
    """Back to the list with a reason when revoked: a fresh signature would vouch for it again."""
    if certificate.revoked_at is None:
        return None
    flash(_("This certificate has been revoked, so no signed credential is issued for it."))
    return redirect(url_for(".mine"))


@bp.route("/certificates/<int:certificate_id>/credential")
@login_required
def credential_page(certificate_id: int) -> str | Response:
    """The holder's signed credential explained, to copy or download (never once revoked)."""
    certificate = _mine(certificate_id)
    if refused := _no_credential_if_revoked(certificate):
        return refused
    code = services.format_certificate_code(certificate.code)
    return render_template(
        "certificates/credential.html",
        certificate=certificate,
        state=certificate.status(utcnow()),
        token=documents.signed_credential(certificate),
        issuer=documents.issuer_name(),
        jwks_url=documents.jwks_url(),
        verify_url=documents.public_url("certificates.verify", code=code),
    )


@bp.route("/certificates/<int:certificate_id>/credential.jwt")
@login_required
def credential(certificate_id: int) -> Response:
    """The signed Open Badges 3.0 credential (VC-JWT) for wallets and offline checks."""
    certificate = _mine(certificate_id)
    if refused := _no_credential_if_revoked(certificate):
        return refused
    token = documents.signed_credential(certificate)
    return file_response(
        token.encode("ascii"), f"certificate-{certificate.code}.jwt", "application/vc+jwt"
    )


# ---- revocation (admins and course owners) --------------------------------------------------


def _revocable(certificate_id: int) -> Certificate:
    certificate = db.get_or_404(Certificate, certificate_id)
    if not services.can_revoke(certificate, current_user):
        abort(403)
    return certificate


@bp.route("/author/<slug>/certificates")
@roles_required(Role.TRAINER, Role.ADMIN)
def course_certificates(slug: str) -> str:
    """Certificates of a course, for its owner and admins to revoke."""
    course = db.first_or_404(sa.select(Course).where(Course.slug == slug))
    if not course.can_manage(current_user):
        abort(403)
    rows = db.session.scalars(
        sa.select(Certificate)
        .where(Certificate.course_id == course.id)
        .order_by(Certificate.issued_at.desc())
    ).all()
    return render_template(
        "certificates/course.html",
        course=course,
        certificates=rows,
        now=utcnow(),
        fmt=services.format_certificate_code,
    )


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["GET", "POST"])
@roles_required(Role.TRAINER, Role.ADMIN)
def revoke(certificate_id: int) -> str | Response:
    """Revoke a certificate with a reason that the verification page will show."""
    certificate = _revocable(certificate_id)
    form = RevokeForm()
    if form.validate_on_submit():
        with service_errors(form) as outcome:
            services.revoke(certificate, current_user, form.reason.data)
        if outcome.ok:
            flash(_("Certificate revoked."), "success")
            return redirect(url_for(".course_certificates", slug=certificate.course.slug))
    return render_form(
        "certificates/revoke.html",
        form,
        certificate=certificate,
        fmt=services.format_certificate_code,
    )


@bp.route("/certificates/<int:certificate_id>/unrevoke", methods=["POST"])
@roles_required(Role.TRAINER, Role.ADMIN)
def unrevoke(certificate_id: int) -> Response:
    """Undo a revocation."""
    certificate = _revocable(certificate_id)
    with service_errors() as outcome:
        services.unrevoke(certificate, current_user)
    if outcome.ok:
        flash(_("The certificate is valid again."), "success")
    return redirect(url_for(".course_certificates", slug=certificate.course.slug))


@bp.route("/author/<slug>/certificate", methods=["GET", "POST"])
@roles_required(Role.TRAINER, Role.ADMIN)
def settings(slug: str) -> str | Response:
    """A course's certificate settings (its authors)."""
    course = editable_course(slug)
    current = services.settings_for(course)
    form = (
        CertificateSettingsForm(obj=current)
        if request.method == "GET"
        else CertificateSettingsForm()
    )
    if form.validate_on_submit():
        row = db.session.get(CertificateSettings, course.id) or CertificateSettings(
            course_id=course.id
        )
        row.enabled = form.enabled.data
        row.validity_months = form.validity_months.data
        row.hours = form.hours.data
        db.session.add(row)
        flash(_("Certificate settings saved."), "success")
        return redirect(url_for(".settings", slug=slug))
    return render_form("certificates/settings.html", form, course=course)


# ---- public verification --------------------------------------------------------------------


def _verify_limit() -> str:
    return current_app.config["VERIFY_LIMIT_PER_IP"]


@bp.route("/verify", methods=["GET"])
@limiter.limit(_verify_limit)
def lookup() -> str | Response:
    """A form where anyone types a certificate code."""
    form = LookupForm(request.args)
    if request.args.get("code") and form.validate():
        return redirect(url_for(".verify", code=form.code.data.strip()))
    return render_template("certificates/lookup.html", form=form)


@bp.route("/verify/<code>")
@limiter.limit(_verify_limit)
def verify(code: str) -> tuple[str, int] | Response:
    """Valid, expired or revoked, with only what the holder chose to show."""
    if current_user.is_authenticated or "_flashes" in session:
        certificate = services.find_by_code(code)  # their page has a header of their own
    else:
        normalised = services.valid_code(code)
        row = check_page.find_for_visitor(normalised) if normalised else None
        if row is not None:
            return check_page.visitor_page(row, services.format_certificate_code)
        certificate = None
    if certificate is None:
        return render_template("certificates/not_found.html"), 404
    return render_template(
        "certificates/verify.html",
        certificate=certificate,
        status=certificate.status(utcnow()),
        fmt=services.format_certificate_code,
    )


@bp.route("/verify/<code>/status")
@limiter.limit(_verify_limit)
def status(code: str) -> tuple[Response, int] | Response:
    """Machine-readable status for the credential's credentialStatus (no personal data)."""
    certificate = services.find_by_code(code)
    if certificate is None:
        return jsonify({"error": "not found"}), 404
    state = certificate.status(utcnow())
    code = services.format_certificate_code(certificate.code)
    credential_id = documents.public_url("certificates.verify", code=code)
    # Shaped as a 1EdTech revocation list (what the credential's credentialStatus names),
    # with a plain "status" for people and simple clients.
    body: dict[str, object] = {
        "id": documents.public_url("certificates.status", code=code),
        "status": state,
        "revoked": state == "revoked",
        "revokedCredentials": [],
    }
    if state == "revoked":
        body["reason"] = certificate.revoke_reason
        body["revokedAt"] = certificate.revoked_at.astimezone(UTC).isoformat()
        body["revokedCredentials"] = [
            {"id": credential_id, "revoked": True, "revocationReason": certificate.revoke_reason}
        ]
    return jsonify(body)


def _public_json(body: object) -> Response:
    """JSON that verifiers and wallets may read from any site (nothing personal in it)."""
    response = jsonify(body)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/issuer")
def issuer() -> Response:
    """The issuer's Open Badges profile."""
    return _public_json(documents.issuer_profile())


# The /.well-known/ address is the conventional fallback where verifiers look for an issuer's
# keys. Decorators apply bottom-up, so /issuer/jwks.json is registered first and is the
# address url_for builds, which every credential's kid points into.
@bp.route("/.well-known/jwks.json")
@bp.route("/issuer/jwks.json")
def jwks() -> Response:
    """Every public key certificates were ever signed with (old ones stay for old credentials)."""
    store = documents.key_store()
    store.current()  # created on first use, so the set is never empty
    return _public_json(store.public_jwks())
