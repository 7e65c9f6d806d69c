"""Secrets: password hashing (argon2id), API keys and respondent link tokens, stored only as digests;
stored data sealed with a key derived from the deployment secret."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from base64 import urlsafe_b64encode
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_passwords = PasswordHash((Argon2Hasher(),))  # argon2id with the library's current parameters

API_KEY_PREFIX = "ck_"
# 32 random bytes = 256 bits; the issue asks for at least 128.
_TOKEN_BYTES = 32


def hash_password(password: str) -> str:
    return _passwords.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _passwords.verify(password, password_hash)


@cache
def dummy_password_hash() -> str:
    """A hash no password matches, made like every real one: what an unknown email's sign-in checks against."""
    return hash_password(secrets.token_urlsafe(_TOKEN_BYTES))


def digest(secret: str) -> str:
    """SHA-256 of a high-entropy secret (API key, link token). Enough for lookup: these are not
    guessable like passwords, so a slow hash would only cost time on every request."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_api_key() -> tuple[str, str, str]:
    """A new API key: (the key, shown once; its display prefix; its digest, stored)."""
    key = API_KEY_PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)
    return key, key[: len(API_KEY_PREFIX) + 5], digest(key)


def new_link_token() -> tuple[str, str]:
    """A respondent's secret link token and its digest."""
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    return token, digest(token)


def sign(secret: str, body: bytes) -> str:
    """HMAC-SHA256 signature of a webhook body, as hex."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class Unreadable(Exception):
    """Sealed data that this deployment's secret cannot open (the secret changed, or the data was altered)."""


def _sealing_key(secret: str, purpose: str) -> Fernet:
    # One key per purpose: data sealed for one use can never be opened as another's.
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"centricity:{purpose}".encode()).derive(
        secret.encode("utf-8")
    )
    return Fernet(urlsafe_b64encode(derived))


def seal(secret: str, purpose: str, data: bytes) -> str:
    """`data` encrypted and authenticated (Fernet: AES-128-CBC + HMAC-SHA256) with a key derived from `secret`."""
    return _sealing_key(secret, purpose).encrypt(data).decode("ascii")


def unseal(secret: str, purpose: str, sealed: str) -> bytes:
    """The data `seal` sealed with the same secret and purpose; `Unreadable` otherwise."""
    try:
        return _sealing_key(secret, purpose).decrypt(sealed.encode("ascii"))
    except (InvalidToken, ValueError, UnicodeEncodeError) as exc:
        raise Unreadable(purpose) from exc
