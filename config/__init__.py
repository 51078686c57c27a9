"""Project configuration: settings, URLs, the JSON API and the Celery app."""
