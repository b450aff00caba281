"""A stored snapshot on disk: profile ids ascending, so the next one joins with it in order.

A folder per snapshot holds:

* ``score.f4``: the scores as float32 (7 significant digits), in id order;
* the ids, ascending: ``ids.delta`` (each chunk's differences in the
  narrowest unsigned width that holds them) with ``ids.index.npy`` (first id,
  count and width of each chunk), or ``ids.same``, naming the folder whose ids
  these are (by its name in the folder holding the snapshots), when a snapshot
  has exactly the previous one's profiles (the nightly case: nothing to write);
* ``bins.npz``: the fixed-bin counts, for PSI and KS when it is the reference.

Writing a 200,000,000-profile snapshot is then about 1 GB, not 3.2, which
matters more than any computation: the page cache takes a couple of GB
before writes slow to the disk's speed.

``SortedWriter`` takes a file's chunks in file order. A file sorted by id
(the usual export) goes straight through; otherwise each chunk is sorted into
a run and the runs are merged at the end (an external merge sort, one block
of each run in memory). A repeated profile id is refused, naming both lines.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

from commandcenter.domain.errors import InvalidInput
from commandcenter.domain.snapshot_health import ScoreBins, ScoreSnapshot

from .snapshot_files import SnapshotChunk

SCORES, DELTAS, INDEX, SAME, BINS = "score.f4", "ids.delta", "ids.index.npy", "ids.same", "bins.npz"
RUN_IDS, RUN_SCORES, RUN_ROWS = "ids.i8", "score.f8", "row.i8"
MERGE_ROWS = 1 << 24  # rows held across all runs while merging
_INDEX = np.dtype([("first", "<i8"), ("count", "<i8"), ("width", "<i1")])
_WIDTHS = ((1, np.uint8), (2, np.uint16), (4, np.uint32), (8, np.uint64))


def ids_folder_of(folder: Path) -> Path:
    """The folder holding ``folder``'s ids: its own, or the one its ``ids.same`` names.

    ``ids.same`` names a folder relative to the one holding the snapshots (written so
    since migration 0012: ``snapshot-000041``), so it reads wherever the snapshots were
    moved. One written before names an absolute path; where that is gone (the
    snapshots copied or moved: a demo copy, a restored data folder), the folder of
    that name beside this one."""
    same = folder / SAME
    if not same.exists():
        return folder
    named = Path(same.read_text(encoding="utf-8").strip())
    beside = folder.parent / named.name
    if not named.is_absolute():
        return folder.parent / named
    return named if named.is_dir() or not beside.is_dir() else beside


class StoredSnapshot:
    """Read side of a stored snapshot folder."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self.ids_folder = ids_folder_of(self.folder)
        self.index = np.load(self.ids_folder / INDEX)
        self.count = int(self.index["count"].sum())
        if (self.folder / SCORES).stat().st_size != 4 * self.count:
            raise OSError(f"{self.folder}: scores and ids differ in length")

    def ids(self) -> Iterator[np.ndarray]:
        with (self.ids_folder / DELTAS).open("rb") as fh:
            for first, count, width in self.index.tolist():
                dtype = dict(_WIDTHS)[width]
                deltas = np.fromfile(fh, dtype=dtype, count=count - 1)
                out = np.empty(count, dtype=np.int64)
                out[0] = first
                out[1:] = deltas
                yield np.cumsum(out, out=out)

    def chunks(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids int64, scores float32) a chunk at a time, ascending by id; never mmapped."""
        with (self.folder / SCORES).open("rb") as fh:
            for ids in self.ids():
                yield ids, np.fromfile(fh, dtype="<f4", count=ids.size)

    def bins(self) -> ScoreBins:
        with np.load(self.folder / BINS) as data:
            return ScoreBins(data["index"], data["count"])


class _Background:
    """Writes arrays to files on a second thread: the disk works while the CPU computes.

    A Python file's ``write`` releases the GIL; at most ``depth`` arrays wait,
    so memory stays bounded. An error is raised from the next call.
    """

    def __init__(self, depth: int = 4) -> None:
        self._queue: queue.Queue[tuple[BinaryIO, np.ndarray] | None] = queue.Queue(depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="snapshot-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    item[0].write(memoryview(np.ascontiguousarray(item[1])).cast("B"))
                except BaseException as exc:  # raised on the caller's thread
                    self._error = exc
            self._queue.task_done()
        self._queue.task_done()

    def write(self, fh: BinaryIO, array: np.ndarray) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((fh, array))

    def flush(self) -> None:
        """Wait for every write so far."""
        self._queue.join()
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error


class SortedWriter:
    """Writes a snapshot's rows sorted by profile id into ``folder``.

    ``previous`` is the stored snapshot the caller joins with: while every
    chunk's ids are exactly its ids (``add(..., same_ids=True)``), none are
    written, and at the end the folder points at its ids.
    """

    def __init__(self, folder: Path, previous: StoredSnapshot | None = None) -> None:
        self.folder = folder
        self.previous = previous
        folder.mkdir(parents=True, exist_ok=False)
        self._scores = (folder / SCORES).open("wb")
        self._deltas = (folder / DELTAS).open("wb")
        self._out = _Background()
        self._index: list[tuple[int, int, int]] = []
        self._last: int | None = None
        self._rows = 0
        self._deferred = 0  # rows whose ids are the previous snapshot's, not yet written
        self._runs: list[Path] = []
        # (first row, rows, first line, lines) of each chunk, to name a row's line
        self._where: list[tuple[int, int, int, np.ndarray | None]] = []
        self._unit = "line"

    @property
    def sorted(self) -> bool:
        """Still going straight through (no run written yet)."""
        return not self._runs

    def add(self, chunk: SnapshotChunk, same_ids: bool = False) -> None:
        ids = chunk.profile_id
        if not ids.size:
            return
        self._unit = chunk.unit
        start = self._rows
        self._rows += int(ids.size)
        self._where.append((start, int(ids.size), chunk.first_line, chunk.lines))
        if self.sorted and (self._last is None or ids[0] > self._last) and bool(
                np.all(ids[1:] > ids[:-1])):
            self._last = int(ids[-1])
            self._out.write(self._scores, chunk.score.astype("<f4"))
            if same_ids and self.previous is not None and self._deferred == start:
                self._deferred += int(ids.size)
            else:
                self._write_deferred()
                self._write_ids(ids)
            return
        if self.sorted:
            self._start_runs()
        order = np.argsort(ids, kind="stable")
        rows = order + start
        self._check_unique(ids[order], rows)
        self._write_run(ids[order], chunk.score[order], rows)

    def _write_ids(self, ids: np.ndarray) -> None:
        deltas = np.diff(ids)
        top = int(deltas.max()) if deltas.size else 0
        width, dtype = next((w, t) for w, t in _WIDTHS if top < 1 << (8 * w))
        self._out.write(self._deltas, deltas.astype(dtype))
        self._index.append((int(ids[0]), int(ids.size), width))

    def _write_deferred(self) -> None:
        """The ids so far were the previous snapshot's: write them out after all."""
        if not self._deferred:
            return
        assert self.previous is not None
        left = self._deferred
        self._deferred = 0
        for ids in self.previous.ids():
            self._write_ids(ids[:left])
            left -= min(left, ids.size)
            if not left:
                break

    def _write_run(self, ids: np.ndarray, scores: np.ndarray, rows: np.ndarray) -> None:
        run = self.folder / f"run-{len(self._runs):05d}"
        run.mkdir()
        ids.astype("<i8").tofile(run / RUN_IDS)
        scores.astype("<f8").tofile(run / RUN_SCORES)
        rows.astype("<i8").tofile(run / RUN_ROWS)
        self._runs.append(run)

    def _start_runs(self) -> None:
        """What went straight through so far becomes the first run."""
        self._write_deferred()
        self._out.flush()
        self._scores.close()
        self._deltas.close()
        if self._index:
            self._finish_index()
            done = StoredSnapshot(self.folder)
            ids = np.concatenate(list(done.ids()))
            with (self.folder / SCORES).open("rb") as fh:
                scores = np.fromfile(fh, dtype="<f4").astype(np.float64)
            self._write_run(ids, scores, np.arange(ids.size, dtype=np.int64))
        self._index = []
        self._scores = (self.folder / SCORES).open("wb")
        self._deltas = (self.folder / DELTAS).open("wb")

    def _finish_index(self) -> None:
        np.save(self.folder / INDEX, np.array(self._index, dtype=_INDEX))

    def finish(self) -> int:
        """Merge the runs, if any; the number of rows stored."""
        if self.sorted:
            previous = self.previous
            if previous is not None and self._deferred and self._deferred == previous.count:
                self._out.close()
                self._scores.close()
                self._deltas.close()
                (self.folder / DELTAS).unlink()
                (self.folder / SAME).write_text(self._name_of(previous.ids_folder),
                                                encoding="utf-8")
                return self._rows
            self._write_deferred()
            self._out.close()
            self._scores.close()
            self._deltas.close()
            self._finish_index()
            return self._rows
        last: tuple[int, int] | None = None
        for ids, scores, rows in self._merged():
            if last is not None and ids[0] == last[0]:
                self._duplicate(last[0], last[1], int(rows[0]))
            self._check_unique(ids, rows)
            self._out.write(self._scores, scores.astype("<f4"))
            self._write_ids(ids)
            last = (int(ids[-1]), int(rows[-1]))
        self._out.close()
        self._scores.close()
        self._deltas.close()
        self._finish_index()
        for run in self._runs:
            shutil.rmtree(run)
        return self._rows

    def _name_of(self, ids_folder: Path) -> str:
        """``ids_folder`` as ``ids.same`` names it: relative to the folder holding the
        snapshots (where this one is written, then renamed), absolute if elsewhere."""
        root = self.folder.parent
        with contextlib.suppress(OSError):
            if ids_folder.parent == root or os.path.samefile(ids_folder.parent, root):
                return ids_folder.name
        return str(ids_folder)

    def _merged(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        block = max(MERGE_ROWS // len(self._runs), 1 << 12)
        readers = [_RunReader(run, block) for run in self._runs]
        try:
            while True:
                live = [r for r in readers if r.fill()]
                if not live:
                    return
                cut = min(int(r.ids[-1]) for r in live)
                parts = [r.take(cut) for r in live]
                ids = np.concatenate([p[0] for p in parts])
                order = np.argsort(ids, kind="stable")
                yield (ids[order], np.concatenate([p[1] for p in parts])[order],
                       np.concatenate([p[2] for p in parts])[order])
        finally:
            for r in readers:
                r.close()

    def _check_unique(self, ids: np.ndarray, rows: np.ndarray) -> None:
        dup = np.flatnonzero(ids[1:] == ids[:-1])
        if dup.size:
            self._duplicate(int(ids[dup[0]]), int(rows[dup[0]]), int(rows[dup[0] + 1]))

    def _duplicate(self, pid: int, first_row: int, again_row: int) -> None:
        first = self._line_of(min(first_row, again_row))
        again = self._line_of(max(first_row, again_row))
        raise InvalidInput(f"{self._unit} {again}: profile_id: {pid} appears again "
                           f"(first on {self._unit} {first})")

    def _line_of(self, row: int) -> int:
        for start, size, first, lines in self._where:
            if row < start + size:
                return int(lines[row - start]) if lines is not None else first + row - start
        return row + 1

    def abort(self) -> None:
        with contextlib.suppress(BaseException):
            self._out.close()
        for fh in (self._scores, self._deltas):
            fh.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def save_bins(folder: Path, bins: ScoreBins) -> None:
    np.savez(folder / BINS, index=bins.index, count=bins.count)


class _RunReader:
    def __init__(self, run: Path, block: int) -> None:
        self.block = block
        self._files = [(run / name).open("rb") for name in (RUN_IDS, RUN_SCORES, RUN_ROWS)]
        self.ids = self.scores = self.rows = np.empty(0)

    def fill(self) -> bool:
        if not self.ids.size:
            fi, fs, fr = self._files
            self.ids = np.fromfile(fi, dtype="<i8", count=self.block)
            self.scores = np.fromfile(fs, dtype="<f8", count=self.ids.size)
            self.rows = np.fromfile(fr, dtype="<i8", count=self.ids.size)
        return bool(self.ids.size)

    def take(self, cut: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = int(np.searchsorted(self.ids, cut, "right"))
        out = self.ids[:n], self.scores[:n], self.rows[:n]
        self.ids, self.scores, self.rows = self.ids[n:], self.scores[n:], self.rows[n:]
        return out

    def close(self) -> None:
        for fh in self._files:
            fh.close()



SHOWN_SCORES = 2_000_000  # the window's histogram gets an even sample past this many


def stored_at(path: str | None) -> StoredSnapshot | None:
    """The stored snapshot folder at ``path``; None for none, a legacy file, or a lost one."""
    if not path or not Path(path).is_dir():
        return None
    try:
        return StoredSnapshot(path)
    except (OSError, ValueError):
        return None  # lost or damaged: compare with nothing rather than refuse the batch


def sorted_rows_at(path: str | None) -> Iterator[tuple[np.ndarray, np.ndarray]] | None:
    """A stored snapshot's rows ascending by id, or None when it has none (or lost them)."""
    if not path:
        return None
    if Path(path).is_dir():
        stored = stored_at(path)
        return None if stored is None else stored.chunks()
    try:  # snapshots stored before streaming: one compressed .npz
        with np.load(path) as data:
            return ScoreSnapshot(data["profile_id"], data["score"]).by_id().chunks()
    except (OSError, KeyError, ValueError):
        return None  # lost or damaged: compare with nothing rather than refuse the batch


def shown_scores(path: str | None) -> np.ndarray | None:
    """A stored snapshot's finite scores as float64 for the window's histogram: past
    ``SHOWN_SCORES`` profiles an even sample (every k-th profile by id); None when it
    has none (or lost them)."""
    if not path:
        return None
    step = 1
    stored = stored_at(path)
    if stored is not None:
        step = max(1, -(-stored.count // SHOWN_SCORES))
    rows = sorted_rows_at(path)
    if rows is None:
        return None
    parts = [scores[::step] if step > 1 else scores for _, scores in rows]
    scores = np.concatenate(parts) if parts else np.empty(0, np.float64)
    return np.ascontiguousarray(scores[np.isfinite(scores)], dtype=np.float64)
