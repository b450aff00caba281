"""Numbers as people read them: units, and sensible precision (shares as %)."""

from __future__ import annotations

SHARE_UNITS = frozenset({"share", "ratio", "fraction"})


def format_value(value: float | None, unit: str = "", series: str = "") -> str:
    """``0.0416299`` share -> ``4.2 %``; ``228.4`` s -> ``228 s``; ``20000`` -> ``20,000``."""
    if value is None:
        return "–"
    if unit in SHARE_UNITS or series.startswith("drop_share"):
        return f"{value * 100:.1f} %"
    if unit in ("s", "seconds") or series.endswith("freshness"):
        return f"{value:.0f} s"
    suffix = f" {unit}" if unit else ""
    if abs(value) >= 100:
        return f"{value:,.0f}{suffix}"
    return f"{value:.3g}{suffix}"
