"""Production: PostgreSQL, secrets from the environment (or *_FILE), HTTPS only.

``python manage.py check --deploy`` is clean with these settings (a test proves it). Behind the
reverse proxy (nginx) terminating TLS, set ``ROADCREDIT_TRUSTED_PROXIES`` to the number of proxies
in front of the application so that sign-in throttling sees the client's address.
"""

from config.env import env_bool, env_int, env_str

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
KEYSTORE_PASSPHRASE = env_str("ROADCREDIT_KEYSTORE_PASSPHRASE")
KEYSTORE_AUTO_CREATE = False
# The public host names must be given: no default host is served in production.
ALLOWED_HOSTS = [
    host.strip() for host in env_str("DJANGO_ALLOWED_HOSTS").split(",") if host.strip()
]

# --- HTTPS ------------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer's plain-HTTP health check
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Cookies: secure, host-only (the __Host- prefix makes browsers enforce it), no script access
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_NAME = "__Host-csrftoken"
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Sign-in lockout (roadcredit.accounts.lockout) ---------------------------------------------
LOGIN_TRUSTED_PROXIES = env_int("ROADCREDIT_TRUSTED_PROXIES", 1)
LOGIN_MAX_FAILURES = env_int("ROADCREDIT_LOGIN_MAX_FAILURES", 5)
LOGIN_IP_MAX_FAILURES = env_int("ROADCREDIT_LOGIN_IP_MAX_FAILURES", 20)
LOGIN_FAILURE_WINDOW_MINUTES = env_int("ROADCREDIT_LOGIN_FAILURE_WINDOW_MINUTES", 15)
LOGIN_LOCK_MINUTES = env_int("ROADCREDIT_LOGIN_LOCK_MINUTES", 15)
