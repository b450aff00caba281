"""Reading score snapshots: whole or refused whole, naming the line and field; in chunks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from commandcenter.domain.errors import InvalidInput
from commandcenter.ingest import snapshot_files
from commandcenter.ingest.snapshot_files import hash_ids, read_chunks
from commandcenter.ingest.sources import read_snapshot


def test_integer_ids_fast_path(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    ids = np.arange(1000)
    path.write_text("profile_id,score\n" + "".join(f"{i},{i / 10}\n" for i in ids))
    snap = read_snapshot(path)
    assert snap.profile_id.dtype == np.int64 and snap.score.dtype == np.float64
    assert snap.profile_id.tolist() == ids.tolist()
    assert snap.score[10] == 1.0 and snap.errors == []


@pytest.mark.parametrize(("body", "message"), [
    ("1,50\n2,lots\n3,4\n", "line 3: score: 'lots' is not a number"),
    ("1,50\n2\n", "line 3: expected 2 fields, found 1"),
    ("1,50\n2,inf\n", "line 3: score: not a finite number"),
    ("1,50\n2,-3\n", "line 3: score: -3 is negative"),
    ("1,50\n2,1e300\n", "line 3: score: 1e+300 is above the largest score"),
    ("1,50\n,7\n", "line 3: profile_id: empty"),
    ("1,50\n#2,7\n", "line 3: profile_id: '#2' is not a 64-bit integer"),
    ("1,50\n99999999999999999999,7\n", "line 3: profile_id: '99999999999999999999'"),
    ("1,50\n\n\n4,x\n", "line 5: score: 'x' is not a number"),
])
def test_a_bad_row_refuses_the_whole_file_naming_line_and_field(
        tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "s.csv"
    path.write_text("profile_id,score\n" + body)
    with pytest.raises(InvalidInput, match=message.replace("+", r"\+")):
        read_snapshot(path)


def test_rows_starting_with_a_hash_are_data(tmp_path: Path) -> None:
    """NumPy's reader took them for comments; with text ids they are profiles like any."""
    path = tmp_path / "s.csv"
    path.write_text("profile_id,score\nu1,50\n#u2,60\n# u3,70\n")
    snap = read_snapshot(path)
    assert snap.profile_id.tolist() == hash_ids(["u1", "#u2", "# u3"]).tolist()
    assert snap.score.tolist() == [50.0, 60.0, 70.0]


def test_text_ids_are_hashed_stably_and_column_order_is_free(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("score,profile_id,name\n50,u1,Ann\n60,u2,Bob\n")
    snap = read_snapshot(path)
    assert snap.profile_id.dtype == np.int64
    assert snap.profile_id.tolist() == hash_ids(["u1", "u2"]).tolist()
    assert snap.profile_id[0] != snap.profile_id[1]
    assert snap.score.tolist() == [50.0, 60.0]


def test_quotes_blank_lines_and_crlf_take_the_careful_path(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(b'profile_id,score\r\n"1", 50\r\n\r\n2,"60.5"\r\n3,7')
    snap = read_snapshot(path)
    assert snap.profile_id.tolist() == [1, 2, 3] and snap.score.tolist() == [50.0, 60.5, 7.0]


def test_wrong_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("id,points\n1,2\n")
    with pytest.raises(InvalidInput, match="line 1"):
        read_snapshot(path)


def test_chunks_carry_their_line_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot_files, "BLOCK_BYTES", 4096)
    path = tmp_path / "s.csv"
    rows = 30_000
    path.write_text("profile_id,score\n" + "".join(f"{i},{i}.5\n" for i in range(rows)))
    chunks = list(read_chunks(path))
    assert len(chunks) > 10
    assert chunks[0].first_line == 2
    assert [c.first_line for c in chunks[1:]] == [
        c.first_line + len(c) for c in chunks[:-1]]
    assert np.concatenate([c.profile_id for c in chunks]).tolist() == list(range(rows))
    path.write_text("profile_id,score\n" + "".join(f"{i},{i}.5\n" for i in range(rows))
                    + "7,x\n")
    with pytest.raises(InvalidInput, match=f"line {rows + 2}: score"):
        list(read_chunks(path))


def test_oversized_lines_and_headers_are_refused_before_they_are_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot_files, "MAX_LINE_BYTES", 1000)
    monkeypatch.setattr(snapshot_files, "BLOCK_BYTES", 4096)
    path = tmp_path / "long.csv"
    with path.open("w") as fh:  # one line of 50 MB: refused after reading one block
        fh.write("profile_id,score\n1,2\n3,")
        fh.write("9" * 50_000_000)
    read = []
    real_open = Path.open

    def counting_open(self: Path, *a: object, **k: object):  # type: ignore[no-untyped-def]
        fh = real_open(self, *a, **k)
        original = fh.read

        def read_some(n: int = -1) -> bytes:
            assert n != -1, "never the whole file at once"
            data = original(n)
            read.append(len(data))
            return data

        fh.read = read_some  # type: ignore[method-assign]
        return fh

    monkeypatch.setattr(Path, "open", counting_open)
    with pytest.raises(InvalidInput, match="line 3: longer than 1000 bytes"):
        list(read_chunks(path))
    assert sum(read) < 100_000
    monkeypatch.setattr(Path, "open", real_open)
    wide = tmp_path / "wide.csv"
    wide.write_text("profile_id,score," + ",".join(f"c{i}" for i in range(1_000_000)) + "\n")
    monkeypatch.setattr(snapshot_files, "MAX_LINE_BYTES", 1 << 24)
    with pytest.raises(InvalidInput, match="line 1: 1000002 columns"):
        list(read_chunks(wide))


def test_parquet_streams_in_batches_and_names_the_row(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot_files, "PARQUET_ROWS", 1000)
    path = tmp_path / "s.parquet"
    ids = np.arange(5000, dtype=np.int64)
    pq.write_table(pa.table({"profile_id": ids, "score": ids / 7.0, "other": ids}), path,
                   row_group_size=1500)
    chunks = list(read_chunks(path))
    assert [len(c) for c in chunks] == [1000] * 5 and chunks[1].first_line == 1001
    assert np.concatenate([c.profile_id for c in chunks]).tolist() == ids.tolist()
    scores = ids / 7.0
    scores[3210] = -1
    pq.write_table(pa.table({"profile_id": ids, "score": scores}), path)
    with pytest.raises(InvalidInput, match="row 3211: score: -1 is negative"):
        list(read_chunks(path))
    pq.write_table(pa.table({"profile_id": pa.array([1, None], pa.int64()),
                             "score": [1.0, 2.0]}), path)
    with pytest.raises(InvalidInput, match="row 2: profile_id: missing"):
        list(read_chunks(path))
    pq.write_table(pa.table({"profile_id": ["u1", "u2"], "score": [1.0, 2.0]}), path)
    assert read_snapshot(path).profile_id.tolist() == hash_ids(["u1", "u2"]).tolist()
    pq.write_table(pa.table({"profile_id": [1, 2], "points": [1.0, 2.0]}), path)
    with pytest.raises(InvalidInput, match="columns profile_id,score"):
        list(read_chunks(path))
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(InvalidInput, match="not a Parquet file"):
        list(read_chunks(path))
