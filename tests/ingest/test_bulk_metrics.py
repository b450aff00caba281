"""The bulk path reads exactly what the careful line parser would, or declines."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commandcenter.ingest.bulk_metrics import read_bulk
from commandcenter.ingest.parsing import parse_file

_TS = st.one_of(st.integers(0, 4_000_000_000).map(str),
                st.floats(0, 1e11, allow_nan=False, exclude_max=True).map(repr),
                st.sampled_from(["2026-03-02T08:30:00Z", "1e12", "-5", "nan", " 7", ""]))
_VALUE = st.one_of(st.floats(-1e12, 1e12, allow_nan=False, exclude_max=True,
                             exclude_min=True).map(repr), st.integers(-10**6, 10**6).map(str),
                   st.sampled_from(["inf", "nan", "x", '"5"', "1e300", "", "5,6"]))
_SERIES = st.sampled_from(["score_mean", "p50", "a.b-c", "bad name", "", '"q"'])


def careful(path: Path, default: str) -> dict[str, tuple[list[float], list[float]]] | None:
    result = parse_file(path)
    if result.errors or not result.points:
        return None
    return {k: (t.tolist(), v.tolist()) for k, (t, v) in result.by_series(default).items()}


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_TS, _SERIES, _VALUE), min_size=1, max_size=30),
       with_series=st.booleans(), final_newline=st.booleans())
def test_same_points_as_the_careful_parser_or_declined(
        tmp_path: Path, rows: list[tuple[str, str, str]], with_series: bool,
        final_newline: bool) -> None:
    path = tmp_path / "m.csv"
    header = "timestamp,series,value" if with_series else "timestamp,value"
    lines = [",".join((t, s, v) if with_series else (t, v)) for t, s, v in rows]
    path.write_text(header + "\n" + "\n".join(lines) + ("\n" if final_newline else ""))
    bulk = read_bulk(path)
    expected = careful(path, "m")
    if bulk is None:
        return  # declined: the careful parser decides, as before
    assert expected is not None, "the bulk path accepted what the careful parser refuses"
    got = {k: (t.tolist(), v.tolist()) for k, (t, v) in bulk.by_series("m").items()}
    assert got == expected


def iso(moment: datetime, sep: str, digits: int, zone: str) -> str:
    text = moment.strftime(f"%Y-%m-%d{sep}%H:%M:%S")
    if digits:
        text += "." + f"{moment.microsecond:06d}"[:digits]
    return text + zone


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moments=st.lists(st.datetimes(datetime(1600, 1, 1), datetime(2300, 1, 1)), min_size=1,
                        max_size=30),
       sep=st.sampled_from(["T", " "]), digits=st.integers(0, 7),
       zones=st.lists(st.sampled_from(["", "Z", "+00:00", "+05:30", "-11:00", "+23:59", "z",
                                       "+0100"]), min_size=1, max_size=2),
       odd=st.sampled_from(["", "2026-02-30T00:00:00", "2026-03-01T24:00:00", " 2026-03-01",
                            "2026-03-01"]))
def test_iso_times_read_as_the_careful_parser_reads_them_or_declined(
        tmp_path: Path, moments: list[datetime], sep: str, digits: int, zones: list[str],
        odd: str) -> None:
    stamps = [iso(m, sep, digits, zones[i % len(zones)]) for i, m in enumerate(moments)]
    if odd:
        stamps.insert(len(stamps) // 2, odd)
    path = tmp_path / "m.csv"
    path.write_text("timestamp,value\n" + "".join(f"{t},{i}\n" for i, t in enumerate(stamps)))
    bulk = read_bulk(path)
    expected = careful(path, "m")
    if bulk is None:
        # Declined only for what the plain form leaves out, never for a plain file.
        kinds = {"" if z == "" else "zoned" for z in zones}
        plain = (digits <= 6 and not odd and len(kinds) == 1
                 and not set(zones) & {"z", "+0100"}
                 and all(1685 <= m.year <= 2254 for m in moments))
        assert not plain, stamps
        return
    assert expected is not None, "the bulk path accepted what the careful parser refuses"
    got = {k: (t.tolist(), v.tolist()) for k, (t, v) in bulk.by_series("m").items()}
    assert got == expected


def test_plain_files_take_the_bulk_path(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    n = 10_000
    path.write_text("timestamp,value\n" + "".join(f"{1_700_000_000 + i},{i % 97 / 10}\n"
                                                  for i in range(n)))
    bulk = read_bulk(path)
    assert bulk is not None and bulk.rows == n
    ts, values = bulk.by_series("feed")["feed"]
    assert ts[0] == 1_700_000_000 and values[10] == pytest.approx(1.0)
    path.write_text("timestamp,series,value\n1,a,2\n1,b,3\n2,a,4\n")
    groups = read_bulk(path).by_series("x")  # type: ignore[union-attr]
    assert {k: v[1].tolist() for k, v in groups.items()} == {"a": [2.0, 4.0], "b": [3.0]}
    assert np.all(np.diff(groups["a"][0]) > 0)


@pytest.mark.parametrize("body", ["2026-03-02T08:30:00Q,1\n", "2026-03-02T08:30:00Z,1\n1,2\n",
                                  "2026-03-02T08:30:00,1\n2026-03-02T08:30:01Z,2\n",
                                  "1,2\n\n3,4\n", "1,2,3\n", "1,nan\n", '"1",2\n', "1\n"])
def test_anything_else_is_declined(tmp_path: Path, body: str) -> None:
    path = tmp_path / "m.csv"
    path.write_text("timestamp,value\n" + body)
    assert read_bulk(path) is None
