"""Panels out of sight at start-up read their data after the first screen has its data.

The window holds a hidden panel's loads while it starts (``hold_loads``); a
reload asked for meanwhile is remembered, and ``release_loads`` (the first
screen is drawn, or the user brings the panel forward) runs it once.
"""

from __future__ import annotations


class HeldLoads:
    """Mixed into a panel whose ``reload`` begins with ``if self.loads_held(): return``."""

    _held = False
    _reload_wanted = False

    def hold_loads(self) -> None:
        self._held = True

    def loads_held(self) -> bool:
        """True (and the reload remembered) while loads are held."""
        if self._held:
            self._reload_wanted = True
        return self._held

    def release_loads(self) -> None:
        if not self._held:
            return
        self._held = False
        if self._reload_wanted:
            self._reload_wanted = False
            self.reload()

    def reload(self) -> None:  # pragma: no cover - the panel's own
        raise NotImplementedError
