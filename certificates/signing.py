"""Ed25519 signing keys for certificates, kept as JWK files in one private folder.

Layout of the folder (e.g. ``instance/keys``, mode 0700):

- ``<kid>.json``: one private key each, ``{"created": <ISO 8601>, "jwk": <private JWK>}``,
  mode 0600. ``kid`` is the key's RFC 7638 JWK thumbprint (SHA-256, base64url), so it is
  stable, needs no counter, cannot collide and can be recomputed to check the file.
- ``current``: the ``kid`` of the key that signs new credentials.

Every file is written to a temporary file in the same folder first (``mkstemp`` creates it
with mode 0600 whatever the umask) and then moved into place, so a reader never sees half a
file. The first key is published with *create-then-link*: the ``current`` marker is written
in full to a temporary file and then hard-linked to its final name, which fails if the name
already exists. Two processes (or threads) creating the first key at the same moment thus
agree on one winner; the loser deletes its never-used key and adopts the winner's. A hard
link (rather than ``O_CREAT | O_EXCL`` on the marker) means the marker is never visible
empty. Rotation replaces the marker atomically with ``os.replace``; old key files stay so
that certificates signed with them keep verifying. Keys are never deleted here: retiring a
key would invalidate every certificate it signed.

Modes are set when files are created; files are not re-checked on load. A folder that
already exists is left as it is (the deployment owns it); a folder created here is 0700.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from joserfc.jwk import KeySet, OKPKey

ALG = "EdDSA"
CURVE = "Ed25519"
MARKER = "current"
# RFC 7638 thumbprint with SHA-256: 32 bytes, base64url without padding.
KID_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


class KeyStoreError(RuntimeError):
    """The key folder holds something this store did not write (corrupt or foreign file)."""


class KeyStore:
    """Ed25519 signing keys in a folder (e.g. instance/keys), made on first use, then rotated."""

    def __init__(self, folder: Path | str) -> None:
        """Use ``folder`` for the keys; nothing touches the disk until a key is needed."""
        self.folder = Path(folder)
        self._marker = self.folder / MARKER
        # Key files never change once written, so parsed keys can be cached per kid.
        self._cache: dict[str, tuple[datetime, OKPKey]] = {}
        self._cache_lock = threading.Lock()

    # -- public API ---------------------------------------------------------------------------

    def current(self) -> OKPKey:
        """The newest private key; creates one (mode 0600 file, folder 0700) on first use."""
        kid = self._read_marker()
        if kid is None:
            kid = self._create_first_key()
        return self._load(kid)[1]

    def rotate(self) -> OKPKey:
        """Add a new key that becomes current; old ones stay for verification."""
        self._ensure_folder()
        key = self._write_new_key()
        kid = _kid_of(key)
        tmp = self._write_temp(kid + "\n")
        os.replace(tmp, self._marker)
        return key

    def public_jwks(self) -> dict[str, list[dict[str, str]]]:
        """Public JWK Set of all keys, current first then newest first; never private parts."""
        return {"keys": [_public_jwk(kid, key) for kid, key in self._ordered_keys()]}

    def public_keyset(self) -> KeySet:
        """joserfc KeySet of the public keys (for verification)."""
        return KeySet([OKPKey.import_key(jwk) for jwk in self.public_jwks()["keys"]])

    # -- internals ----------------------------------------------------------------------------

    def _create_first_key(self) -> str:
        """Create a key and publish it as current unless another process got there first."""
        self._ensure_folder()
        key = self._write_new_key()
        kid = _kid_of(key)
        tmp = self._write_temp(kid + "\n")
        try:
            os.link(tmp, self._marker)
        except FileExistsError:
            # Lost the race: our key was never handed out, so it can go.
            (self.folder / f"{kid}.json").unlink(missing_ok=True)
            with self._cache_lock:
                self._cache.pop(kid, None)
            winner = self._read_marker()
            if winner is None:  # pragma: no cover - the marker is replaced, never removed
                raise KeyStoreError(f"{self._marker} vanished during first-key creation") from None
            return winner
        finally:
            Path(tmp).unlink(missing_ok=True)
        return kid

    def _ensure_folder(self) -> None:
        """Create the key folder with mode 0700 if it does not exist yet."""
        if self.folder.is_dir():
            return
        try:
            self.folder.mkdir(mode=0o700, parents=True)
        except FileExistsError:
            return  # created concurrently; its creator set the mode
        # mkdir's mode is filtered by the umask; set it exactly.
        os.chmod(self.folder, 0o700)

    def _write_new_key(self) -> OKPKey:
        """Generate a key and store it as ``<kid>.json`` (mode 0600)."""
        key = OKPKey.generate_key(CURVE, parameters={"use": "sig", "alg": ALG}, private=True)
        key.ensure_kid()  # kid = RFC 7638 thumbprint
        kid = _kid_of(key)
        created = datetime.now(UTC)
        record = {"created": created.isoformat(), "jwk": key.as_dict(private=True)}
        tmp = self._write_temp(json.dumps(record, indent=2) + "\n")
        os.replace(tmp, self.folder / f"{kid}.json")
        with self._cache_lock:
            self._cache[kid] = (created, key)
        return key

    def _write_temp(self, text: str) -> str:
        """Write ``text`` to a fresh 0600 temporary file in the folder and return its path."""
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return tmp

    def _read_marker(self) -> str | None:
        """The current kid, or None before the first key exists."""
        try:
            kid = self._marker.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        if not KID_PATTERN.fullmatch(kid):
            raise KeyStoreError(f"{self._marker} does not hold a key id")
        return kid

    def _load(self, kid: str) -> tuple[datetime, OKPKey]:
        """Read and check one key file (cached: key files are immutable)."""
        with self._cache_lock:
            cached = self._cache.get(kid)
        if cached is not None:
            return cached
        path = self.folder / f"{kid}.json"
        try:
            record: Any = json.loads(path.read_text(encoding="utf-8"))
            key = OKPKey.import_key(record["jwk"])
            created = datetime.fromisoformat(record["created"])
        except FileNotFoundError:
            raise KeyStoreError(f"{path} is missing") from None
        except (ValueError, KeyError, TypeError) as error:
            raise KeyStoreError(f"{path} is not a key file") from error
        # A key file renamed or edited by hand would otherwise sign under the wrong kid.
        if not key.is_private or key.curve_name != CURVE or key.thumbprint() != kid:
            raise KeyStoreError(f"{path} does not hold the Ed25519 private key {kid}")
        with self._cache_lock:
            self._cache[kid] = (created, key)
        return created, key

    def _ordered_keys(self) -> list[tuple[str, OKPKey]]:
        """All keys: the current one first, then by creation time, newest first."""
        if not self.folder.is_dir():
            return []
        kids = [
            path.stem
            for path in self.folder.iterdir()
            if path.suffix == ".json" and KID_PATTERN.fullmatch(path.stem)
        ]
        loaded: dict[str, tuple[datetime, OKPKey]] = {}
        for kid in kids:
            try:
                loaded[kid] = self._load(kid)
            except KeyStoreError:
                # Deleted between listing and reading: the loser of a first-key race.
                if (self.folder / f"{kid}.json").exists():
                    raise
        current = self._read_marker()
        ordered = sorted(loaded, key=lambda kid: (kid != current, -loaded[kid][0].timestamp(), kid))
        return [(kid, loaded[kid][1]) for kid in ordered]


def _kid_of(key: OKPKey) -> str:
    """The key's kid, which this store always sets to its RFC 7638 thumbprint."""
    return key.kid or key.thumbprint()


def _public_jwk(kid: str, key: OKPKey) -> dict[str, str]:
    """Public JWK built field by field, so a private member can never slip through."""
    public = key.as_dict(private=False)
    return {
        "kty": "OKP",
        "crv": CURVE,
        "x": str(public["x"]),
        "kid": kid,
        "use": "sig",
        "alg": ALG,
    }
