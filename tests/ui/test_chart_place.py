"""Charts keep the user's place: the wheel scrolls the stack, Ctrl+wheel zooms, snapshot
series are steps with markers, readings carry units."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QWidget

from commandcenter.ui.charts.series_chart import SeriesChart
from tests.ui.chart_stack import chart_stack
from tests.ui.test_health_panel import fed  # noqa: F401  (the fixture)


def _wheel(widget: QWidget, ctrl: bool, up: bool = False) -> None:
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(pos, widget.mapToGlobal(pos), QPoint(0, 0), QPoint(0, 120 if up else -120),
                        Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.ControlModifier if ctrl
                        else Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_scrolls_the_stack_and_ctrl_wheel_zooms(qtbot) -> None:  # type: ignore[no-untyped-def]
    scroll, _stack, charts = chart_stack(qtbot, [f"s{i}" for i in range(4)], 600, 400,
                                         min_height=300)
    chart = charts[0]
    before = chart.x_range()
    _wheel(chart.plot_widget.viewport(), ctrl=False)
    assert scroll.verticalScrollBar().value() > 0  # the stack scrolled
    assert chart.x_range() == before  # the chart kept its range
    _wheel(chart.plot_widget.viewport(), ctrl=True, up=True)
    lo, hi = chart.x_range()
    assert hi - lo < before[1] - before[0]  # Ctrl+wheel zoomed in


def test_snapshot_series_are_steps_with_markers_and_readings_have_units(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = SeriesChart("drop_share_10")
    chart.snapshot = True  # the panel sets it for series fed by score snapshots
    qtbot.addWidget(chart)
    t = 1_772_440_200.0 + 86400.0 * np.arange(3)
    chart.set_x_range(t[0] - 3600.0, t[-1] + 86400.0)
    chart.set_data(t, np.array([0.002, 0.0416299, 0.0416299]))
    assert chart.curve.opts["stepMode"] == "right"
    xs, _ys = chart.snapshot_markers.getData()
    assert list(xs) == list(t)  # a marker on each snapshot, none on the carried edge
    curve_x, curve_y = chart.curve.getData()
    assert curve_x[-1] >= t[-1] and curve_y[-1] == curve_y[-2]
    assert chart.header.text().endswith("4.2 %")  # a share, in percent
    assert "0.0416299" in chart.header.toolTip() and "UTC" in chart.header.toolTip()
    dense = SeriesChart("score_mean")
    qtbot.addWidget(dense)
    dense.unit = "score"
    many = 1_772_440_200.0 + 60.0 * np.arange(500)
    dense.set_data(many, np.full(500, 34.88151))
    assert dense.curve.opts["stepMode"] is None and dense.curve.opts["symbol"] is None
    few = SeriesChart("psi")  # a sampled series zoomed to a few points: a line, dotted
    qtbot.addWidget(few)
    few.set_data(t, np.array([0.03, 0.3, 0.31]))
    assert few.curve.opts["stepMode"] is None and few.curve.opts["symbol"] == "o"
    assert dense.header.text().endswith("34.9 score")


def test_selecting_an_alert_keeps_live_or_says_it_stopped(qtbot, fed, window) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from tests.ui.conftest import wait_idle
    from tests.ui.test_health_panel import panel_of

    panel = panel_of(qtbot, window)
    alert = fed.health.alerts()[0]
    said: list[str] = []
    window.session.sig_info.connect(said.append)
    panel.show_range("day")  # the alert's moment is in the live day
    wait_idle(qtbot, window)
    panel.alerts.select_alert(alert.id)
    wait_idle(qtbot, window)
    assert panel.follow and panel.live_box.isChecked()
    assert "still following live data" in said[-1]
    panel.show_range("hour")  # now it is not: zoomed to it, and told so
    wait_idle(qtbot, window)
    panel.alerts.table.clearSelection()
    panel.show_alert(alert)
    wait_idle(qtbot, window)
    assert not panel.follow and not panel.live_box.isChecked()
    assert said[-1].startswith(f"Live is off: showing alert #{alert.id}")
    assert "(Live off)" in panel.range_label.text()


def test_the_snapshot_table_shows_shares_in_percent_with_the_exact_value_on_hover(  # type: ignore[no-untyped-def]
    qtbot, window, company,
):
    from datetime import timedelta

    from tests.ui.conftest import wait_idle

    ids = np.arange(1, 2001, dtype=np.int64)
    scores = np.linspace(10.0, 90.0, ids.size)
    now = company.ctx.clock.now()
    company.health.ingest_snapshot(ids, scores, at=now - timedelta(days=1), source="a.csv",
                                   evaluate=False)
    halved = scores.copy()
    halved[:500] *= 0.4  # a quarter of the profiles lost 60 %
    company.health.ingest_snapshot(ids, halved, at=now, source="b.csv", evaluate=False)
    window.health.reload()
    wait_idle(qtbot, window)
    table = window.health.snapshot_table
    rows = {table.item(r, 0).text(): table.item(r, 1) for r in range(table.rowCount())}
    assert rows["drop_share_50"].text() == "25.0 %"
    assert "0.25" in rows["drop_share_50"].toolTip() and "UTC" in rows["drop_share_50"].toolTip()
