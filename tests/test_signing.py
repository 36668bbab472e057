"""Signing keys on disk and Open Badges 3.0 VC-JWT credentials: build, sign, verify offline."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import stat
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc import jws
from joserfc.jwk import KeySet, OKPKey

from certificates.badges import (
    _REGISTRY,
    OB_CONTEXT,
    VC_CONTEXT,
    BadgeData,
    build_credential,
    sign_credential,
    subject_id,
    verify_credential,
)
from certificates.signing import KeyStore

ISSUED = datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
NOW = ISSUED + timedelta(days=10)


def badge(**changes: Any) -> BadgeData:
    """Typical certificate data; keyword arguments override fields."""
    data = BadgeData(
        credential_id="https://school.example/verify/7K3Q-9XJ2-ABCD-EF12",
        holder_name="M. K.",
        course_title="Workplace organising basics",
        course_url="https://school.example/courses/organising-basics",
        description="Mapping a workplace, one-to-one conversations, building a committee.",
        criteria="Completed all lessons and passed the final quiz.",
        hours=6.5,
        issued_at=ISSUED,
        expires_at=None,
        issuer_id="https://school.example/issuer",
        issuer_name="Union School",
        status_url="https://school.example/verify/7K3Q-9XJ2-ABCD-EF12/status",
    )
    return replace(data, **changes)


def b64(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(segment: str) -> bytes:
    """Decode one base64url segment."""
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def segments(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Header, payload and raw signature segment of a compact JWS."""
    header, payload, signature = token.split(".")
    return json.loads(unb64(header)), json.loads(unb64(payload)), signature


def forge(header: dict[str, Any], payload: dict[str, Any], signature: str) -> str:
    """A compact token from parts, without signing."""
    return ".".join(
        [b64(json.dumps(header).encode()), b64(json.dumps(payload).encode()), signature]
    )


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    """A key store in a folder that does not exist yet."""
    return KeyStore(tmp_path / "keys")


@pytest.fixture
def token(store: KeyStore) -> str:
    """A credential signed with the store's current key."""
    return sign_credential(build_credential(badge()), store.current())


# -- key store ---------------------------------------------------------------------------------


def test_first_key_is_created_private_and_reused(store: KeyStore) -> None:
    assert not store.folder.exists()
    key = store.current()

    assert stat.S_IMODE(store.folder.stat().st_mode) == 0o700
    key_file = store.folder / f"{key.kid}.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((store.folder / "current").stat().st_mode) == 0o600
    assert key.kid == key.thumbprint()
    assert key.is_private and key.curve_name == "Ed25519"
    assert store.current().kid == key.kid
    # Another process (a new store on the same folder) finds the same key.
    assert KeyStore(store.folder).current().as_dict(private=True) == key.as_dict(private=True)
    assert sorted(p.name for p in store.folder.iterdir()) == sorted([key_file.name, "current"])


def test_rotate_makes_a_new_current_key_and_old_tokens_still_verify(store: KeyStore) -> None:
    old = store.current()
    old_token = sign_credential(build_credential(badge()), old)

    new = store.rotate()

    assert new.kid != old.kid
    assert store.current().kid == new.kid
    assert KeyStore(store.folder).current().kid == new.kid
    assert [jwk["kid"] for jwk in store.public_jwks()["keys"]] == [new.kid, old.kid]
    old_result = verify_credential(old_token, store.public_keyset(), now=NOW)
    assert old_result.is_valid and old_result.kid == old.kid
    new_token = sign_credential(build_credential(badge()), store.current())
    assert verify_credential(new_token, store.public_keyset(), now=NOW).is_valid


def test_public_jwks_never_contains_private_parts(store: KeyStore) -> None:
    keys = [store.current(), store.rotate(), store.rotate()]

    jwks = store.public_jwks()

    assert [jwk["kid"] for jwk in jwks["keys"]] == [k.kid for k in reversed(keys)]
    for jwk in jwks["keys"]:
        assert set(jwk) == {"kid", "kty", "crv", "x", "use", "alg"}
        assert (jwk["kty"], jwk["crv"], jwk["use"], jwk["alg"]) == (
            "OKP",
            "Ed25519",
            "sig",
            "EdDSA",
        )
    text = json.dumps(jwks)
    for key in keys:
        assert str(key.as_dict(private=True)["d"]) not in text
    assert all(not key.is_private for key in store.public_keyset())


def test_public_jwks_of_an_empty_store_is_empty(store: KeyStore) -> None:
    assert store.public_jwks() == {"keys": []}
    assert not store.folder.exists()


def test_concurrent_first_key_creation_yields_one_key(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    workers = 8
    barrier = threading.Barrier(workers)
    kids: list[str | None] = []
    errors: list[BaseException] = []

    def create() -> None:
        # A separate store per thread, like separate processes: no shared in-memory state.
        try:
            barrier.wait()
            kids.append(KeyStore(folder).current().kid)
        except BaseException as error:  # surfaced below, in the test thread
            errors.append(error)

    threads = [threading.Thread(target=create) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(set(kids)) == 1
    key_files = sorted(p.name for p in folder.iterdir())
    assert key_files == sorted([f"{kids[0]}.json", "current"])
    assert [jwk["kid"] for jwk in KeyStore(folder).public_jwks()["keys"]] == kids[:1]


# -- the credential ----------------------------------------------------------------------------


def test_credential_has_the_open_badges_3_fields() -> None:
    credential = build_credential(badge())

    assert credential["@context"][:2] == [VC_CONTEXT, OB_CONTEXT]
    assert credential["@context"][1] == "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
    assert set(credential["type"]) == {"VerifiableCredential", "OpenBadgeCredential"}
    assert credential["id"] == "https://school.example/verify/7K3Q-9XJ2-ABCD-EF12"
    assert credential["issuer"] == {
        "id": "https://school.example/issuer",
        "type": ["Profile"],
        "name": "Union School",
    }
    assert credential["validFrom"] == "2025-03-01T09:30:15Z"
    assert "validUntil" not in credential
    assert "issuanceDate" not in credential  # VC 2.0 names, not VC 1.1
    assert credential["name"] == "Workplace organising basics"
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["id"] == subject_id(credential["id"])
    assert subject["id"].startswith("urn:uuid:")
    assert subject["identifier"] == [
        {"type": "IdentityObject", "identityHash": "M. K.", "identityType": "name", "hashed": False}
    ]
    achievement = subject["achievement"]
    assert achievement["id"] == "https://school.example/courses/organising-basics"
    assert achievement["type"] == ["Achievement"]
    assert achievement["name"] == "Workplace organising basics"
    assert achievement["description"].startswith("Mapping a workplace")
    assert achievement["criteria"] == {
        "narrative": "Completed all lessons and passed the final quiz."
    }
    assert achievement["creditsAvailable"] == 6.5
    assert credential["credentialStatus"] == {
        "id": "https://school.example/verify/7K3Q-9XJ2-ABCD-EF12/status",
        "type": "1EdTechRevocationList",
    }


def test_credential_carries_no_personal_data_beyond_the_display_name() -> None:
    credential = build_credential(badge(holder_name="Maria Kowalska"))
    text = json.dumps(credential)

    assert text.count("Maria Kowalska") == 1
    assert "@" not in text.replace("@context", "")
    assert "email" not in text.lower()
    anonymous = build_credential(badge(holder_name="  "))
    assert "identifier" not in anonymous["credentialSubject"]
    # The subject id is per credential: two certificates of one person are not linkable by it.
    other = build_credential(badge(credential_id="https://school.example/verify/ZZZZ"))
    assert other["credentialSubject"]["id"] != credential["credentialSubject"]["id"]


def test_credential_with_expiry_has_valid_until() -> None:
    credential = build_credential(badge(expires_at=ISSUED + timedelta(days=365)))
    assert credential["validUntil"] == "2026-03-01T09:30:15Z"


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_credential(badge(issued_at=datetime(2025, 3, 1, 9, 30)))


# -- signing and verifying ---------------------------------------------------------------------


def test_round_trip(store: KeyStore, token: str) -> None:
    key = store.current()
    header, payload, _ = segments(token)

    assert header == {"alg": "EdDSA", "kid": key.kid, "typ": "JWT"}
    assert payload["iss"] == "https://school.example/issuer"
    assert payload["jti"] == "https://school.example/verify/7K3Q-9XJ2-ABCD-EF12"
    assert payload["sub"] == payload["credentialSubject"]["id"]
    assert payload["nbf"] == int(ISSUED.replace(microsecond=0).timestamp())
    assert "exp" not in payload and "vc" not in payload

    result = verify_credential(token, store.public_keyset(), now=NOW)

    assert result.valid_signature and result.reason == "" and result.is_valid
    assert result.kid == key.kid
    assert result.credential == build_credential(badge())
    assert result.holder_name == "M. K."
    assert result.course_title == "Workplace organising basics"
    assert result.issued_at == "2025-03-01T09:30:15Z"
    assert result.expires_at is None
    assert result.status_url == "https://school.example/verify/7K3Q-9XJ2-ABCD-EF12/status"


def test_kid_may_point_into_the_published_key_set(store: KeyStore) -> None:
    url = "https://school.example/.well-known/jwks.json"
    token = sign_credential(build_credential(badge()), store.current(), jwks_url=url)

    assert segments(token)[0]["kid"] == f"{url}#{store.current().kid}"
    assert verify_credential(token, store.public_keyset(), now=NOW).is_valid


def test_public_keys_from_published_json_verify(store: KeyStore, token: str) -> None:
    published = json.loads(json.dumps(store.public_jwks()))
    assert verify_credential(token, KeySet.import_key_set(published), now=NOW).is_valid


def test_expired_credential_has_a_valid_signature_but_is_not_valid(store: KeyStore) -> None:
    expires = ISSUED + timedelta(days=30)
    token = sign_credential(build_credential(badge(expires_at=expires)), store.current())
    assert segments(token)[1]["exp"] == int(expires.replace(microsecond=0).timestamp())

    before = verify_credential(token, store.public_keyset(), now=expires - timedelta(seconds=5))
    after = verify_credential(token, store.public_keyset(), now=expires + timedelta(seconds=5))

    assert before.is_valid and before.expires_at == "2025-03-31T09:30:15Z"
    assert after.valid_signature and after.reason == "expired" and not after.is_valid
    assert after.course_title == "Workplace organising basics"
    assert after.expires_at == "2025-03-31T09:30:15Z"


def test_credential_is_not_valid_before_it_was_issued(store: KeyStore, token: str) -> None:
    result = verify_credential(token, store.public_keyset(), now=ISSUED - timedelta(hours=1))
    assert result.valid_signature and result.reason == "not yet valid"
    # A small clock difference between machines is tolerated.
    assert verify_credential(
        token, store.public_keyset(), now=ISSUED - timedelta(seconds=30)
    ).is_valid


def test_default_now_is_the_current_time(store: KeyStore) -> None:
    data = badge(issued_at=datetime.now(UTC), expires_at=datetime.now(UTC) + timedelta(days=1))
    token = sign_credential(build_credential(data), store.current())
    assert verify_credential(token, store.public_keyset()).is_valid


def test_flipped_character_in_the_payload_is_refused(store: KeyStore, token: str) -> None:
    header, payload, signature = token.split(".")
    middle = len(payload) // 2
    flipped = "B" if payload[middle] == "A" else "A"
    tampered = f"{header}.{payload[:middle]}{flipped}{payload[middle + 1 :]}.{signature}"

    result = verify_credential(tampered, store.public_keyset(), now=NOW)

    assert not result.valid_signature
    assert result.reason == "bad signature"  # still base64url: only the signature can tell
    assert result.credential is None and result.holder_name is None


def test_modified_credential_with_the_old_signature_is_refused(store: KeyStore, token: str) -> None:
    header, payload, signature = segments(token)
    payload["credentialSubject"]["identifier"][0]["identityHash"] = "Somebody Else"

    result = verify_credential(forge(header, payload, signature), store.public_keyset(), now=NOW)

    assert not result.valid_signature and result.reason == "bad signature"
    assert result.kid == store.current().kid
    assert result.holder_name is None and result.credential is None


def test_token_from_a_foreign_key_is_refused(store: KeyStore) -> None:
    store.current()
    foreign = OKPKey.generate_key("Ed25519", parameters={"use": "sig", "alg": "EdDSA"})
    foreign.ensure_kid()
    token = sign_credential(build_credential(badge()), foreign)

    result = verify_credential(token, store.public_keyset(), now=NOW)

    assert not result.valid_signature and result.reason == "unknown key id"
    assert result.kid == foreign.kid


def test_foreign_key_claiming_our_kid_is_refused(store: KeyStore) -> None:
    ours = store.current()
    foreign = OKPKey.generate_key("Ed25519", parameters={"kid": str(ours.kid)})
    token = sign_credential(build_credential(badge()), foreign)
    assert segments(token)[0]["kid"] == ours.kid

    result = verify_credential(token, store.public_keyset(), now=NOW)

    assert not result.valid_signature and result.reason == "bad signature"


def test_alg_none_is_refused(store: KeyStore, token: str) -> None:
    _, payload, _ = segments(token)
    unsigned = forge({"alg": "none", "kid": store.current().kid, "typ": "JWT"}, payload, "")

    result = verify_credential(unsigned, store.public_keyset(), now=NOW)

    assert not result.valid_signature
    assert result.reason.startswith("unsupported algorithm 'none'")


def test_hs256_signed_with_the_public_key_is_refused(store: KeyStore, token: str) -> None:
    # The classic algorithm confusion: HMAC keyed with the published public key bytes.
    kid = str(store.current().kid)
    public_x = unb64(store.public_jwks()["keys"][0]["x"])
    _, payload, _ = segments(token)
    header = {"alg": "HS256", "kid": kid, "typ": "JWT"}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    mac = hmac.new(public_x, signing_input.encode(), hashlib.sha256).digest()

    result = verify_credential(f"{signing_input}.{b64(mac)}", store.public_keyset(), now=NOW)

    assert not result.valid_signature
    assert result.reason.startswith("unsupported algorithm 'HS256'")


def test_extra_header_parameters_are_refused(store: KeyStore, token: str) -> None:
    header, payload, signature = segments(token)
    result = verify_credential(
        forge({**header, "jku": "https://evil.example/jwks"}, payload, signature),
        store.public_keyset(),
        now=NOW,
    )
    assert not result.valid_signature and result.reason.startswith("unexpected header")


def test_inconsistent_claims_are_reported(store: KeyStore) -> None:
    # Signed by our key but with "jti" not matching the credential id: OB 3.0 says invalid.
    key = store.current()
    credential = build_credential(badge())
    claims = {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": "https://school.example/verify/OTHER",
        "sub": credential["credentialSubject"]["id"],
        "nbf": int(ISSUED.replace(microsecond=0).timestamp()),
    }
    header = {"alg": "EdDSA", "kid": key.kid, "typ": "JWT"}
    signed = sign_raw(header, claims, key)

    result = verify_credential(signed, store.public_keyset(), now=NOW)

    assert result.valid_signature and not result.is_valid
    assert result.reason == "claims do not match the credential: jti"


def sign_raw(header: dict[str, Any], claims: dict[str, Any], key: OKPKey) -> str:
    """Sign arbitrary claims with the module's Ed25519-only registry (bypassing the checks)."""
    return jws.serialize_compact(header, json.dumps(claims).encode(), key, registry=_REGISTRY)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "not a token",
        "a.b.c",
        "a.b",
        "a.b.c.d",
        "...",
        "eyJ.eyJ.",
        "e30.e30.",  # {} . {} with no signature
        "bnVsbA.bnVsbA.AAAA",  # null . null
        "W10.W10.AAAA",  # [] . []
        "ä.ö.ü",
        "x" * 100_000,
        "eyJhbGciOiJFZERTQSJ9." + "A" * 10 + "." + "A" * 86,
    ],
)
def test_garbage_is_refused_without_raising(store: KeyStore, garbage: str) -> None:
    store.current()
    result = verify_credential(garbage, store.public_keyset(), now=NOW)
    assert not result.valid_signature and result.reason


def test_non_string_input_is_refused(store: KeyStore) -> None:
    store.current()
    result = verify_credential(None, store.public_keyset())  # type: ignore[arg-type]
    assert not result.valid_signature and result.reason.startswith("malformed")


def test_truncated_token_is_refused(store: KeyStore, token: str) -> None:
    for cut in (10, len(token) // 2, len(token) - 5, len(token) - 1):
        result = verify_credential(token[:cut], store.public_keyset(), now=NOW)
        assert not result.valid_signature and result.reason


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_arbitrary_strings_never_raise(text: str) -> None:
    keys = KeySet([OKPKey.generate_key("Ed25519", auto_kid=True)])
    result = verify_credential(text, keys, now=NOW)
    assert not result.valid_signature


@settings(max_examples=200, deadline=None)
@given(
    header=st.dictionaries(
        st.sampled_from(["alg", "kid", "typ", "crit", "b64"]),
        st.none() | st.booleans() | st.integers() | st.sampled_from(["EdDSA", "JWT"]) | st.text(),
    ),
    body=st.binary(max_size=200),
    sig=st.binary(max_size=80),
)
def test_arbitrary_segments_never_raise(header: dict[str, Any], body: bytes, sig: bytes) -> None:
    keys = KeySet([OKPKey.generate_key("Ed25519", auto_kid=True)])
    token = ".".join([b64(json.dumps(header).encode()), b64(body), b64(sig)])
    result = verify_credential(token, keys, now=NOW)
    assert not result.valid_signature


def test_signing_refuses_a_public_key(store: KeyStore) -> None:
    store.current()
    public = next(iter(store.public_keyset()))
    with pytest.raises(ValueError, match="private key"):
        sign_credential(build_credential(badge()), public)  # type: ignore[arg-type]
