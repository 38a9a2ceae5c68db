"""Settings come from the environment; malformed values fail loudly with a useful message."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 20 + "production-secret-key-for-tests-only",
    "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "playground.example.com",
    "DATABASE_URL": "postgresql://app@db.example.com/playground",
}


def run_django(args, **env):
    base = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ENCRYPTION_KEYS", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "playground.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


SETTINGS_IMPORT = ["-c", "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"]


@pytest.mark.parametrize(
    "env, message",
    [
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must be a URL starting with postgres://"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL must be a URL"),
        ({"PROVIDER_READ_TIMEOUT": "soon"}, "PROVIDER_READ_TIMEOUT must be a number"),
        ({"DEBUG": "0", "SECRET_KEY": ""}, "SECRET_KEY must be set when DEBUG is off"),
        ({**PRODUCTION, "ENCRYPTION_KEYS": ""}, "ENCRYPTION_KEYS must be set when DEBUG is off"),
        ({"ENCRYPTION_KEYS": "not-a-key"}, "ENCRYPTION_KEYS: key 1 is not a Fernet key"),
        ({**PRODUCTION, "SECRET_KEY": "short"}, "SECRET_KEY is too short"),
    ],
)
def test_it_rejects_malformed_values_with_a_clear_message(env, message):
    result = run_django(SETTINGS_IMPORT, **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_it_uses_the_embedded_database_without_database_url():
    result = run_django(SETTINGS_IMPORT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "playground.dbbackend"


def test_it_uses_database_url_when_set():
    result = run_django(SETTINGS_IMPORT, DATABASE_URL="postgresql://u:p@db.example.com:5433/pg")
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_it_passes_the_deploy_check_with_production_settings():
    result = run_django(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION, SECURE_HSTS_PRELOAD="1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_leaves_only_the_hsts_preload_decision_to_the_operator():
    result = run_django(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert "security.W021" in result.stderr
    assert "identified 1 issue" in result.stderr
