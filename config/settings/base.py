"""Settings shared by every environment. Values come from the environment via config.env."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from config.env import (
    env_bool,
    env_int,
    env_list,
    env_optional,
    env_path,
    env_str,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = env_path("ROADCREDIT_VAR_DIR", BASE_DIR / "var")

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-development-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "roadcredit.core",
    "roadcredit.audit",
    "roadcredit.accounts",
    "roadcredit.subjects",
    "roadcredit.credit",
    "roadcredit.elicences",
    "roadcredit.licensing",
    "roadcredit.exchange",
    "roadcredit.portal",
    "roadcredit.statistics",
    "roadcredit.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "roadcredit.core.middleware.SecurityHeadersMiddleware",
    "roadcredit.accounts.middleware.PolicyEnforcementMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "roadcredit" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "roadcredit.accounts.context_processors.navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'roadcredit.sqlite3'}")
_db = parse_database_url(DATABASE_URL, base_dir=BASE_DIR)
_db_options: dict[str, Any] = {}
if _db.engine.endswith("sqlite3"):
    Path(_db.name).parent.mkdir(parents=True, exist_ok=True)
    # Writers serialise: BEGIN IMMEDIATE takes the write lock at the start of every atomic block,
    # so two writers never deadlock on a lock upgrade; readers keep going thanks to WAL.
    _db_options = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
elif _db.options:
    _db_options = dict(_db.options)
DATABASES: dict[str, dict[str, Any]] = {
    "default": {
        "ENGINE": _db.engine,
        "NAME": _db.name,
        "USER": _db.user,
        "PASSWORD": _db.password,
        "HOST": _db.host,
        "PORT": _db.port,
        "OPTIONS": _db_options,
        "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 0),
        "ATOMIC_REQUESTS": False,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Passwords, sessions --------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "roadcredit" / "locale"]

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = env_path("ROADCREDIT_MEDIA_ROOT", VAR_DIR / "media")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_BYTES = env_int("ROADCREDIT_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("ROADCREDIT_IMPORT_MAX_ROWS", 1_000_000)

# --- Key store (personal-data encryption keys, later the seal keys) --------------------------
KEYSTORE_PATH = env_path("ROADCREDIT_KEYSTORE_PATH", VAR_DIR / "keystore" / "keystore.json")
KEYSTORE_PASSPHRASE = env_optional("ROADCREDIT_KEYSTORE_PASSPHRASE")
# A development key store is created on first start only when this is true (never in production).
KEYSTORE_AUTO_CREATE = env_bool("ROADCREDIT_KEYSTORE_AUTO_CREATE", False)

# --- Audit proof: signed chain heads are also appended here, outside the database ------------
# Put it on another volume than the database (better: ship the roadcredit.audit.heads log lines
# to a remote syslog too). See docs/operations.md.
AUDIT_HEADS_PATH = env_path("ROADCREDIT_AUDIT_HEADS_PATH", VAR_DIR / "audit-heads" / "heads.jsonl")

# --- The district -----------------------------------------------------------------------------
DISTRICT_DIVISION_CODE = env_str("ROADCREDIT_DIVISION_CODE", "370612")
DISTRICT_NAME = env_str("ROADCREDIT_DISTRICT_NAME", "烟台市牟平区")
PUBLIC_BASE_URL = env_str("ROADCREDIT_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# A TrueType/TTC font with Chinese glyphs, embedded (subset) in licence PDFs.
CJK_FONT_PATH = env_optional("ROADCREDIT_CJK_FONT")
# Processes that render and seal licence PDFs in a batch (0: one per core).
ELICENCE_PDF_WORKERS = env_int("ROADCREDIT_PDF_WORKERS", 0)

# --- Public verification rate limit (roadcredit.core.ratelimit) -------------------------------
# Per client address and per worker process: a burst of PUBLIC_VERIFY_BURST requests, refilled at
# PUBLIC_VERIFY_RATE per second (0 turns the limit off). X-Forwarded-For is read only when the
# peer is one of RATE_LIMIT_TRUSTED_PROXIES (addresses or networks of our reverse proxies).
PUBLIC_VERIFY_RATE = env_int("ROADCREDIT_VERIFY_RATE", 20)
PUBLIC_VERIFY_BURST = env_int("ROADCREDIT_VERIFY_BURST", 60)
RATE_LIMIT_TRUSTED_PROXIES = env_list("ROADCREDIT_RATE_LIMIT_TRUSTED_PROXIES", ["127.0.0.1", "::1"])

# --- Background jobs ------------------------------------------------------------------------
CELERY_BROKER_URL = env_optional("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env_optional("CELERY_RESULT_BACKEND")
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "roadcredit"

# --- Security headers -----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50
