"""Another workstation's change appears in an open window without pressing Refresh,
on PostgreSQL (LISTEN/NOTIFY) and on SQLite (``PRAGMA data_version``); a lost
connection makes the window read-only until it reconnects and re-reads everything."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from commandcenter.domain.incidents import Severity
from commandcenter.domain.operators import Action
from tests.conftest import BACKEND_PARAMS
from tests.ui.conftest import sign_in, wait_idle
from tests.ui.fixtures import PASSPHRASE

# Hang guards for the waits, not speed limits: the latency is measured in
# tests/benchmarks/bench_live.py (make bench).
GUARD_MS = 30_000


def titles(window) -> list[str]:  # type: ignore[no-untyped-def]
    model = window.incidents.model
    return [model.row_object(r).title for r in range(model.rowCount())]


def other_process(url: str, *args: str) -> None:
    """The command line, in a process of its own, as on another desk."""
    env = {**os.environ, "COMMANDCENTER_PASSPHRASE": PASSPHRASE}
    done = subprocess.run([sys.executable, "-m", "commandcenter", "--database-url", url, *args],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("backend", BACKEND_PARAMS)
def test_a_window_sees_another_process_insert(qtbot, window, company):  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.live.connected, timeout=GUARD_MS)
    assert "Checkout is down" not in titles(window)
    other_process(company.settings.database_url, "incident", "open", "Checkout is down",
                  "--severity", "SEV2", "--as", "Maya Lindqvist")
    qtbot.waitUntil(lambda: "Checkout is down" in titles(window), timeout=GUARD_MS)


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_lost_connection_is_read_only_then_reconnects_and_rereads(qtbot, window, company):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Maya Lindqvist")
    live = window.live
    qtbot.waitUntil(lambda: live.connected, timeout=GUARD_MS)
    assert window.session.may(Action.WRITE_TIMELINE)
    live.backoff = (2.0,)  # long enough to change something while it is away
    pid = live._listener.conn.info.backend_pid
    with company.engine.connect() as conn:  # the server drops the window's connection
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    qtbot.waitUntil(lambda: not live.connected, timeout=GUARD_MS)
    assert window.connection_banner.isVisible()
    assert "READ-ONLY" in window.connection_banner.text()
    assert not window.session.may(Action.WRITE_TIMELINE)
    assert not window.actions_by_name["write"].isEnabled()
    refused: list[BaseException] = []
    window.session.write(lambda: pytest.fail("a write ran while read-only"),
                         on_error=refused.append)
    assert refused and "read-only" in str(refused[0])
    company.incidents.open("Opened while the window was away", Severity.SEV3,
                           "Maya Lindqvist")
    qtbot.waitUntil(lambda: live.connected, timeout=GUARD_MS)
    qtbot.waitUntil(lambda: "Opened while the window was away" in titles(window),
                    timeout=GUARD_MS)
    wait_idle(qtbot, window)
    assert not window.connection_banner.isVisible()
    assert window.session.may(Action.WRITE_TIMELINE)
    assert "Reconnected" in window.statusBar().currentMessage()
