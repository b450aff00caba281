"""Operators' Ed25519 key pairs, and private keys sealed under a passphrase.

The sealing key is derived from the passphrase with argon2id (argon2-cffi's
``hash_secret_raw``) and a random salt; the private key is encrypted with
AES-256-GCM, with the operator and the public key as associated data, so a
sealed key cannot be moved to another operator or paired with another public
key. Tests use cheap argon2id parameters (:meth:`KeyDerivation.fast_for_tests`),
never another algorithm; the parameters are stored with each sealed key.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from commandcenter.domain.audit import canonical
from commandcenter.domain.errors import PolicyRefused

# argon2 and cryptography load when a key is first made, sealed or checked: most
# commands that import this module (through the services) never do.
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SEAL_VERSION = 1


@dataclass(frozen=True, slots=True)
class KeyDerivation:
    """argon2id parameters: RFC 9106's second recommended option by default."""

    time_cost: int = 3
    memory_cost: int = 64 * 1024  # KiB
    parallelism: int = 4

    @classmethod
    def fast_for_tests(cls) -> KeyDerivation:
        return cls(time_cost=1, memory_cost=8, parallelism=1)

    def derive(self, passphrase: str, salt: bytes, *, time_cost: int | None = None,
               memory_cost: int | None = None, parallelism: int | None = None) -> bytes:
        from argon2.low_level import Type, hash_secret_raw

        return hash_secret_raw(passphrase.encode("utf-8"), salt,
                               time_cost=time_cost or self.time_cost,
                               memory_cost=memory_cost or self.memory_cost,
                               parallelism=parallelism or self.parallelism,
                               hash_len=32, type=Type.ID)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _aad(operator_id: int, public_key: str) -> bytes:
    return canonical(["commandcenter.operator-key", SEAL_VERSION, operator_id,
                      public_key]).encode()


def new_key_pair() -> tuple[Ed25519PrivateKey, str]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.generate()
    return private, private.public_key().public_bytes_raw().hex()


def seal(kdf: KeyDerivation, passphrase: str, private: Ed25519PrivateKey, operator_id: int,
         public_key: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = os.urandom(16), os.urandom(12)
    key = kdf.derive(passphrase, salt)
    ct = AESGCM(key).encrypt(nonce, private.private_bytes_raw(), _aad(operator_id, public_key))
    return json.dumps({"v": SEAL_VERSION, "kdf": "argon2id", "t": kdf.time_cost,
                       "m": kdf.memory_cost, "p": kdf.parallelism, "salt": _b64(salt),
                       "aead": "aes-256-gcm", "nonce": _b64(nonce), "ct": _b64(ct)},
                      sort_keys=True)


def unseal(kdf: KeyDerivation, passphrase: str, sealed: str, operator_id: int,
           public_key: str) -> Ed25519PrivateKey:
    """The private key, if ``passphrase`` opens it and it belongs to ``public_key``."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        doc = json.loads(sealed)
        if doc.get("v") != SEAL_VERSION or doc.get("kdf") != "argon2id":
            raise ValueError("unknown sealing")
        key = kdf.derive(passphrase, _unb64(doc["salt"]), time_cost=int(doc["t"]),
                         memory_cost=int(doc["m"]), parallelism=int(doc["p"]))
        raw = AESGCM(key).decrypt(_unb64(doc["nonce"]), _unb64(doc["ct"]),
                                  _aad(operator_id, public_key))
        private = Ed25519PrivateKey.from_private_bytes(raw)
    except InvalidTag:
        raise PolicyRefused("signing: the passphrase does not open this operator's signing "
                            "key") from None
    except (ValueError, KeyError, TypeError):
        raise PolicyRefused("signing: this operator's sealed signing key is damaged") from None
    if private.public_key().public_bytes_raw().hex() != public_key:
        raise PolicyRefused("signing: the sealed key does not belong to the registered "
                            "public key")
    return private


def sign(private: Ed25519PrivateKey, statement: str) -> str:
    return private.sign(statement.encode("utf-8")).hex()


def signature_valid(public_key: str, statement: str, signature: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key)).verify(
            bytes.fromhex(signature), statement.encode("utf-8"))
    except (InvalidSignature, ValueError):
        return False
    return True
