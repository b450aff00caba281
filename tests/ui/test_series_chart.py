"""SeriesChart's buffers: appends written in place, the cap, and the slice the curve gets."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from commandcenter.ui.charts import series_chart
from commandcenter.ui.charts.series_chart import SeriesChart


@pytest.fixture
def chart(qtbot):  # type: ignore[no-untyped-def]
    c = SeriesChart("score_mean")
    qtbot.addWidget(c)
    c.resize(800, 240)
    return c


def test_append_writes_in_place_with_spare_capacity(chart: SeriesChart) -> None:
    chart.set_data(np.arange(10, dtype=np.float64), np.zeros(10))
    assert chart.append(np.array([10.0, 11.0]), np.array([1.0, 2.0])) == 2
    buffer = chart.ts.base
    assert buffer is not None and buffer.size > chart.ts.size  # room for more
    for i in range(12, 40):
        chart.append(np.array([float(i)]), np.array([float(i)]))
    assert chart.ts.base is buffer  # no reallocation: written in place
    assert chart.ts.tolist() == [float(i) for i in range(40)]
    assert chart.values[-1] == 39.0 and chart.last_ts() == 39.0
    assert chart.append(np.array([5.0, 39.0]), np.array([0.0, 0.0])) == 0  # not newer


def test_set_data_leaves_the_callers_arrays_alone(chart: SeriesChart) -> None:
    ts, values = np.arange(5, dtype=np.float64), np.ones(5)
    chart.set_data(ts, values)
    chart.append(np.array([5.0, 6.0]), np.array([7.0, 8.0]))
    assert ts.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0] and values.tolist() == [1.0] * 5
    assert chart.ts.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert chart.values.tolist()[-2:] == [7.0, 8.0]


def test_appends_drop_the_oldest_past_the_cap(chart: SeriesChart,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(series_chart, "MAX_POINTS_KEPT", 100)
    monkeypatch.setattr(series_chart, "CAP_SLACK", 25)
    chart.set_data(np.arange(90, dtype=np.float64), np.arange(90, dtype=np.float64))
    for start in range(90, 1000, 7):
        t = np.arange(start, start + 7, dtype=np.float64)
        chart.append(t, t * 2)
        assert chart.ts.size <= 100
        assert chart.ts[-1] == start + 6 and np.all(np.diff(chart.ts) == 1)
        assert np.array_equal(chart.values, np.where(chart.ts < 90, chart.ts, chart.ts * 2))
    assert chart.ts.size == 100 and chart.ts.base.size <= 125


def test_curve_gets_the_range_and_a_margin(chart: SeriesChart) -> None:
    n = 100_000
    chart.set_data(np.arange(n, dtype=np.float64), np.sin(np.arange(n) / 50.0))
    chart.set_x_range(n - 1000, n - 1)
    x = chart.curve.getOriginalDataset()[0]
    assert x[-1] == n - 1 and x[0] <= n - 2000 and x.size < 3000
    chart.append(np.array([float(n)]), np.array([0.5]))
    assert chart.curve.getOriginalDataset()[0][-1] == n
    chart.set_x_range(0, 500)  # panned far away: a new slice
    x = chart.curve.getOriginalDataset()[0]
    assert x[0] == 0 and 1000 <= x[-1] < 1100
    chart.set_x_range(-10, -5)  # nothing in range: still no error
    chart.set_x_range(0, n)  # everything
    assert chart.curve.getOriginalDataset()[0].size == n + 1


def line_x(line) -> float:  # type: ignore[no-untyped-def]
    return float(line.mapToScene(QPointF(0.0, 0.0)).x())


def _label_inside_view(line) -> bool:  # type: ignore[no-untyped-def]
    text = line.label.mapRectToScene(line.label.boundingRect())
    area = line.label.getViewBox().sceneBoundingRect()
    return area.left() <= text.left() and text.right() <= area.right()


def test_a_change_label_near_the_left_edge_stays_inside_the_view(qtbot, chart: SeriesChart  # type: ignore[no-untyped-def]
                                                                 ) -> None:
    from datetime import UTC, datetime
    from types import SimpleNamespace

    t0 = 1_780_000_000.0
    t = t0 + 60.0 * np.arange(240)
    chart.set_data(t, np.sin(np.arange(240) / 10.0))
    chart.set_x_range(t[0], t[-1])
    mark = SimpleNamespace(at=datetime.fromtimestamp(t0 + 60 * 8, UTC), announced=False,
                           label="#2 Decay tuning, advance notice 14 days · NOT ANNOUNCED",
                           explanation_link=None)
    (line,) = series_chart.set_change_marks(chart, [mark])
    chart.show()
    qtbot.waitExposed(chart)
    qtbot.wait(1)  # the view's transform is applied on the next event loop turn
    assert _label_inside_view(line)  # eight minutes from the left edge: after the line
    text = line.label.mapRectToScene(line.label.boundingRect())
    assert text.left() >= line_x(line) - 1
    for lo, hi in ((t0 - 6 * 3600, t[-1]),  # panned: the line in the middle, label before it
                   (t0 + 60 * 7, t0 + 60 * 60),  # zoomed in, the line by the left edge
                   (t0 + 60 * 7.5, t[-1] + 7200)):  # zoomed out, at the edge again
        chart.set_x_range(lo, hi)
        qtbot.wait(1)  # the view's transform is applied on the next event loop turn
        assert _label_inside_view(line), (lo, hi)
    chart.set_x_range(t0 - 6 * 3600, t[-1])
    qtbot.wait(1)
    text = line.label.mapRectToScene(line.label.boundingRect())
    assert text.right() <= line_x(line) + 1  # before it


def test_axes_are_cached_and_drawn_again_when_their_ticks_change(qtbot, chart: SeriesChart  # type: ignore[no-untyped-def]
                                                                 ) -> None:
    """An axis replayed its picture on every paint (2.3 ms an axis, most of a live
    frame): cached, it must still show the new ticks once the range moves."""
    from PySide6.QtWidgets import QGraphicsItem

    for name in ("left", "bottom"):
        assert chart.plot_item.getAxis(name).cacheMode() == \
            QGraphicsItem.CacheMode.DeviceCoordinateCache
    t0 = 1_700_000_000.0
    ts = t0 + 60.0 * np.arange(600)
    chart.set_data(ts, 50 + np.sin(np.arange(600) / 10.0))
    chart.show()
    chart.set_x_range(ts[0], ts[-1])
    qtbot.wait(1)
    axis = chart.plot_item.getAxis("bottom")

    def bottom_axis() -> bytes:
        view = chart.plot_widget
        rect = axis.mapRectToScene(axis.boundingRect())
        box = view.mapFromScene(rect).boundingRect()
        image = view.grab(box).toImage()
        return bytes(image.constBits())[: image.sizeInBytes()]

    before = bottom_axis()
    assert bottom_axis() == before  # drawn from its cache: the same pixels
    chart.set_x_range(ts[0] + 86_400 * 3, ts[-1] + 86_400 * 3)  # three days on
    qtbot.wait(1)
    assert bottom_axis() != before  # the new dates, not the cached old ones
