"""The bundle's manifest and its signature.

``manifest.json`` is written once and signed as the exact bytes on disk (no canonical form to
reproduce): ``manifest.sig`` holds the algorithm, the key id and the Ed25519 signature in base64;
``public_key.pem`` is the installation's public key, whose id the web app publishes.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from citywatch.evidence.keys import key_id_of

__all__ = [
    "FORMAT",
    "MANIFEST",
    "PUBLIC_KEY",
    "SIGNATURE",
    "SignatureProblem",
    "check_signature",
    "manifest_bytes",
    "signature_bytes",
]

FORMAT = "citywatch-evidence-bundle/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "public_key.pem"


class SignatureProblem(ValueError):
    """The signature, the key or the manifest does not check out; the message says which."""


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def signature_bytes(manifest: bytes, key_id: str, private: Ed25519PrivateKey) -> bytes:
    signature = base64.b64encode(private.sign(manifest)).decode()
    body = {"algorithm": "Ed25519", "key_id": key_id, "signed_file": MANIFEST, "signature": signature}
    return (json.dumps(body, indent=1) + "\n").encode()


def check_signature(manifest: bytes, signature: bytes, public_key_pem: bytes, trusted: set[str] | None = None) -> str:
    """Return the key id that signed ``manifest``; raise ``SignatureProblem`` naming what failed."""
    try:
        sig = json.loads(signature)
        algorithm, key_id, raw = sig["algorithm"], sig["key_id"], base64.b64decode(sig["signature"], validate=True)
    except (ValueError, KeyError, TypeError) as exc:
        raise SignatureProblem(f"{SIGNATURE}: not a readable signature file ({exc})") from exc
    if algorithm != "Ed25519":
        raise SignatureProblem(f"{SIGNATURE}: algorithm {algorithm!r} is not Ed25519")
    try:
        public = serialization.load_pem_public_key(public_key_pem)
    except ValueError as exc:
        raise SignatureProblem(f"{PUBLIC_KEY}: not a readable public key") from exc
    if not isinstance(public, Ed25519PublicKey):
        raise SignatureProblem(f"{PUBLIC_KEY}: not an Ed25519 public key")
    actual_id = key_id_of(public)
    if actual_id != key_id:
        raise SignatureProblem(f"{SIGNATURE}: names key {key_id} but {PUBLIC_KEY} is key {actual_id}")
    if trusted is not None and actual_id not in trusted:
        raise SignatureProblem(f"{PUBLIC_KEY}: key {actual_id} is not one of the trusted keys given")
    try:
        public.verify(raw, manifest)
    except InvalidSignature as exc:
        raise SignatureProblem(
            f"{MANIFEST}: the signature in {SIGNATURE} does not match (the manifest or signature was changed)"
        ) from exc
    return actual_id
