"""Settings, all from the environment. Development needs nothing set; production fails loudly.

See README.md ("Configuration") for every variable.
"""

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from playground.env import env_bool, env_float, env_int, env_list, env_str, env_url, kept_secret

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("PLAYGROUND_DATA_DIR") or BASE_DIR / ".data")
TESTING = "pytest" in sys.modules or env_bool("PLAYGROUND_TESTING", False)

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (python -c 'import secrets; print(secrets.token_urlsafe(50))').")
    SECRET_KEY = kept_secret(DATA_DIR / "secret_key")
elif not DEBUG and len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY is too short for production: use at least 32 random characters.")

# Fernet keys for provider API keys at rest. The first one encrypts; all of them decrypt, so a key
# can be rotated by putting a new one first (see README).
ENCRYPTION_KEYS = env_list("ENCRYPTION_KEYS", [])
if not ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured("ENCRYPTION_KEYS must be set when DEBUG is off (python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())').")
    from cryptography.fernet import Fernet

    ENCRYPTION_KEYS = [kept_secret(DATA_DIR / "encryption_key", lambda: Fernet.generate_key().decode())]
for _position, _key in enumerate(ENCRYPTION_KEYS, 1):
    try:
        from cryptography.fernet import Fernet

        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(f"ENCRYPTION_KEYS: key {_position} is not a Fernet key (32 url-safe base64-encoded bytes).") from None

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
# Also the only other origins whose pages may open the websocket (core/guards.py).
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# How many reverse proxies in front of the app write X-Forwarded-For / X-Forwarded-Proto. The
# client's address (sign-in throttling, logs) is the entry this many from the right; 0 ignores the
# headers (the app is reached directly). docs/DEPLOY.md explains.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "channels",
    "django_htmx",
    "template_partials",
    "playground.core",
    "playground.params",
    "playground.providers",
    "playground.teams",
    "playground.conversations",
    "playground.runs",
    "playground.experiments",
    "playground.fakeprovider",
    "playground.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "playground.core.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "playground.urls"
ASGI_APPLICATION = "playground.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: DATABASE_URL, or an embedded PostgreSQL (pgserver) in the data folder.
DATABASE_URL = env_url("DATABASE_URL", ("postgres", "postgresql"))
# Connections are kept for DB_CONN_MAX_AGE seconds: run tasks make short ORM calls from worker
# threads, and opening a connection for each cost a measurable share of the relay's CPU.
DB_CONN_MAX_AGE = env_int("DB_CONN_MAX_AGE", 60, minimum=0)
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=DB_CONN_MAX_AGE, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "playground.dbbackend",
            "NAME": "playground",
            "USER": "postgres",
            "HOST": str(DATA_DIR / "pgdata"),
            "CONN_MAX_AGE": DB_CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": True,
        }
    }
if TESTING:
    # One test database per test run, so two runs at once (two terminals, CI beside a developer)
    # on the same server do not drop each other's database.
    DATABASES["default"]["TEST"] = {"NAME": f"test_playground_{os.getpid()}"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Channel layer: Redis when REDIS_URL is set (several processes), else in-memory (one process).
REDIS_URL = env_url("REDIS_URL", ("redis", "rediss", "unix"))
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 times socket reads out after 5 s by default, which aborts the layer's
                # 5 s blocking BZPOPMIN and kills every consumer (django/channels_redis#422):
                # allow longer reads, still bounded so a vanished Redis is noticed.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15}],
                "capacity": env_int("CHANNEL_CAPACITY", 100, minimum=1),
                # Key prefix in Redis: several playgrounds (or test runs) can share one Redis.
                "prefix": env_str("CHANNEL_PREFIX", "asgi"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "playground.core.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": env_int("CHANNEL_CAPACITY", 100, minimum=1)},
        }
    }

# The provider every workspace gets when these are set, named "Default" (same names as the SDK).
OPENAI_API_KEY = env_str("OPENAI_API_KEY")
OPENAI_BASE_URL = env_url("OPENAI_BASE_URL", ("http", "https")) or "https://api.openai.com/v1"

# Outbound calls to providers.
PROVIDER_CONNECT_TIMEOUT = env_float("PROVIDER_CONNECT_TIMEOUT", 10.0)
PROVIDER_READ_TIMEOUT = env_float("PROVIDER_READ_TIMEOUT", 120.0)
RUN_DEADLINE = env_float("RUN_DEADLINE", 600.0)
PROVIDER_MAX_RETRIES = env_int("PROVIDER_MAX_RETRIES", 3, minimum=0)
# Seconds from a call's first attempt after which no retry starts, whatever PROVIDER_MAX_RETRIES
# allows: behind a proxy that retries by itself each attempt can take many seconds.
PROVIDER_RETRY_BUDGET = env_float("PROVIDER_RETRY_BUDGET", 20.0)
# Loopback and private addresses as provider URLs: allowed in development (local servers), not in
# production, so a team server cannot be used to reach its own internal network.
ALLOW_PRIVATE_PROVIDER_URLS = env_bool("ALLOW_PRIVATE_PROVIDER_URLS", DEBUG)
# The largest websocket message the page may send, in bytes; the page checks it before sending and
# the socket answers a larger one with an error. Daphne itself closes the connection on messages
# over its --websocket-max-message-size (1 MiB by default): keep this below that (raise both together).
SOCKET_MAX_MESSAGE_BYTES = env_int("SOCKET_MAX_MESSAGE_BYTES", 1_000_000, minimum=1024)
# Per-user limits on runs, so one user (or a runaway script) cannot exhaust a shared server.
RUNS_MAX_CONCURRENT = env_int("RUNS_MAX_CONCURRENT", 8, minimum=1)
RUNS_PER_MINUTE = env_int("RUNS_PER_MINUTE", 60, minimum=1)
# Experiments pace their cells per provider (a limit each experiment sets); this bounds one person's
# experiment runs streaming at once across all their experiments and every process.
EXPERIMENT_RUNS_MAX_CONCURRENT = env_int("EXPERIMENT_RUNS_MAX_CONCURRENT", 64, minimum=1)
EXPERIMENT_MAX_ROWS = env_int("EXPERIMENT_MAX_ROWS", 2000, minimum=1)
DATASET_MAX_ROWS = env_int("DATASET_MAX_ROWS", 20000, minimum=1)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "playground"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
if DEBUG:
    # WhiteNoise serves straight from the finders in development but still expects the folder.
    STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security headers; the HTTPS ones only in production (TLS is terminated in front of Daphne).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Error reports (DEBUG's technical 500 page included) never show a provider's key or headers.
DEFAULT_EXCEPTION_REPORTER_FILTER = "playground.core.reporting.SecretsHiddenFilter"

# Operations (playground/ops, docs/DEPLOY.md): logs, metrics, graceful shutdown, run sweep, local model.
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json").lower()
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}.")
# /metrics answers a request carrying "Authorization: Bearer <METRICS_TOKEN>"; with no token set,
# only loopback requests in DEBUG.
METRICS_TOKEN = env_str("METRICS_TOKEN")
# On SIGTERM, running runs get this long to finish before they are stored as interrupted.
SHUTDOWN_GRACE = env_float("SHUTDOWN_GRACE", 30.0)
# Every RUN_SWEEP_INTERVAL seconds each process marks runs silent for RUN_STALE_AFTER seconds
# (their process died) interrupted. RUN_STALE_AFTER must stay above the 5 s run heartbeat.
RUN_SWEEP_INTERVAL = env_float("RUN_SWEEP_INTERVAL", 30.0, minimum=0.1)
RUN_STALE_AFTER = env_float("RUN_STALE_AFTER", 20.0, minimum=6.0)
# Sockets watch runs of their own process directly (the task calls the socket per frame). Off, they
# watch through the channel layer as sockets of other processes do: for tests of that path.
RUNS_LOCAL_DELIVERY = env_bool("RUNS_LOCAL_DELIVERY", True)
# A process refuses new runs ("busy, try again") while it streams RUNS_PER_PROCESS runs, or while its
# event loop runs later than RUNS_BUSY_LAG seconds (smoothed): see runs/admission.py.
RUNS_PER_PROCESS = env_int("RUNS_PER_PROCESS", 300, minimum=1)
RUNS_BUSY_LAG = env_float("RUNS_BUSY_LAG", 0.5, minimum=0.01)
# The optional local model server (`manage.py localmodel`); every workspace sees it as "Local".
LOCAL_MODEL_URL = env_url("LOCAL_MODEL_URL", ("http", "https")) or "http://127.0.0.1:8200/v1"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "playground.ops.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
    "loggers": {"daphne": {"level": "WARNING"}, "django.channels.server": {"level": "WARNING"}},
}
