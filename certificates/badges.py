"""Open Badges 3.0 credentials for certificates, signed as VC-JWT with Ed25519, verified offline.

Follows the Open Badges 3.0 specification as published with the W3C Verifiable Credentials
Data Model 2.0 (``validFrom``/``validUntil``, context ``context-3.0.3.json``), section 8.2
"JSON Web Token Proof Format":

- JOSE header: ``alg``, ``kid``, ``typ``; OB 3.0 allows no other header parameters and says
  ``typ``, if present, MUST be ``"JWT"`` (so not VC-JOSE-COSE's ``vc+jwt``). ``kid`` is the
  key's thumbprint, or ``<jwks_url>#<thumbprint>`` when the JWK Set URL is given, which makes
  it the dereferenceable URI OB 3.0 asks for.
- JWT payload: the credential itself plus the registered claims ``iss`` (issuer.id), ``jti``
  (id), ``nbf`` (validFrom), ``sub`` (credentialSubject.id) and ``exp`` (validUntil, only if
  set). The VC 1.1 style ``vc`` wrapper is accepted when verifying, never produced.

``alg`` is ``EdDSA`` (RFC 8037). RFC 9864 deprecates it in favour of the fully specified
``Ed25519``, and joserfc warns about ``EdDSA`` in its default registry; the private registry
below signs and verifies Ed25519-only ``EdDSA`` without that warning and knows no other
algorithm, which is what refuses ``none``, ``HS256`` and every other ``alg``.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OKPKey
from joserfc.jws import JWSRegistry

from certificates.signing import ALG, CURVE

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# Defines the 1EdTech terms used below (1EdTechRevocationList, 1EdTechJsonSchemaValidator2019).
OB_EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
STATUS_TYPE = "1EdTechRevocationList"
JWT_TYPE = "JWT"
JWT_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti"})
ALLOWED_HEADERS = frozenset({"alg", "kid", "typ"})
# Tolerated clock difference between the signing and the verifying machine, for "nbf" only:
# expiry is checked strictly.
CLOCK_SKEW = timedelta(seconds=60)
MAX_TOKEN_LENGTH = 64_000  # a credential is a few kB; refuse anything absurd before parsing
# Three base64url segments; the signature may be empty so that "alg": "none" tokens reach
# the algorithm check and get a clear reason.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# Namespace for the per-credential subject ids (see build_credential).
SUBJECT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:union-training:credential-subject")


# -- JWS algorithm and registry ----------------------------------------------------------------


class _Ed25519EdDSA(jws.JWSAlgModel):
    """JWS "EdDSA" restricted to Ed25519 keys (no Ed448, no deprecation warning)."""

    name = ALG
    description = "EdDSA with Ed25519 (RFC 8037)"
    key_type = "OKP"
    recommended = True

    def check_key(self, key: Any) -> None:
        """Refuse keys other than Ed25519 OKP keys meant for signatures."""
        super().check_key(key)
        if key.curve_name != CURVE:
            raise JoseError(f"'{ALG}' here needs an {CURVE} key")

    def sign(self, msg: bytes, key: Any) -> bytes:
        """Sign with the private half of an Ed25519 key."""
        private = key.get_op_key("sign")
        if not isinstance(private, Ed25519PrivateKey):
            raise JoseError(f"'{ALG}' here needs an {CURVE} private key")
        return private.sign(msg)

    def verify(self, msg: bytes, sig: bytes, key: Any) -> bool:
        """Check a signature against the public half of an Ed25519 key."""
        public = key.get_op_key("verify")
        if not isinstance(public, Ed25519PublicKey):
            return False
        try:
            public.verify(sig, msg)
        except InvalidSignature:
            return False
        return True


class _Registry(JWSRegistry):
    """A JWS registry that knows exactly one algorithm: Ed25519 EdDSA."""

    # Own class attributes, so joserfc's global registry (with "none", HS256, ...) is not used.
    algorithms: dict[str, jws.JWSAlgModel] = {}
    recommended: list[str] = []


_Registry.register(_Ed25519EdDSA())
_REGISTRY = _Registry(algorithms=[ALG])


# -- data and credential -------------------------------------------------------------------


@dataclass(frozen=True)
class BadgeData:
    """What a certificate says, in the terms of an Open Badges 3.0 credential."""

    credential_id: str  # URL, e.g. https://school.example/verify/7K3Q-9XJ2-ABCD-EF12
    holder_name: str  # as the learner chose to show it publicly (initials, pseudonym, or "")
    course_title: str
    course_url: str  # achievement id (URL)
    description: str  # achievement description
    criteria: str  # narrative: what completion means
    hours: float
    issued_at: datetime  # aware UTC
    expires_at: datetime | None
    issuer_id: str  # URL of the issuer profile, e.g. https://school.example/issuer
    issuer_name: str
    status_url: str  # where the revocation status can be checked online


def build_credential(data: BadgeData) -> dict[str, Any]:
    """The OB 3.0 OpenBadgeCredential JSON (unsigned)."""
    subject: dict[str, Any] = {
        # OB 3.0 requires credentialSubject.id or an identifier, and the JWT needs "sub".
        # A per-credential pseudonym links nothing across certificates and reveals nothing
        # about the person; it is derived from the credential id so rebuilding is stable.
        "id": subject_id(data.credential_id),
        "type": ["AchievementSubject"],
        "achievement": _achievement(data),
    }
    if data.holder_name.strip():
        # AchievementSubject has no "name"; the spec's place for a recipient's name is an
        # IdentityObject. Plain text (hashed: false) because the holder chose to show it.
        subject["identifier"] = [
            {
                "type": "IdentityObject",
                "identityHash": data.holder_name.strip(),
                "identityType": "name",
                "hashed": False,
            }
        ]
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT, OB_EXTENSIONS_CONTEXT],
        "id": data.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": data.course_title,
        "issuer": {"id": data.issuer_id, "type": ["Profile"], "name": data.issuer_name},
        "validFrom": format_datetime(data.issued_at),
    }
    if data.expires_at is not None:
        credential["validUntil"] = format_datetime(data.expires_at)
    credential["credentialSubject"] = subject
    # 1EdTech Revocation List: the verifier GETs the id and looks for the credential id in
    # the returned list, so a per-credential URL that answers with that list works.
    credential["credentialStatus"] = {"id": data.status_url, "type": STATUS_TYPE}
    credential["credentialSchema"] = [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}]
    return credential


def _achievement(data: BadgeData) -> dict[str, Any]:
    """The Achievement (the course) that the credential awards."""
    achievement: dict[str, Any] = {
        "id": data.course_url,
        "type": ["Achievement"],
        "achievementType": "Course",
        "name": data.course_title,
        "description": data.description,
        "criteria": {"narrative": data.criteria},
    }
    if data.hours > 0:
        # OB 3.0 has no duration field; creditsAvailable is its "credit hours" figure.
        achievement["creditsAvailable"] = float(data.hours)
    return achievement


def subject_id(credential_id: str) -> str:
    """The pseudonymous credentialSubject.id for one credential (a urn:uuid)."""
    return uuid.uuid5(SUBJECT_NAMESPACE, credential_id).urn


def format_datetime(moment: datetime) -> str:
    """DateTimeZ to the second, e.g. 2025-03-01T09:30:00Z (the form "nbf"/"exp" can match)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("credential times must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_datetime(value: object) -> datetime | None:
    """A DateTimeZ string as an aware datetime, or None if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None or moment.utcoffset() is None:
            return None
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: e.g. year 9999 shifted past 10000
        return None


# -- signing -----------------------------------------------------------------------------------


def sign_credential(credential: dict[str, Any], key: OKPKey, *, jwks_url: str | None = None) -> str:
    """Compact VC-JWT (OB 3.0 section 8.2) of ``credential``, signed with an Ed25519 key."""
    if not isinstance(key, OKPKey) or not key.is_private or key.curve_name != CURVE:
        raise ValueError("signing needs an Ed25519 private key")
    clash = JWT_CLAIMS & credential.keys()
    if clash:
        raise ValueError(f"credential uses JWT claim names: {sorted(clash)}")
    valid_from = _parse_datetime(credential.get("validFrom"))
    if valid_from is None:
        raise ValueError("credential needs validFrom")
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str) or not isinstance(credential.get("id"), str):
        raise ValueError("credential needs an id and an issuer id")

    claims: dict[str, Any] = dict(credential)
    claims["iss"] = issuer_id
    claims["jti"] = credential["id"]
    claims["nbf"] = int(valid_from.timestamp())
    subject = credential.get("credentialSubject")
    if isinstance(subject, dict) and isinstance(subject.get("id"), str):
        claims["sub"] = subject["id"]
    if "validUntil" in credential:
        valid_until = _parse_datetime(credential["validUntil"])
        if valid_until is None:
            raise ValueError("validUntil is not a DateTimeZ")
        claims["exp"] = int(valid_until.timestamp())

    kid = key.kid or key.thumbprint()
    header = {"alg": ALG, "kid": f"{jwks_url}#{kid}" if jwks_url else kid, "typ": JWT_TYPE}
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return jws.serialize_compact(header, payload, key, registry=_REGISTRY)


# -- verification ------------------------------------------------------------------------------


@dataclass
class Verification:
    """Outcome of checking a VC-JWT offline.

    ``valid_signature`` says whether one of our keys signed exactly this token. ``reason`` is
    "" only if the credential is also currently valid; a genuine but expired credential has
    ``valid_signature=True`` and ``reason="expired"``. Credential details are filled in only
    when the signature is valid, so forged content is never shown as ours.
    """

    valid_signature: bool
    reason: str  # "" when valid, else why
    kid: str | None = None
    credential: dict[str, Any] | None = None
    holder_name: str | None = None
    course_title: str | None = None
    issued_at: str | None = None
    expires_at: str | None = None
    status_url: str | None = None

    @property
    def is_valid(self) -> bool:
        """Genuine and currently valid (revocation is checked online, not here)."""
        return self.valid_signature and not self.reason


def verify_credential(token: str, keys: KeySet, now: datetime | None = None) -> Verification:
    """Check a VC-JWT against the issuer's public keys; never raises on bad input."""
    if now is None:
        now = datetime.now(UTC)
    if not isinstance(token, str):
        return Verification(False, "malformed token: not a string")
    token = token.strip()
    if len(token) > MAX_TOKEN_LENGTH:
        return Verification(False, "malformed token: too long")
    if not TOKEN_PATTERN.fullmatch(token):
        return Verification(False, "malformed token: not a compact JWS")
    try:
        obj = jws.extract_compact(token.encode("ascii"), registry=_REGISTRY)
    except (JoseError, ValueError, TypeError):
        return Verification(False, "malformed token: unreadable header or payload")

    header = obj.protected
    if not isinstance(header, dict):
        return Verification(False, "malformed token: header is not a JSON object")
    raw_kid = header.get("kid")
    kid = raw_kid if isinstance(raw_kid, str) else None
    alg = header.get("alg")
    if alg != ALG:
        return Verification(False, f"unsupported algorithm {_short(alg)} (only {ALG})", kid)
    extra = set(header) - ALLOWED_HEADERS
    if extra:
        return Verification(False, f"unexpected header parameters: {_short(sorted(extra))}", kid)
    if header.get("typ", JWT_TYPE) != JWT_TYPE:
        return Verification(False, f"unexpected token type {_short(header.get('typ'))}", kid)
    if kid is None:
        return Verification(False, "missing key id", None)
    key = _find_key(keys, kid)
    if key is None:
        return Verification(False, "unknown key id", kid)
    try:
        genuine = jws.validate_compact(obj, key, registry=_REGISTRY)
    except (JoseError, ValueError, TypeError):
        genuine = False
    if not genuine:
        return Verification(False, "bad signature", kid)

    try:
        payload = json.loads(obj.payload)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return Verification(True, "malformed payload: not a JSON object", kid)
    credential = _credential_of(payload)
    result = _describe(credential, kid)
    result.reason = _check_claims(payload, credential, now)
    return result


def _find_key(keys: KeySet, kid: str) -> OKPKey | None:
    """The public key for a header kid: a bare thumbprint or ``<jwks url>#<thumbprint>``."""
    wanted = kid.rsplit("#", 1)[-1]
    if not wanted:
        return None
    for key in keys:
        if isinstance(key, OKPKey) and key.kid == wanted:
            return key
    return None


def _credential_of(payload: dict[str, Any]) -> dict[str, Any]:
    """The credential in a VC-JWT payload: the payload itself, or a VC 1.1 "vc" claim."""
    wrapped = payload.get("vc")
    if isinstance(wrapped, dict):
        return cast(dict[str, Any], wrapped)
    return {name: value for name, value in payload.items() if name not in JWT_CLAIMS}


def _describe(credential: dict[str, Any], kid: str) -> Verification:
    """A signature-valid Verification with the details a verification page shows."""
    subject = _as_dict(credential.get("credentialSubject"))
    achievement = _as_dict(subject.get("achievement"))
    status = credential.get("credentialStatus")
    if isinstance(status, list):  # VCDM allows one or several status entries
        status = status[0] if status else None
    return Verification(
        valid_signature=True,
        reason="",
        kid=kid,
        credential=credential,
        holder_name=_holder_name(subject),
        course_title=_as_str(achievement.get("name")) or _as_str(credential.get("name")),
        issued_at=_as_str(credential.get("validFrom") or credential.get("issuanceDate")),
        expires_at=_as_str(credential.get("validUntil") or credential.get("expirationDate")),
        status_url=_as_str(_as_dict(status).get("id")),
    )


def _holder_name(subject: dict[str, Any]) -> str | None:
    """The plain-text name IdentityObject of the subject, if there is one."""
    identifiers = subject.get("identifier")
    if isinstance(identifiers, dict):
        identifiers = [identifiers]
    if not isinstance(identifiers, list):
        return None
    for entry in identifiers:
        if (
            isinstance(entry, dict)
            and entry.get("identityType") == "name"
            and entry.get("hashed") is False
        ):
            return _as_str(entry.get("identityHash"))
    return None


def _check_claims(payload: dict[str, Any], credential: dict[str, Any], now: datetime) -> str:
    """OB 3.0 8.2 claim checks; "" if the credential is consistent and currently valid."""
    types = credential.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        return "not a verifiable credential"
    if not {"OpenBadgeCredential", "AchievementCredential"} & set(map(str, types)):
        return "not an Open Badge credential"
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str) or not isinstance(credential.get("id"), str):
        return "credential lacks an id or an issuer id"
    if payload.get("iss") != issuer_id:
        return "claims do not match the credential: iss"
    if payload.get("jti") != credential.get("id"):
        return "claims do not match the credential: jti"
    subject = _as_dict(credential.get("credentialSubject"))
    if payload.get("sub") != subject.get("id"):  # both absent is fine: "sub" mirrors the id
        return "claims do not match the credential: sub"

    nbf = payload.get("nbf")
    valid_from = _parse_datetime(credential.get("validFrom") or credential.get("issuanceDate"))
    if not _is_number(nbf) or valid_from is None or int(nbf) != int(valid_from.timestamp()):
        return "claims do not match the credential: nbf"
    exp = payload.get("exp")
    until_field = credential.get("validUntil") or credential.get("expirationDate")
    if exp is not None or until_field is not None:
        valid_until = _parse_datetime(until_field)
        if not _is_number(exp) or valid_until is None or int(exp) != int(valid_until.timestamp()):
            return "claims do not match the credential: exp"

    moment = now.astimezone(UTC).timestamp()
    if nbf > moment + CLOCK_SKEW.total_seconds():
        return "not yet valid"
    if exp is not None and exp <= moment:
        return "expired"
    return ""


def _is_number(value: object) -> bool:
    """A finite JSON number that is not a bool (NumericDate); json.loads accepts NaN."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)


def _as_dict(value: object) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return cast(dict[str, Any], value) if isinstance(value, dict) else {}


def _as_str(value: object) -> str | None:
    """``value`` if it is a string, else None."""
    return value if isinstance(value, str) else None


def _short(value: object) -> str:
    """A bounded repr for untrusted header values in reasons."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
