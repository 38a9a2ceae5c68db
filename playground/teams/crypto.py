"""Secrets at rest: provider API keys are Fernet-encrypted with the keys from ENCRYPTION_KEYS."""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    # The first key encrypts, all decrypt: rotating means putting a new key first.
    return _fernet(tuple(settings.ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("This secret cannot be decrypted with the configured ENCRYPTION_KEYS.") from None


def rotate(token: str) -> str:
    """Re-encrypt under the first key (after a new key was put in front)."""
    return fernet().rotate(token.encode()).decode()
