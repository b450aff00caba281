"""Live re-reads and live frames do only the work that changed what is on screen.

The window re-reads everything after another process's commit (twice a second on
SQLite while a drill runs) and the charts follow the clock four times a second;
these tests pin what those re-reads and frames must leave alone. No timings.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QHeaderView

from commandcenter.domain.clock import SimulatedClock
from commandcenter.ui.main_window import MainWindow
from commandcenter.ui.models.contacts import ContactsModel
from commandcenter.ui.models.incidents import IncidentListModel
from tests.ui.conftest import wait_idle
from tests.ui.test_health_panel import WAIT_MS, fed, panel_of  # noqa: F401 (fixture)


def contact(name: str, zone: str = "Europe/Paris") -> SimpleNamespace:
    return SimpleNamespace(contact=SimpleNamespace(name=name, timezone=zone),
                           availability=None, next_change=None, role=None)


def test_rows_equal_to_those_shown_do_not_reset_the_model(qapp) -> None:  # type: ignore[no-untyped-def]
    model = IncidentListModel()
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    rows = [(1, "a"), (2, "b")]
    assert model.set_rows(rows) is True
    assert model.set_rows(list(rows)) is False  # the same rows re-read
    assert len(resets) == 1
    assert model.set_rows([(1, "a"), (2, "c")]) is True
    assert len(resets) == 2


def test_rows_that_cannot_be_compared_count_as_changed(qapp) -> None:  # type: ignore[no-untyped-def]
    model = IncidentListModel()
    model.set_rows([np.arange(3)])
    assert model.set_rows([np.arange(3)]) is True  # arrays inside: never "equal"


def test_local_times_are_redrawn_only_when_a_clock_shown_moves(qapp, clock: SimulatedClock  # type: ignore[no-untyped-def]
                                                               ) -> None:
    model = ContactsModel()
    model.set_rows([contact("Ana"), contact("Ben", "Asia/Tokyo")])
    changed: list[QModelIndex] = []
    model.dataChanged.connect(lambda first, _last, *_: changed.append(first))
    now = clock.now().replace(second=0, microsecond=0)
    model.set_now(now)
    assert len(changed) == 1
    model.set_now(now + timedelta(seconds=20))  # still the same minute on every clock
    assert len(changed) == 1
    model.set_now(now + timedelta(minutes=1))
    assert len(changed) == 2


def test_incident_and_contact_columns_are_not_measured_on_every_re_read(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow) -> None:
    for table in (window.incidents.table, window.roster.table):
        header = table.horizontalHeader()
        modes = {header.sectionResizeMode(c) for c in range(header.count())}
        assert QHeaderView.ResizeMode.ResizeToContents not in modes


def test_a_live_re_read_of_everything_reads_each_panel_once(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                            monkeypatch) -> None:
    lists: list[int] = []
    incidents = window.services.incidents
    real = incidents.list
    # Only the re-read under test: no live watcher poll, no Score health tick meanwhile.
    window.live.stop()
    window.health.timer.stop()
    wait_idle(qtbot, window)
    monkeypatch.setattr(incidents, "list", lambda *a, **k: lists.append(1) or real(*a, **k))
    window._live_changed(None)
    wait_idle(qtbot, window)
    # The incidents panel reads the list once; Score health reads it once more for its
    # incident spans. Twice each (refresh() and sig_data_changed) before.
    assert len(lists) == 2


def test_a_re_read_that_brings_the_same_incident_back_tells_no_panel(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.session.incident is not None, timeout=WAIT_MS)
    resets: list[int] = []
    window.timeline.model.modelReset.connect(lambda: resets.append(1))
    told: list[object] = []
    window.session.sig_incident_changed.connect(told.append)
    window.session.reload_incident()
    window.timeline.model.refresh()
    wait_idle(qtbot, window)
    assert told == [] and resets == []
    # A real change still reaches the panels.
    inc = window.session.incident
    window.services.first_hour.rename(inc.id, inc.title + " (renamed)", "Alex Moreau")
    window.session.reload_incident()
    wait_idle(qtbot, window)
    assert len(told) == 1 and told[0].title.endswith("(renamed)")  # type: ignore[attr-defined]


def test_points_and_range_arrive_in_one_call_and_tiny_moves_are_skipped(qapp) -> None:  # type: ignore[no-untyped-def]
    from tests.benchmarks.bench_chart import new_chart

    chart = new_chart()
    t = 1_000_000.0 + np.arange(3600.0)
    chart.set_data(t, np.sin(t / 100))
    chart.set_x_range(t[0], t[-1])
    new_t = t[-1] + 1 + np.arange(60.0)
    added = chart.follow(t[0] + 60, new_t[-1], new_t, np.full(60, 5.0))
    assert added == 60
    assert chart.x_range() == (t[0] + 60, new_t[-1])  # the range moved with its points
    assert chart.last_ts() == new_t[-1]
    _lo, hi = chart.view.viewRange()[1]
    assert hi >= 5.0  # y fitted to the new points already, before any paint
    before = chart.x_range()
    px = (before[1] - before[0]) / chart.view.width()
    assert chart.follow(before[0] + px / 4, before[1] + px / 4) == 0
    assert chart.x_range() == before  # a quarter of a pixel: not moved, not repainted
    chart.follow(before[0] + 2 * px, before[1] + 2 * px)
    assert chart.x_range() == (before[0] + 2 * px, before[1] + 2 * px)
    chart.close()


def test_unchanged_alerts_and_spans_leave_a_chart_alone(qapp) -> None:  # type: ignore[no-untyped-def]
    from tests.benchmarks.bench_chart import new_chart

    chart = new_chart()
    t = 1_000_000.0 + np.arange(100.0)
    chart.set_data(t, np.ones(100))
    chart.set_alerts([t[50]], ["critical"])
    chart.set_spans([(t[10], t[20])])
    placed: list[int] = []
    chart.markers.sigPlotChanged.connect(lambda *_: placed.append(1))
    moved: list[int] = []
    chart._spans[0].sigRegionChanged.connect(lambda *_: moved.append(1))
    chart.set_alerts([t[50]], ["critical"])
    chart.set_spans([(t[10], t[20])])
    chart.append(t[-1] + 1 + np.arange(5.0), np.ones(5))  # newer than every alert
    assert placed == [] and moved == []
    chart.set_alerts([t[50], t[-1] + 10], ["critical", "warning"])
    assert placed
    chart.close()


@pytest.mark.usefixtures("fed")
def test_a_chart_scrolled_out_of_sight_follows_the_clock_when_shown(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow, clock: SimulatedClock) -> None:
    panel = panel_of(qtbot, window)
    top, below = panel.charts["score_mean"], panel.charts["psi"]
    top.setMinimumHeight(3 * panel.scroll.viewport().height())  # psi is out of sight
    qtbot.waitUntil(lambda: below.visibleRegion().isEmpty(), timeout=WAIT_MS)
    assert panel.visible_charts() == [top]
    panel.stop_live()  # the ticks are this test's own
    qtbot.waitUntil(lambda: not panel._live_pending, timeout=WAIT_MS)
    before = below.x_range()
    clock.advance(timedelta(minutes=10))
    panel.tick()
    qtbot.waitUntil(lambda: not panel._live_pending, timeout=WAIT_MS)
    wait_idle(qtbot, window)
    assert top.x_range()[1] == clock.now().timestamp()
    assert below.x_range() == before  # never moved while nobody could see it
    panel.scroll.ensureWidgetVisible(below)
    qtbot.waitUntil(lambda: not below.visibleRegion().isEmpty(), timeout=WAIT_MS)
    assert below.x_range()[1] == clock.now().timestamp()  # caught up as it came into sight


def test_a_dense_burst_is_drawn_as_each_pixel_columns_low_and_high(qapp) -> None:  # type: ignore[no-untyped-def]
    """Days at one point a minute, then a burst at 10,000 points/s: pyqtgraph's own
    downsampling goes by the average spacing and would draw the burst whole."""
    from tests.benchmarks.bench_chart import new_chart

    chart = new_chart()
    t0 = 1_000_000.0
    slow = t0 + 60.0 * np.arange(600)
    fast = slow[-1] + 1 + np.arange(50_000) / 10_000
    y = np.concatenate([np.ones(slow.size), np.sin(np.arange(fast.size))])
    chart.set_data(np.concatenate([slow, fast]), y)
    chart.set_x_range(fast[-1] - 3600, fast[-1])
    x, drawn = chart.curve.getOriginalDataset()
    columns = chart.view.width()
    assert x.size < 4 * columns  # not 50,000 points crammed into a few columns
    burst = drawn[x >= fast[0]]
    assert burst.max() == y[-fast.size:].max() and burst.min() == y[-fast.size:].min()
    assert chart.ts.size == slow.size + fast.size  # the chart keeps every point
    sparse = x[x < slow[-2] + 1]  # the minute points before the burst's first column
    assert np.array_equal(sparse, slow[(slow >= sparse[0]) & (slow <= slow[-2])])
    chart.close()


def test_the_heap_is_settled_once_the_window_has_loaded(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    import gc

    from commandcenter.ui import heap

    qtbot.waitUntil(lambda: window.status.live, timeout=WAIT_MS)
    # Not before the loaded window is painted: its full collection would delay that paint.
    qtbot.waitUntil(heap.settled, timeout=WAIT_MS)
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] >= heap.YOUNG_THRESHOLD
    assert heap.settle_heap() is False  # once per process: later windows freeze nothing


def test_date_tick_texts_are_made_once_per_tick(qapp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import pyqtgraph as pg

    from commandcenter.ui.charts.series_chart import DateAxis

    axis, plain = DateAxis(), pg.DateAxisItem()
    values = [1_000_000.0 + 600 * i for i in range(6)]
    from pyqtgraph.graphicsItems.DateAxisItem import HOUR_MINUTE_ZOOM_LEVEL

    for a in (axis, plain):
        a.zoomLevel = HOUR_MINUTE_ZOOM_LEVEL
    expected = plain.tickStrings(values, 1.0, 60)
    made: list[int] = []
    real = pg.DateAxisItem.tickStrings
    monkeypatch.setattr(pg.DateAxisItem, "tickStrings",
                        lambda self, v, s, sp: made.append(len(v)) or real(self, v, s, sp))
    assert axis.tickStrings(values, 1.0, 60) == expected
    assert axis.tickStrings([*values[1:], values[-1] + 600], 1.0, 60)[:-1] == expected[1:]
    assert made == [6, 1]  # the window moved one tick on: one new text made


@pytest.mark.usefixtures("fed")
def test_a_live_frame_moves_the_charts_on_screen_one_after_another(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow, clock: SimulatedClock) -> None:
    """Each chart moved in a turn of its own, so one paint pass redraws one chart; the
    next read waits until the last has moved, and every one reaches the live window."""
    panel = panel_of(qtbot, window)
    first, second = panel.charts["score_mean"], panel.charts["psi"]
    for chart in panel.charts.values():
        chart.setMinimumHeight(0)
        chart.plot_widget.setMinimumHeight(60)
    qtbot.waitUntil(lambda: len(panel.visible_charts()) >= 2, timeout=WAIT_MS)
    shown = panel.visible_charts()
    assert shown[:2] == [first, second]
    panel.stop_live()  # the ticks are this test's own
    qtbot.waitUntil(lambda: not panel._live_pending, timeout=WAIT_MS)
    wait_idle(qtbot, window)
    clock.advance(timedelta(minutes=10))
    end = clock.now().timestamp()
    when_first_moved: list[tuple[float, bool]] = []
    first.view.sigXRangeChanged.connect(
        lambda *_: when_first_moved.append((second.x_range()[1], panel._live_pending)))
    panel.tick()
    qtbot.waitUntil(lambda: bool(when_first_moved), timeout=WAIT_MS)
    second_end, pending = when_first_moved[0]
    assert second_end < end  # the second chart had not moved in the first one's turn
    assert pending  # and no read may start before the last chart has moved
    qtbot.waitUntil(lambda: not panel._live_pending, timeout=WAIT_MS)
    assert [c.x_range()[1] for c in shown] == [end] * len(shown)


def test_the_same_change_marks_re_read_leave_the_chart_alone(qapp) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from commandcenter.services.changes import ChartMark
    from commandcenter.ui.charts.series_chart import set_change_marks
    from tests.benchmarks.bench_chart import new_chart

    chart = new_chart()
    t = 1_000_000.0 + np.arange(100.0)
    chart.set_data(t, np.ones(100))
    at = datetime.fromtimestamp(t[50], UTC)
    marks = [ChartMark(1, at, "#1 new cut-off · announced", True, None, None)]
    lines = set_change_marks(chart, marks)
    qapp.processEvents()
    changed: list[int] = []
    chart.plot_widget.scene().changed.connect(lambda *_: changed.append(1))
    texts: list[str] = []
    lines[0].label.setFormat = lambda text: texts.append(text)  # type: ignore[method-assign]
    assert set_change_marks(chart, list(marks)) == lines  # the live re-read's same marks
    qapp.processEvents()
    assert changed == [] and texts == []
    moved = [ChartMark(1, at, "#1 new cut-off · released without notice", False, None, None)]
    set_change_marks(chart, moved)
    assert texts == ["#1 new cut-off · released without notice"]
    chart.close()
