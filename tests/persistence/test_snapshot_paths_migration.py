"""Migration 0012: absolute snapshot paths under the data folder's snapshot folder become
relative; any other path stays exactly as it was. On SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text

from commandcenter.persistence.engine import make_engine
from commandcenter.persistence.migrate import alembic_config, current_revision, upgrade
from tests.conftest import BACKEND_PARAMS

BEFORE = "0011"


@pytest.fixture(params=BACKEND_PARAMS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database at 0011. SQLite: its file in the data folder ``tmp_path / "data"``."""
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
    else:
        (tmp_path / "data").mkdir()
        url = f"sqlite:///{tmp_path / 'data' / 'cc.sqlite'}"
    eng = make_engine(url)
    _migrate(eng, "upgrade", BEFORE)
    yield eng
    eng.dispose()


def _migrate(engine: Engine, how: str, to: str, data_dir: Path | None = None) -> None:
    cfg = alembic_config(engine, data_dir=data_dir)
    with engine.connect() as conn, conn.begin():
        cfg.attributes["connection"] = conn
        getattr(command, how)(cfg, to)


def _insert(engine: Engine, paths: dict[int, str | None]) -> None:
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO snapshots (id, taken_at, profile_count, healthy, path, source, metrics)"
            " VALUES (:id, :at, 10, :ok, :path, 'test', '{}')"),
            [{"id": i, "at": f"2026-03-{i:02d} 08:00:00", "ok": True, "path": p}
             for i, p in paths.items()])


def _paths(engine: Engine) -> dict[int, str | None]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT id, path FROM snapshots ORDER BY id")).all())


def _old_rows(tmp_path: Path) -> tuple[dict[int, str | None], set[int]]:
    """Rows as code before 0012 wrote them, and beside them; the ids of those under the
    snapshot folder of ``tmp_path / "data"``."""
    data = tmp_path / "data"
    snaps = data / "snapshots"
    (snaps / "snapshot-000009").mkdir(parents=True)
    os.symlink(data, tmp_path / "link")
    rows = {
        1: str(snaps / "snapshot-000001"),  # under: relative
        2: str(snaps / "snapshot-000002.npz"),  # a snapshot stored before streaming: a file
        3: str(tmp_path / "elsewhere" / "snapshots" / "snapshot-000003"),  # another folder
        4: str(data / "snapshots2" / "snapshot-000004"),  # a name that only begins alike
        5: None,  # a warehouse snapshot: no rows stored
        6: str(snaps),  # the snapshot folder itself: nothing to name relatively
        7: str(snaps / ".." / "outbox" / "snapshot-000007"),  # leaves it again
        8: "snapshot-000008",  # already relative
        9: str(tmp_path / "link" / "snapshots" / "snapshot-000009"),  # by a link to it
        10: "",
    }
    return rows, {1, 2, 9}


def test_absolute_paths_under_the_snapshot_folder_become_relative(
        engine: Engine, tmp_path: Path) -> None:
    rows, under = _old_rows(tmp_path)
    _insert(engine, rows)
    data = tmp_path / "data"
    upgrade(engine, data_dir=data)
    assert current_revision(engine) == "0012"
    got = _paths(engine)
    assert got == {**rows, 1: "snapshot-000001", 2: "snapshot-000002.npz",
                   9: "snapshot-000009"}
    assert {i for i in rows if got[i] != rows[i]} == under
    # Downgrade is the reverse: every relative path absolute again, under this folder.
    _migrate(engine, "downgrade", BEFORE, data)
    back = _paths(engine)
    snaps = data / "snapshots"
    assert back == {**rows, 8: str(snaps / "snapshot-000008"),
                    9: str(snaps / "snapshot-000009")}
    _migrate(engine, "upgrade", "head", data)
    assert _paths(engine) == {**got, 8: "snapshot-000008"}


def test_without_a_data_folder_sqlite_uses_the_database_file_s(engine: Engine,
                                                               tmp_path: Path) -> None:
    """``upgrade(engine)`` alone: on SQLite the data folder is the file's own (as the
    default data folder keeps it); on PostgreSQL there is none, and nothing changes."""
    rows, _under = _old_rows(tmp_path)
    _insert(engine, rows)
    upgrade(engine)
    got = _paths(engine)
    if engine.dialect.name == "sqlite":
        assert got[1] == "snapshot-000001" and got[3] == rows[3]
    else:
        assert got == rows
