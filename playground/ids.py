"""Public identifiers: every object a URL or a socket names is found by an unguessable id."""

import secrets

PUBLIC_ID_LENGTH = 22


def new_public_id() -> str:
    # 16 random bytes: 128 bits, base64url without padding is exactly 22 characters.
    return secrets.token_urlsafe(16)
