"""Score snapshots: one row per profile, ``profile_id,score``, as CSV or Parquet, streamed.

``read_chunks`` yields the file a chunk at a time (about a million rows), so a
snapshot of any size is read in bounded memory. A snapshot is imported whole
or refused whole: the first bad row raises ``InvalidInput`` naming its line
(CSV) or row (Parquet) and field. Refused:

* a score that is missing, not a number, not finite, negative, or above
  ``MAX_SCORE`` (1e9);
* a row with a different number of fields from the header, an empty
  profile_id, or (in a file whose first id is an integer) an id that is not a
  64-bit integer. A row starting with ``#`` is data like any other;
* a line longer than ``MAX_LINE_BYTES`` (1 MiB), a header with more than
  ``MAX_COLUMNS`` columns, a Parquet footer over ``MAX_FOOTER_BYTES``: each
  refused before it is read into memory.

CSV is parsed a block at a time by pyarrow's C++ reader; a block it will not
take (quotes, blank lines, spaces around fields, a bad row) is parsed again
by the careful line parser below, which names the first bad line or, when
nothing is wrong, gives the rows. Text ids are hashed to int64 (``hash_ids``).
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from commandcenter.domain.errors import InvalidInput
from commandcenter.domain.snapshot_health import MAX_SCORE, score_problem

from .parsing import SNAPSHOT_HEADER

MAX_LINE_BYTES = 1 << 20
MAX_COLUMNS = 1000
MAX_FOOTER_BYTES = 16 << 20
BLOCK_BYTES = 16 << 20  # CSV read size: about a million rows
PARQUET_ROWS = 1 << 20
_INT = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?(nan|inf|infinity)",
                     re.IGNORECASE)
_INT64 = (-(2**63), 2**63 - 1)
NEWLINE = b"\n"

__all__ = ["MAX_SCORE", "SnapshotChunk", "SnapshotFile", "hash_ids", "read_chunks",
           "read_snapshot"]


@dataclass(frozen=True, slots=True, eq=False)
class SnapshotChunk:
    """Consecutive rows of a snapshot file, in file order."""

    profile_id: np.ndarray  # int64
    score: np.ndarray  # float64, each valid
    first_line: int  # line (CSV) or row (Parquet) of the first row
    lines: np.ndarray | None = None  # each row's line, when blank lines lie between them
    unit: str = "line"

    def __len__(self) -> int:
        return int(self.score.size)

    def line(self, i: int) -> int:
        return int(self.lines[i]) if self.lines is not None else self.first_line + i


@dataclass(frozen=True, slots=True)
class SnapshotFile:
    profile_id: np.ndarray  # int64; text identifiers are hashed (see hash_ids)
    score: np.ndarray  # float64
    errors: list[tuple[int, str]] = field(default_factory=list)  # always empty: refused whole

    def __len__(self) -> int:
        return int(self.score.size)


def read_snapshot(path: Path | str) -> SnapshotFile:
    """A whole (small) snapshot in memory; large ones go through ``read_chunks``."""
    chunks = list(read_chunks(path))
    if not chunks:
        return SnapshotFile(np.empty(0, np.int64), np.empty(0, np.float64))
    return SnapshotFile(np.concatenate([c.profile_id for c in chunks]),
                        np.concatenate([c.score for c in chunks]))


def read_chunks(path: Path | str) -> Iterator[SnapshotChunk]:
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        return _parquet_chunks(path)
    return _csv_chunks(path)


def hash_ids(ids: Iterable[object]) -> np.ndarray:
    """Stable int64 keys for text identifiers (64-bit BLAKE2b: collisions are negligible).

    Snapshot health matches profiles by int64 id; the same text gives the same
    key in every snapshot and every process.
    """
    return np.fromiter(
        (int.from_bytes(hashlib.blake2b(str(i).encode(), digest_size=8).digest(), "little",
                        signed=True) for i in ids), dtype=np.int64)


def _checked(ids: np.ndarray, scores: np.ndarray, first: int, lines: np.ndarray | None,
             unit: str = "line") -> SnapshotChunk:
    chunk = SnapshotChunk(ids, scores, first, lines, unit)
    problem = score_problem(scores)
    if problem is not None:
        raise InvalidInput(f"{unit} {chunk.line(problem[0])}: score: {problem[1]}")
    return chunk


# --- CSV ------------------------------------------------------------------------------

@dataclass(slots=True)
class _Layout:
    names: list[str]
    pid: int
    sc: int
    text_ids: bool | None = None  # decided by the first data row


def _header(fh: object, path: Path) -> tuple[_Layout, int, bytes]:
    """The header's layout, its line number, and the bytes read past it."""
    buf, number = b"", 1
    while True:
        more = fh.read(1 << 16)  # type: ignore[attr-defined]
        buf += more
        while b"\n" in buf or (not more and buf):
            line, _, rest = buf.partition(b"\n")
            if not line.strip():
                if not rest and not more:
                    break
                buf, number = rest, number + 1
                continue
            return _layout(line, number), number, rest
        if len(buf) > MAX_LINE_BYTES:
            raise InvalidInput(f"line {number}: longer than {MAX_LINE_BYTES} bytes")
        if not more:
            raise InvalidInput(f"{path.name}: empty snapshot file")


def _layout(line: bytes, number: int) -> _Layout:
    text = line.decode("utf-8", errors="replace").strip().lstrip("\ufeff")
    if text.count(",") >= MAX_COLUMNS:
        raise InvalidInput(f"line {number}: {text.count(',') + 1} columns; a snapshot has "
                           f"at most {MAX_COLUMNS}")
    names = [n.strip().strip('"').lower() for n in next(csv.reader([text]))]
    if not set(SNAPSHOT_HEADER) <= set(names):
        raise InvalidInput(f"line {number}: a snapshot needs columns profile_id,score")
    for name in SNAPSHOT_HEADER:
        if names.count(name) > 1:
            raise InvalidInput(f"line {number}: column {name} appears twice")
    return _Layout(names, names.index("profile_id"), names.index("score"))


def _csv_chunks(path: Path) -> Iterator[SnapshotChunk]:
    with path.open("rb") as fh:
        layout, header_line, carry = _header(fh, path)
        line = header_line + 1
        while True:
            data = fh.read(BLOCK_BYTES)
            buf = carry + data if carry else data
            if data:
                cut = buf.rfind(b"\n")
                if cut < 0:
                    if len(buf) > MAX_LINE_BYTES:
                        raise InvalidInput(f"line {line}: longer than {MAX_LINE_BYTES} bytes")
                    carry = buf
                    continue
                block, carry = buf[:cut + 1], buf[cut + 1:]
                if len(carry) > MAX_LINE_BYTES:
                    at = line + block.count(NEWLINE)
                    raise InvalidInput(f"line {at}: longer than {MAX_LINE_BYTES} bytes")
            else:
                block, carry = buf, b""
            if block:
                chunk = _block(block, line, layout)
                if chunk is not None:
                    yield chunk
                line += block.count(b"\n")
            if not data:
                return


def _block(block: bytes, first: int, layout: _Layout) -> SnapshotChunk | None:
    newlines = block.count(NEWLINE)
    if layout.text_ids is None:
        _decide_ids(block, layout)
    if len(block) > 4096 * max(newlines, 1):  # long lines on average: measure each
        ends = np.flatnonzero(np.frombuffer(block, np.uint8) == 10)
        lengths = np.diff(np.concatenate(([-1], ends, [len(block)])))
        if lengths.max() > MAX_LINE_BYTES + 1:
            at = int(np.argmax(lengths > MAX_LINE_BYTES + 1))
            raise InvalidInput(f"line {first + at}: longer than {MAX_LINE_BYTES} bytes")
    if layout.text_ids is not None and b"\n\n" not in block and not block.startswith(b"\n"):
        fast = _arrow_block(block, first, layout)
        if fast is not None:
            return fast
    return _careful_block(block, first, layout)


def _decide_ids(block: bytes, layout: _Layout) -> None:
    """Integer ids when the first data row's id is an integer; text ids otherwise."""
    for raw in block.split(NEWLINE, 64):
        line = raw.decode("utf-8", errors="replace").strip()
        if line:
            fields = next(csv.reader([line])) if '"' in line else line.split(",")
            if len(fields) > layout.pid:
                layout.text_ids = _INT.fullmatch(fields[layout.pid].strip()) is None
            return


def _arrow_block(block: bytes, first: int, layout: _Layout) -> SnapshotChunk | None:
    """pyarrow's parser on a block of plain rows; None when it will not take them."""
    try:
        import pyarrow as pa
        from pyarrow import csv as pacsv
    except ImportError:  # the desktop bundle leaves pyarrow out: the careful parser reads
        return None

    names = [f"c{i}" for i in range(len(layout.names))]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(block),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={names[layout.pid]: pa.string() if layout.text_ids else pa.int64(),
                              names[layout.sc]: pa.float64()},
                include_columns=[names[layout.pid], names[layout.sc]], null_values=[],
                strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
        return None
    ids_col, sc_col = table.column(names[layout.pid]), table.column(names[layout.sc])
    if ids_col.null_count or sc_col.null_count:
        return None
    if layout.text_ids:
        strings = ids_col.to_pylist()
        if any(not s.strip() or s != s.strip() for s in strings):
            return None
        ids = hash_ids(strings)
    else:
        ids = ids_col.to_numpy()
    scores = sc_col.to_numpy()
    if ids.size != block.count(b"\n") + (0 if block.endswith(b"\n") else 1):
        return None  # rows pyarrow skipped: count them line by line
    return _checked(np.ascontiguousarray(ids, np.int64), np.ascontiguousarray(scores, np.float64),
                    first, None)


def _careful_block(block: bytes, first: int, layout: _Layout) -> SnapshotChunk | None:
    width = len(layout.names)
    ids: list[object] = []
    scores: list[float] = []
    lines: list[int] = []
    text = block.decode("utf-8", errors="replace")
    for number, raw in enumerate(text.split("\n"), start=first):
        line = raw.strip()
        if not line:
            continue
        fields = [f.strip() for f in (next(csv.reader([line])) if '"' in line
                                      else line.split(","))]
        if len(fields) != width:
            raise InvalidInput(f"line {number}: expected {width} fields, found {len(fields)}")
        pid, score = fields[layout.pid].strip('"').strip(), fields[layout.sc].strip('"').strip()
        if not pid:
            raise InvalidInput(f"line {number}: profile_id: empty")
        if layout.text_ids is None:
            layout.text_ids = _INT.fullmatch(pid) is None
        if layout.text_ids:
            ids.append(pid)
        else:
            if _INT.fullmatch(pid) is None or not _INT64[0] <= int(pid) <= _INT64[1]:
                raise InvalidInput(f"line {number}: profile_id: {pid[:40]!r} is not a 64-bit "
                                   "integer, like the ids before it")
            ids.append(int(pid))
        if _NUMBER.fullmatch(score) is None:
            raise InvalidInput(f"line {number}: score: {score[:40]!r} is not a number")
        scores.append(float(score))
        lines.append(number)
    if not scores:
        return None
    id_array = hash_ids(ids) if layout.text_ids else np.asarray(ids, dtype=np.int64)
    line_array = np.asarray(lines, dtype=np.int64)
    contiguous = bool(line_array[-1] - line_array[0] == line_array.size - 1)
    return _checked(id_array, np.asarray(scores, dtype=np.float64), lines[0],
                    None if contiguous else line_array)


# --- Parquet --------------------------------------------------------------------------

def _parquet_chunks(path: Path) -> Iterator[SnapshotChunk]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InvalidInput(f"{path.name}: reading Parquet needs pyarrow, which this "
                           "installation does not include (pip install pyarrow); or give "
                           "the snapshot as CSV with columns profile_id,score") from None

    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        if size < 12:
            raise InvalidInput(f"{path.name}: not a Parquet file")
        fh.seek(size - 8)
        tail = fh.read(8)
    if tail[4:] != b"PAR1":
        raise InvalidInput(f"{path.name}: not a Parquet file")
    if int.from_bytes(tail[:4], "little") > MAX_FOOTER_BYTES:
        raise InvalidInput(f"{path.name}: Parquet footer over {MAX_FOOTER_BYTES} bytes "
                           f"(too many columns or row groups)")
    try:
        # pre_buffer would keep every column chunk it read (RSS grew 13 bytes a row).
        pf = pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)
        schema = pf.schema_arrow
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise InvalidInput(f"{path.name}: {exc}") from None
    missing = [n for n in SNAPSHOT_HEADER if schema.get_field_index(n) < 0]
    if missing:
        raise InvalidInput(f"{path.name}: a snapshot needs columns profile_id,score "
                           f"(no {missing[0]})")
    id_type, score_type = schema.field("profile_id").type, schema.field("score").type
    text_ids = pa.types.is_string(id_type) or pa.types.is_large_string(id_type)
    if not (pa.types.is_integer(id_type) or text_ids):
        raise InvalidInput(f"{path.name}: profile_id: {id_type} is neither integer nor text")
    if not (pa.types.is_integer(score_type) or pa.types.is_floating(score_type)
            or pa.types.is_decimal(score_type)):
        raise InvalidInput(f"{path.name}: score: {score_type} is not a number")
    row = 1
    try:
        for batch in pf.iter_batches(batch_size=PARQUET_ROWS, columns=list(SNAPSHOT_HEADER)):
            ids_col, sc_col = batch.column(0), batch.column(1)
            for name, col in (("profile_id", ids_col), ("score", sc_col)):
                if col.null_count:
                    at = int(np.argmax(np.asarray(col.is_null())))
                    raise InvalidInput(f"row {row + at}: {name}: missing")
            if text_ids:
                ids = hash_ids(ids_col.to_pylist())
            elif pa.types.is_unsigned_integer(id_type) and id_type.bit_width == 64:
                raw = ids_col.to_numpy()
                if raw.size and int(raw.max()) > _INT64[1]:
                    at = int(np.argmax(raw > _INT64[1]))
                    raise InvalidInput(f"row {row + at}: profile_id: above 2**63 - 1")
                ids = raw.astype(np.int64)
            else:
                ids = np.asarray(ids_col.to_numpy(), dtype=np.int64)
            scores = np.asarray(sc_col.cast(pa.float64()).to_numpy(), dtype=np.float64)
            yield _checked(ids, scores, row, None, "row")
            row += batch.num_rows
    except (OSError, pa.ArrowException) as exc:
        raise InvalidInput(f"row {row}: {path.name}: {exc}") from None
