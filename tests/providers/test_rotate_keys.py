"""`manage.py rotate_keys` re-encrypts every credential under the first key of ENCRYPTION_KEYS."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from tests.factories import SECRET_HEADER, SECRET_KEY


def test_it_re_encrypts_every_credential_under_the_new_first_key(team, settings):
    old_keys = list(settings.ENCRYPTION_KEYS)
    new_key = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [new_key, *old_keys]
    output = io.StringIO()
    call_command("rotate_keys", stdout=output)
    assert "Re-encrypted 1 credential(s)" in output.getvalue()
    team.credential.refresh_from_db()
    settings.ENCRYPTION_KEYS = [new_key]
    assert team.credential.api_key() == SECRET_KEY
    assert team.credential.extra_headers() == {"X-Gateway-Token": SECRET_HEADER}
    settings.ENCRYPTION_KEYS = old_keys
    with pytest.raises(ValueError, match="cannot be decrypted"):
        team.credential.api_key()
