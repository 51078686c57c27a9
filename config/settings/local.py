"""Development on one machine: the embedded SQLite file and a development key store."""

from config.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DJANGO_DEBUG", True)
KEYSTORE_AUTO_CREATE = env_bool("ROADCREDIT_KEYSTORE_AUTO_CREATE", True)
