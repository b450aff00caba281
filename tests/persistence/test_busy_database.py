"""A database held by another writer past the busy timeout is a conflict (exit 4), not a crash."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from commandcenter.cli import main
from commandcenter.persistence import engine as engine_module


def test_a_locked_database_is_reported_as_a_conflict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COMMANDCENTER_DATA_DIR", str(tmp_path))
    url = f"sqlite:///{tmp_path / 'cc.sqlite'}"
    assert main(["--database-url", url, "db", "upgrade"]) == 0
    capsys.readouterr()
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 50)
    holder = sqlite3.connect(tmp_path / "cc.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another workstation in the middle of a write
    try:
        code = main(["--database-url", url, "roster", "list"])
        # The lite read path (persistence/lite_read.py) takes no lock: a WAL reader
        # reads the last committed state while the writer holds its lock.
        assert main(["--database-url", url, "incident", "list"]) == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = capsys.readouterr().err
    assert code == 4, err
    assert err.startswith("error: conflict: the database is busy")
    assert main(["--database-url", url, "roster", "list"]) == 0
