"""Reading import jobs, with the rule of who may see an import's result and error report."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from roadcredit.accounts.access import user_role
from roadcredit.accounts.policy import policy_for
from roadcredit.core.errors import NotFound, PermissionDenied
from roadcredit.core.models import Job

from .registry_import import JOB_KIND

REPORT_POLICY = "exchange:import_report"


def import_visible_to(viewer: Any, job: Job) -> bool:
    """The user who uploaded the file, or bureau staff admitted by the report's own policy."""
    role = user_role(viewer)
    if role is None:
        return False
    if job.created_by_id is not None and job.created_by_id == viewer.pk:
        return True
    policy = policy_for(REPORT_POLICY)
    return policy is not None and policy.allows(role)


def import_job_get_for(*, viewer: Any, public_id: str) -> Job:
    job = (
        Job.objects.select_related("created_by").filter(public_id=public_id, kind=JOB_KIND).first()
    )
    if job is None:
        raise NotFound(_("The import was not found."), {"job": public_id})
    if not import_visible_to(viewer, job):
        raise PermissionDenied(_("You may not view this import."), {"job": public_id})
    return job
