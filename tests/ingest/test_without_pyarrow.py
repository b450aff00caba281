"""The desktop bundle leaves pyarrow out: CSV snapshots and metric files still read the
same, and a Parquet snapshot is refused with a line saying what to install."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from commandcenter.domain.errors import InvalidInput
from commandcenter.ingest.bulk_metrics import read_bulk
from commandcenter.ingest.snapshot_files import read_snapshot


@pytest.fixture
def no_pyarrow(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "pyarrow" or m.startswith("pyarrow.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow -> ImportError


def test_a_csv_snapshot_reads_the_same_without_pyarrow(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "snap.csv"
    path.write_text("profile_id,score\n" + "".join(f"{i},{i % 97 + 0.5}\n" for i in range(1, 5001)))
    with_arrow = read_snapshot(path)
    for name in [m for m in sys.modules if m == "pyarrow" or m.startswith("pyarrow.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    without = read_snapshot(path)
    np.testing.assert_array_equal(without.profile_id, with_arrow.profile_id)
    np.testing.assert_array_equal(without.score, with_arrow.score)


def test_a_metrics_file_falls_back_to_the_careful_parser(tmp_path: Path, no_pyarrow: None
                                                         ) -> None:
    path = tmp_path / "m.csv"
    path.write_text("timestamp,value\n1700000000,1.5\n1700000060,2.5\n")
    assert read_bulk(path) is None  # the careful line parser takes the file instead


def test_parquet_without_pyarrow_says_what_to_install(tmp_path: Path, no_pyarrow: None) -> None:
    path = tmp_path / "snap.parquet"
    path.write_bytes(b"PAR1" + b"\0" * 64 + b"PAR1")
    with pytest.raises(InvalidInput, match="needs pyarrow"):
        read_snapshot(path)
