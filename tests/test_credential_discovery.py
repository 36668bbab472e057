"""A credential's key is found from its `kid` alone, by a verifier nobody here wrote (PyJWT)."""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator

import jwt
import pytest
import sqlalchemy as sa
from joserfc.jwk import OKPKey
from werkzeug.serving import make_server

from certificates.badges import build_credential, sign_credential
from certificates.documents import badge_data
from certificates.models import Certificate
from tests.conftest import login, post
from tests.course_helpers import build_course
from training.extensions import db


@pytest.fixture(autouse=True)
def keys_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(tmp_path / "keys"))


@pytest.fixture
def live(app, monkeypatch) -> Iterator[str]:
    """The app served on a real loopback port, which is also its PUBLIC_BASE_URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", base)
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(timeout=5)


def fetch_json(url: str) -> tuple[dict, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback test server
        return json.loads(response.read()), dict(response.headers)


def earned_token(login_as, users) -> str:
    build_course(users["trainer"])
    learner = login_as("learner")
    post(learner, "/courses/info-work/enroll")
    for key in ("intro", "plan", "reach"):
        post(learner, f"/courses/info-work/lessons/{key}/done")
    db.session.expire_all()
    certificate = db.session.scalar(sa.select(Certificate))
    return learner.get(f"/certificates/{certificate.id}/credential.jwt").get_data(as_text=True)


def discover_key(token: str) -> jwt.PyJWK:
    """What an outside verifier does: dereference the kid URL and take the JWK it names."""
    kid = jwt.get_unverified_header(token)["kid"]
    address, _, thumbprint = kid.partition("#")
    assert urllib.parse.urlsplit(address).scheme == "http" and thumbprint
    key_set, _headers = fetch_json(address)
    matching = [key for key in key_set["keys"] if key["kid"] == thumbprint]
    assert len(matching) == 1
    return jwt.PyJWK(matching[0])


def test_the_credential_verifies_with_the_key_its_kid_points_to(live, login_as, users):
    token = earned_token(login_as, users)
    header = jwt.get_unverified_header(token)
    assert header["kid"].startswith(f"{live}/issuer/jwks.json#")

    key = discover_key(token)
    claims = jwt.decode(token, key, algorithms=["EdDSA"], issuer=f"{live}/issuer")
    assert claims["jti"].startswith(f"{live}/verify/")
    assert claims["credentialSubject"]["achievement"]["name"] == "Информационная работа"

    # The issuer named in the credential is the profile at its id, under one name.
    profile, headers = fetch_json(claims["issuer"]["id"])
    assert profile["id"] == claims["iss"] == claims["issuer"]["id"]
    assert profile["name"] == claims["issuer"]["name"] == "Профсоюзная школа"
    assert profile["publicKeys"] == header["kid"].partition("#")[0]
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_the_well_known_key_set_is_the_same_set(live, client):
    published, _ = fetch_json(f"{live}/issuer/jwks.json")
    well_known, headers = fetch_json(f"{live}/.well-known/jwks.json")
    assert well_known == published and published["keys"]
    assert all("d" not in key for key in well_known["keys"])
    assert headers["Content-Type"] == "application/json"


def test_a_token_signed_by_another_key_under_our_kid_is_refused(app, live, login_as, users):
    """A forger can copy our kid URL into the header; the key found there does not fit."""
    genuine = earned_token(login_as, users)
    db.session.expire_all()
    certificate = db.session.scalar(sa.select(Certificate))
    foreign = OKPKey.generate_key("Ed25519", private=True)
    foreign_kid = jwt.get_unverified_header(genuine)["kid"].partition("#")[2]
    forged_key = OKPKey.import_key(foreign.as_dict(private=True), {"kid": foreign_kid})
    with app.test_request_context():
        credential = build_credential(badge_data(certificate))
    forged = sign_credential(credential, forged_key, jwks_url=f"{live}/issuer/jwks.json")
    assert jwt.get_unverified_header(forged)["kid"] == jwt.get_unverified_header(genuine)["kid"]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, discover_key(forged), algorithms=["EdDSA"])


def test_one_configured_issuer_name(app, client, monkeypatch, login_as, users):
    monkeypatch.setitem(app.config, "PLATFORM_NAME", "Школа профактива")
    token = earned_token(login_as, users)
    claims = jwt.decode(token, options={"verify_signature": False})
    profile = json.loads(client.get("/issuer").get_data(as_text=True))
    assert claims["issuer"]["name"] == profile["name"] == "Школа профактива"


def test_the_holder_gets_a_page_that_explains_and_offers_the_credential(login_as, users):
    from certificates.badges import verify_credential
    from certificates.documents import key_store

    token = earned_token(login_as, users)  # the .jwt download stays
    learner = login_as("learner")
    certificate = db.session.scalar(sa.select(Certificate))
    mine = learner.get("/certificates/").get_data(as_text=True)
    assert f'href="/certificates/{certificate.id}/credential"' in mine
    page = learner.get(f"/certificates/{certificate.id}/credential")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Цифровое удостоверение" in html and "Open Badges 3.0" in html
    assert "Подпись — как печать" in html
    shown = re.search(r'<textarea id="credential-token"[^>]*readonly[^>]*>([^<]+)</textarea>', html)
    assert shown is not None
    assert verify_credential(shown[1], key_store().public_keyset()).is_valid
    assert shown[1].split(".")[0] == token.split(".")[0]  # same header: same key, same kid
    # the copy button needs JavaScript, so it starts hidden; the script is our own file
    assert re.search(r'<button type="button"[^>]*data-copy="credential-token"[^>]*hidden', html)
    assert re.search(r'<script src="/static/js/copy\.js\?v=[0-9a-f]{12}" defer></script>', html)
    assert f'href="/certificates/{certificate.id}/credential.jwt" download' in html
    assert "/issuer/jwks.json" in html and "/verify/" in html


def test_the_credential_page_is_the_holders_only_and_refused_once_revoked(
    client, login_as, users, make_user
):
    from certificates import services

    earned_token(login_as, users)
    certificate = db.session.scalar(sa.select(Certificate))
    post(client, "/account/logout")
    make_user("nosy")
    login(client, "nosy")
    assert client.get(f"/certificates/{certificate.id}/credential").status_code == 403
    assert client.get("/certificates/999999/credential").status_code == 404
    post(client, "/account/logout")

    services.revoke(certificate, db.session.merge(users["admin"]), "Ошибка в ведомости")
    db.session.commit()
    learner = login_as("learner")
    refused = learner.get(f"/certificates/{certificate.id}/credential")
    assert refused.status_code == 302 and refused.location.endswith("/certificates/")
    page = learner.get("/certificates/").get_data(as_text=True)
    assert "подписанное удостоверение для него не выдаётся" in page
    assert f"/certificates/{certificate.id}/credential" not in page
