"""Showing a service error to a person: on a form, or as one line of text.

Services raise ``ApplicationError`` (``roadcredit.core.errors``) with a constant message and,
for field-level problems, ``extra["fields"] = {field: [message, ...]}``. The API renders it as
``{"message", "extra"}`` (``config/api.py``); pages and management commands translate it here,
so every page shows the same error the same way:

- ``add_to_form`` puts it on a Django form (each field message on its field when the form has
  that field, otherwise on the form; the main message when there are no field messages);
- ``error_line`` makes one line for ``messages.error`` or a ``CommandError`` (the field messages
  joined with "；", else the main message).

Django forms are only named for typing, so this module imports nothing of Django at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from roadcredit.core.errors import ApplicationError

if TYPE_CHECKING:
    from django.forms import BaseForm

SEPARATOR = "；"


def field_messages(exc: ApplicationError) -> list[tuple[str, str]]:
    """The error's field messages as ``(field, message)`` pairs, in the order the service gave."""
    fields = exc.extra.get("fields") or {}
    return [(str(name), str(message)) for name, values in fields.items() for message in values]


def add_to_form(form: BaseForm, exc: ApplicationError, *, by_field: bool = True) -> None:
    """Put a service error on ``form``.

    Each field message goes on its field when the form has that field, else on the form
    (a non-field error); with ``by_field=False`` every field message goes on the form. When the
    error names no field messages, its main message goes on the form.
    """
    placed = False
    for name, message in field_messages(exc):
        form.add_error(name if by_field and name in form.fields else None, message)
        placed = True
    if not placed:
        form.add_error(None, exc.message)


def error_line(exc: ApplicationError, *, lead: bool = False, as_options: bool = False) -> str:
    """A service error as one line of text for a page message or a command error.

    The field messages joined with "；", or the main message when there are none. With
    ``lead=True`` the main message always comes first, followed directly by the field messages
    that do not repeat it. With ``as_options=True`` each field message is written as
    ``--field: message`` (for commands whose options carry the service's field names).
    """
    details = [
        f"--{name}: {message}" if as_options else message
        for name, message in field_messages(exc)
        if not (lead and message == exc.message)
    ]
    if lead:
        return exc.message + SEPARATOR.join(details)
    return SEPARATOR.join(details) or exc.message
