from io import StringIO

from django.core.management import call_command


def test_the_migrations_cover_every_model_change(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
