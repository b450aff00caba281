"""What may enter the app, checked before anything is stored, the same for every database.

SQLite stores a NUL byte, an unpaired surrogate or a 70,000-character title
without complaint; PostgreSQL refuses each (and a ``VARCHAR(n)`` refuses
anything longer than ``n``). So the domain checks every text field against the
column it goes to (``tests/domain/test_limits.py`` holds the two together),
and every instant against what a ``datetime`` can hold (years 1 to 9999),
and every importer says which line and field broke the rule.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from .errors import InvalidInput

MIN_YEAR, MAX_YEAR = 1, 9999
EARLIEST = datetime(MIN_YEAR, 1, 1, tzinfo=UTC)
LATEST = datetime(MAX_YEAR, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
EARLIEST_EPOCH = -62135596800.0  # EARLIEST as epoch seconds
LATEST_EPOCH = 253402300800.0  # the first second of year 10000

# An imported text file (roster, vCard, calendar, mentions, scenario) is read whole:
# larger ones are refused before they are read.
MAX_TEXT_FILE_BYTES = 16 << 20
# A line of a streamed file (metrics, snapshots) longer than this is refused unread.
MAX_LINE_BYTES = 1 << 20


def text_problem(value: str, max_chars: int) -> str | None:
    """Why ``value`` cannot be stored as text of at most ``max_chars``, or None."""
    if "\x00" in value:
        return "contains a NUL character"
    if len(value) > max_chars:
        return f"longer than {max_chars} characters ({len(value)})"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid UTF-8 text"
    return None


def check_text(value: str, field: str, max_chars: int, where: str = "") -> str:
    """``value`` unchanged, or InvalidInput ``"{where}{field}: ..."``."""
    problem = text_problem(value, max_chars)
    if problem is not None:
        raise InvalidInput(f"{where}{field}: {problem}")
    return value


def epoch_problem(seconds: float) -> str | None:
    """Why an epoch time cannot be a date-time (years 1 to 9999), or None."""
    if not math.isfinite(seconds):
        return "not finite"
    if not EARLIEST_EPOCH <= seconds < LATEST_EPOCH:
        return "outside years 1 to 9999"
    return None


def check_instant(instant: datetime, field: str, where: str = "") -> datetime:
    """An aware UTC datetime, or InvalidInput when converting it leaves years 1 to 9999."""
    try:
        utc = instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidInput(f"{where}{field}: {instant.isoformat()} is outside years "
                           f"{MIN_YEAR} to {MAX_YEAR} in UTC") from None
    return utc


CSV_FIELD_LIMIT = 131_072  # csv.field_size_limit()'s default; a longer field is refused


def csv_field_index(record: str, limit: int = CSV_FIELD_LIMIT) -> int | None:
    """Which field (0-based) of the CSV record starting ``record`` is longer than ``limit``.

    For naming the column when the ``csv`` module gives up on a field: quotes
    toggle (a doubled quote toggles twice), commas and line ends outside quotes
    end a field.
    """
    index, length, quoted = 0, 0, False
    for ch in record:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == ",":
            index, length = index + 1, 0
            continue
        elif not quoted and ch in "\r\n":
            return None
        length += 1
        if length > limit:
            return index
    return None
