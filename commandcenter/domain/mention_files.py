"""Mention files: CSV with a header, or NDJSON (one JSON object a line), same keys.

Keys: ``channel``, ``author``, ``reach``, ``text``, ``at`` (required) and
``link``, ``profile_id`` (optional); any other key is refused, so a typo is
not silently dropped. A file is imported whole or not at all: ``parse``
gives every row with its line, good or bad, and the import collects the bad
ones (``BadLines``, naming the first ``MAX_NAMED``) and refuses the file
before anything is stored.

A row is a plain tuple ``(line, channel, author, reach, text, at_ts, link,
profile_id)``, ``at_ts`` in epoch seconds (UTC): a million of them go by in
an import, and a tuple costs a fraction of an object.
"""

from __future__ import annotations

import csv
import json
import zlib
from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import partial
from itertools import islice
from operator import attrgetter
from pathlib import Path
from typing import TextIO

from .errors import InvalidInput
from .limits import (
    CSV_FIELD_LIMIT,
    EARLIEST_EPOCH,
    LATEST_EPOCH,
    MAX_LINE_BYTES,
    epoch_problem,
    text_problem,
)

REQUIRED = ("channel", "author", "reach", "text", "at")
OPTIONAL = ("link", "profile_id")
KEYS = REQUIRED + OPTIONAL
MAX_NAMED = 20
MAX_TEXT = 10_000
MAX_REACH = 10**12
Row = tuple[int, str, str, int, str, float, "str | None", "str | None"]
# A batch of rows as columns: channel, author, reach, text, at_ts, link, profile_id.
Columns = tuple[list[str], list[str], list[int], list[str], list[float],
                "list[str | None]", "list[str | None]"]

def dedupe_key(channel: str, author: str, at_ts: float, text: str) -> int:
    """With the instant, what makes a mention the same one: a signed 64-bit key.

    The database's unique key is (incident, instant, this): two different
    mentions are taken for one only if they were posted at the same instant
    and both CRC-32s agree (about one chance in 4 billion per such pair). The
    CRC is a hundred times cheaper than a cryptographic hash, and a million-row
    import computes a million of them.
    """
    return dedupe_from(who_crc(channel, author), text)


def who_crc(channel: str, author: str) -> int:
    """The low half of :func:`dedupe_key`: an import computes it once per (channel, author)."""
    return zlib.crc32(f"{channel}\x1f{author}".encode())


def dedupe_from(who: int, text: str) -> int:
    """:func:`dedupe_key` given :func:`who_crc` of its channel and author."""
    key = (zlib.crc32(text.encode()) << 32) | who
    return key - (1 << 64) if key >= 1 << 63 else key


def dedupe_column(channels: Sequence[str], authors: Sequence[str], texts: Sequence[str]
                  ) -> list[int]:
    """:func:`dedupe_key` of each row (without the instant, which it does not use), a
    batch at a time. CRC-32 runs on: ``who_crc`` is the CRC of the author's bytes
    continued from the CRC of ``channel + "\\x1f"``, one per channel."""
    import numpy as np  # here: the row-at-a-time callers do without it

    n = len(texts)
    start = {c: zlib.crc32(f"{c}\x1f".encode()) for c in set(channels)}
    whos = np.fromiter(map(zlib.crc32, map(str.encode, authors), map(start.__getitem__,
                                                                       channels)),
                       dtype=np.uint64, count=n)
    crcs = np.fromiter(map(zlib.crc32, map(str.encode, texts)), dtype=np.uint64, count=n)
    return ((crcs << np.uint64(32)) | whos).view(np.int64).tolist()


def is_ndjson(path: Path) -> bool:
    if path.suffix.lower() in (".ndjson", ".jsonl"):
        return True
    if path.suffix.lower() == ".csv":
        return False
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{")


class BadLines:
    """Collects bad lines while a file is read; ``raise_if_any`` names them."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.named: list[str] = []
        self.count = 0

    def add(self, line: int, error: str) -> None:
        self.count += 1
        if len(self.named) < MAX_NAMED:
            self.named.append(f"line {line}: {error}")

    def raise_if_any(self, rows: int) -> None:
        if self.count:
            more = (f" and {self.count - len(self.named)} more"
                    if self.count > len(self.named) else "")
            raise InvalidInput(f"{'; '.join(self.named)} ({self.count} bad line"
                               f"{'s' if self.count > 1 else ''}{more} in {self.name}, "
                               "nothing imported)")
        if not rows:
            raise InvalidInput(f"file: {self.name} holds no mentions")


class _TooLong(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


def _lines(fh: TextIO) -> Iterator[str]:
    """The file's lines, each read at most ``MAX_LINE_BYTES`` at a time: a line longer
    than that stops the read (``_TooLong``) instead of filling the memory."""
    number = 0
    while line := fh.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(line) > MAX_LINE_BYTES:
            raise _TooLong(number)
        yield line


def parse(path: Path) -> Iterator[tuple[int, Row | None, str]]:
    """(line, row, "") for each good row and (line, None, why) for each bad one."""
    return _parse(path)


def _parse(path: Path) -> Iterator[tuple[int, Row | None, str]]:
    try:
        if is_ndjson(path):
            yield from _ndjson(path)
        else:
            yield from _csv(path)
    except _TooLong as exc:
        yield exc.line, None, f"longer than {MAX_LINE_BYTES >> 20} MiB (the rest is not read)"
    except OSError as exc:
        raise InvalidInput(f"file: cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"file: {path.name} is not UTF-8 text ({exc.reason} at byte "
                           f"{exc.start} of a block)") from None


def _csv(path: Path) -> Iterator[tuple[int, Row | None, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(_lines(fh), strict=True)
        try:
            header = next(reader)
        except StopIteration:
            yield 1, None, "the file is empty (a header line is needed)"
            return
        except csv.Error as exc:
            yield 1, None, f"header: {exc}"
            return
        names = [h.strip().lower() for h in header]
        problem = _header_problem(names)
        if problem:
            yield 1, None, problem
            return
        at = {name: names.index(name) for name in names}
        width = len(names)
        ic, ia, ir, it, iat = at["channel"], at["author"], at["reach"], at["text"], at["at"]
        il, ip = at.get("link"), at.get("profile_id")
        start = reader.line_num + 1
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield start, None, (
                    "broken quote: a quote opened on this line is never closed"
                    if "end of data" in str(exc) else
                    f"a field longer than {CSV_FIELD_LIMIT} characters"
                    if "field larger" in str(exc) else f"broken quote ({exc})")
                start = reader.line_num + 1
                continue
            line, end = start, reader.line_num
            start = end + 1
            if not fields:
                continue  # a blank line
            if len(fields) != width:
                hint = (f" (a quote opened on line {line} runs on to line {end})"
                        if end > line else "")
                yield line, None, (f"{len(fields)} fields where the header has {width}"
                                   f"{hint}")
                continue
            row, error = _row(line, fields[ic], fields[ia], fields[ir], fields[it], fields[iat],
                              fields[il] if il is not None else None,
                              fields[ip] if ip is not None else None)
            if error and end > line:
                error += f" (a quote opened on line {line} runs on to line {end})"
            yield line, row, error


def _header_problem(names: list[str]) -> str:
    missing = [k for k in REQUIRED if k not in names]
    unknown = [n for n in names if n not in KEYS]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if missing:
        return (f"header: missing column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)} (the columns are {','.join(REQUIRED)}[,link][,profile_id])")
    if unknown:
        return f"header: unknown column {unknown[0]!r} (the columns are {', '.join(KEYS)})"
    if repeated:
        return f"header: column {repeated[0]!r} appears twice"
    return ""


def _ndjson(path: Path) -> Iterator[tuple[int, Row | None, str]]:
    with path.open(encoding="utf-8-sig") as fh:
        for line, raw in enumerate(_lines(fh), 1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                yield line, None, f"not valid JSON ({exc.msg} at column {exc.colno})"
                continue
            if not isinstance(obj, dict):
                yield line, None, "not a JSON object"
                continue
            missing = [k for k in REQUIRED if k not in obj]
            if missing:
                yield line, None, f"missing key{'s' if len(missing) > 1 else ''} " + \
                    ", ".join(missing)
                continue
            unknown = [k for k in obj if k not in KEYS]
            if unknown:
                yield line, None, f"unknown key {unknown[0]!r} (the keys are {', '.join(KEYS)})"
                continue
            reach = obj["reach"]
            if isinstance(reach, bool) or not isinstance(reach, int | str):
                yield line, None, f"reach: {reach!r} is not a whole number"
                continue
            fields = [obj["channel"], obj["author"], obj["text"], obj["at"], obj.get("link"),
                      obj.get("profile_id")]
            if isinstance(fields[5], int) and not isinstance(fields[5], bool):
                fields[5] = str(fields[5])
            wrong = next((KEYS[i] for i, v in zip((0, 1, 3, 4, 5, 6), fields, strict=True)
                          if v is not None and not isinstance(v, str)), None)
            if wrong:
                yield line, None, f"{wrong}: must be a string"
                continue
            yield (line, *_row(line, fields[0], fields[1], str(reach), fields[2], fields[3],
                               fields[4], fields[5]))


def _row(line: int, channel: str, author: str, reach_s: str, text: str, at_s: str,
         link: str | None, profile_id: str | None) -> tuple[Row | None, str]:
    channel = channel.strip().lower()
    if not channel or len(channel) > 40:
        return None, "channel: must be 1 to 40 characters"
    author = author.strip()
    if not author or len(author) > 200:
        return None, "author: must be 1 to 200 characters"
    digits = reach_s.strip()
    if not (digits.lstrip("-").isascii() and digits.lstrip("-").isdigit()):
        return None, f"reach: {digits[:40]!r} is not a whole number"
    if digits.startswith("-"):
        return None, f"reach: {digits[:40]} is negative"
    if len(digits) > 13 or int(digits) > MAX_REACH:
        return None, f"reach: {digits[:40]} is more than {MAX_REACH:,}"
    reach = int(digits)
    if not text.strip():
        return None, "text: must not be empty"
    if ("\x00" in text or "\x00" in author or "\x00" in channel or len(text) > MAX_TEXT
            or not (text.isascii() and author.isascii() and channel.isascii())):
        # The careful checks, only for a row that may fail them: an ASCII text without
        # NUL within the length always passes (channel and author lengths are checked).
        for name, value, limit in (("channel", channel, 40), ("author", author, 200),
                                   ("text", text, MAX_TEXT)):
            problem = text_problem(value, limit)
            if problem is not None:
                return None, f"{name}: {problem}"
    stamp = at_s.strip()
    try:
        at = datetime.fromisoformat(stamp)
        at_ts = at.timestamp() if at.tzinfo is not None else 0.0
    except (ValueError, OverflowError):
        return None, f"at: {stamp[:60]!r} is not an ISO 8601 time in years 1 to 9999"
    if at.tzinfo is None:
        return None, f"at: {stamp[:60]!r} has no time zone (add Z for UTC or an offset)"
    if not EARLIEST_EPOCH <= at_ts < LATEST_EPOCH and epoch_problem(at_ts) is not None:
        return None, f"at: {stamp[:60]!r} is {epoch_problem(at_ts)} in UTC"
    if link is not None:
        link = link.strip() or None
        if link is not None and (not link.startswith(("http://", "https://"))
                                 or text_problem(link, 2000) is not None):
            return None, f"link: {link[:60]!r} is not an http(s) address"
    if profile_id is not None:
        profile_id = profile_id.strip() or None
        if profile_id is not None and not (profile_id.isascii() and len(profile_id) <= 200
                                           and "\x00" not in profile_id):
            problem = text_problem(profile_id, 200)
            if problem is not None:
                return None, f"profile_id: {problem}"
    return (line, channel, author, reach, text, at_ts, link, profile_id), ""


def check_fields(channel: str, author: str, reach: int, text: str, at: datetime,
                 link: str | None = None, profile_id: str | None = None) -> Row:
    """One mention given directly (a drill inject), checked as a file row is."""
    if at.tzinfo is None:
        raise InvalidInput("at: needs a time zone")
    if isinstance(reach, bool) or not isinstance(reach, int):
        raise InvalidInput(f"reach: {reach!r} is not a whole number")
    row, error = _row(0, channel, author, str(reach), text, at.isoformat(), link,
                      None if profile_id is None else str(profile_id))
    if error:
        raise InvalidInput(error)
    assert row is not None
    return row


class Refused(Exception):
    """:func:`column_batches` met a line :func:`parse` refuses (or the file cannot be read
    as CSV at all): the caller reads it again with :func:`parse` to name every bad line."""


def column_batches(path: Path, size: int) -> Iterator[Columns]:
    """The rows of a CSV file, ``size`` at a time, as columns: exactly the values
    :func:`parse` gives, without its line numbers, and no row :func:`parse` would refuse
    (``Refused`` is raised instead, at the first doubt that a row is bad).

    Each column of a batch is checked as a whole (a few C calls per column, not a
    function call per row) by conditions stricter than :func:`_row`'s, with the same
    normalising; a batch any column of which does not pass them goes through
    :func:`_row` row by row.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            # Lines of at most MAX_LINE_BYTES + 1 characters, as _lines reads them, without
            # a generator step per line. A longer line comes in pieces, which cannot pass:
            # a physical line is part of one record, and a good record is far shorter
            # (its longest field, the text, is at most MAX_TEXT characters).
            reader = csv.reader(iter(partial(fh.readline, MAX_LINE_BYTES + 1), ""),
                                strict=True)
            header = next(reader, None)
            if header is None:
                raise Refused
            names = [h.strip().lower() for h in header]
            if _header_problem(names):
                raise Refused
            at = [names.index(k) if k in names else None for k in KEYS]
            width = len(names)
            authors: dict[str, str] = {}
            channels: dict[str, str] = {}
            while records := list(islice(reader, size)):
                cols = _clean_columns(records, width, at, authors, channels)
                yield cols if cols is not None else _row_columns(records, width, at)
    except csv.Error:
        raise Refused from None
    except (OSError, UnicodeDecodeError):
        raise Refused from None  # parse() says what it is


def _row_columns(records: list[list[str]], width: int, at: list[int | None]) -> Columns:
    rows = []
    for fields in records:
        if not fields:
            continue  # a blank line
        if len(fields) != width:
            raise Refused
        row, _error = _row(0, *(fields[i] if i is not None else None for i in at))
        if row is None:
            raise Refused
        rows.append(row[1:])
    if not rows:
        return [], [], [], [], [], [], []
    return tuple(map(list, zip(*rows, strict=True)))  # type: ignore[return-value]


def _clean_columns(records: list[list[str]], width: int, at: list[int | None],
                   authors: dict[str, str], channels: dict[str, str]) -> Columns | None:
    """The batch's columns if every column passes the whole-column checks, else None."""
    lengths = set(map(len, records))
    if lengths != {width}:
        return None
    cols = list(zip(*records, strict=True))
    ic, ia, ir, it, iat, il, ip = at
    channel = _mapped(cols[ic], channels, _clean_channel)
    author = _mapped(cols[ia], authors, _clean_author)
    reach = _clean_reach(cols[ir])
    text = list(cols[it])
    if (channel is None or author is None or reach is None
            or not _clean_text(text, MAX_TEXT) or min(map(len, text)) == 0
            or any(map(str.isspace, text))):
        return None
    at_ts = _clean_times(cols[iat])
    if at_ts is None:
        return None
    n = len(records)
    link = _optional(cols[il], 2000) if il is not None else [None] * n
    if link is None or not all(v.startswith(("http://", "https://")) for v in link if v):
        return None
    pid = _optional(cols[ip], 200) if ip is not None else [None] * n
    if pid is None:
        return None
    return channel, author, reach, text, at_ts, link, pid


def _mapped(values: Sequence[str], cache: dict[str, str], clean: object) -> list[str] | None:
    for raw in set(values).difference(cache):
        value = clean(raw)  # type: ignore[operator]
        if value is None:
            return None
        cache[raw] = value
    return list(map(cache.__getitem__, values))


def _plain(value: str, limit: int) -> bool:
    return 1 <= len(value) <= limit and value.isascii() and "\x00" not in value


def _clean_channel(raw: str) -> str | None:
    value = raw.strip().lower()
    return value if _plain(value, 40) else None


def _clean_author(raw: str) -> str | None:
    value = raw.strip()
    return value if _plain(value, 200) else None


def _clean_reach(values: Sequence[str]) -> list[int] | None:
    joined = "".join(values)
    if not (joined.isascii() and joined.isdigit()) or not min(map(len, values)) >= 1 \
            or max(map(len, values)) > 13:
        return None
    reach = list(map(int, values))
    return reach if max(reach) <= MAX_REACH else None


def _clean_text(values: Sequence[str], limit: int) -> bool:
    """No NUL, none longer than ``limit``, all valid UTF-8 (``text_problem`` of each)."""
    joined = "".join(values)
    if "\x00" in joined or (values and max(map(len, values)) > limit):
        return False
    if not joined.isascii():
        try:
            joined.encode("utf-8")
        except UnicodeEncodeError:
            return False
    return True


_TZINFO = attrgetter("tzinfo")


def _clean_times(values: Sequence[str]) -> list[float] | None:
    try:
        times = list(map(datetime.fromisoformat, map(str.strip, values)))
        if None in map(_TZINFO, times):
            return None
        stamps = list(map(datetime.timestamp, times))
    except (ValueError, OverflowError):
        return None
    if not (min(stamps) >= EARLIEST_EPOCH and max(stamps) < LATEST_EPOCH):
        return None
    return stamps


def _optional(values: Sequence[str], limit: int) -> list[str | None] | None:
    """Stripped, an empty one None; None when one may fail ``_row``'s checks."""
    stripped = list(map(str.strip, values))
    given = [v for v in stripped if v]
    if given and not ("".join(given).isascii() and _clean_text(given, limit)):
        return None
    return [v or None for v in stripped]
