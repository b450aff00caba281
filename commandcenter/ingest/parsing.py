"""Metric text formats: CSV ``timestamp,value``, CSV ``timestamp,series,value``, NDJSON.

Malformed lines are skipped and reported with their line number; one bad
line never costs the rest of a file. A line longer than ``MAX_LINE_BYTES`` is
not a malformed line but a hostile file: it is refused whole, before it is read
into memory (``bounded_lines``). Timestamps outside years 1 to 9999, values
beyond +-``MAX_VALUE``, and series names that could not be stored (NUL, over
200 characters) are malformed lines.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, NamedTuple

import numpy as np

from commandcenter.domain.errors import InvalidInput
from commandcenter.domain.limits import (
    CSV_FIELD_LIMIT,
    MAX_LINE_BYTES,
    csv_field_index,
    epoch_problem,
    text_problem,
)

# Epoch numbers above this are milliseconds: as seconds they would be past year 5000.
EPOCH_MS_THRESHOLD = 1e11
SNAPSHOT_HEADER = ("profile_id", "score")
MAX_VALUE = 1e15  # beyond it the detector's sums would overflow
MAX_SERIES_NAME = 200  # metric_series.name
MAX_COLUMNS = 1000


class Point(NamedTuple):
    ts: float  # epoch seconds, UTC
    value: float
    series: str | None = None


class Row(NamedTuple):
    line: int
    stamp: str  # the timestamp as written in the file
    point: Point | None
    error: str  # why the line was skipped, when point is None


class Format(StrEnum):
    CSV = "csv"  # timestamp,value
    CSV_SERIES = "csv-series"  # timestamp,series,value
    NDJSON = "ndjson"
    SNAPSHOT = "snapshot"  # profile_id,score: read with sources.read_snapshot


def parse_timestamp(raw: object) -> float:
    """ISO 8601 (naive means UTC) or epoch seconds/milliseconds, as epoch seconds."""
    if isinstance(raw, bool):
        raise ValueError("timestamp: not a time")
    if isinstance(raw, int | float):
        try:
            number = float(raw)
        except OverflowError:  # a 400-digit integer
            raise ValueError("timestamp: outside years 1 to 9999") from None
    else:
        text = str(raw).strip().strip('"')
        if not text:
            raise ValueError("timestamp: empty")
        try:
            number = float(text)
        except ValueError:
            if text.endswith(("Z", "z")):
                text = text[:-1] + "+00:00"
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                raise ValueError(f"timestamp: {str(raw)[:40]!r} is neither ISO 8601 nor epoch"
                                 ) from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            try:
                number = moment.timestamp()
            except (OverflowError, ValueError):
                number = math.inf
            problem = epoch_problem(number)
            if problem is not None:
                raise ValueError(f"timestamp: {text[:40]!r} is outside years 1 to 9999") from None
            return number
    if not math.isfinite(number):
        raise ValueError("timestamp: not finite")
    seconds = number / 1000.0 if abs(number) > EPOCH_MS_THRESHOLD else number
    problem = epoch_problem(seconds)
    if problem is not None:
        raise ValueError(f"timestamp: {number:.6g} is {problem}")
    return seconds


def parse_value(raw: object) -> float:
    if isinstance(raw, bool) or raw is None:
        raise ValueError("value: not a number")
    try:
        number = float(raw.strip().strip('"') if isinstance(raw, str) else raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"value: {str(raw)[:40]!r} is not a number") from None
    except OverflowError:
        raise ValueError(f"value: beyond +-{MAX_VALUE:g}") from None
    if not math.isfinite(number):
        raise ValueError("value: not a finite number")
    if abs(number) > MAX_VALUE:
        raise ValueError(f"value: {number:.6g} is beyond +-{MAX_VALUE:g}")
    return number


def check_series(name: str) -> str:
    problem = text_problem(name, MAX_SERIES_NAME)
    if problem is not None:
        raise ValueError(f"series: {problem}")
    return name


@dataclass(slots=True)
class ParseResult:
    points: list[Point] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    lines: int = 0
    format: Format | None = None

    def by_series(self, default: str | None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Points grouped per series as (timestamps, values) float64 arrays, sorted by time."""
        groups: dict[str, tuple[list[float], list[float]]] = {}
        for ts, value, series in self.points:
            name = series or default
            if name is None:
                raise ValueError("series: the file names no series; give one")
            xs, ys = groups.setdefault(name, ([], []))
            xs.append(ts)
            ys.append(value)
        out = {}
        for name, (xs, ys) in groups.items():
            t = np.asarray(xs, dtype=np.float64)
            v = np.asarray(ys, dtype=np.float64)
            order = np.argsort(t, kind="stable")
            out[name] = (t[order], v[order])
        return out


def _split(line: str, names: tuple[str, ...] = ()) -> list[str]:
    if '"' not in line:
        return [f.strip() for f in line.split(",")]
    try:
        return [f.strip() for f in next(csv.reader([line]))]
    except csv.Error as exc:  # a field over csv's limit (131,072 characters)
        at = csv_field_index(line)
        if at is None:
            raise ValueError(f"not CSV ({exc})") from None
        name = names[at] if at < len(names) else f"field {at + 1}"
        raise ValueError(f"{name}: longer than {CSV_FIELD_LIMIT} characters") from None


def detect_format(header: str) -> tuple[Format, tuple[int, ...]]:
    """The format of a file from its first line, and CSV column positions."""
    text = header.strip().lstrip("\ufeff")
    if text.startswith("{"):
        return Format.NDJSON, ()
    if text.count(",") >= MAX_COLUMNS:
        raise ValueError(f"header: {text.count(',') + 1} columns; at most {MAX_COLUMNS}")
    names = [n.lower() for n in _split(text)]
    if names[:2] == list(SNAPSHOT_HEADER) or set(SNAPSHOT_HEADER) <= set(names):
        return Format.SNAPSHOT, ()
    if "timestamp" in names and "value" in names:
        if "series" in names:
            return Format.CSV_SERIES, (
                names.index("timestamp"), names.index("series"), names.index("value"))
        return Format.CSV, (names.index("timestamp"), names.index("value"))
    raise ValueError(f"header: {header.strip()[:80]!r} is not timestamp,value | "
                     "timestamp,series,value | profile_id,score | NDJSON")


class LineParser:
    """Parses lines one by one, so a followed file can be read in pieces.

    The first non-blank line decides the format (a CSV header, or a JSON object).
    """

    def __init__(self) -> None:
        self.format: Format | None = None
        self._columns: tuple[int, ...] = ()
        self._stamp = ""

    def reset(self) -> None:
        self.format = None
        self._columns = ()

    def feed(self, lines: Iterable[tuple[int, str]], result: ParseResult) -> None:
        points, errors = result.points, result.errors
        for number, raw in lines:
            row = self.row(number, raw)
            if row is None:
                continue
            result.format = self.format
            if row.point is not None:
                result.lines += 1
                points.append(row.point)
            elif self.format is not None:
                result.lines += 1
                errors.append((number, row.error))
            else:
                errors.append((number, row.error))

    def rows(self, lines: Iterable[tuple[int, str]]) -> Iterator[Row]:
        """Every data line as a point or an error, with its timestamp as written."""
        for number, raw in lines:
            row = self.row(number, raw)
            if row is not None:
                yield row

    def row(self, number: int, raw: str) -> Row | None:
        """One line: a data row, an error, or None for blank and header lines."""
        line = raw.strip()
        if not line or self.format is Format.SNAPSHOT:
            return None
        if self.format is None:
            try:
                self.format, self._columns = detect_format(line)
            except ValueError as exc:
                if not self._headerless(line):
                    return Row(number, "", None, str(exc))
            else:
                if self.format is not Format.NDJSON:
                    return None  # a header line, not data
        try:
            point = self._parse(line)
        except ValueError as exc:
            return Row(number, "", None, str(exc))
        return Row(number, self._stamp, point, "")

    def _headerless(self, line: str) -> bool:
        """Accept a CSV without a header when its first line is already data."""
        fields = _split(line)
        if len(fields) == 2:
            self.format, self._columns = Format.CSV, (0, 1)
        elif len(fields) == 3:
            self.format, self._columns = Format.CSV_SERIES, (0, 1, 2)
        else:
            return False
        try:
            self._parse(line)
        except ValueError:
            self.reset()
            return False
        return True

    def _parse(self, line: str) -> Point:
        if self.format is Format.NDJSON:
            try:
                obj = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                raise ValueError("not a JSON object") from None
            point = point_from_object(obj)
            self._stamp = str(obj["timestamp"])
            return point
        fields = _split(line, self._names())
        if len(fields) < len(self._columns):
            raise ValueError(f"expected {len(self._columns)} fields, found {len(fields)}")
        if self.format is Format.CSV:
            t, v = self._columns
            self._stamp = fields[t]
            return Point(parse_timestamp(fields[t]), parse_value(fields[v]))
        t, s, v = self._columns
        self._stamp = fields[t]
        name = fields[s].strip('"')
        if not name:
            raise ValueError("series: empty")
        return Point(parse_timestamp(fields[t]), parse_value(fields[v]), check_series(name))

    def _names(self) -> tuple[str, ...]:
        """Column names by position, for errors."""
        names = ["timestamp", "series", "value"] if self.format is Format.CSV_SERIES else [
            "timestamp", "value"]
        out = [""] * (max(self._columns, default=0) + 1)
        for name, at in zip(names, self._columns, strict=False):
            out[at] = name
        return tuple(n or f"field {i + 1}" for i, n in enumerate(out))


def point_from_object(obj: object) -> Point:
    """A point from a JSON object ``{"timestamp": ..., "series": ..., "value": ...}``."""
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    if "timestamp" not in obj or "value" not in obj:
        raise ValueError("needs timestamp and value")
    series = obj.get("series")
    if series is not None and (not isinstance(series, str) or not series.strip()):
        raise ValueError("series: not a name")
    return Point(parse_timestamp(obj["timestamp"]), parse_value(obj["value"]),
                 check_series(series.strip()) if series else None)


def parse_text(text: str) -> ParseResult:
    result = ParseResult()
    LineParser().feed(enumerate(text.splitlines(), start=1), result)
    return result


def bounded_lines(fh: IO[str], max_chars: int = MAX_LINE_BYTES) -> Iterator[tuple[int, str]]:
    """``enumerate(fh, start=1)``, refusing (InvalidInput) a line over ``max_chars``
    after reading ``max_chars + 2`` of it: a 2 GB line costs a megabyte."""
    number = 0
    while True:
        line = fh.readline(max_chars + 2)  # the line and its \r\n
        if not line:
            return
        number += 1
        if len(line) > max_chars and len(line.rstrip("\r\n")) > max_chars:
            raise InvalidInput(f"line {number}: longer than {max_chars} characters")
        yield number, line


def parse_file(path: Path) -> ParseResult:
    result = ParseResult()
    with Path(path).open(encoding="utf-8", errors="replace", newline="") as fh:
        LineParser().feed(bounded_lines(fh), result)
    return result


def sniff_format(path: Path) -> Format | None:
    """The format named by a file's first non-blank line; Parquet counts as a snapshot."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        return Format.SNAPSHOT
    with path.open(encoding="utf-8", errors="replace") as fh:
        for _number, line in bounded_lines(fh):
            if line.strip():
                try:
                    return detect_format(line)[0]
                except ValueError:
                    return None
    return None
