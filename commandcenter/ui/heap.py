"""The collector and the GUI thread: full collections scan only what came after start-up.

Python's cyclic collector stops every thread while it scans. Once the window has
loaded, hundreds of thousands of objects (modules, SQLAlchemy's mappers, Qt
wrappers) live for as long as the process; a full collection re-scanning them
stalled the event loop for 50-150 ms at a time while 10,000 points/s streamed
in. ``gc.freeze`` moves them out of the collector's sight, and a higher
first-generation threshold makes the young collections (each a pause too) rarer.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # allocations between young collections (Python's default: 700)
_settled = False


def settle_heap() -> bool:
    """Once loaded: what exists now is never scanned again; collect young objects less often.

    Once per process (the first window to load): a frozen object in a reference
    cycle is never freed, so later windows (tests open hundreds) freeze nothing more.
    Returns whether this call did it."""
    global _settled
    if _settled:
        return False
    _settled = True
    gc.collect()  # no garbage frozen in with the rest (one pause, before the window is live)
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(max(YOUNG_THRESHOLD, _young), middle, old)
    return True


def settled() -> bool:
    return _settled
