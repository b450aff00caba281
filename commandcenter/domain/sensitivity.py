"""How readily a series raises anomaly alerts: one named level per series.

The detector's score is the same number for every series; the level only
moves the score at which an alert fires. ``normal`` is the threshold NAB's
standard profile picks for the default settings on the whole benchmark; ``low``
is for a noisy series the team wants to hear from only on a clear break (the
score of a surprise about a hundred times rarer); ``high`` hears earlier and
more often; ``off`` keeps the detector learning but raises nothing.
"""

from __future__ import annotations

from enum import StrEnum

from .errors import parse_choice

__all__ = ["ALERT_LEVELS", "Sensitivity", "alert_level"]


class Sensitivity(StrEnum):
    OFF = "off"
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"

    @classmethod
    def parse(cls, text: str) -> Sensitivity:
        return parse_choice(cls, text, "sensitivity")


# Anomaly score at which an alert fires. The score is log10(tail probability) / -10:
# 0.4 is a one-in-10,000 stretch (the level NAB's standard profile picks, and where a
# run of rare points starts to count once), 0.7 one in 10 million, 0.3 one in 1,000.
ALERT_LEVELS: dict[Sensitivity, float | None] = {
    Sensitivity.OFF: None,
    Sensitivity.LOW: 0.7,
    Sensitivity.NORMAL: 0.4,
    Sensitivity.HIGH: 0.3,
}


def alert_level(sensitivity: Sensitivity) -> float | None:
    """The score an alert fires at, or None when the series raises no anomaly alerts."""
    return ALERT_LEVELS[sensitivity]
