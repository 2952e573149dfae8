"""Canonical JSON, hashes and Ed25519 signatures of passport revisions, and offline verification.

A revision's header names the SHA-256 of each tier's view of the content, each hashed with a salt
of its own, and is signed once. A reader of one tier gets that view, its salt, the header and the
signature: enough to check that the view is what the company signed, while the hashes of the other
views tell nothing about them. Canonical JSON here is UTF-8 with keys sorted, no whitespace and no
NaN, which every revision and every verifier serializes the same way.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

__all__ = [
    "HEADER_TYPE",
    "KeyPair",
    "b64u",
    "canonical",
    "generate",
    "jwk",
    "key_id_of",
    "merge",
    "new_salt",
    "public_keys_from",
    "sha256_hex",
    "sign",
    "verify_document",
    "verify_signature",
    "view_hash",
]

HEADER_TYPE = "KetenPassportRevision"


def canonical(value: Any) -> bytes:
    """Return the canonical JSON bytes of ``value``: sorted keys, no whitespace, UTF-8, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=str
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    """Return the SHA-256 of ``data`` in lowercase hex."""
    return hashlib.sha256(data).hexdigest()


def b64u(data: bytes) -> str:
    """Return base64url without padding (as in JWK and JWS)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_salt() -> str:
    """Return 16 random bytes in hex."""
    return secrets.token_hex(16)


def view_hash(salt: str, view: Any) -> str:
    """Return the salted SHA-256 of a view: sha256(salt bytes || canonical JSON of the view)."""
    return sha256_hex(bytes.fromhex(salt) + canonical(view))


class KeyPair:
    """An Ed25519 key pair as stored: raw keys in base64url."""

    def __init__(self, key_id: str, public_key: str, private_key: str) -> None:
        self.key_id = key_id
        self.public_key = public_key
        self._private = Ed25519PrivateKey.from_private_bytes(_unb64u(private_key))

    def sign(self, message: bytes) -> str:
        """Return the signature of ``message`` in base64url."""
        return b64u(self._private.sign(message))


def key_id_of(public_key: str) -> str:
    """Return the key id of a base64url public key: the first 16 bytes of its SHA-256, in hex."""
    return sha256_hex(_unb64u(public_key))[:32]


def generate() -> tuple[str, str, str]:
    """Return (key id, public key, private key) of a new Ed25519 key pair, keys in raw base64url."""
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    raw_public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    public = b64u(raw_public)
    return key_id_of(public), public, b64u(raw_private)


def sign(private_key: str, message: bytes) -> str:
    """Return the Ed25519 signature of ``message`` with a base64url private key, in base64url."""
    return b64u(Ed25519PrivateKey.from_private_bytes(_unb64u(private_key)).sign(message))


def verify_signature(public_key: str, message: bytes, signature: str) -> bool:
    """Return whether ``signature`` (base64url) is a valid Ed25519 signature of ``message``."""
    try:
        Ed25519PublicKey.from_public_bytes(_unb64u(public_key)).verify(_unb64u(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def jwk(key_id: str, public_key: str) -> dict[str, str]:
    """Return the public key as a JSON Web Key (RFC 8037: kty OKP, crv Ed25519)."""
    return {"kty": "OKP", "crv": "Ed25519", "x": public_key, "kid": key_id, "use": "sig", "alg": "EdDSA"}


def public_keys_from(document: Mapping[str, Any]) -> dict[str, str]:
    """Return {key id: public key} of a JWK set (``{"keys": [...]}``) or of a single JWK."""
    keys = document.get("keys", [document])
    found = {}
    for key in keys:
        if key.get("kty") == "OKP" and key.get("crv") == "Ed25519" and isinstance(key.get("x"), str):
            found[key.get("kid") or key_id_of(key["x"])] = key["x"]
    return found


def merge(contents: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the passport a reader sees: the model's sections, overlaid by the item's own sections.

    ``contents`` runs from the passport itself to its model, so earlier entries win.
    """
    merged: dict[str, Any] = {}
    for content in reversed(contents):
        merged.update(content)
    return merged


_DOCUMENT_KEYS = {"id", "@id", "@context", "@type", "tier", "revision", "passport", "proof"}
"""What a downloaded passport may hold: the proof, the passport merged from it, and labels that must
agree with what the proof signs (JSON-LD adds its context and type)."""
_PROOF_KEYS = {"tier", "header", "signature", "salt", "content", "history"}


def _check_history(
    where: str, header: Mapping[str, Any], history: Any, public_keys: Mapping[str, str]
) -> list[str]:
    """Return what is wrong with the signed headers of the revisions before ``header``.

    They must be revisions 1 to n - 1 of the same passport, oldest first, each signed with a
    published key and each naming the SHA-256 of the one before it, the last named by ``header``.
    """
    number = header.get("revision")
    if not isinstance(number, int) or number < 1:
        return [f"{where}: the signed header has no revision number"]
    if not isinstance(history, list):
        history = []
    problems: list[str] = []
    numbers = [(entry.get("header") or {}).get("revision") for entry in history if isinstance(entry, dict)]
    if numbers != list(range(1, number)):
        shown = ", ".join(str(n) for n in numbers) or "none"
        return [
            f"{where}: revision {number} of {header.get('passport')} needs its earlier revisions 1 to "
            f"{number - 1} in order; the download holds {shown}, so a revision was dropped, added or moved"
        ]
    previous: str | None = None
    for entry in [*history, {"header": header, "signature": None}]:
        earlier = entry["header"]
        at = f"{where}, revision {earlier.get('revision')}"
        if earlier.get("passport") != header.get("passport") or earlier.get("type") != HEADER_TYPE:
            problems.append(f"{at}: the header is not one of passport {header.get('passport')}")
        if earlier.get("previous") != previous:
            problems.append(
                f"{at}: it does not name the SHA-256 of the revision before it; "
                "an earlier revision was changed"
            )
        previous = sha256_hex(canonical(earlier))
        if entry["signature"] is None:
            continue
        key = public_keys.get(earlier.get("key", ""))
        if key is None:
            problems.append(f"{at}: no published key has the id {earlier.get('key')!r}")
        elif not verify_signature(key, canonical(earlier), str(entry.get("signature", ""))):
            problems.append(f"{at}: the signature of the header does not verify with key {earlier['key']}")
    return problems


def _check_labels(document: Mapping[str, Any], header: Mapping[str, Any]) -> list[str]:
    """Return where the unsigned labels of a download disagree with the signed header they describe."""
    problems = [
        f"the document holds {key!r}, which no signature covers"
        for key in sorted(set(document) - _DOCUMENT_KEYS)
    ]
    for key in ("id", "@id"):
        if key in document and document[key] != header.get("passport"):
            problems.append(
                f"the document says it is passport {document[key]}, but its signature is of "
                f"{header.get('passport')}"
            )
    if "revision" in document and document["revision"] != header.get("revision"):
        problems.append(
            f"the document says it is revision {document['revision']}, but its signature is of revision "
            f"{header.get('revision')}"
        )
    return problems


def verify_document(document: Mapping[str, Any], public_keys: Mapping[str, str]) -> list[str]:
    """Return what is wrong with a downloaded passport (an empty list: it is what the company signed).

    Checks each proof's view against the salted hash in its signed header, each header's
    signature with the published key it names, the signed headers of every earlier revision (none
    dropped, changed or moved), that an item's or batch's reference to its model names the very
    model revision enclosed, that the passport shown is the merge of the views, and that the
    labels outside the proof (id, revision) are those the proof signs; nothing else may be there.
    """
    problems: list[str] = []
    proofs = document.get("proof")
    tier = document.get("tier")
    if not isinstance(proofs, list) or not proofs or not all(isinstance(p, dict) for p in proofs):
        return ["the document has no proof"]
    header_hashes = []
    for i, proof in enumerate(proofs):
        where = f"proof {i + 1}"
        header = proof.get("header") or {}
        header_hashes.append(sha256_hex(canonical(header)))
        if header.get("type") != HEADER_TYPE:
            problems.append(f"{where}: the header is not a keten passport revision header")
            continue
        problems += [
            f"{where}: it holds {key!r}, which no signature covers"
            for key in sorted(set(proof) - _PROOF_KEYS)
        ]
        if proof.get("tier") != tier:
            problems.append(f"{where}: it is of tier {proof.get('tier')!r}, the document of {tier!r}")
        expected = (header.get("views") or {}).get(tier)
        salt = proof.get("salt", "")
        try:
            actual = view_hash(salt, proof.get("content"))
        except (ValueError, TypeError):
            problems.append(f"{where}: the salt is not hex")
            continue
        if actual != expected:
            problems.append(
                f"{where}: the content of revision {header.get('revision')} of {header.get('passport')} "
                "does not match its signed hash; it was changed after signing"
            )
        key = public_keys.get(header.get("key", ""))
        if key is None:
            problems.append(f"{where}: no published key has the id {header.get('key')!r}")
        elif not verify_signature(key, canonical(header), str(proof.get("signature", ""))):
            problems.append(f"{where}: the signature of the header does not verify with key {header['key']}")
        problems += _check_history(where, header, proof.get("history"), public_keys)
    for i, proof in enumerate(proofs[:-1]):
        model = (((proof.get("content") or {}).get("identification") or {}).get("model")) or {}
        if model.get("sha256") != header_hashes[i + 1]:
            problems.append(
                f"proof {i + 1}: its model reference does not name the model revision in proof {i + 2}"
            )
    shown = document.get("passport")
    if shown is not None and canonical(shown) != canonical(merge([p.get("content") or {} for p in proofs])):
        problems.append("the passport shown differs from the signed views it is made of")
    problems += _check_labels(document, proofs[0].get("header") or {})
    return problems
