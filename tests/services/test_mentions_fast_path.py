"""The import's shortcuts (batch-wide caches, ASCII-only text checks, the lexicon sum, the
tallies kept while ranking) store exactly what recording each mention one by one does."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock
from commandcenter.persistence.mention_models import MentionAuthorRow, MentionRow
from tests.services.support import BOB, open_incident
from tests.services.test_mentions import snapshots, stamp, write

MIXED = [  # channel, author, reach, text, minutes ago, link, profile_id
    ("x", "@loud", "250000", "WTF why did my score drop? Unacceptable!", 10, "", ""),
    ("x", "@loud", "250000", "not happy, never fair, NOT GOOD AT ALL", 11, "", ""),
    ("facebook", "@loud", "12", "Scores look fine to me", 12, "https://x.example/1", ""),
    ("facebook", "Richard M", "5000", "my score dropped", 13, "", "7"),
    ("x", "pam", "5000", "my score dropped, thanks for nothing", 14, "", ""),
    ("blog", "Zoë Ärger", "980", "Très déçu: mon score a chuté 😡 scam", 15, "", ""),
    ("forum", "Steady", "5000", "This is unfair and my score is a joke", 16, "", "8"),
    ("digg", "@quiet", "0", "Reading about the new model", 17, "", ""),
    ("x", "@pam", "40", "\"quoted, with commas\" and a ""doubled"" quote", 18, "", ""),
    ("X", "  spaced  ", "7", "  padded text  ", 19, "", " 9 "),
]


def _csv_field(value: str) -> str:
    return f'"{value.replace(chr(34), chr(34) * 2)}"'


def _stored(svc: Services, incident_id: int) -> list[tuple[object, ...]]:
    with svc.ctx.uow() as uow:
        rows = uow.session.execute(select(MentionRow).where(
            MentionRow.incident_id == incident_id).order_by(MentionRow.id)).scalars()
        return [(r.channel, r.author, r.reach, r.text, r.at_ts, r.link, r.profile_id, r.dedupe,
                 r.negativity, r.own_score, r.confirmed, r.data_check, r.rank, r.state,
                 r.version) for r in rows]


def _authors(svc: Services, incident_id: int) -> list[tuple[object, ...]]:
    with svc.ctx.uow() as uow:
        rows = uow.session.execute(select(MentionAuthorRow).where(
            MentionAuthorRow.incident_id == incident_id)
            .order_by(MentionAuthorRow.author)).scalars()
        return [(r.author, r.channel, r.reach, r.confirmed, r.new) for r in rows]


def test_an_import_stores_what_recording_each_mention_stores(
        people: Services, clock: SimulatedClock, tmp_path: Path) -> None:
    snapshots(people, clock)
    imported, recorded = open_incident(people), open_incident(people, title="One by one")
    lines = [",".join(_csv_field(v) for v in (c, a, r, t, stamp(m), link, pid))
             for c, a, r, t, m, link, pid in MIXED]
    report = people.mentions.import_file(imported, write(tmp_path, lines), BOB)
    assert (report.rows, report.stored, report.duplicates) == (len(MIXED), len(MIXED), 0)
    for c, a, r, t, m, link, pid in MIXED:
        people.mentions.record(recorded, channel=c, author=a, reach=int(r), text=t,
                               at=datetime.fromisoformat(stamp(m)), link=link or None,
                               profile_id=pid or None)
    assert report.confirmed == sum(row[10] for row in _stored(people, recorded)) >= 2
    assert _stored(people, imported) == _stored(people, recorded)
    assert _authors(people, imported) == _authors(people, recorded)


def _rank_index(svc: Services) -> str | None:
    """The rank index's definition (SQLite rebuilds it after a big import; PostgreSQL
    keeps it as it is)."""
    with svc.ctx.uow() as uow:
        conn = uow.session.connection()
        sql = ("SELECT sql FROM sqlite_master WHERE name = 'ix_mentions_rank'"
               if conn.dialect.name == "sqlite" else
               "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_mentions_rank'")
        return conn.exec_driver_sql(sql).scalar()


def test_a_big_import_rebuilds_the_rank_index_inside_its_transaction(
        people: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from commandcenter.services.mentions import MentionService

    inc = open_incident(people)
    index = _rank_index(people)
    assert index is not None
    path = write(tmp_path, [f"x,@a{i},{i},why did my score drop ({i}),{stamp(i)},,"
                            for i in range(50)])

    def broken(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(MentionService, "_insert", staticmethod(broken))
    with pytest.raises(RuntimeError):
        people.mentions.import_file(inc, path, BOB)
    assert _rank_index(people) == index  # the drop was rolled back with the rows
    assert _stored(people, inc) == []
    monkeypatch.undo()
    assert people.mentions.import_file(inc, path, BOB).stored == 50
    assert _rank_index(people) == index
    ranked = people.mentions.list(inc, limit=50)
    assert [m.reach for m in ranked[:3]] == [49, 48, 47]


def test_the_column_tally_is_the_row_tally() -> None:
    from commandcenter.services.mention_authors import tally, tally_columns

    rows = [("x", "@a", 5, False), ("blog", "@a", 9, False), ("forum", "@a", 9, True),
            ("x", "@b", 0, False), ("digg", "@c", 3, True), ("x", "@b", 0, False),
            ("x", "@a", 2, False), ("blog", "@c", 3, False)]
    by_rows: dict = {}
    tally(by_rows, rows)
    by_columns = tally_columns(*map(list, zip(*rows, strict=True)))
    assert list(by_columns.items()) == list(by_rows.items())
    assert by_columns["@a"] == ["blog", 9, 4, True]  # the first row with the highest reach
    assert tally_columns([], [], [], []) == {}
