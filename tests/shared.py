"""Where ``../shared`` is: beside the checkout, found from this file, never by an absolute path.

Tests that need its data fail (they do not skip) when it is missing, so a CI
machine without it is noticed.
"""

from __future__ import annotations

from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
SHARED = CHECKOUT.parent / "shared"
NAB_DATA = SHARED / "data" / "nab"


def nab_file(name: str) -> Path:
    path = NAB_DATA / "data" / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: ../shared must sit beside the checkout")
    return path
