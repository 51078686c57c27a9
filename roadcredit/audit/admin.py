"""The audit trail is deliberately NOT registered in the admin site.

The admin site belongs to the system administrator; under 三员分立 only the audit administrator
reads the trail, on their own page (``audit:entries``), and nobody edits it.
"""
