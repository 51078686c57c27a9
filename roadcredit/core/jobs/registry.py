"""Job handlers: what a kind of job does, one chunk at a time.

A handler is registered under a dotted kind (``"exchange.import_subjects"``) and is
instantiated afresh for every call; it keeps no state of its own between chunks: everything it
needs to resume goes into the checkpoint it returns. Handlers live in ``<app>/jobs.py`` (found by
autodiscovery, so a Celery worker knows every kind) or in any module imported at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules

if TYPE_CHECKING:
    from roadcredit.core.models import Job


@dataclass(frozen=True)
class ChunkResult:
    """What one chunk reports back.

    ``checkpoint``: where the next chunk starts (JSON-serialisable; stored with the chunk's
    writes in one transaction). ``done``: units finished so far in total, not in this chunk.
    ``finished``: no chunk follows; ``result`` is then stored as the job's result (JSON).
    """

    checkpoint: dict[str, Any]
    done: int
    finished: bool = False
    result: dict[str, Any] | None = None


class JobHandler:
    """Base class of job handlers; subclass it, set ``label`` and implement both methods."""

    label: str | Promise = ""  # Chinese name of the kind of work, shown on the progress page

    def total(self, job: Job) -> int:
        """Units of work (rows, subjects, licences…); counted once, when the job first starts."""
        raise NotImplementedError

    def run_chunk(self, job: Job, checkpoint: dict[str, Any]) -> ChunkResult:
        """Do the next slice of work, starting from ``checkpoint`` (``{}`` the first time).

        Runs inside the chunk's ``transaction.atomic()`` with the job row locked: every write
        made here commits together with the returned checkpoint, or not at all. Keep a chunk to
        a few seconds of work.
        """
        raise NotImplementedError

    def summary(self, job: Job) -> list[tuple[str, str]]:
        """Label/value lines describing the result on the progress page (override for labels)."""
        return [(str(key), str(value)) for key, value in (job.result or {}).items()]

    def links(self, job: Job) -> list[tuple[str, str]]:
        """Label/URL pairs shown under the result (e.g. an error report download)."""
        return []


H = TypeVar("H", bound=type[JobHandler])

_HANDLERS: dict[str, type[JobHandler]] = {}
_discovered = False


class UnknownJobKind(LookupError):
    """No handler is registered under the kind."""


def register(kind: str) -> Callable[[H], H]:
    """Class decorator: ``@register("exchange.import_subjects")``."""

    def decorate(cls: H) -> H:
        existing = _HANDLERS.get(kind)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise RuntimeError(f"job kind {kind!r} is already registered by {existing!r}")
        _HANDLERS[kind] = cls
        return cls

    return decorate


def _discover() -> None:
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("jobs")


def handler_class(kind: str) -> type[JobHandler]:
    if kind not in _HANDLERS:
        _discover()
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise UnknownJobKind(kind) from None


def handler_for(kind: str) -> JobHandler:
    """A fresh handler instance for ``kind``; ``UnknownJobKind`` if none is registered."""
    return handler_class(kind)()


def registered_kinds() -> list[str]:
    _discover()
    return sorted(_HANDLERS)


def kind_label(kind: str) -> str:
    """The handler's Chinese label, or the kind itself for a kind no longer registered."""
    try:
        label = handler_class(kind).label
    except UnknownJobKind:
        return kind
    return str(label) or kind
