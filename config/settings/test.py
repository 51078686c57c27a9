"""Settings for the test suite. DATABASE_URL decides SQLite (default) or PostgreSQL."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, INSTALLED_APPS

DEBUG = False
_TMP = Path(tempfile.mkdtemp(prefix="roadcredit-test-"))
MEDIA_ROOT = _TMP / "media"
KEYSTORE_PATH = _TMP / "keystore" / "keystore.json"
KEYSTORE_PASSPHRASE = "test-passphrase-not-secret"  # noqa: S105 (test only)
KEYSTORE_AUTO_CREATE = True
AUDIT_HEADS_PATH = _TMP / "audit-heads" / "heads.jsonl"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The public verification rate limit is off for the suite (fuzzing and browser tests verify many
# times a second from one address); its own tests turn it on with override_settings.
PUBLIC_VERIFY_RATE = 0
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": str(_TMP / "test.sqlite3")}

# A tiny app with one table and one job handler, used only by the background-jobs tests (also
# loaded by the Celery worker and the `run_job` subprocesses those tests start).
INSTALLED_APPS = [*INSTALLED_APPS, "roadcredit.core.tests.jobs_demo"]
