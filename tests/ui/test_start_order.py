"""Start-up order: the panels in view get their data first; hidden ones after, still with
their data; "LIVE" only once the data shown is live."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pytest

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock
from commandcenter.ui.main_window import MainWindow
from tests.ui.conftest import IDLE_MS
from tests.ui.test_commitments_panels import current_incident

SERIES = ("score_mean", "score_p50", "drop_share_50", "drop_share_20", "drop_share_10", "psi")


@pytest.fixture
def busy_company(company: Services, clock: SimulatedClock) -> Services:
    """The sample company with six charts' worth of points, a promise and a planned change."""
    now = clock.now()
    t = now.timestamp() - 60.0 * np.arange(120, 0, -1)
    company.health.ingest_arrays({s: (t, np.full(120, 50.0)) for s in SERIES},
                                 source="test", evaluate=False)
    inc = current_incident(company)
    company.commitments.add(inc, "an update at the top of the hour", now + timedelta(hours=1),
                            "Tom Becker")
    company.changes.add("Decay tuning", now + timedelta(days=3), "Alex Moreau")
    return company


def spy(panel: Any, name: str, events: list[str]) -> None:
    """Note ``name`` in ``events`` whenever ``panel`` receives its data."""
    loaded = panel._loaded

    def noted(result: Any) -> None:
        events.append(name)
        loaded(result)

    panel._loaded = noted  # reload hands ``self._loaded`` to the worker: looked up per call


def test_hidden_panels_load_after_the_first_screen_and_get_their_data(
        qtbot, qapp, busy_company: Services) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(busy_company)
    qtbot.addWidget(window)
    window.resize(1600, 1000)
    window.show()
    events: list[str] = []
    modes: list[str] = []
    for name, panel in (("listening", window.listening), ("commitments",
                        window.commitments_panel), ("changes", window.changes_panel)):
        spy(panel, name, events)
    window.sig_first_screen.connect(lambda: events.append("first screen"))
    window.tasks.sig_delivered.connect(lambda: modes.append(window.status.mode.text()))
    first: dict[str, Any] = {}

    def at_first_screen() -> None:
        # What the user sees at that moment: timeline rows, charts in view with points.
        first["timeline_rows"] = window.timeline.model.rowCount()
        first["charts_with_points"] = [n for n, c in window.health.charts.items()
                                       if c.ts.size]
        first["mode"] = window.status.mode.text()

    window.sig_first_screen.connect(at_first_screen)
    # Commitments and the change calendar are tabs behind the composer, listening
    # behind Score health: out of sight.
    assert all(window.docks[k].visibleRegion().isEmpty()
               for k in ("listening", "commitments", "changes"))
    window.start(sign_in=False)
    qtbot.waitUntil(lambda: {"listening", "commitments", "changes"} <= set(events)
                    and window.tasks.idle() and not window.health.charts_pending(),
                    timeout=IDLE_MS)

    assert events.index("first screen") < min(events.index(n) for n in
                                              ("listening", "commitments", "changes"))
    assert first["timeline_rows"] > 0
    assert "score_mean" in first["charts_with_points"]
    assert first["mode"] == "LIVE"
    # Before the first screen, never LIVE.
    before = modes[:next(i for i, m in enumerate(modes) if m == "LIVE")]
    assert before and all(m != "LIVE" for m in before)
    # The held panels still got their data, and the charts below the fold their points.
    assert window.commitments_panel.model.rowCount() == 1
    assert window.changes_panel.model.rowCount() == 1
    assert set(SERIES) <= set(window.health.charts)
    assert all(c.ts.size for c in window.health.charts.values())
    window.close()


def test_bringing_a_hidden_panel_forward_loads_it_at_once(
        qtbot, qapp, busy_company: Services) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(busy_company)
    qtbot.addWidget(window)
    window.show()
    events: list[str] = []
    spy(window.commitments_panel, "commitments", events)
    window.sig_first_screen.connect(lambda: events.append("first screen"))
    window.start(sign_in=False)
    window.docks["commitments"].raise_()  # the user clicks its tab while the window loads
    qtbot.waitUntil(lambda: "first screen" in events and "commitments" in events
                    and window.tasks.idle(), timeout=IDLE_MS)
    # Read in the first round, not held until the charts had their points.
    assert events.index("commitments") < events.index("first screen")
    assert window.commitments_panel.model.rowCount() == 1
    window.close()


def test_not_live_and_no_paging_tick_while_the_first_reads_are_pending(
        qtbot, qapp, company: Services) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(company)
    qtbot.addWidget(window)
    window.show()
    window.start(sign_in=False)
    window._tick()  # the clock's tick before any read has come back
    assert window.status.mode.text() != "LIVE"
    assert not window.pager.timer.isActive()  # paging ticks after the first screen
    qtbot.waitUntil(lambda: window.first_screen, timeout=IDLE_MS)
    assert window.status.mode.text() == "LIVE"
    assert window.pager.timer.isActive()
    window.close()


def test_garbage_collection_waits_for_the_first_screen_and_comes_back() -> None:
    import gc

    from commandcenter.ui.app import _StartupCollection

    assert gc.isenabled()
    collection = _StartupCollection()
    try:
        assert not gc.isenabled()  # while the window starts
    finally:
        collection.resume(freeze=False)  # the first screen (or run_gui's end)
    assert gc.isenabled()
    collection.resume()  # a second call changes nothing
    assert gc.isenabled()


def test_on_the_start_up_readers_answers_live_comes_after_the_build_the_watcher_and_the_re_read(
        qtbot, qapp, busy_company: Services, clock: SimulatedClock,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``gui`` with the forked reader (ui/prefetch.py): the first screen from its answers,
    then this window's services, the watcher, the re-read, and only then LIVE."""
    from commandcenter.ui import prefetch as reader
    from commandcenter.ui.live import LiveUpdates
    from commandcenter.ui.session import Session
    from tests.ui.test_prefetch import piped, start_prefetched

    monkeypatch.setattr(Session, "now", lambda self: clock.now())
    body = reader.first_screen_reads(busy_company, clock.now())
    events: list[str] = []
    windows: list[MainWindow] = []
    real_watch = LiveUpdates.start

    def watch(self: LiveUpdates) -> None:
        events.append("watcher, " + ("built" if windows[0].services.built else "not built"))
        real_watch(self)

    monkeypatch.setattr(LiveUpdates, "start", watch)
    real_init = MainWindow.__init__

    def init(self: MainWindow, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        windows.append(self)
        self.sig_first_screen.connect(lambda: events.append("first screen"))
        self.session.sig_data_changed.connect(lambda: events.append("re-read"))
        self.tasks.sig_delivered.connect(
            lambda: self.status.mode.text() == "LIVE" and "LIVE" not in events
            and events.append("LIVE"))

    monkeypatch.setattr(MainWindow, "__init__", init)
    window, _lazy, seen = start_prefetched(qtbot, busy_company, piped("ok", body))
    window._tick()
    assert seen["built"] is False  # the first screen, on the reader's answers
    assert events[:3] == ["first screen", "watcher, built", "re-read"]
    assert window.status.mode.text() == "LIVE"
    window.close()
