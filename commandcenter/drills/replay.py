"""Replaying a finished drill's timeline on a simulated clock of its own.

:class:`Replay` holds the recorded entries (at their offsets from the drill's start) and
a replay position that moves only when told: ``tick(wall_seconds)`` while playing (times
the speed), ``step()`` to the next entry, ``seek(offset)``. It never reads a clock;
the window's timer or the command line's pacing says how much wall time went by.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .durations import format_offset

SPEEDS = (1, 10, 60, 300, 600)
MAX_SPEED = 3600


@dataclass(frozen=True, slots=True)
class ReplayEntry:
    at: timedelta  # from the drill's start
    when: datetime  # the simulated instant it happened
    kind: str
    who: str
    text: str

    def as_json(self) -> dict[str, object]:
        return {"at": format_offset(self.at), "offset_s": self.at.total_seconds(),
                "time": self.when.isoformat(), "kind": self.kind, "who": self.who,
                "text": self.text}


def check_speed(speed: float) -> float:
    if not 1 <= speed <= MAX_SPEED:
        raise ValueError(f"{speed:g} is outside 1..{MAX_SPEED}")
    return speed


class Replay:
    """The position in a recorded drill, and which of its entries have appeared by then."""

    def __init__(self, entries: Sequence[ReplayEntry], duration: timedelta,
                 speed: float = 60) -> None:
        self.entries = sorted(entries, key=lambda e: e.at)
        last = self.entries[-1].at if self.entries else timedelta(0)
        self.duration = max(duration, last)
        self.speed = check_speed(speed)
        self.position = timedelta(0)
        self.playing = False
        self.shown = 0
        self._reveal()

    # --- what is on screen --------------------------------------------------------
    @property
    def visible(self) -> list[ReplayEntry]:
        return self.entries[: self.shown]

    @property
    def finished(self) -> bool:
        return self.position >= self.duration

    @property
    def next_entry(self) -> ReplayEntry | None:
        return self.entries[self.shown] if self.shown < len(self.entries) else None

    def _reveal(self) -> list[ReplayEntry]:
        before = self.shown
        while self.shown < len(self.entries) and self.entries[self.shown].at <= self.position:
            self.shown += 1
        return self.entries[before: self.shown]

    # --- controls ------------------------------------------------------------------
    def play(self) -> None:
        if self.finished:
            self.restart()
        self.playing = True

    def pause(self) -> None:
        self.playing = False

    def set_speed(self, speed: float) -> None:
        self.speed = check_speed(speed)

    def restart(self) -> None:
        self.position, self.shown = timedelta(0), 0
        self._reveal()

    def tick(self, wall_seconds: float) -> list[ReplayEntry]:
        """Wall time went by: while playing the replay moves ``speed`` times as far.
        Returns the entries that appeared."""
        if not self.playing or wall_seconds <= 0:
            return []
        return self.seek(self.position + timedelta(seconds=wall_seconds * self.speed))

    def seek(self, offset: timedelta) -> list[ReplayEntry]:
        """Move to ``offset`` (clamped to the drill); entries after it disappear again.
        Returns the entries that appeared (none when moving back)."""
        offset = max(timedelta(0), min(offset, self.duration))
        if offset < self.position:
            self.position, self.shown = offset, 0
            self._reveal()
            return []
        self.position = offset
        appeared = self._reveal()
        if self.finished:
            self.playing = False
        return appeared

    def step(self) -> list[ReplayEntry]:
        """Jump to the next entry's time (or the end)."""
        nxt = self.next_entry
        return self.seek(nxt.at if nxt is not None else self.duration)


def paced(entries: Iterable[ReplayEntry], speed: float | None,
          sleep: Callable[[float], None]) -> Iterator[ReplayEntry]:
    """Each entry when its time comes, ``speed`` simulated seconds to a wall second
    (``sleep`` waits that long); all at once without a speed."""
    previous = timedelta(0)
    for entry in sorted(entries, key=lambda e: e.at):
        if speed is not None and entry.at > previous:
            sleep((entry.at - previous).total_seconds() / speed)
            previous = entry.at
        yield entry
