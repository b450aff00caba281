"""The score-health dock: live curves, ranges, alerts acknowledged and turned into incidents."""

from __future__ import annotations

import itertools
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt, QTimer

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock
from commandcenter.ingest.parsing import Point
from commandcenter.ingest.sources import FileFollowSource
from commandcenter.ui.main_window import MainWindow
from commandcenter.ui.models.table import RowRole
from tests.ui.conftest import sign_in, wait_idle

WAIT_MS = 120_000  # a hang guard, not a speed limit


@pytest.fixture
def fed(company: Services, clock: SimulatedClock) -> Services:
    """Thirty minutes of score_mean and psi, and a score drop that fired an alert."""
    now = clock.now().timestamp()
    recent = now - 60.0 * np.arange(30, 0, -1)
    company.health.ingest_arrays({"psi": (recent, np.full(30, 0.04))}, source="test",
                                 evaluate=False)
    rng = np.random.default_rng(5)
    n = 600
    t = now - 60.0 * np.arange(n, 0, -1) + 60.0  # up to now: not stale
    values = 50 + np.sin(np.arange(n) / 10.0) + rng.normal(0, 0.1, n)
    values[450:] -= 25
    report = company.health.ingest_arrays({"score_mean": (t, values)}, source="feed")
    assert [a.detector for a in report.alerts] == ["anomaly"]
    return company


def panel_of(qtbot, window: MainWindow):  # type: ignore[no-untyped-def]
    panel = window.health
    qtbot.waitUntil(lambda: {"score_mean", "psi"} <= set(panel.charts)
                    and panel.charts["psi"].ts.size == 30, timeout=WAIT_MS)
    return panel


def test_window_code_does_not_import_pyqtgraph() -> None:
    """pyqtgraph (about 0.3 s) loads with the first data, not with the window."""
    code = ("import sys, commandcenter.ui.app; "
            "sys.exit('pyqtgraph' in sys.modules or 'commandcenter.ui.charts.series_chart' "
            "in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], timeout=600).returncode == 0


def test_charts_are_built_one_per_event_loop_turn(qtbot, fed, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    panel = window.health
    panel.reload()  # as when the data first arrives
    qtbot.waitUntil(lambda: panel.charts_pending() or len(panel.charts) == 2,
                    timeout=WAIT_MS)
    seen: list[int] = []

    def turn() -> None:
        seen.append(len(panel.charts))

    timer = QTimer(interval=0)
    timer.timeout.connect(turn)
    timer.start()
    qtbot.waitUntil(lambda: not panel.charts_pending() and len(panel.charts) == 2,
                    timeout=WAIT_MS)
    timer.stop()
    assert all(b - a <= 1 for a, b in itertools.pairwise(seen))
    assert list(panel.charts) == ["score_mean", "psi"]  # in chart_order
    panel_of(qtbot, window)  # and their points arrive


def test_first_view_charts_are_drawn_once_with_their_points(qtbot, fed) -> None:  # type: ignore[no-untyped-def]
    """Built one per turn, each new chart re-laid out and repainted the ones before it."""
    window = MainWindow(fed)
    qtbot.addWidget(window)
    panel = window.health
    seen: list[tuple[int, bool, bool]] = []
    timer = QTimer(interval=0)
    timer.timeout.connect(lambda: seen.append(
        (len(panel.charts), panel.first_view, panel.chart_box.updatesEnabled())))
    timer.start()
    window.show()
    window.start(sign_in=False)
    qtbot.waitUntil(lambda: panel.first_view, timeout=WAIT_MS)
    qtbot.wait(1)
    timer.stop()
    building = [s for s in seen if s[0] and not s[1]]
    assert building  # charts existed, waiting for their points, for a turn or more
    assert not any(enabled for _n, _first, enabled in building)
    assert panel.chart_box.updatesEnabled() and seen[-1][2]
    panel_of(qtbot, window)
    wait_idle(qtbot, window)
    window.close()


def test_charts_are_built_for_speed_and_local_time(qtbot, fed, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    chart = panel_of(qtbot, window).charts["psi"]
    curves = [i for i in chart.plot_item.listDataItems() if isinstance(i, pg.PlotDataItem)]
    assert curves == [chart.curve]
    assert chart.curve.opts["pen"].width() in (0, 1)
    assert chart.ts.dtype == np.float64
    assert chart.curve.opts["clipToView"] and chart.curve.opts["autoDownsample"]
    assert chart.curve.opts["downsampleMethod"] == "peak"
    assert not chart.view.autoRangeEnabled()[0]  # the panel scrolls x itself
    assert isinstance(chart.plot_item.getAxis("bottom"), pg.DateAxisItem)
    assert hasattr(chart, "threshold_band")  # psi has warn and alert levels
    assert chart.accessibleName() == "Chart of psi"


def test_live_point_reaches_the_same_curve(qtbot, fed, window: MainWindow,  # type: ignore[no-untyped-def]
                                           clock: SimulatedClock) -> None:
    panel = panel_of(qtbot, window)
    chart = panel.charts["psi"]
    curve, before = chart.curve, chart.ts.size
    clock.advance(timedelta(seconds=30))
    t = clock.now().timestamp()
    fed.health.ingest_points([Point(t, 0.07, "psi")], source="test", evaluate=False)
    qtbot.waitUntil(lambda: chart.last_ts() == t, timeout=WAIT_MS)
    x, y = chart.curve.getData()
    assert chart.curve is curve and x.size == before + 1
    assert x[-1] == t and y[-1] == pytest.approx(0.07)
    qtbot.waitUntil(lambda: abs(chart.x_range()[1] - t) < 1, timeout=WAIT_MS)  # scrolled


def test_followed_file_feeds_a_new_chart(qtbot, fed, window: MainWindow,  # type: ignore[no-untyped-def]
                                         clock: SimulatedClock, tmp_path: Path) -> None:
    panel = panel_of(qtbot, window)
    feed = tmp_path / "feed.csv"
    t0 = clock.now().timestamp() - 120
    feed.write_text("timestamp,series,value\n" + f"{t0:.0f},batch_freshness,300\n")
    source = FileFollowSource(feed, interval=0.05)
    panel.follow_source(source, "feed.csv")
    qtbot.waitUntil(lambda: "batch_freshness" in panel.charts
                    and panel.charts["batch_freshness"].ts.size == 1, timeout=WAIT_MS)
    with feed.open("a") as fh:
        fh.write(f"{t0 + 60:.0f},batch_freshness,360\n")
    chart = panel.charts["batch_freshness"]
    panel.scroll.ensureWidgetVisible(chart)  # only charts in view are polled
    qtbot.waitUntil(lambda: chart.last_ts() == t0 + 60, timeout=WAIT_MS)
    assert chart.values.tolist() == [300.0, 360.0]
    source.close()


def test_range_buttons_set_the_x_range(qtbot, fed, window: MainWindow,  # type: ignore[no-untyped-def]
                                       clock: SimulatedClock) -> None:
    panel = panel_of(qtbot, window)
    chart = panel.charts["score_mean"]
    now = clock.now().timestamp()
    lo, hi = chart.x_range()
    assert hi - lo == pytest.approx(3600) and hi == pytest.approx(now)
    qtbot.mouseClick(panel.range_buttons["day"], Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    lo, hi = chart.x_range()
    assert hi - lo == pytest.approx(86400) and hi == pytest.approx(now)
    assert chart.ts.size == 600  # all ten hours now in range
    panel.range_buttons["year"].setFocus()
    qtbot.keyClick(panel.range_buttons["year"], Qt.Key.Key_Space)
    wait_idle(qtbot, window)
    lo, hi = panel.charts["psi"].x_range()  # the charts share one x axis
    assert hi - lo == pytest.approx(365 * 86400)
    for button in panel.range_buttons.values():
        assert button.accessibleName().startswith("Show the last")


def test_alert_marker_incident_span_and_zoom(qtbot, fed, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    panel = panel_of(qtbot, window)
    alert = fed.health.alerts()[0]
    chart = panel.charts["score_mean"]
    qtbot.waitUntil(lambda: chart.alert_marker_xs().size == 1, timeout=WAIT_MS)
    assert chart.alert_marker_xs()[0] == alert.onset_at.timestamp()
    open_incident = next(i for i in fed.incidents.list() if i.resolved_at is None)
    assert any(lo == open_incident.detected_at.timestamp() for lo, _hi in chart.visible_spans())
    panel.alerts.select_alert(alert.id)
    wait_idle(qtbot, window)
    lo, hi = chart.x_range()
    assert lo < alert.onset_at.timestamp() < hi and hi - lo == pytest.approx(4 * 3600)
    assert not panel.follow and not panel.live_box.isChecked()


def test_observer_cannot_acknowledge(qtbot, fed, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    panel = panel_of(qtbot, window)
    sign_in(qtbot, window, "Ravi Kapoor")
    panel.alerts.table.setCurrentIndex(panel.alerts.model.index(0, 0))
    assert not panel.alerts.ack_button.isEnabled()
    assert not panel.alerts.open_button.isEnabled()
    assert "observer" in panel.alerts.ack_button.toolTip()
    assert not window.actions_by_name["ack_alert"].isEnabled()


def test_acknowledge_then_open_incident_from_alert(qtbot, fed, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    panel = panel_of(qtbot, window)
    sign_in(qtbot, window, "Alex Moreau")
    alert = fed.health.alerts()[0]
    panel.alerts.select_alert(alert.id)
    assert panel.alerts.ack_button.isEnabled()
    qtbot.mouseClick(panel.alerts.ack_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert fed.health.alerts()[0].acknowledged_by == "Alex Moreau"
    qtbot.waitUntil(lambda: "ack Alex Moreau" in panel.alerts.model.text(0, 5),
                    timeout=WAIT_MS)
    assert not panel.alerts.ack_button.isEnabled()

    panel.alerts.severity_combo.setCurrentIndex(0)
    window.actions_by_name["alert_incident"].trigger()  # the keyboard path
    wait_idle(qtbot, window)
    dlg = panel.alerts.from_alert_dialog
    assert dlg.isVisible() and dlg.title_edit.text().startswith("Average score moved since")
    assert dlg.declare_check.isChecked()
    dlg.accept()
    wait_idle(qtbot, window)
    linked = fed.health.alerts()[0].incident_id
    assert linked is not None
    qtbot.waitUntil(lambda: window.session.incident is not None
                    and window.session.incident.id == linked, timeout=WAIT_MS)
    inc = window.session.incident
    assert inc.severity.value == "SEV1" and inc.detected_at == alert.onset_at
    model = window.incidents.model

    def selected_id() -> int | None:
        index = window.incidents.table.currentIndex()
        return model.data(model.index(index.row(), 0), RowRole).id if index.isValid() else None

    qtbot.waitUntil(lambda: selected_id() == linked, timeout=WAIT_MS)  # selected in the list
    assert not panel.alerts.open_button.isEnabled()


def test_refusal_goes_to_the_error_bar(qtbot, fed, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    panel = panel_of(qtbot, window)
    sign_in(qtbot, window, "Alex Moreau")
    alert = fed.health.alerts()[0]
    panel.alerts.select_alert(alert.id)
    wait_idle(qtbot, window)
    from commandcenter.domain.incidents import Severity

    fed.health.open_incident_from_alert(alert.id, "Alex Moreau", Severity.SEV2)  # elsewhere
    qtbot.mouseClick(panel.alerts.open_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    dlg = panel.alerts.from_alert_dialog
    dlg.accept()
    wait_idle(qtbot, window)
    assert dlg.isVisible()  # kept open, with the reason, nothing typed lost
    assert "already opened incident" in dlg.error_label.text()
    assert "already opened incident" in window.error_bar.label.text()
    assert "Traceback" not in window.error_bar.label.text()


# The defaults; a burst read in chunks; and one caught up over several ticks.
@pytest.mark.parametrize(("chunk", "per_tick"), [(None, None), (1_500, None), (1_500, 2_000)])
def test_live_burst_leaves_no_gap(qtbot, fed, window: MainWindow, clock: SimulatedClock,  # type: ignore[no-untyped-def]
                                  monkeypatch: pytest.MonkeyPatch, chunk: int | None,
                                  per_tick: int | None) -> None:
    from commandcenter.ui.widgets import health_panel

    if chunk is not None:
        monkeypatch.setattr(health_panel, "LIVE_CHUNK", chunk)
    if per_tick is not None:
        monkeypatch.setattr(health_panel, "LIVE_MAX_PER_TICK", per_tick)
    panel = panel_of(qtbot, window)
    chart = panel.charts["psi"]
    before = chart.ts.copy()
    clock.advance(timedelta(seconds=60))
    n = 6_000  # more than the 4,000 raw points `points` answers with by default
    t = clock.now().timestamp() - 30 + 0.005 * np.arange(n)
    fed.health.ingest_points([Point(float(a), 0.05, "psi") for a in t], source="test",
                             evaluate=False)
    qtbot.waitUntil(lambda: chart.last_ts() == t[-1], timeout=WAIT_MS)
    assert chart.resolution == 0  # still raw points, appended
    np.testing.assert_array_equal(chart.ts, np.concatenate((before, t)))  # every point
    assert np.all(chart.values[before.size:] == 0.05)


def test_read_new_points_in_chunks(fed, clock: SimulatedClock) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.ui.widgets.health_panel import read_new_points

    now = clock.now()
    t = now.timestamp() - 100 + 0.01 * np.arange(9_000)
    fed.health.ingest_arrays({"burst": (t, np.arange(9_000.0))}, source="test",
                             evaluate=False)
    start = datetime.fromtimestamp(t[0], UTC)  # as live: from the chart's last point
    end = now + timedelta(hours=1)
    got = read_new_points(fed.health, "burst", start, end, chunk=1_000)
    assert not got.more and not got.reread
    np.testing.assert_array_equal(got.ts, t)
    part = read_new_points(fed.health, "burst", start, end, chunk=1_000, max_points=3_000)
    assert part.more and 3_000 <= part.ts.size < 9_000
    np.testing.assert_array_equal(part.ts, t[:part.ts.size])
