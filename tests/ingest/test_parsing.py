"""Metric text formats: good lines become points, bad ones are reported by number."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from commandcenter.ingest.parsing import (
    Format,
    Point,
    parse_file,
    parse_text,
    parse_timestamp,
    sniff_format,
)
from tests.shared import nab_file

NAB = "realTraffic/speed_6005.csv"
T0 = datetime(2015, 8, 31, 18, 22, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(("raw", "expected"), [
    ("2015-08-31 18:22:00", T0),
    ("2015-08-31T18:22:00Z", T0),
    ("2015-08-31T20:22:00+02:00", T0),
    (str(int(T0)), T0),
    (str(int(T0 * 1000)), T0),
    (T0, T0),
    (int(T0 * 1000), T0),
])
def test_timestamps_iso_or_epoch(raw: object, expected: float) -> None:
    assert parse_timestamp(raw) == pytest.approx(expected)


def test_csv_timestamp_value_with_bad_lines_numbered() -> None:
    text = ("timestamp,value\n"
            "2015-08-31 18:22:00,90\n"
            "yesterday,80\n"
            "2015-08-31 18:32:00,fast\n"
            "\n"
            "2015-08-31 18:42:00\n"
            "2015-08-31 18:52:00,nan\n"
            "2015-08-31 19:02:00,70\n")
    result = parse_text(text)
    assert result.format is Format.CSV
    assert [p.value for p in result.points] == [90.0, 70.0]
    assert [line for line, _ in result.errors] == [3, 4, 6, 7]
    assert "timestamp" in result.errors[0][1]
    assert "value" in result.errors[1][1]
    assert "fields" in result.errors[2][1]


def test_csv_with_series_column_in_any_order() -> None:
    result = parse_text("value,timestamp,series\n1.5,2015-08-31 18:22:00,score_mean\n"
                        '2,2015-08-31 18:22:00,"psi"\n3,2015-08-31 18:22:00,\n')
    assert result.format is Format.CSV_SERIES
    assert result.points == [Point(T0, 1.5, "score_mean"), Point(T0, 2.0, "psi")]
    assert result.errors == [(4, "series: empty")]


def test_ndjson_objects() -> None:
    text = ('{"timestamp": "2015-08-31T18:22:00Z", "series": "psi", "value": 0.1}\n'
            "{not json\n"
            '{"timestamp": 1441045320, "value": 3}\n'
            '{"series": "psi", "value": 1}\n'
            "[1, 2]\n")
    result = parse_text(text)
    assert result.format is Format.NDJSON
    assert result.points == [Point(T0, 0.1, "psi"), Point(T0, 3.0, None)]
    assert [line for line, _ in result.errors] == [2, 4, 5]


def test_headerless_csv_is_accepted() -> None:
    result = parse_text("2015-08-31 18:22:00,90\n2015-08-31 18:32:00,80\n")
    assert [p.value for p in result.points] == [90.0, 80.0]
    assert result.errors == []


def test_unknown_header_is_an_error_on_line_one() -> None:
    result = parse_text("when,what\n")
    assert result.points == []
    assert result.errors[0][0] == 1


def test_by_series_sorts_and_needs_a_name() -> None:
    result = parse_text("timestamp,value\n3,30\n1,10\n2,20\n")
    ts, values = result.by_series("x")["x"]
    assert ts.dtype == np.float64
    assert ts.tolist() == [1.0, 2.0, 3.0] and values.tolist() == [10.0, 20.0, 30.0]
    with pytest.raises(ValueError, match="series"):
        result.by_series(None)


def test_snapshot_header_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "snap.csv"
    path.write_text("profile_id,score\n1,50\n")
    assert sniff_format(path) is Format.SNAPSHOT
    assert parse_file(path).points == []


def test_nab_file_parses_completely() -> None:
    result = parse_file(nab_file(NAB))
    assert result.errors == []
    assert len(result.points) == result.lines > 1000
    assert result.points[0] == Point(T0, 90.0)
