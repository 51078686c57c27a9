import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
django_application = get_asgi_application()

# The public roadside check (/v/check) is answered beside Django by a lean route.
from roadcredit.elicences.lean import with_lean_verification  # noqa: E402

application = with_lean_verification(django_application)
