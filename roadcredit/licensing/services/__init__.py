"""Writes of the licensing app, one module per topic (re-exported here).

* ``applications`` — the workflow: create, submit, accept (容缺), return for correction,
  resubmit, review, approve, refuse, issue, close, withdraw, visits;
* ``materials`` — uploads (checked by content) and supplements of a 容缺 notice;
* ``commitments`` — signing, post-verification, breach consequences, revocation proceedings;
* ``notices`` — written notices and decisions, sealed PDFs;
* ``sweep`` — deemed acceptance, reminders, overdue termination, escalation.
"""

from .applications import (
    application_accept,
    application_approve,
    application_close,
    application_create,
    application_first_review,
    application_issue,
    application_not_accept,
    application_record_visit,
    application_refuse,
    application_resubmit,
    application_return_for_correction,
    application_start_review,
    application_submit,
    application_withdraw,
)
from .commitments import commitment_sign, commitment_verify, revocation_decide
from .materials import material_remove, material_upload
from .notices import notice_pdf
from .sweep import (
    SweepResult,
    applications_deem_accepted,
    applications_escalate_overdue,
    applications_terminate_overdue,
    licensing_sweep,
    missing_reminders_send,
    verifications_flag_overdue,
)

__all__ = [
    "SweepResult",
    "application_accept",
    "application_approve",
    "application_close",
    "application_create",
    "application_first_review",
    "application_issue",
    "application_not_accept",
    "application_record_visit",
    "application_refuse",
    "application_resubmit",
    "application_return_for_correction",
    "application_start_review",
    "application_submit",
    "application_withdraw",
    "applications_deem_accepted",
    "applications_escalate_overdue",
    "applications_terminate_overdue",
    "commitment_sign",
    "commitment_verify",
    "licensing_sweep",
    "material_remove",
    "material_upload",
    "missing_reminders_send",
    "notice_pdf",
    "revocation_decide",
    "verifications_flag_overdue",
]
