"""Where metric points come from: a followed file, an HTTP/JSON endpoint, Prometheus.

Every source has ``poll() -> list[Point]`` (tests drive it directly, no
threads) and ``run(stop, sink)``, a loop for a worker thread. A source counts
skipped lines and failures in ``stats`` and never raises out of its loop.
Score snapshots (one row per profile) are read by :func:`read_snapshot`.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .parsing import LineParser, ParseResult, Point, parse_timestamp, parse_value, point_from_object
from .snapshot_files import SnapshotFile, read_snapshot

__all__ = ["FileFollowSource", "HttpJsonSource", "PrometheusSource", "SnapshotFile",
           "SourceStats", "read_snapshot"]

NETWORK_ERRORS = (OSError, ValueError, http.client.HTTPException)
HEAD_BYTES = 256  # the start of a followed file, to notice it was rewritten
# The longest line a followed file may have. A longer one (a binary file, a writer that
# never ends its line) is named once and skipped up to its next newline: the follower
# holds at most this much of an unfinished line, however long the line grows.
MAX_LINE_BYTES = 64 << 10


@dataclass(slots=True)
class SourceStats:
    points: int = 0
    skipped: int = 0  # malformed lines or records
    errors: int = 0  # failed polls (I/O, network, bad payload)
    consecutive_failures: int = 0
    last_error: str = ""
    skipped_lines: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=200))

    def skip(self, line: int, reason: str) -> None:
        self.skipped += 1
        self.skipped_lines.append((line, reason))

    def fail(self, exc: BaseException) -> None:
        self.errors += 1
        self.consecutive_failures += 1
        self.last_error = f"{type(exc).__name__}: {exc}"

    def ok(self) -> None:
        self.consecutive_failures = 0


class PollingSource:
    """A poll loop with exponential back-off after failures."""

    def __init__(self, interval: float, backoff_cap: float = 60.0) -> None:
        self.interval = interval
        self.backoff_cap = backoff_cap
        self.stats = SourceStats()

    def poll(self) -> list[Point]:
        raise NotImplementedError

    def delay(self) -> float:
        n = self.stats.consecutive_failures
        if n == 0:
            return self.interval
        return min(self.backoff_cap, self.interval * 2 ** min(n, 16))

    def run(self, stop: threading.Event, sink: Callable[[list[Point]], None]) -> None:
        while not stop.is_set():
            try:
                points = self.poll()
                if points:
                    sink(points)
            except Exception as exc:  # one bad poll or sink call must not end the feed
                self.stats.fail(exc)
            stop.wait(self.delay())


class FileFollowSource(PollingSource):
    """``tail -F`` for a metrics file: survives truncation and rotation.

    Rotation is a new inode at the path (the rest of the old file is read
    first); truncation is the size falling below the read position, or the
    first bytes changing (a file rewritten past its old size between two
    polls). Either way the new content starts with its own header.

    A line longer than :data:`MAX_LINE_BYTES` is counted as skipped once, with a
    reason naming the file and the line, and dropped up to its next newline;
    following goes on with the line after it.

    Lines are numbered as in the file in both modes: ``from_start=False`` skips the
    history's points but counts its newlines (one pass, a chunk at a time), so a
    message names the line an editor shows.
    """

    def __init__(self, path: Path | str, *, series: str | None = None, interval: float = 0.5,
                 from_start: bool = True, chunk: int = 8 << 20) -> None:
        super().__init__(interval, backoff_cap=max(interval, 5.0))
        self.path = Path(path)
        self.series = series
        self.from_start = from_start
        self.chunk = chunk
        self.position = 0
        self._fh: IO[bytes] | None = None
        self._ident: tuple[int, int] = (0, 0)
        self._partial = b""
        self._overlong = False  # inside a line already skipped as too long: drop to its end
        self._head = b""
        self._line = 0
        self._parser = LineParser()

    @property
    def buffered(self) -> int:
        """Bytes held of a line whose newline has not arrived (at most MAX_LINE_BYTES)."""
        return len(self._partial)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def poll(self) -> list[Point]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return []  # between a rotation and the new file appearing
        except OSError as exc:
            self.stats.fail(exc)
            return []
        out: list[Point] = []
        try:
            if self._fh is not None:
                if (st.st_dev, st.st_ino) != self._ident:
                    out += self._read(final=True)
                    self.close()
                elif st.st_size < self.position or self._head_changed():
                    self._fh.seek(0)
                    self._restart()
            if self._fh is None:
                self._open(first=not self._ident[1])
            out += self._read()
        except OSError as exc:
            self.stats.fail(exc)
            return out
        self.stats.ok()
        return out

    def _open(self, *, first: bool) -> None:
        fh = self.path.open("rb")
        st = os.fstat(fh.fileno())
        self._fh, self._ident = fh, (st.st_dev, st.st_ino)
        self._restart()
        if first and not self.from_start:
            header = fh.readline(MAX_LINE_BYTES + 1)  # the header still decides the format
            if len(header) > MAX_LINE_BYTES and not header.endswith(b"\n"):
                self._too_long()
            else:
                self._feed([header.removesuffix(b"\n")])
            newlines = header.count(b"\n") + self._count_to_end(fh)
            self.position = fh.tell()
            if self._overlong and os.pread(fh.fileno(), 1, self.position - 1) == b"\n":
                self._overlong = False  # that line ended in the history skipped
            # The history is skipped, not its numbering: the next line is the file's
            # newlines + 1 (an unfinished last line's rest included), or, dropping a line
            # too long, the one after it.
            self._line = newlines + self._overlong

    def _count_to_end(self, fh: IO[bytes]) -> int:
        """The newlines from here to the end, read a chunk at a time (nothing kept)."""
        count = 0
        while data := fh.read(self.chunk):
            count += data.count(b"\n")
        return count

    def _head_changed(self) -> bool:
        """A file truncated and refilled past the old size shows a different start."""
        assert self._fh is not None
        if not self._head:
            return False
        return os.pread(self._fh.fileno(), len(self._head), 0) != self._head

    def _restart(self) -> None:
        self._head = b""
        self.position = 0
        self._partial = b""
        self._overlong = False
        self._line = 0
        self._parser.reset()

    def _read(self, *, final: bool = False) -> list[Point]:
        """What was appended since the last read, chunk by chunk: a chunk's whole lines
        are parsed as it arrives, so no more than a chunk and one unfinished line
        (at most MAX_LINE_BYTES) is held, however much the file grew."""
        assert self._fh is not None
        out: list[Point] = []
        read_any = False
        while True:
            data = self._fh.read(self.chunk)
            if not data:
                break
            self.position += len(data)
            if not read_any and len(self._head) < HEAD_BYTES:
                self._head = os.pread(self._fh.fileno(), HEAD_BYTES, 0)
            read_any = True
            if self._overlong:  # the rest of a line already skipped: up to its newline
                end = data.find(b"\n")
                if end < 0:
                    continue
                data, self._overlong = data[end + 1:], False
            lines = (self._partial + data).split(b"\n")
            self._partial = lines.pop()
            out += self._feed(lines)
            if len(self._partial) > MAX_LINE_BYTES:
                self._partial = b""
                self._too_long()
        if final:
            if self._partial and not self._overlong:
                out += self._feed([self._partial])
            self._partial, self._overlong = b"", False
        return out

    def _too_long(self) -> None:
        """The next line outgrew the cap before its newline: named, then dropped to its end."""
        self._line += 1
        self._overlong = True
        self.stats.skip(self._line, self._too_long_reason(self._line))

    def _too_long_reason(self, line: int) -> str:
        return (f"{self.path}: line {line}: longer than {MAX_LINE_BYTES} bytes, the most "
                "a metrics line may have (a binary file?); skipped up to its newline")

    def _feed(self, lines: list[bytes]) -> list[Point]:
        start = self._line
        self._line += len(lines)
        result = ParseResult()
        fit = []
        for i, raw in enumerate(lines, start=start + 1):
            if len(raw) > MAX_LINE_BYTES:  # a long line that arrived whole: as if in parts
                self.stats.skip(i, self._too_long_reason(i))
            else:
                fit.append((i, raw.decode("utf-8", "replace")))
        self._parser.feed(iter(fit), result)
        for line, reason in result.errors:
            self.stats.skip(line, reason)
        points = [p if p.series else Point(p.ts, p.value, self.series) for p in result.points]
        self.stats.points += len(points)
        return points


def _get_json(url: str, timeout: float, headers: Mapping[str, str] | None = None) -> Any:
    request = urllib.request.Request(url, headers={"Accept": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


class HttpJsonSource(PollingSource):
    """Polls a URL answering a JSON list of ``{"timestamp", "series", "value"}`` objects.

    Also accepted: ``{"points": [...]}`` or a single object. Points not newer
    than the last one seen for their series are dropped, so an endpoint may
    return a sliding window.
    """

    def __init__(self, url: str, *, series: str | None = None, interval: float = 5.0,
                 timeout: float = 5.0, backoff_cap: float = 60.0,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(interval, backoff_cap)
        self.url = url
        self.series = series
        self.timeout = timeout
        self.headers = dict(headers or {})
        self._last: dict[str | None, float] = {}

    def poll(self) -> list[Point]:
        try:
            payload = _get_json(self.url, self.timeout, self.headers)
        except NETWORK_ERRORS as exc:
            self.stats.fail(exc)
            return []
        self.stats.ok()
        items = payload.get("points", [payload]) if isinstance(payload, dict) else payload
        if not isinstance(items, list):
            self.stats.fail(ValueError("payload: not a list of points"))
            return []
        out: list[Point] = []
        for number, obj in enumerate(items, start=1):
            try:
                point = point_from_object(obj)
            except ValueError as exc:
                self.stats.skip(number, str(exc))
                continue
            name = point.series or self.series
            if point.ts <= self._last.get(name, float("-inf")):
                continue
            self._last[name] = point.ts
            out.append(Point(point.ts, point.value, name))
        self.stats.points += len(out)
        return out


class PrometheusSource(PollingSource):
    """Per-series PromQL queries through ``/api/v1/query_range``.

    ``queries`` maps our series name to a PromQL expression. A query
    answering several label sets yields one series per set, named
    ``name{label="value",...}``.
    """

    def __init__(self, base_url: str, queries: Mapping[str, str], *, step: float = 15.0,
                 lookback: float = 3600.0, interval: float = 15.0, timeout: float = 10.0,
                 backoff_cap: float = 120.0, clock: Callable[[], float] = time.time) -> None:
        super().__init__(interval, backoff_cap)
        self.base_url = base_url.rstrip("/")
        self.queries = dict(queries)
        self.step = step
        self.lookback = lookback
        self.timeout = timeout
        self._clock = clock
        self._last: dict[str, float] = {}

    def poll(self) -> list[Point]:
        now = self._clock()
        out: list[Point] = []
        failed = 0
        for name, query in self.queries.items():
            start = self._last.get(name, now - self.lookback - self.step) + self.step
            if start > now:
                continue
            params = urllib.parse.urlencode(
                {"query": query, "start": f"{start:.3f}", "end": f"{now:.3f}", "step": self.step})
            try:
                payload = _get_json(f"{self.base_url}/api/v1/query_range?{params}", self.timeout)
                if payload.get("status") != "success":
                    raise ValueError(f"prometheus: {payload.get('error', 'query failed')}")
                results = payload["data"]["result"]
            except (*NETWORK_ERRORS, KeyError, TypeError, AttributeError) as exc:
                failed += 1
                self.stats.fail(exc)
                continue
            out += self._points(name, results)
        if failed < len(self.queries):
            self.stats.ok()
        self.stats.points += len(out)
        return out

    def _points(self, name: str, results: list[dict[str, Any]]) -> list[Point]:
        out: list[Point] = []
        newest = self._last.get(name, float("-inf"))
        for result in results:
            labels = {k: v for k, v in result.get("metric", {}).items() if k != "__name__"}
            series = name if len(results) == 1 else name + "{" + ",".join(
                f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"
            for number, pair in enumerate(result.get("values", []), start=1):
                try:
                    ts, value = parse_timestamp(pair[0]), parse_value(pair[1])
                except (ValueError, IndexError, TypeError) as exc:
                    self.stats.skip(number, f"{series}: {exc}")
                    continue
                if ts > self._last.get(name, float("-inf")):
                    out.append(Point(ts, value, series))
                    newest = max(newest, ts)
        if newest > float("-inf"):
            self._last[name] = newest
        return out
