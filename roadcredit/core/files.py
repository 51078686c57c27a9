"""Files the platform writes itself (sealed PDFs) into a model's ``FileField``."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile


def store_under_own_name(field_file: FieldFile, filename: str, content: bytes) -> None:
    """Save ``content`` as the file ``field_file``'s ``upload_to`` gives ``filename``, replacing
    a file already there (the row is not saved).

    For files named after their row (``<public id>.pdf``), written while the caller holds the
    row's lock and has found no good file on record: a file already at that name was written by
    a run that never committed its row (killed, or its transaction rolled back), so nothing
    refers to it. Left there, storage would save the new one under a suffixed name and keep the
    leftover as an orphan forever.
    """
    name = field_file.field.generate_filename(field_file.instance, filename)
    field_file.storage.delete(name)
    field_file.save(filename, ContentFile(content), save=False)
