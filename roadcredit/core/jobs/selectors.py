"""Reading jobs, with the object-level rule of who may see which job."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from roadcredit.accounts.access import user_role
from roadcredit.accounts.roles import BUSINESS_STAFF, HOLDERS
from roadcredit.core.errors import NotFound, PermissionDenied
from roadcredit.core.models import Job, JobStatus

from .registry import kind_label


def job_visible_to(viewer: Any, job: Job) -> bool:
    """Holders never; the submitter always; otherwise the bureau's business staff.

    The three administrators see only the jobs they started themselves: a clerk's import or a
    credit officer's regrade is business work, outside their separated duties (三员分立).
    """
    role = user_role(viewer)
    if role is None or role in HOLDERS:
        return False
    if job.created_by_id is not None and job.created_by_id == viewer.pk:
        return True
    return role in BUSINESS_STAFF


def job_get_for(*, viewer: Any, public_id: str) -> Job:
    job = Job.objects.select_related("created_by").filter(public_id=public_id).first()
    if job is None:
        raise NotFound(_("The background job was not found."), {"job": public_id})
    if not job_visible_to(viewer, job):
        raise PermissionDenied(_("You may not view this background job."), {"job": public_id})
    return job


def job_snapshot(job: Job) -> dict[str, Any]:
    """The polling payload of the progress page (JSON-ready)."""
    return {
        "id": job.public_id,
        "kind": job.kind,
        "kind_label": kind_label(job.kind),
        "status": job.status,
        "status_label": str(JobStatus(job.status).label),
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "finished": job.is_finished,
        "heartbeat_at": job.heartbeat_at.isoformat() if job.heartbeat_at else None,
    }
