"""From a firing alert to an incident: a human title, and which open incident covers it."""

from __future__ import annotations

from datetime import datetime, timedelta

from .clock import as_utc

# What each shipped series means to a person (others: the series name, made readable).
SERIES_WORDS = {
    "score_mean": "Average score moved",
    "drop_share_50": "Many profiles lost half their score",
    "psi": "Score distribution shifted",
    "batch_freshness": "Scores stopped updating",
}
# An alert on the same series whose onset lies this close belongs to the same incident.
SAME_ONSET = timedelta(hours=6)


def proposed_title(series: str, onset_at: datetime) -> str:
    """A title a person would write: what is wrong, since when (edit it once you know)."""
    what = SERIES_WORDS.get(series) or (series.replace("_", " ").capitalize() + " unusual")
    return f"{what} since {as_utc(onset_at):%H:%M} UTC"


def covers(series: str, onset_at: datetime, other_series: str, other_onset: datetime) -> bool:
    return series == other_series and abs(as_utc(onset_at) - as_utc(other_onset)) <= SAME_ONSET
