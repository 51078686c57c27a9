"""Models of the e-licence app (a package: one module per topic).

``licences`` holds the licence records, their events, the number sequences and the status-list
state; ``stock`` (the paper-stock ledger) is added by the stock-conversion work.
"""

from .licences import (
    HolderKind,
    Licence,
    LicenceEvent,
    LicenceEventKind,
    LicenceOrigin,
    LicenceStatus,
    NumberSequence,
    StatusListState,
)
from .stock import PaperStockBatch, PaperStockSheet, SheetStatus

__all__ = [
    "HolderKind",
    "Licence",
    "LicenceEvent",
    "LicenceEventKind",
    "LicenceOrigin",
    "LicenceStatus",
    "NumberSequence",
    "PaperStockBatch",
    "PaperStockSheet",
    "SheetStatus",
    "StatusListState",
]
