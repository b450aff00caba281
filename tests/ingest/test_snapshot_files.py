"""Reading score snapshots: fast path, bad rows, string ids, Parquet without pyarrow."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from commandcenter.domain.errors import InvalidInput
from commandcenter.ingest.snapshot_files import hash_ids
from commandcenter.ingest.sources import read_snapshot


def test_integer_ids_fast_path(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    ids = np.arange(1000)
    path.write_text("profile_id,score\n" + "".join(f"{i},{i / 10}\n" for i in ids))
    snap = read_snapshot(path)
    assert snap.profile_id.dtype == np.int64 and snap.score.dtype == np.float64
    assert snap.profile_id.tolist() == ids.tolist()
    assert snap.score[10] == 1.0 and snap.errors == []


def test_bad_rows_reported_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("profile_id,score\n1,50\n2,lots\n3\n4,inf\n5,60\n")
    snap = read_snapshot(path)
    assert snap.profile_id.tolist() == [1, 5]
    assert [line for line, _ in snap.errors] == [3, 4, 5]


def test_text_ids_are_hashed_stably_and_column_order_is_free(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("score,profile_id,name\n50,u1,Ann\n60,u2,Bob\n")
    snap = read_snapshot(path)
    assert snap.profile_id.dtype == np.int64
    assert snap.profile_id.tolist() == hash_ids(["u1", "u2"]).tolist()
    assert snap.profile_id[0] != snap.profile_id[1]
    assert snap.score.tolist() == [50.0, 60.0]


def test_wrong_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("id,points\n1,2\n")
    with pytest.raises(InvalidInput, match="line 1"):
        read_snapshot(path)


@pytest.mark.skipif(importlib.util.find_spec("pyarrow") is not None, reason="pyarrow present")
def test_parquet_without_pyarrow_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "s.parquet"
    path.write_bytes(b"PAR1")
    with pytest.raises(InvalidInput, match="pyarrow"):
        read_snapshot(path)
