"""Metric CSV/NDJSON under hostile input: each line is a point or a named error, never a crash.

A malformed line is skipped and reported (the file format's contract); a line
too long to read is the whole file refused, after reading a megabyte of it.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commandcenter.domain.errors import InvalidInput
from commandcenter.domain.limits import MAX_LINE_BYTES
from commandcenter.ingest import parsing
from commandcenter.ingest.parsing import (
    LineParser,
    ParseResult,
    bounded_lines,
    parse_text,
    parse_timestamp,
)
from tests.fuzz import HOSTILE_FIELDS, text_stream

# Each skipped line names the field at fault (or why the line is not a row at all).
REASON = re.compile(r"^(timestamp|value|series|header|field \d+): |^expected \d+ fields|"
                    r"^not a JSON object|^needs timestamp and value|^not CSV")


@pytest.mark.parametrize("raw", [
    "1e300", "-1e300", "9" * 400, 10**400, -(10**400), 1e300, "253402300800000",
    "-62135596800001", "0000-01-01T00:00:00", "10000-01-01T00:00:00",
    "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", float("nan"),
])
def test_timestamps_outside_years_1_to_9999_are_a_named_error(raw: object) -> None:
    with pytest.raises(ValueError, match=r"^timestamp: "):
        parse_timestamp(raw)


def test_the_edges_of_years_1_and_9999_are_times() -> None:
    assert parse_timestamp("0001-01-01T00:00:00Z") == datetime(1, 1, 1, tzinfo=UTC).timestamp()
    assert parse_timestamp("9999-12-31T23:59:59Z") == pytest.approx(253402300799.0)
    assert parse_timestamp("1772440200") == 1772440200.0
    assert parse_timestamp("1772440200000") == 1772440200.0  # milliseconds


def test_hostile_lines_are_skipped_with_their_line_and_field() -> None:
    text = "\n".join([
        "timestamp,series,value",
        "2026-03-02T08:30:00Z,score_mean,40",
        "1e300,score_mean,40",  # 3
        "2026-03-02T08:31:00Z,score_mean,1e300",  # 4: the detector's sums would overflow
        "2026-03-02T08:32:00Z,a\x00b,40",  # 5: no PostgreSQL text holds a NUL
        "2026-03-02T08:33:00Z," + "s" * 201 + ",40",  # 6
        '2026-03-02T08:34:00Z,"' + "q" * 140_000 + '",40',  # 7: over csv's field limit
        "2026-03-02T08:35:00Z,score_mean,41",
    ])
    result = parse_text(text)
    assert [p.value for p in result.points] == [40.0, 41.0]
    assert result.errors == [
        (3, "timestamp: 1e+300 is outside years 1 to 9999"),
        (4, "value: 1e+300 is beyond +-1e+15"),
        (5, "series: contains a NUL character"),
        (6, "series: longer than 200 characters (201)"),
        (7, "series: longer than 131072 characters"),
    ]


def test_ndjson_numbers_too_big_for_a_float_and_deep_nesting() -> None:
    lines = [json.dumps({"timestamp": "2026-03-02T08:30:00Z", "value": 1, "series": "s"}),
             '{"timestamp": ' + "9" * 400 + ', "value": 1}',
             '{"timestamp": 1772440200, "value": ' + "9" * 400 + "}",
             "[" * 100_000 + "]" * 100_000]
    result = parse_text("\n".join(lines))
    assert len(result.points) == 1
    assert [(n, r.split(":")[0]) for n, r in result.errors] == [
        (2, "timestamp"), (3, "value"), (4, "not a JSON object")]


def test_a_2_gb_line_is_refused_after_reading_about_a_megabyte() -> None:
    fh, raw = text_stream(2 << 30, head="timestamp,value\n2026-03-02T08:30:00Z,")
    with pytest.raises(InvalidInput, match=f"^line 2: longer than {MAX_LINE_BYTES} characters"):
        LineParser().feed(bounded_lines(fh), ParseResult())
    assert raw.position < 4 * MAX_LINE_BYTES


def test_a_million_columns_is_refused() -> None:
    fh, raw = text_stream(2_000_016, head="timestamp,value,", fill="c,")
    with pytest.raises(InvalidInput, match=r"^line 1: longer than"):
        list(bounded_lines(fh))
    wide = "timestamp,value," + ",".join(f"c{i}" for i in range(2000))
    assert parse_text(wide + "\n1,2\n").errors[0] == (1, "header: 2002 columns; at most 1000")
    assert raw.position < 4 * MAX_LINE_BYTES


def test_a_line_at_the_limit_is_read_one_over_is_refused() -> None:
    import io

    at_limit = "1772440200," + "1" * 49  # 60 characters
    assert [n for n, _ in bounded_lines(io.StringIO(f"{at_limit}\n{at_limit}\r\nx"), 60)] == [
        1, 2, 3]
    with pytest.raises(InvalidInput, match=r"^line 2: longer than 60 characters"):
        list(bounded_lines(io.StringIO(f"{at_limit}\n{at_limit}1\n"), 60))


_HEADERS = st.sampled_from(["timestamp,value", "timestamp,series,value", "value,timestamp",
                            "series,value,timestamp", "", "\ufefftimestamp,value",
                            "profile_id,score"])
_CSV_LINE = st.lists(HOSTILE_FIELDS, min_size=1, max_size=4).map(",".join)
_JSON_VALUE = st.one_of(HOSTILE_FIELDS, st.integers(-(10**500), 10**500),
                        st.floats(allow_nan=True), st.none(), st.booleans(),
                        st.lists(st.integers(), max_size=2))
_JSON_LINE = st.fixed_dictionaries(
    {}, optional={"timestamp": _JSON_VALUE, "value": _JSON_VALUE, "series": _JSON_VALUE}
).map(lambda d: json.dumps(d, allow_nan=True))


@settings(max_examples=200, deadline=None)
@given(header=_HEADERS, lines=st.lists(st.one_of(_CSV_LINE, _JSON_LINE), max_size=8),
       ending=st.sampled_from(["\n", "\r\n"]))
def test_every_line_is_a_point_or_a_named_error(header: str, lines: list[str],
                                               ending: str) -> None:
    result = parse_text(ending.join([header, *lines]))
    for ts, value, series in result.points:
        assert -62135596800.0 <= ts < 253402300800.0
        assert abs(value) <= parsing.MAX_VALUE
        assert series is None or (series.strip() and "\x00" not in series
                                  and len(series) <= 200)
        series is None or series.encode("utf-8")  # storable on every database
    for line, reason in result.errors:
        assert line >= 1 and REASON.search(reason), reason
