"""Writes of the e-licence app, one module per topic (re-exported here).

* ``issuance`` — dual-track issuance, paper-ledger registration and conversion;
* ``lifecycle`` — change, renewal, replacement, suspension, resumption, revocation,
  cancellation, automatic expiry;
* ``numbering_alloc`` — gapless numbers under a row lock;
* ``statuslist_publish`` — the signed status lists, always current;
* ``pdf_files`` — the sealed PDF (made on first need, kept) and the print layout.
"""

from .issuance import (
    licence_convert,
    licence_issue,
    licence_register_existing,
)
from .lifecycle import (
    licence_cancel,
    licence_change,
    licence_expire_due,
    licence_renew,
    licence_replace,
    licence_resume,
    licence_revoke,
    licence_suspend,
)
from .pdf_files import licence_pdf, licence_print_layout, licence_render_data
from .statuslist_publish import status_list_published, status_list_touch

__all__ = [
    "licence_cancel",
    "licence_change",
    "licence_convert",
    "licence_expire_due",
    "licence_issue",
    "licence_pdf",
    "licence_print_layout",
    "licence_register_existing",
    "licence_render_data",
    "licence_renew",
    "licence_replace",
    "licence_resume",
    "licence_revoke",
    "licence_suspend",
    "status_list_published",
    "status_list_touch",
]
