"""A stored snapshot on disk: profile ids ascending, so the next one joins with it in order.

A folder per snapshot holds ``profile_id.i8`` and ``score.f8`` (raw
little-endian int64/float64, sorted by id) and ``bins.npz`` (its fixed-bin
counts, for PSI and KS when it becomes the reference). ``SortedWriter`` takes
a file's chunks in file order: a file already sorted by id (the usual export)
goes straight through; otherwise each chunk is sorted into a run file and the
runs are merged at the end (an external merge sort, one block of each run in
memory). A repeated profile id is refused, naming both lines.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from commandcenter.domain.errors import InvalidInput
from commandcenter.domain.snapshot_health import CHUNK, ScoreBins

from .snapshot_files import SnapshotChunk

IDS, SCORES, ROWS, BINS = "profile_id.i8", "score.f8", "row.i8", "bins.npz"
MERGE_ROWS = 1 << 24  # rows held across all runs while merging


def read_sorted(folder: Path | str, chunk: int = CHUNK
                ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(ids, scores) a chunk at a time, ascending by id; read, never memory-mapped."""
    folder = Path(folder)
    with (folder / IDS).open("rb") as fi, (folder / SCORES).open("rb") as fs:
        while True:
            ids = np.fromfile(fi, dtype="<i8", count=chunk)
            if not ids.size:
                return
            yield ids, np.fromfile(fs, dtype="<f8", count=ids.size)


def stored_count(folder: Path | str) -> int:
    return (Path(folder) / IDS).stat().st_size // 8


def save_bins(folder: Path, bins: ScoreBins) -> None:
    np.savez(folder / BINS, index=bins.index, count=bins.count)


def load_bins(folder: Path | str) -> ScoreBins:
    with np.load(Path(folder) / BINS) as data:
        return ScoreBins(data["index"], data["count"])


class SortedWriter:
    """Writes a snapshot's rows sorted by profile id into ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=False)
        self._ids = (folder / IDS).open("wb")
        self._scores = (folder / SCORES).open("wb")
        self._last: int | None = None
        self._rows = 0
        self._runs: list[Path] = []
        # (first row, rows, first line, lines) of each chunk, to name a row's line
        self._where: list[tuple[int, int, int, np.ndarray | None]] = []
        self._unit = "line"

    def add(self, chunk: SnapshotChunk) -> None:
        ids = chunk.profile_id
        if not ids.size:
            return
        self._unit = chunk.unit
        start = self._rows
        self._where.append((start, int(ids.size), chunk.first_line, chunk.lines))
        self._rows += int(ids.size)
        step = ids[1:] > ids[:-1]
        if not self._runs and step.all() and (self._last is None or ids[0] > self._last):
            ids.astype("<i8", copy=False).tofile(self._ids)
            chunk.score.astype("<f8", copy=False).tofile(self._scores)
            self._last = int(ids[-1])
            return
        if not self._runs:
            self._start_runs()
        order = np.argsort(ids, kind="stable")
        rows = order + start
        self._check_unique(ids[order], rows)
        run = self.folder / f"run-{len(self._runs):05d}"
        run.mkdir()
        ids[order].astype("<i8").tofile(run / IDS)
        chunk.score[order].astype("<f8").tofile(run / SCORES)
        rows.astype("<i8").tofile(run / ROWS)
        self._runs.append(run)

    def _start_runs(self) -> None:
        """What went straight through so far becomes the first run."""
        self._ids.close()
        self._scores.close()
        if self._last is None:
            return
        run = self.folder / "run-00000"
        run.mkdir()
        os.replace(self.folder / IDS, run / IDS)
        os.replace(self.folder / SCORES, run / SCORES)
        np.arange(stored_count(run), dtype="<i8").tofile(run / ROWS)
        self._runs.append(run)

    def finish(self) -> int:
        """Merge the runs, if any; the number of rows stored."""
        if not self._runs:
            self._ids.close()
            self._scores.close()
            return self._rows
        with (self.folder / IDS).open("wb") as fi, (self.folder / SCORES).open("wb") as fs:
            last: tuple[int, int] | None = None
            for ids, scores, rows in self._merged():
                if last is not None and ids[0] == last[0]:
                    self._duplicate(last[0], last[1], int(rows[0]))
                self._check_unique(ids, rows)
                ids.astype("<i8", copy=False).tofile(fi)
                scores.astype("<f8", copy=False).tofile(fs)
                last = (int(ids[-1]), int(rows[-1]))
        for run in self._runs:
            shutil.rmtree(run)
        return self._rows

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
        first, again = self._line_of(min(first_row, again_row)), self._line_of(
            max(first_row, again_row))
        raise InvalidInput(f"{self._unit} {again}: profile_id: {pid} appears again "
                           f"(first on {self._unit} {first})")

    def _line_of(self, row: int) -> int:
        for start, size, first, lines in self._where:
            if row < start + size:
                return int(lines[row - start]) if lines is not None else first + row - start
        return row + 1

    def abort(self) -> None:
        for fh in (self._ids, self._scores):
            fh.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class _RunReader:
    def __init__(self, run: Path, block: int) -> None:
        self.block = block
        self._files = [(run / name).open("rb") for name in (IDS, SCORES, ROWS)]
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
