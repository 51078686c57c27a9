"""Settings for the test suite. DATABASE_URL decides SQLite (default) or PostgreSQL."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES

DEBUG = False
_TMP = Path(tempfile.mkdtemp(prefix="roadcredit-test-"))
MEDIA_ROOT = _TMP / "media"
KEYSTORE_PATH = _TMP / "keystore" / "keystore.json"
KEYSTORE_PASSPHRASE = "test-passphrase-not-secret"
KEYSTORE_AUTO_CREATE = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": str(_TMP / "test.sqlite3")}
