"""Fuzzing importers and parsers: hostile values, the "refused whole" check, oversized streams.

Every importer makes one promise (PRODUCT.md, issue 7): a file imports cleanly,
or it is refused with exit 2 and one error line naming the line and field; it
never exits 1, never prints a traceback, and never stores half. This module
holds the pieces to check that promise for any importer, so a new one (mentions,
scenarios) gets the same treatment in a few lines:

    from tests.fuzz import HOSTILE_FIELDS, refused_whole, run_cli, table_counts

    @given(body=st.lists(HOSTILE_FIELDS, max_size=5).map(",".join))
    def test_mentions(tmp_path, body):
        path = tmp_path / "m.csv"
        path.write_bytes(to_bytes("channel,author,reach,text,at\\n" + body))
        before = table_counts(url)
        outcome = run_cli(["--database-url", url, "mention", "import", str(path), ...])
        refused_whole(outcome, before, table_counts(url))

* ``HOSTILE_FIELDS``: a hypothesis strategy of the values that broke parsers
  before (years 0 and 10000, epoch 1e300, a 400-digit integer, NUL, lone
  surrogates, BOM, quotes, ``#``, over-long text, control characters ...),
  mixed with plain ones.
* ``run_cli``: ``commandcenter.cli.main`` in-process with stdout/stderr captured;
  any exception escaping it is a failure (a traceback).
* ``refused_whole``: the check itself, given the outcome and two snapshots of
  the database (``table_counts``: rows per table).
* ``GeneratedStream``: a file object producing gigabytes on the fly, counting
  what was read; ``sparse_file`` makes a huge file that takes no disk;
  ``in_child_with_memory_limit`` runs a check in a forked child whose address
  space is capped, so an importer that reads a 2 GB line fails the test with
  MemoryError instead of swapping the machine.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import resource
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

# A refusal names the line (or Parquet row) and then the field or what is wrong; or,
# when no line is at fault, says what is wrong with the file as a whole.
LINE_AND_FIELD = re.compile(r"^error: ((line|row) \d+: \S|file: \S|the file holds no )")

_SPECIAL = [
    "", " ", "#", "#1", '"', '""', '"a,b"', ",", ";", ":", "\\", "\x00", "a\x00b", "\ufeff",
    "\r", "\t", "\x0b", "\x1b[31m", "\u202e", "\u200b", "\ud800", "\udcff", "é", "Danıel",
    "0", "-0", "1", "-1", "1e300", "-1e300", "1e-400", "nan", "NaN", "inf", "-inf", "Infinity",
    "9" * 400, "-" + "9" * 400, "1_000", "0x10", "+3", " 12 ", "1e5", "253402300800",
    "253402300800000", "-62135596800001", "99999999999999999999",
    "0000-01-01T00:00:00", "10000-01-01T00:00:00", "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59Z",
    "2026-02-30T00:00:00Z", "2026-03-02T08:30:00Z", "2026-03-02 08:30", "1772440200",
    "P999999999D", "P1D", "PT1H", "-P1D", "P" + "9" * 5000 + "D",
    "00010101", "99991231", "20260302T083000Z", "20260302T083000",
    "tel:+1-555-555-0100", "+1 555 0100", "a@b.co", "UTC", "Mars/Base", "../../etc/passwd",
    "x" * 201, "y" * 70_000,
]

HOSTILE_FIELDS = st.one_of(
    st.sampled_from(_SPECIAL),
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=12),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=100, max_size=400),
)


def to_bytes(text: str) -> bytes:
    """Text as a file would hold it; lone surrogates become invalid UTF-8 bytes."""
    return text.encode("utf-8", "surrogatepass")


@dataclass(frozen=True)
class Outcome:
    code: int | None  # None: an exception escaped main()
    out: str
    err: str
    escaped: str = ""  # the traceback of an exception that escaped main()


def run_cli(argv: Sequence[str], env: dict[str, str] | None = None) -> Outcome:
    """``commandcenter.cli.main(argv)`` in this process, output captured."""
    from unittest import mock

    from commandcenter.cli import main

    out, err = io.StringIO(), io.StringIO()
    escaped = ""
    with contextlib.ExitStack() as stack:
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        if env:
            stack.enter_context(mock.patch.dict(os.environ, env))
        try:
            code: int | None = main(list(argv))
        except BaseException:
            code, escaped = None, traceback.format_exc()
    return Outcome(code, out.getvalue(), err.getvalue(), escaped)


def table_counts(url: str) -> dict[str, int]:
    """Rows in every table of the database at ``url``: equal before and after a refusal."""
    from sqlalchemy import create_engine, func, inspect, select, table

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            names = inspect(conn).get_table_names()
            return {n: conn.execute(select(func.count()).select_from(table(n))).scalar_one()
                    for n in sorted(names) if n != "alembic_version"}
    finally:
        engine.dispose()


def refused_whole(outcome: Outcome, before: Any, after: Any, *,
                  error: re.Pattern[str] = LINE_AND_FIELD) -> bool:
    """Assert the importer's promise; True when the input was accepted, False when refused.

    ``before``/``after``: any snapshot of what is stored (``table_counts``).
    """
    assert outcome.code is not None, f"an exception escaped main():\n{outcome.escaped}"
    assert "Traceback" not in outcome.err, outcome.err
    assert outcome.code in (0, 2), f"exit {outcome.code}: {outcome.err}"
    if outcome.code == 0:
        return True
    lines = outcome.err.strip().splitlines()
    assert len(lines) == 1, outcome.err
    assert error.search(lines[0]), lines[0]
    assert after == before, "a refused input stored something"
    return False


# --- oversized input, without the disk or the memory ---------------------------------

class GeneratedStream(io.RawIOBase):
    """``size`` bytes: ``head``, then ``fill`` repeated, made as they are read."""

    def __init__(self, size: int, head: bytes = b"", fill: bytes = b"9") -> None:
        self.size, self.head, self.fill = size, head, fill
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.size - self.position)
        if n <= 0:
            return 0
        start = self.position
        chunk = bytearray()
        if start < len(self.head):
            chunk += self.head[start:start + n]
        while len(chunk) < n:
            chunk += self.fill * ((n - len(chunk)) // len(self.fill) + 1)
        buffer[:n] = bytes(chunk[:n])
        self.position += n
        return n


def text_stream(size: int, head: str = "", fill: str = "9") -> tuple[io.TextIOWrapper,
                                                                    GeneratedStream]:
    raw = GeneratedStream(size, head.encode(), fill.encode())
    return io.TextIOWrapper(io.BufferedReader(raw), encoding="utf-8", newline=""), raw


def sparse_file(path: Path, size: int, head: bytes = b"") -> Path:
    """A file of ``size`` bytes (``head`` then NULs) that takes no disk space."""
    with path.open("wb") as fh:
        fh.write(head)
        fh.truncate(size)
    return path


def _address_space() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize")


def in_child_with_memory_limit(check: Callable[[], object], extra_bytes: int = 768 << 20
                               ) -> tuple[int, str]:
    """Run ``check`` in a forked child whose address space may grow by ``extra_bytes``.

    Returns (exit status, what it wrote to the pipe): 0 and ``repr(result)`` when
    it returned, 1 and the traceback when it raised (a MemoryError shows an
    importer reading something whole).
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 1
        try:
            os.close(read_end)
            limit = _address_space() + extra_bytes
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            try:
                message, status = repr(check()), 0
            except BaseException:
                message = traceback.format_exc()
            os.write(write_end, message.encode("utf-8", "replace")[-8000:])
        finally:
            os._exit(status)
    os.close(write_end)
    chunks = []
    while data := os.read(read_end, 65536):
        chunks.append(data)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode("utf-8", "replace")
