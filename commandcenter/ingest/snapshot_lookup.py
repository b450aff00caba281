"""A few profiles' scores out of a stored snapshot, without reading all of it.

A stored snapshot (``snapshot_store``) keeps its ids ascending in chunks, with
each chunk's first id in ``ids.index.npy``; so the chunks that can hold the
wanted ids are found from the index alone, only those are decoded, and the
scores are read through a memory map, page by page. Looking up the authors of
a million mentions in a 200,000,000-profile snapshot reads the chunks they
fall in, not the snapshot.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .snapshot_store import _WIDTHS, DELTAS, INDEX, SCORES, ids_folder_of


def lookup_scores(path: str | Path, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(found, score) for each of ``keys`` (int64, ascending, unique); NaN where not found.

    Raises OSError or ValueError for a lost or damaged snapshot.
    """
    keys = np.asarray(keys, dtype=np.int64)
    found = np.zeros(keys.size, dtype=bool)
    scores = np.full(keys.size, np.nan, dtype=np.float64)
    if not keys.size:
        return found, scores
    folder = Path(path)
    if not folder.is_dir():  # snapshots stored before streaming: one compressed .npz
        with np.load(folder) as data:
            ids = np.asarray(data["profile_id"], dtype=np.int64)
            values = np.asarray(data["score"], dtype=np.float64)
        order = np.argsort(ids, kind="stable")
        return _match(ids[order], values[order], keys, found, scores)
    ids_folder = ids_folder_of(folder)
    index = np.load(ids_folder / INDEX)
    if not index.size:
        return found, scores
    counts = index["count"].astype(np.int64)
    widths = index["width"].astype(np.int64)
    row_start = np.concatenate(([0], np.cumsum(counts)[:-1]))
    byte_start = np.concatenate(([0], np.cumsum((counts - 1) * widths)[:-1]))
    chunk_of = np.searchsorted(index["first"], keys, side="right") - 1
    all_scores = np.memmap(folder / SCORES, dtype="<f4", mode="r")
    if all_scores.size != int(counts.sum()):
        raise ValueError(f"{folder}: scores and ids differ in length")
    dtypes = dict(_WIDTHS)
    with (ids_folder / DELTAS).open("rb") as fh:
        for chunk in np.unique(chunk_of[chunk_of >= 0]).tolist():
            lo, hi = np.searchsorted(chunk_of, [chunk, chunk + 1])
            count = int(counts[chunk])
            fh.seek(int(byte_start[chunk]))
            deltas = np.fromfile(fh, dtype=dtypes[int(widths[chunk])], count=count - 1)
            ids = np.empty(count, dtype=np.int64)
            ids[0] = index["first"][chunk]
            ids[1:] = deltas
            np.cumsum(ids, out=ids)
            want = keys[lo:hi]
            pos = np.minimum(np.searchsorted(ids, want), count - 1)
            hit = ids[pos] == want
            found[lo:hi] = hit
            rows = row_start[chunk] + pos[hit]
            part = scores[lo:hi]
            part[hit] = all_scores[rows]
            scores[lo:hi] = part
    return found, scores


def _match(ids: np.ndarray, values: np.ndarray, keys: np.ndarray, found: np.ndarray,
           scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if not ids.size:
        return found, scores
    pos = np.minimum(np.searchsorted(ids, keys), ids.size - 1)
    hit = ids[pos] == keys
    found[hit] = True
    scores[hit] = values[pos[hit]]
    return found, scores
