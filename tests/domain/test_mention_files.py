"""Mention files: CSV and NDJSON with the same keys; a bad file is named line by line."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from commandcenter.domain.errors import InvalidInput
from commandcenter.domain.mention_files import (
    BadLines,
    Refused,
    column_batches,
    dedupe_column,
    dedupe_key,
    is_ndjson,
    parse,
)

HEADER = "channel,author,reach,text,at,link,profile_id\n"


def read(path: Path) -> list:
    """What an import does: every row, then refuse if any was bad. A CSV file is also read
    by ``column_batches`` (a big import's reader), which must give the same rows or refuse
    the same files."""
    bad = BadLines(path.name)
    good = []
    for line, row, error in parse(path):
        if row is None:
            bad.add(line, error)
        else:
            good.append(row)
    if not is_ndjson(path):
        for size in (1, 2, 1000):
            if bad.count:
                with pytest.raises(Refused):
                    list(column_batches(path, size))
            else:
                assert by_columns(path, size) == [r[1:] for r in good]
    bad.raise_if_any(len(good))
    return good


def by_columns(path: Path, size: int) -> list[tuple]:
    return [row for columns in column_batches(path, size) for row in zip(*columns, strict=True)]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_rows_with_optional_columns_quotes_and_commas(tmp_path: Path) -> None:
    path = write(tmp_path, "m.csv", HEADER
                 + 'x,@pam,12000,"Yet my score dropped 19 points, today",2026-12-02T09:15:00Z,'
                   "https://x.example/s/1,\n"
                 + 'facebook,Richard M,800,"He said ""plummet""\nand left",'
                   "2026-12-02T10:00:00+01:00,,4711\n")
    rows = read(path)
    assert [r[0] for r in rows] == [2, 3]
    _line, channel, author, reach, text, at_ts, link, profile_id = rows[0]
    assert (channel, author, reach, link, profile_id) == ("x", "@pam", 12000,
                                                          "https://x.example/s/1", None)
    assert text == "Yet my score dropped 19 points, today"
    assert at_ts == datetime(2026, 12, 2, 9, 15, tzinfo=UTC).timestamp()
    assert rows[1][4] == 'He said "plummet"\nand left'
    assert rows[1][5] == datetime(2026, 12, 2, 9, 0, tzinfo=UTC).timestamp()
    assert rows[1][7] == "4711"


def test_columns_in_any_order_without_the_optional_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "m.csv", "at,text,reach,author,channel\n"
                 "2026-12-02T09:15:00Z,hello,5,bob,X\n")
    assert read(path)[0][1:5] == ("x", "bob", 5, "hello")


def test_ndjson_with_the_same_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "m.ndjson",
                 '{"channel": "x", "author": "@pam", "reach": 12000, "text": "why?", '
                 '"at": "2026-12-02T09:15:00Z", "profile_id": 4711}\n\n'
                 '{"channel": "blog", "author": "Kalani", "reach": "300", "text": "fools", '
                 '"at": "2026-12-02T09:16:00Z", "link": "https://blog.example/p"}\n')
    rows = read(path)
    assert [(r[0], r[2], r[3], r[7]) for r in rows] == [(1, "@pam", 12000, "4711"),
                                                       (3, "Kalani", 300, None)]


def test_a_malformed_csv_names_each_bad_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.csv", HEADER
                 + "x,a,10,fine,2026-12-02T09:15:00Z,,\n"
                 + "x,b,10,bad time,yesterday at noon,,\n"
                 + "x,c,-5,negative reach,2026-12-02T09:15:00Z,,\n"
                 + "x,d,10,missing a column,2026-12-02T09:15:00Z\n"
                 + 'x,e,10,"broken quote,2026-12-02T09:15:00Z,,\n'
                 + "x,f,10,after it,2026-12-02T09:15:00Z,,\n")
    with pytest.raises(InvalidInput) as exc:
        read(path)
    message = str(exc.value)
    assert message.startswith("line 3: at: ")
    assert message.endswith(" (4 bad lines in bad.csv, nothing imported)")
    assert "line 3: at: 'yesterday at noon' is not an ISO 8601 time in years 1 to 9999" in message
    assert "line 4: reach: -5 is negative" in message
    assert "line 5: 5 fields where the header has 7" in message
    assert "line 6: broken quote: a quote opened on this line is never closed" in message
    assert "line 2" not in message


@pytest.mark.parametrize(("body", "expected"), [
    ("channel,author,reach,text\nx,a,1,t\n", "line 1: header: missing column at"),
    ("channel,author,reach,text,at,extra\n", "line 1: header: unknown column 'extra'"),
    ("", "line 1: the file is empty"),
    (HEADER + "x,a,1,t,2026-12-02T09:15:00,,\n", "line 2: at: '2026-12-02T09:15:00' has no "
                                                 "time zone"),
    (HEADER + "x,a,1.5,t,2026-12-02T09:15:00Z,,\n", "line 2: reach: '1.5' is not a whole"),
    (HEADER + "x,a,1, ,2026-12-02T09:15:00Z,,\n", "line 2: text: must not be empty"),
    (HEADER + "x,,1,t,2026-12-02T09:15:00Z,,\n", "line 2: author: must be 1 to 200"),
    (HEADER + "x,a,1,t,2026-12-02T09:15:00Z,ftp://x,\n", "line 2: link: 'ftp://x' is not"),
    (HEADER, "file: m.csv holds no mentions"),
    (HEADER + "x,a\x00b,1,t,2026-12-02T09:15:00Z,,\n", "line 2: author: contains a NUL"),
    (HEADER + "x,a,1_000,t,2026-12-02T09:15:00Z,,\n", "line 2: reach: '1_000' is not a whole"),
    (HEADER + "x,a," + "9" * 400 + ",t,2026-12-02T09:15:00Z,,\n", "line 2: reach: 9999"),
    (HEADER + "x,a,1,t,0001-01-01T00:00:00+14:00,,\n",
     "line 2: at: '0001-01-01T00:00:00+14:00' is outside years"),
    (HEADER + "x,a,1,t,9999-12-31T23:59:59-14:00,,\n",
     "line 2: at: '9999-12-31T23:59:59-14:00' is outside years 1 to 9999 in UTC"),
])
def test_csv_refusals(tmp_path: Path, body: str, expected: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(expected)):
        read(write(tmp_path, "m.csv", body))


def test_a_malformed_ndjson_names_each_bad_line(tmp_path: Path) -> None:
    ok = '"channel": "x", "author": "a", "text": "t", "at": "2026-12-02T09:15:00Z"'
    path = write(tmp_path, "m.jsonl", "\n".join([
        "{" + ok + ', "reach": 1}',
        "{" + ok + ', "reach": -1}',
        '{"channel": "x", "author": "a", "reach": 1, "text": "t"}',
        "{" + ok + ', "reach": 1',
        "{" + ok + ', "reach": 1, "followers": 3}',
        "[1, 2]",
        "{" + ok + ', "reach": true}',
    ]) + "\n")
    with pytest.raises(InvalidInput) as exc:
        read(path)
    message = str(exc.value)
    assert "(6 bad lines in m.jsonl, nothing imported)" in message
    for expected in ("line 2: reach: -1 is negative", "line 3: missing key at",
                     "line 4: not valid JSON", "line 5: unknown key 'followers'",
                     "line 6: not a JSON object", "line 7: reach: True is not a whole number"):
        assert expected in message


def test_many_bad_lines_are_counted_and_the_first_twenty_named(tmp_path: Path) -> None:
    path = write(tmp_path, "m.csv", HEADER + "x,a,-1,t,2026-12-02T09:15:00Z,,\n" * 30)
    with pytest.raises(InvalidInput) as exc:
        read(path)
    assert "line 21:" in str(exc.value) and "line 22:" not in str(exc.value)
    assert str(exc.value).endswith("(30 bad lines and 10 more in m.csv, nothing imported)")


def test_a_line_over_a_mebibyte_is_refused_unread(tmp_path: Path) -> None:
    huge = "t" * (1 << 20)
    path = write(tmp_path, "m.csv", HEADER + f"x,a,1,{huge},2026-12-02T09:15:00Z,,\n"
                 + "x,b,1,t,2026-12-02T09:15:00Z,,\n")
    with pytest.raises(InvalidInput, match=r"^line 2: longer than 1 MiB \(the rest is not read\)"):
        read(path)


def test_the_dedupe_key_is_stable_and_tells_mentions_apart() -> None:
    at = datetime(2026, 12, 2, 9, 15, tzinfo=UTC).timestamp()
    key = dedupe_key("x", "@pam", at, "my score!")
    assert key == dedupe_key("x", "@pam", at, "my score!")
    assert -(2**63) <= key < 2**63
    others = {dedupe_key("facebook", "@pam", at, "my score!"),
              dedupe_key("x", "@pam2", at, "my score!"), dedupe_key("x", "@pam", at, "my score")}
    assert key not in others and len(others) == 3


def test_odd_but_good_rows_read_the_same_by_columns(tmp_path: Path) -> None:
    """Rows the whole-column checks do not pass (spaces, non-ASCII, blank lines, leading
    zeros, a time with spaces around it) go through the row checks: the same values."""
    path = write(tmp_path, "m.csv", HEADER
                 + "X , Zoë Ärger ,007,Très déçu 😡,2026-12-02T09:15:00Z,,\n"
                 + "\n"
                 + "x,  spaced  , 42 ,  padded  , 2026-12-02T09:15:00+01:00 , https://a.b/c , 9 \n"
                 + 'blog,@pam,5,"quoted, ""doubled""\nover two lines",2026-12-02T09:16:00Z,,ïd\n'
                 + "x,@a,0,plain,2026-12-02T09:17:00.123456Z,,\n")
    rows = read(path)
    assert [r[2] for r in rows] == ["Zoë Ärger", "spaced", "@pam", "@a"]
    assert [r[3] for r in rows] == [7, 42, 5, 0]


def test_the_dedupe_column_is_the_dedupe_key_of_each_row() -> None:
    rows = [("x", "@pam", "my score!"), ("x", "@pam", ""), ("blog", "Zoë", "Très déçu 😡"),
            ("facebook", "a" * 200, "x" * 500), ("x", "@pam2", "my score!")]
    channels, authors, texts = map(list, zip(*rows, strict=True))
    assert dedupe_column(channels, authors, texts) == [dedupe_key(c, a, 0.0, t)
                                                       for c, a, t in rows]


def test_a_long_line_of_short_fields_is_refused_by_columns_too(tmp_path: Path) -> None:
    """Doubled quotes make the line twice as long as its fields: 7 fields under the csv
    module's limit, 1.2 MiB of line."""
    quotes = '"' + '""' * 90_000 + '"'
    path = write(tmp_path, "m.csv", HEADER + ",".join([quotes] * 7) + "\n"
                 + "x,b,1,t,2026-12-02T09:15:00Z,,\n")
    with pytest.raises(InvalidInput, match=r"^line 2: longer than 1 MiB"):
        read(path)
