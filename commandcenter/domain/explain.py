"""What the detector saw, in plain words with the numbers, from its own state.

``explain(detector, batch, k, series)`` describes point ``k`` of the batch the
detector scored last: the move from the previous point (against every move
still in memory, up to 30 days), whether the value is beyond anything seen,
whether it is new ground (a value never visited, or never at that hour of the
week), the strongest of the detector's surprises and how rare the recent behaviour
is. A commander reads it and decides in seconds whether to declare, e.g.
"score_mean fell 18% in one point (40.1 to 32.9); larger than any move in
the last 30 days. ..."
"""

from __future__ import annotations

import math

import numpy as np

from .anomaly import AnomalyDetector, BatchScores

__all__ = ["explain", "span_text"]

LOOKBACK = 30 * 86_400.0


def span_text(seconds: float) -> str:
    if seconds >= 2 * 86_400:
        return f"{seconds / 86_400:.0f} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.0f} hours"
    if seconds >= 120:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.0f} seconds"


def _num(x: float) -> str:
    return f"{x:.4g}"


def explain(detector: AnomalyDetector, batch: BatchScores, k: int, series: str) -> str:
    ctx = detector.context
    if ctx is None:
        return f"{series}: no points scored yet"
    p = ctx.first + k - ctx.base  # the point's position in the context arrays
    t, x = float(ctx.ts[p]), float(ctx.values[p])
    sentences = [_move(ctx.ts, ctx.values, p, t, x, series)]
    if bool(batch.beyond[k]):
        lo, hi = float(ctx.past_lo[k]), float(ctx.past_hi[k])
        side = f"above the highest value seen so far ({_num(hi)})" if x > hi else \
            f"below the lowest value seen so far ({_num(lo)})"
        sentences.append(f"{_num(x)} is {side}")
    if bool(batch.record[k]):
        z, before = float(batch.surprise[k]), float(batch.surprise_before[k])
        sentences.append(f"a surprise of {z:.1f} standard deviations, {z / before:.1f} times "
                         f"the largest this series had shown ({before:.1f})")
    if bool(batch.novel[k]):
        sentences.append(_ground_text(detector, bool(batch.novel_hour[k]), x, t,
                                      ctx.first + k))
    part = _strongest(batch, k)
    if part is not None:
        sentences.append(_part_text(part, float(batch.parts[part][k]), ctx.values, p, detector))
    tail = float(batch.tail[k])
    if tail < 0.01:
        sentences.append(f"behaviour this unusual for {series} comes about once in "
                         f"{1 / max(tail, 1e-12):,.0f} points")
    return "; ".join(s for s in sentences if s) + "."


def _move(ts: np.ndarray, values: np.ndarray, p: int, t: float, x: float, series: str) -> str:
    if p == 0:
        return f"{series} at {_num(x)}"
    prev = float(values[p - 1])
    delta = x - prev
    verb = "rose" if delta > 0 else "fell" if delta < 0 else "held"
    if delta == 0:
        head = f"{series} held at {_num(x)}"
    elif prev != 0:
        head = (f"{series} {verb} {abs(delta) / abs(prev):.0%} in one point "
                f"({_num(prev)} to {_num(x)})")
    else:
        head = f"{series} {verb} by {_num(abs(delta))} in one point (0 to {_num(x)})"
    lo = int(np.searchsorted(ts, t - LOOKBACK, side="left"))
    moves = np.abs(np.diff(values[lo:p]))  # the moves before this one
    if moves.size < 2 or delta == 0:
        return head
    span = span_text(t - float(ts[lo]))
    biggest = float(moves.max())
    if abs(delta) > biggest:
        return f"{head}; larger than any move in the last {span}"
    typical = float(np.median(moves))
    bigger = int(np.count_nonzero(moves >= abs(delta)))
    ratio = f", {abs(delta) / typical:.0f} times the typical move" if typical > 0 else ""
    return f"{head}{ratio}; {bigger} moves as large in the last {span}"


_DAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays",
         "Sundays")


def _ground_text(detector: AnomalyDetector, by_hour: bool, x: float, t: float,
                 before: int) -> str:
    """New ground in words: ``before`` points came before this one."""
    found = detector.new_ground(x)
    if found is None:
        return ""
    lo, hi = found
    between = f"between {_num(lo)} and {_num(hi)}"
    if not by_hour:
        return f"{_num(x)} is new ground: in {before:,} points it had never been {between}"
    hour = int((t % (7 * 86_400)) // 3600)  # the epoch began on a Thursday
    when = f"on {_DAYS[(hour // 24 + 3) % 7]} {hour % 24:02d}:00-{hour % 24:02d}:59 UTC"
    return f"{_num(x)} is new ground {when}: at that hour it had never been {between}"


def _strongest(batch: BatchScores, k: int) -> str | None:
    best, name = 0.0, None
    for part, z in batch.parts.items():
        if math.isfinite(z[k]) and z[k] > best:
            best, name = float(z[k]), part
    return name if best >= 3.0 else None


def _part_text(part: str, z: float, values: np.ndarray, p: int,
               detector: AnomalyDetector) -> str:
    if part.startswith("level "):
        w = int(part.split()[1])
        window = values[max(p - w, 0):p]
        mean = float(window.mean()) if window.size else float("nan")
        return (f"{z:.1f} standard deviations from the mean of the {window.size} points "
                f"before it ({_num(mean)})")
    if part == "change":
        return f"a step {z:.1f} times the usual spread of steps"
    n = detector.settings.season_points
    period = part.split()[1].replace("1d", "a day").replace("7d", "a week")
    return (f"the last {n} points differ from the same time {period} earlier "
            f"{z:.1f} times more than usual")
