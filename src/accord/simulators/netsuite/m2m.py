"""The simulator's own M2M certificate: the key pair its integration is mapped to by
default, so OAuth 2.0 machine-to-machine works against it (the sandbox, the standalone
server) without uploading a certificate first.

`SANDBOX_KEY_FILE` is the private key a connector signs its assertions with; it is
published with Accord, so it guards nothing and must never be mapped to an integration
of a real account. The simulator verifies assertions with its public half
(`sandbox_public_key`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization

SANDBOX_KEY_FILE = Path(__file__).with_name("sandbox-m2m-key.pem")
SANDBOX_CERTIFICATE_ID = "cert-1"


@cache
def sandbox_public_key() -> str:
    """The PEM of the public key matching `SANDBOX_KEY_FILE`."""
    key = serialization.load_pem_private_key(SANDBOX_KEY_FILE.read_bytes(), password=None)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return public.decode()
