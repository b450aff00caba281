"""The start-up reader (ui/prefetch.py): the window started on a reader's answers shows the
first screen a window started without it shows, falls back to the usual path when the
reader fails or dies, and shows what changed after the reader's read once it re-reads.

In-process, the reader's reply comes over a real pipe from a thread (a fork inside
pytest's Qt process would copy its threads' locks); the fork itself is run in
tests/ui/test_prefetch_fork.py, through ``commandcenter gui`` in a new process."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from datetime import timedelta
from typing import Any

import numpy as np
import pytest

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock
from commandcenter.ui import prefetch as reader
from commandcenter.ui.app import LazyServices, _FirstPaint, _start_prefetched
from commandcenter.ui.main_window import MainWindow
from commandcenter.ui.session import Session
from tests.ui.conftest import IDLE_MS
from tests.ui.test_commitments_panels import current_incident

SERIES = ("score_mean", "score_p50", "drop_share_50", "drop_share_20", "drop_share_10", "psi")


@pytest.fixture
def charted(company: Services, clock: SimulatedClock) -> Services:
    """The sample company with two hours of points for six charts."""
    t = clock.now().timestamp() - 60.0 * np.arange(120, 0, -1)
    company.health.ingest_arrays({s: (t, np.full(120, 50.0)) for s in SERIES},
                                 source="test", evaluate=False)
    return company


@pytest.fixture(autouse=True)
def simulated_now(monkeypatch: pytest.MonkeyPatch, clock: SimulatedClock) -> None:
    """Before its services exist the window tells the time by the wall clock; here, as
    the reader does, by the tests' simulated one."""
    monkeypatch.setattr(Session, "now", lambda self: clock.now())


def piped(status: str, body: Any, *, pid: int | None = None) -> reader.Prefetch:
    """A Prefetch reading ``(status, body)`` from a pipe, written by a thread as the
    child writes it."""
    read_fd, write_fd = os.pipe()
    threading.Thread(target=reader.send, args=(write_fd, status, body), daemon=True).start()
    return reader.Prefetch(pid, read_fd)


def first_screen(window: MainWindow) -> dict[str, Any]:
    """What a user sees once the first screen has its data."""
    return {"incidents": [window.incidents.model.row_object(r).id
                          for r in range(window.incidents.model.rowCount())],
            "incident": window.session.incident.id if window.session.incident else None,
            "timeline": [window.timeline.model.entry(r).id
                         for r in range(window.timeline.model.rowCount())],
            "points": {n: int(c.ts.size) for n, c in window.health.charts.items()
                       if c.ts.size}}


def start_plain(qtbot, services: Services) -> tuple[MainWindow, dict[str, Any]]:  # type: ignore[no-untyped-def]
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.resize(1600, 1000)
    seen: dict[str, Any] = {}
    window.sig_first_screen.connect(lambda: seen.update(first_screen(window)))
    window.show()
    window.start(sign_in=False)
    qtbot.waitUntil(lambda: window.first_screen and window.tasks.idle()
                    and not window.health.charts_pending(), timeout=IDLE_MS)
    return window, seen


def start_prefetched(qtbot, services: Services, prefetch: reader.Prefetch,  # type: ignore[no-untyped-def]
                     ) -> tuple[MainWindow, LazyServices, dict[str, Any]]:
    """As run_gui starts the window on a reader's answers; the window's own services,
    when it builds them, are ``services``."""
    gate = threading.Event()
    lazy = LazyServices(services.settings, lambda: services, gate, prefetch)
    window = MainWindow(lazy)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    window.resize(1600, 1000)
    seen: dict[str, Any] = {}

    def at_first_screen() -> None:
        seen.update(first_screen(window), built=lazy.built)

    window.sig_first_screen.connect(at_first_screen)
    marked = window._live_marked

    def at_live() -> None:  # what the window shows as it turns LIVE
        if "live" not in seen:
            seen["live"] = {**first_screen(window), "score_mean": (
                window.health.charts["score_mean"].ts.size
                if "score_mean" in window.health.charts else 0)}
        marked()

    window._live_marked = at_live  # type: ignore[method-assign]
    first_paint = _FirstPaint(window, gate)
    failures: list[BaseException] = []
    window.show()
    _start_prefetched(window, lazy, prefetch, first_paint, failures.append)
    qtbot.waitUntil(lambda: window.first_screen, timeout=IDLE_MS)
    qtbot.waitUntil(lambda: window._live_started and window.tasks.idle()
                    and not window.health.charts_pending(), timeout=IDLE_MS)
    assert failures == []
    return window, lazy, seen


def answers(services: Services, clock: SimulatedClock) -> dict[str, Any]:
    return reader.first_screen_reads(services, clock.now())


def test_the_reader_shows_the_same_first_screen_as_the_usual_start(
        qtbot, qapp, charted: Services, clock: SimulatedClock) -> None:  # type: ignore[no-untyped-def]
    plain, usual = start_plain(qtbot, charted)
    plain.close()
    prefetch = piped("ok", answers(charted, clock))
    window, lazy, seen = start_prefetched(qtbot, charted, prefetch)

    assert prefetch.misses == []
    seen.pop("live")
    assert seen.pop("built") is False  # answered by the reader, before any build
    assert prefetch.misses == []  # every first-screen read was one the reader made
    assert seen == usual
    assert usual["timeline"] and usual["incidents"]
    assert "score_mean" in usual["points"]  # the charts in view, with their points
    # Then the window's own services, the watcher on them, and LIVE.
    assert lazy.built and prefetch.retired and window.live.connected
    assert window.status.mode.text() == "LIVE"
    window.close()


def test_the_lite_reader_s_answers_show_the_same_first_screen(
        qtbot, qapp, charted: Services, clock: SimulatedClock) -> None:  # type: ignore[no-untyped-def]
    """The child's lite path (services/read_only.py): its answers' arrays are bytes until
    the window unpickles them; the window shows what the usual start shows."""
    from commandcenter.services.read_only import open_first_screen

    plain, usual = start_plain(qtbot, charted)
    plain.close()
    lite = open_first_screen(charted.settings, clock)
    assert lite is not None
    try:
        body = reader.first_screen_reads(lite, clock.now(), lite=True)
    finally:
        lite.close()
    prefetch = piped("ok", body)
    window, _lazy, seen = start_prefetched(qtbot, charted, prefetch)
    seen.pop("live")
    assert seen.pop("built") is False
    assert prefetch.misses == []
    assert seen == usual and "score_mean" in usual["points"]
    window.close()


def test_a_change_committed_after_the_read_is_shown_after_the_re_read(
        qtbot, qapp, charted: Services, clock: SimulatedClock,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The pager's first tick pages the sample's reviewer, and a page re-reads every
    # panel: kept out, so that the re-read seen is the start-up one.
    from commandcenter.ui.pager import Pager

    monkeypatch.setattr(Pager, "start", lambda self: None)
    body = answers(charted, clock)
    inc = current_incident(charted)
    # Another desk writes between the reader's read and this window's watcher starting.
    entry = charted.incidents.add_entry(inc, "written after the reader read", "Alex Moreau")
    later = charted.incidents.open("Opened after the reader read",
                                   charted.incidents.get(inc).severity, "Alex Moreau")
    t = clock.now().timestamp() - 30.0
    charted.health.ingest_arrays({"score_mean": (np.array([t]), np.array([70.0]))},
                                 source="test", evaluate=False)
    window, _lazy, seen = start_prefetched(qtbot, charted, piped("ok", body))

    # The first screen: the reader's read, without the change.
    assert seen["incident"] == inc
    assert later.id not in seen["incidents"] and entry.id not in seen["timeline"]
    # By the time LIVE shows, the re-read is back: the new incident listed, the entry
    # on the timeline, the point drawn.
    live = seen["live"]
    assert later.id in live["incidents"] and entry.id in live["timeline"]
    assert live["incident"] == inc
    assert live["score_mean"] == seen["points"]["score_mean"] + 1
    chart = window.health.charts["score_mean"]
    assert float(chart.values[np.argmax(chart.ts)]) == 70.0
    window.close()


def test_a_failing_reader_leaves_the_usual_path_and_says_why(
        qtbot, qapp, charted: Services, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    plain, usual = start_plain(qtbot, charted)
    plain.close()
    caplog.set_level(logging.WARNING, logger="commandcenter.ui.prefetch")
    prefetch = piped("error", "Traceback (most recent call last):\n  boom\nOSError: disk gone")
    window, _lazy, seen = start_prefetched(qtbot, charted, prefetch)

    assert not prefetch.ok and "disk gone" in (prefetch.failure or "")
    assert any("disk gone" in r.getMessage() for r in caplog.records)  # reported
    seen.pop("live")
    assert seen.pop("built") is True  # the usual path: services built before the reads
    assert prefetch.hits == []
    assert seen == usual
    window.close()


def test_a_dead_reader_is_reaped_and_the_window_starts_without_it(
        qtbot, qapp, charted: Services) -> None:  # type: ignore[no-untyped-def]
    read_fd, write_fd = os.pipe()
    # A child that dies without a word: its end of the pipe closes with it.
    child = subprocess.Popen([sys.executable, "-c", "import os; os._exit(3)"],
                             pass_fds=(write_fd,))
    os.close(write_fd)
    prefetch = reader.Prefetch(child.pid, read_fd)
    window, _lazy, seen = start_prefetched(qtbot, charted, prefetch)

    assert seen["built"] is True and seen["timeline"]
    assert "no readable answer" in (prefetch.failure or "")
    assert prefetch.pid is None  # reaped: no zombie left
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)
    window.close()


def test_a_reader_that_never_answers_is_ended_after_its_time(
        qtbot, qapp, charted: Services) -> None:  # type: ignore[no-untyped-def]
    read_fd, write_fd = os.pipe()
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    prefetch = reader.Prefetch(child.pid, read_fd, timeout_s=0.2)
    try:
        window, _lazy, seen = start_prefetched(qtbot, charted, prefetch)
        assert seen["built"] is True and "in time" in (prefetch.failure or "")
        assert prefetch.pid is None  # ended (SIGKILL) and reaped
        with pytest.raises(ChildProcessError):
            os.waitpid(child.pid, os.WNOHANG)
        window.close()
    finally:
        os.close(write_fd)
        if child.poll() is None:
            child.kill()


def test_calls_the_reader_did_not_make_go_to_the_services(charted: Services,
                                                        clock: SimulatedClock) -> None:
    prefetch = piped("ok", answers(charted, clock))
    inc = current_incident(charted)
    found, incidents = prefetch.answer("incidents", "list", (), {})
    assert found and [i.id for i in incidents] == [i.id for i in charted.incidents.list()]
    assert prefetch.answer("incidents", "timeline", (inc,), {"limit": 5}) == (False, None)
    # A chart range a moment later than the reader's is its answer; a day later is not.
    now = clock.now()
    hour = reader.CHART_SPAN
    later = now + timedelta(seconds=2)
    found, data = prefetch.answer("health", "points", ("score_mean", later - hour, later,
                                                       reader.CHART_POINTS), {})
    assert found
    assert data.ts.size == charted.health.points("score_mean", now - hour, now + timedelta(
        seconds=1), reader.CHART_POINTS).ts.size > 0
    assert prefetch.answer("health", "points", ("score_mean", now - 2 * hour, now - hour,
                                                reader.CHART_POINTS), {}) == (False, None)
    prefetch.retire()
    assert prefetch.answer("incidents", "list", (), {}) == (False, None)


def test_no_fork_where_it_is_unsafe(charted: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    # Here PySide6 is imported and pytest-qt's threads run: never forked.
    assert "Qt or threads" in (reader.may_fork(charted.settings) or "")
    calls: list[str] = []
    assert reader.start(charted.settings, fork=lambda: calls.append("fork") or 0) is None
    assert calls == []
    monkeypatch.setenv(reader.ENV, "0")
    assert reader.ENV in (reader.may_fork(charted.settings) or "")


def test_runnable_tasks_are_read_from_the_kernel() -> None:
    busy = reader.runnable_elsewhere()
    assert busy is None or busy >= 0
    if sys.platform.startswith("linux"):
        assert busy is not None


def test_the_answers_come_back_without_the_database_layer(
        charted: Services, clock: SimulatedClock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The window unpickles the reader's answers before it has imported SQLAlchemy;
    a class of theirs defined beside the queries imported it there, on the worker,
    holding the GIL for 0.3 s while the first screen waited."""
    import pickle

    charted.changes.add("Decay tuning", clock.now() + timedelta(days=3), "Alex Moreau")
    t = clock.now().timestamp() - 60.0 * np.arange(600, 0, -1) + 60.0
    values = 50 + np.sin(np.arange(600) / 10.0)
    values[450:] -= 25  # a score drop: an anomaly alert
    charted.health.ingest_arrays({"score_p90": (t, values)}, source="feed")
    body = answers(charted, clock)
    found = {k[:2]: pickle.loads(b) for k, b in body["answers"].items()}
    assert found[("changes", "chart_marks")][1] and found[("health", "alerts")][1]
    (tmp_path / "answers.pkl").write_bytes(pickle.dumps(body))
    code = ("import pickle, sys\n"
            f"body = pickle.loads(open({str(tmp_path / 'answers.pkl')!r}, 'rb').read())\n"
            "values = [pickle.loads(b) for b in body['answers'].values()]\n"
            "points = [pickle.loads(b) for _lo, _hi, b in body['points'].values()]\n"
            "print(len(values), len(points), sorted(m for m in sys.modules\n"
            "      if m.split('.')[0] in ('sqlalchemy', 'PySide6')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout.strip().split(maxsplit=2)
    assert out == [str(len(body["answers"])), str(len(body["points"])), "[]"]


def test_charts_below_the_fold_wait_for_the_first_screen(qtbot, charted: Services) -> None:  # type: ignore[no-untyped-def]
    """Built while the timeline's read waited for its turn, they delayed the first screen."""
    window = MainWindow(charted)
    qtbot.addWidget(window)
    window.resize(1600, 1000)
    at_first_view: list[int] = []
    at_first_screen: list[int] = []
    window.health.sig_first_view.connect(lambda: at_first_view.append(len(window.health.charts)))
    window.sig_first_screen.connect(lambda: at_first_screen.append(len(window.health.charts)))
    window.show()
    window.start(sign_in=False)
    assert window.tasks.burst  # the first screen's reads: callbacks as they arrive
    qtbot.waitUntil(lambda: window.first_screen and window.tasks.idle()
                    and not window.health.charts_pending(), timeout=IDLE_MS)
    assert at_first_view == at_first_screen and 0 < at_first_screen[0] < len(SERIES)
    assert not window.tasks.burst  # callbacks one per turn once the first screen is shown
    assert set(window.health.charts) == set(SERIES)  # then the rest
    window.close()


def test_the_worker_takes_the_answers_after_the_first_paint(charted: Services,
                                                            clock: SimulatedClock) -> None:
    """The lite reader answers before the window has painted; unpickled then (NumPy
    imported for the points), they would share the GIL with that paint."""
    gate = threading.Event()
    lazy = LazyServices(charted.settings, lambda: charted, gate,
                        piped("ok", answers(charted, clock)))
    got: list[Any] = []
    worker = threading.Thread(target=lambda: got.append(lazy.incidents.list()))
    worker.start()
    worker.join(0.2)
    assert worker.is_alive() and got == []  # waits for the paint
    gate.set()
    worker.join()
    assert got and got[0] == charted.incidents.list() and not lazy.built
