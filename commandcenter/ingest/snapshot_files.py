"""Score snapshots: one row per profile, ``profile_id,score``, as CSV or Parquet."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from commandcenter.domain.errors import InvalidInput

from .parsing import SNAPSHOT_HEADER


@dataclass(frozen=True, slots=True)
class SnapshotFile:
    profile_id: np.ndarray  # int64; text identifiers are hashed (see hash_ids)
    score: np.ndarray  # float64
    errors: list[tuple[int, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.score.size)


def read_snapshot(path: Path | str) -> SnapshotFile:
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        return _read_parquet(path)
    return _read_csv(path)


def _header_columns(path: Path) -> tuple[int, int, int]:
    """Positions of profile_id and score, and the header's line number."""
    with path.open(encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if line.strip():
                names = [n.strip().strip('"').lower() for n in line.lstrip("\ufeff").split(",")]
                if not set(SNAPSHOT_HEADER) <= set(names):
                    raise InvalidInput(f"line {number}: a snapshot needs columns profile_id,score")
                return names.index("profile_id"), names.index("score"), number
    raise InvalidInput(f"{path.name}: empty snapshot file")


def _read_csv(path: Path) -> SnapshotFile:
    pid, sc, header_line = _header_columns(path)
    if (pid, sc) == (0, 1):
        try:  # NumPy's C reader: about 10x the Python loop; any oddity falls back
            table = np.loadtxt(path, delimiter=",", skiprows=header_line, ndmin=1,
                               dtype=[("profile_id", "i8"), ("score", "f8")])
            if np.isfinite(table["score"]).all():
                return SnapshotFile(np.ascontiguousarray(table["profile_id"]),
                                    np.ascontiguousarray(table["score"]))
        except ValueError:
            pass
    return _read_csv_slowly(path, pid, sc, header_line)


def _read_csv_slowly(path: Path, pid: int, sc: int, header_line: int) -> SnapshotFile:
    ids: list[str] = []
    scores: list[float] = []
    errors: list[tuple[int, str]] = []
    width = max(pid, sc) + 1
    with path.open(encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if number <= header_line or not line.strip():
                continue
            fields = [f.strip().strip('"') for f in line.split(",")]
            if len(fields) < width:
                errors.append((number, f"expected {width} fields, found {len(fields)}"))
                continue
            if not fields[pid]:
                errors.append((number, "profile_id: empty"))
                continue
            try:
                score = float(fields[sc])
            except ValueError:
                errors.append((number, f"score: {fields[sc]!r} is not a number"))
                continue
            if not math.isfinite(score):
                errors.append((number, "score: not a finite number"))
                continue
            ids.append(fields[pid])
            scores.append(score)
    return SnapshotFile(_ids(ids), np.asarray(scores, dtype=np.float64), errors)


def _ids(ids: list[str]) -> np.ndarray:
    try:
        return np.asarray([int(i) for i in ids], dtype=np.int64)
    except (ValueError, OverflowError):
        return hash_ids(ids)


def hash_ids(ids: Iterable[object]) -> np.ndarray:
    """Stable int64 keys for text identifiers (64-bit BLAKE2b: collisions are negligible).

    Snapshot health matches profiles by int64 id; the same text gives the same
    key in every snapshot and every process.
    """
    return np.fromiter(
        (int.from_bytes(hashlib.blake2b(str(i).encode(), digest_size=8).digest(), "little",
                        signed=True) for i in ids), dtype=np.int64)


def _read_parquet(path: Path) -> SnapshotFile:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InvalidInput(
            f"{path.name}: reading Parquet needs pyarrow (pip install pyarrow); "
            "or give the snapshot as CSV with columns profile_id,score") from None
    try:
        table = pq.read_table(path, columns=list(SNAPSHOT_HEADER))
    except (OSError, ValueError, KeyError) as exc:
        raise InvalidInput(f"{path.name}: {exc}") from None
    ids = table.column("profile_id").to_numpy()
    scores = table.column("score").to_numpy().astype(np.float64)
    keep = np.isfinite(scores)
    errors = [(int(i) + 1, "score: missing or not finite") for i in np.flatnonzero(~keep)[:1000]]
    if ids.dtype.kind not in "iu":
        ids = hash_ids(ids)
    return SnapshotFile(ids[keep], scores[keep], errors)
