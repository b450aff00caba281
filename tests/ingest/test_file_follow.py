"""Following a metrics file like ``tail -F``: appends, partial lines, truncation, rotation."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from commandcenter.ingest.parsing import Point
from commandcenter.ingest.sources import MAX_LINE_BYTES, FileFollowSource


def write(path: Path, text: str, mode: str = "a") -> None:
    with path.open(mode) as fh:
        fh.write(text)


def test_follows_appends_and_waits_for_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    write(path, "timestamp,value\n1,10\n2,2", "w")
    source = FileFollowSource(path, series="s")
    assert source.poll() == [Point(1.0, 10.0, "s")]
    assert source.poll() == []
    write(path, "0\n3,30\n")
    assert source.poll() == [Point(2.0, 20.0, "s"), Point(3.0, 30.0, "s")]
    assert source.stats.points == 3


def test_bad_lines_are_counted_with_numbers(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    write(path, "timestamp,value\n1,10\noops\n2,20\n", "w")
    source = FileFollowSource(path, series="s")
    assert [p.ts for p in source.poll()] == [1.0, 2.0]
    write(path, "3,x\n")
    assert source.poll() == []
    assert source.stats.skipped == 2
    assert [line for line, _ in source.stats.skipped_lines] == [3, 5]


def test_truncation_starts_again_with_a_new_header(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    write(path, "timestamp,value\n1,10\n2,20\n", "w")
    source = FileFollowSource(path, series="s")
    assert len(source.poll()) == 2
    write(path, "timestamp,series,value\n5,other,50\n", "w")  # shorter: truncated
    assert source.poll() == [Point(5.0, 50.0, "other")]
    assert source.position == path.stat().st_size


def test_rotation_reads_the_rest_of_the_old_file_first(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    write(path, "timestamp,value\n1,10\n", "w")
    source = FileFollowSource(path, series="s")
    assert len(source.poll()) == 1
    write(path, "2,20\n")  # written just before rotation, not yet read
    os.rename(path, tmp_path / "m.csv.1")
    assert source.poll() == []  # the new file does not exist yet, no error
    write(path, "timestamp,value\n3,30\n4,40\n", "w")
    assert [p.ts for p in source.poll()] == [2.0, 3.0, 4.0]
    write(path, "5,50\n")
    assert [p.ts for p in source.poll()] == [5.0]
    assert source.stats.errors == 0
    source.close()


def test_from_end_skips_history_but_keeps_the_header(tmp_path: Path) -> None:
    path = tmp_path / "m.ndjson"
    write(path, "timestamp,value\n1,10\n2,20\n", "w")
    source = FileFollowSource(path, series="s", from_start=False)
    assert source.poll() == []
    write(path, "3,30\n")
    assert source.poll() == [Point(3.0, 30.0, "s")]


def test_from_end_names_the_file_s_own_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    write(path, "timestamp,value\n1,10\n2,20\n", "w")  # lines 1-3: skipped, but counted
    follows = [FileFollowSource(path, series="s", from_start=start) for start in (True, False)]
    assert [len(f.poll()) for f in follows] == [2, 0]
    write(path, "oops\n3,30\n4," + "9" * MAX_LINE_BYTES + "\n")  # lines 4, 5 and 6
    for follow in follows:
        assert follow.poll()[-1:] == [Point(3.0, 30.0, "s")]
        skipped = dict(follow.stats.skipped_lines)
        assert sorted(skipped) == [4, 6]
        assert skipped[6].startswith(f"{path}: line 6: longer than")


def test_from_end_counts_an_unfinished_last_line_as_the_next(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    write(path, "timestamp,value\n1,10\n2,2", "w")  # line 3 not finished yet
    source = FileFollowSource(path, series="s", from_start=False, chunk=4)  # counted in parts
    assert source.poll() == []
    assert source.position == path.stat().st_size
    write(path, "0\nbad\n")  # the end of line 3 (a fragment, not a point), then line 4
    source.poll()
    assert [n for n, _ in source.stats.skipped_lines][-1] == 4


def test_run_loop_delivers_and_stops(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    write(path, "timestamp,value\n1,10\n", "w")
    source = FileFollowSource(path, series="s", interval=0.01)
    got: list[Point] = []
    stop = threading.Event()

    def sink(points: list[Point]) -> None:
        got.extend(points)
        if len(got) >= 2:
            stop.set()
        else:
            write(path, "2,20\n")

    worker = threading.Thread(target=source.run, args=(stop, sink))
    worker.start()
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert [p.ts for p in got] == [1.0, 2.0]


def test_a_failing_sink_does_not_end_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    write(path, "timestamp,value\n1,10\n", "w")
    source = FileFollowSource(path, series="s", interval=0.01)
    stop = threading.Event()
    calls: list[int] = []

    def sink(points: list[Point]) -> None:
        calls.append(len(points))
        if len(calls) == 1:
            write(path, "2,20\n")
            raise RuntimeError("database busy")
        stop.set()

    source.run(stop, sink)
    assert calls == [1, 1]
    assert source.stats.errors == 1 and "database busy" in source.stats.last_error


def test_truncation_to_a_shorter_file(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    write(path, "timestamp,value\n1,10\n2,20\n3,30\n4,40\n", "w")
    source = FileFollowSource(path, series="s")
    assert len(source.poll()) == 4
    write(path, "timestamp,value\n9,90\n", "w")
    assert source.poll() == [Point(9.0, 90.0, "s")]
    write(path, "10,100\n")
    assert source.poll() == [Point(10.0, 100.0, "s")]


def test_a_line_without_end_is_capped_named_once_and_skipped_to_its_newline(
        tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    write(path, "timestamp,value\n1,10\n", "w")
    source = FileFollowSource(path, series="s")
    assert [p.ts for p in source.poll()] == [1.0]
    part = "x" * (40 << 10)
    write(path, "2,2" + part)  # line 3 begins: still under the cap, held
    assert source.poll() == [] and source.stats.skipped == 0
    assert source.buffered == 3 + len(part)
    write(path, part)  # past the cap, still no newline: named now, not held
    assert source.poll() == []
    assert source.buffered == 0
    (line, reason), = source.stats.skipped_lines
    assert line == 3
    assert reason.startswith(f"{path}: line 3: longer than {MAX_LINE_BYTES} bytes")
    assert "skipped up to its newline" in reason
    for _ in range(4):  # the line goes on: dropped as it comes, named no more
        write(path, part)
        assert source.poll() == [] and source.buffered == 0
    write(path, "0,still the long line\n4,40\n5,")  # its newline: following resumes
    assert source.poll() == [Point(4.0, 40.0, "s")]
    write(path, "50\nbad\n")
    assert source.poll() == [Point(5.0, 50.0, "s")]
    assert source.stats.skipped == 2
    assert [n for n, _ in source.stats.skipped_lines] == [3, 6]  # numbering kept
    assert source.stats.errors == 0 and source.stats.points == 3


def test_a_long_line_that_arrives_whole_is_skipped_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    write(path, "timestamp,value\n1,10\n2," + "9" * MAX_LINE_BYTES + "\n3,30\n", "w")
    source = FileFollowSource(path, series="s")
    assert [p.ts for p in source.poll()] == [1.0, 3.0]
    (line, reason), = source.stats.skipped_lines
    assert line == 3 and reason.startswith(f"{path}: line 3: longer than")
    write(path, "4," + "9" * (MAX_LINE_BYTES - 2) + "\n")  # exactly the cap: a line
    assert source.poll() == [] and source.stats.skipped == 2  # parsed: 9...9 is too big
    assert "longer than" not in source.stats.skipped_lines[-1][1]


def test_a_binary_file_never_holds_more_than_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "blob.bin"
    block = bytes(range(1, 256)).replace(b"\n", b"") * 64  # no newline anywhere
    path.write_bytes(b"")
    source = FileFollowSource(path, series="s", chunk=4096)
    held = []
    for _ in range(40):  # about 640 KiB, ten times the cap, written in parts
        with path.open("ab") as fh:
            fh.write(block)
        assert source.poll() == []
        held.append(source.buffered)
    assert max(held) <= MAX_LINE_BYTES
    assert source.stats.skipped == 1 and source.stats.skipped_lines[0][0] == 1
    assert source.position == path.stat().st_size  # read all, kept none of it


def test_from_the_end_with_an_endless_first_line(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    write(path, "y" * (MAX_LINE_BYTES + 10), "w")
    source = FileFollowSource(path, series="s", from_start=False)
    assert source.poll() == [] and source.stats.skipped == 1
    assert source.stats.skipped_lines[0] == (1, source._too_long_reason(1))
    write(path, "y\ntimestamp,value\n3,30\n")  # the rest of line 1, then a good file
    assert source.poll() == [Point(3.0, 30.0, "s")]
