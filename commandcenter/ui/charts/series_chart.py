"""One metric series as a live chart: one curve, alert markers, incident spans, thresholds.

Built for speed (see STYLE.md): a single ``PlotDataItem`` updated with
``setData`` (never recreated), pen width 1, float64 x in epoch seconds, peak
downsampling with clip-to-view, and an x range the panel sets itself, since
clip-to-view does nothing while x auto-ranges. Span items are pooled and
reused for the same reason the curve is: creating and destroying items leaks.

Points live in float64 buffers with spare capacity: ``append`` writes the new
points in place (growing the buffers geometrically when full) and hands
``setData`` views of the filled part, so a live tick costs the new points, not
a copy of the whole series.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QGraphicsItem,
    QVBoxLayout,
    QWidget,
)

from ..steady import SteadyText
from ..timefmt import full_text, local_text
from ..units import format_value

# Warn and alert levels per series, mirroring HealthSettings' defaults.
THRESHOLDS: dict[str, tuple[float, float]] = {
    "psi": (0.1, 0.25),
    "drop_share_10": (0.02, 0.05),
    "drop_share_20": (0.02, 0.05),
    "drop_share_50": (0.02, 0.05),
}
LEFT_AXIS_PX = 64
MAX_POINTS_KEPT = 2_000_000  # a live chart drops its oldest points past this
MIN_CAPACITY = 1024  # smallest buffer an append allocates
# Room past MAX_POINTS_KEPT: a full live chart moves its points to the front of
# the buffers once per this many appended points, not on every append.
CAP_SLACK = MAX_POINTS_KEPT // 4
PEAK_ABOVE = 4  # points per pixel column past which the chart reduces them itself
SPARSE_POINTS = 30  # at most this many points: draw each as a dot too
CURVE_PEN = pg.mkPen("#2e86c1", width=1)
LEVEL_BRUSH = {"critical": pg.mkBrush("#c0392b"), "warning": pg.mkBrush("#e67e22")}
SPAN_BRUSH = pg.mkBrush(192, 57, 43, 40)
SPAN_PEN = pg.mkPen(192, 57, 43, 90, width=1)


def peak_per_column(x: np.ndarray, y: np.ndarray, column: float
                    ) -> tuple[np.ndarray, np.ndarray] | None:
    """Points ``column`` wide buckets apart, each dense bucket (3+ points) drawn as its
    lowest and highest value at its first x; sparser buckets keep their points.

    None when the points are about evenly spread: pyqtgraph's own peak downsampling
    (by the average spacing) draws those as well."""
    b = np.floor((x - x[0]) / column).astype(np.int64)
    starts = np.flatnonzero(np.concatenate(([True], b[1:] != b[:-1])))
    counts = np.diff(np.append(starts, x.size))
    if counts.max() <= PEAK_ABOVE * x.size / max(b[-1] + 1, 1):
        return None
    dense = counts > 2
    lows = np.fmin.reduceat(y, starts)
    highs = np.fmax.reduceat(y, starts)
    second = np.minimum(starts + 1, x.size - 1)
    out_x = np.empty((starts.size, 2))
    out_y = np.empty((starts.size, 2))
    out_x[:, 0] = x[starts]
    out_y[:, 0] = np.where(dense, lows, y[starts])
    out_x[:, 1] = np.where(dense, x[starts], x[second])
    out_y[:, 1] = np.where(dense, highs, y[second])
    keep = np.ones((starts.size, 2), dtype=bool)
    keep[:, 1] = counts > 1
    return out_x[keep], out_y[keep]


def thresholds_for(series: str) -> tuple[float, float] | None:
    return THRESHOLDS.get(series)


def epoch(t: datetime) -> float:
    return t.timestamp()


class DateAxis(pg.DateAxisItem):
    """pyqtgraph's date axis, its tick texts remembered: a live chart moves every frame
    and asks for the same ticks' texts again (a datetime and a strftime each)."""

    CACHE_MAX = 4096

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._texts: dict[tuple[object, ...], str] = {}

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        zoom, offset = id(self.zoomLevel), self.utcOffset
        keys = [(zoom, offset, spacing, v) for v in values]
        missing = [v for k, v in zip(keys, values, strict=True) if k not in self._texts]
        if missing:
            if len(self._texts) > self.CACHE_MAX:
                self._texts.clear()
            for v, text in zip(missing, super().tickStrings(missing, scale, spacing),
                               strict=True):
                self._texts[(zoom, offset, spacing, v)] = text
        return [self._texts[k] for k in keys]


class StackPlotWidget(pg.PlotWidget):
    """The wheel scrolls the stack of charts; Ctrl+wheel zooms this one."""

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            super().wheelEvent(event)
            return
        area = self.parentWidget()
        while area is not None and not isinstance(area, QAbstractScrollArea):
            area = area.parentWidget()
        if area is None:
            event.ignore()
            return
        # Handed to the scroll area holding the stack, as if the wheel turned over it.
        QApplication.sendEvent(area.viewport(), QWheelEvent(
            area.viewport().mapFromGlobal(event.globalPosition()), event.globalPosition(),
            event.pixelDelta(), event.angleDelta(), event.buttons(), event.modifiers(),
            event.phase(), event.inverted()))
        event.accept()


class SeriesChart(QWidget):
    """``set_data`` replaces the points, ``append`` adds newer ones; x range from outside."""

    sig_range_changed_manually = Signal(float, float)  # the user zoomed or panned

    def __init__(self, series: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series = series
        self.resolution = 0  # 0 raw points, else the roll-up bucket in seconds
        # The points are _x[_lo:_hi] and _y[_lo:_hi]; past _hi is spare capacity.
        self._x = np.empty(0, dtype=np.float64)
        self._y = np.empty(0, dtype=np.float64)
        self._lo = self._hi = 0
        self._owned = False  # False: _x and _y may be the caller's arrays (set_data)
        self.setAccessibleName(f"Chart of {series}")
        self.setAccessibleDescription("Hover for values; Ctrl+wheel or + and - to zoom, "
                                      "arrow keys to pan; the wheel scrolls the charts")
        self.unit = ""  # the series' unit, for readings (set by the panel)
        self.snapshot = False  # fed by score snapshots: drawn as steps (set by the panel)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # Rewritten on every live frame: text that repaints itself and lays nothing out,
        # so a longer reading never resizes the stack of charts (see ui/steady.py).
        self.header = SteadyText(series)
        self.header.setAccessibleName(f"{series} reading")
        # No context menu: made without one (its widgets cost a few ms per chart).
        self.plot_widget = StackPlotWidget(axisItems={"bottom": DateAxis()}, enableMenu=False)
        self.plot_widget.setAccessibleName(f"{series} plot")
        self.plot_widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the chart takes the keys
        self.plot_widget.setBackground("w")
        self.plot_widget.setMinimumHeight(150)
        item = self.plot_item = self.plot_widget.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.getAxis("left").setWidth(LEFT_AXIS_PX)  # aligned x axes across the stack
        # Grid lines for major and medium ticks only: the minor level adds ~40 faint
        # blended lines, about 10 ms a frame at 1200x320, and is all but invisible.
        # Each axis is drawn by replaying a QPicture of its ticks and texts on every
        # paint (the texts laid out again: 2.3 ms an axis at 1200x320, most of a live
        # frame); cached as a pixmap, an axis is drawn again only when it changes.
        for axis in ("left", "bottom"):
            item.getAxis(axis).setStyle(maxTickLevel=1)
            item.getAxis(axis).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        self.view = item.getViewBox()
        self.view.enableAutoRange(x=False, y=True)
        self.view.setAutoVisible(y=True)
        self.view.setMouseEnabled(x=True, y=False)
        self.view.sigRangeChangedManually.connect(self._manual_range)
        self._shown = (0.0, 0.0)  # the x span handed to the curve (see _show_slice)
        self._bin = 0.0  # the pixel column the curve's points were reduced to, or 0
        self.view.sigXRangeChanged.connect(self._x_range_changed)
        # symbol=None said outright: given only a symbol brush, pyqtgraph turns
        # dots on, and dots on every point of a dense series cost more than the line.
        self.curve = pg.PlotDataItem(pen=CURVE_PEN, name=series, symbol=None, symbolSize=5,
                                     symbolPen=None, symbolBrush=pg.mkBrush("#2e86c1"))
        self._sparse = False
        item.addItem(self.curve)
        self.snapshot_markers = pg.ScatterPlotItem(size=7, symbol="o", pen=None,
                                                   brush=pg.mkBrush("#2e86c1"))
        item.addItem(self.snapshot_markers)
        self.markers = pg.ScatterPlotItem(size=11, symbol="t1", pen=pg.mkPen("k", width=1))
        self.markers.setZValue(20)
        item.addItem(self.markers, ignoreBounds=True)
        self._alert_x = np.empty(0, dtype=np.float64)
        self._alert_levels: list[str] = []
        self._markers_from = np.nan  # the first point's x when markers were placed
        self._spans: list[pg.LinearRegionItem] = []
        self._span_values: list[tuple[float, ...]] = []
        self._add_thresholds()
        self.crosshair = pg.InfiniteLine(angle=90, movable=False,
                                         pen=pg.mkPen("#7f8c8d", width=1))
        self.crosshair.setVisible(False)
        item.addItem(self.crosshair, ignoreBounds=True)
        self.plot_widget.scene().sigMouseMoved.connect(self._hover)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.plot_widget, 1)
        self._show_reading(None)

    def _add_thresholds(self) -> None:
        levels = thresholds_for(self.series)
        if levels is None:
            return
        warn, alert = levels
        band = pg.LinearRegionItem((warn, alert), orientation="horizontal", movable=False,
                                   brush=pg.mkBrush(241, 196, 15, 45),
                                   pen=pg.mkPen(None))
        band.setZValue(-20)
        self.plot_item.addItem(band, ignoreBounds=True)
        for value, colour in ((warn, "#d4ac0d"), (alert, "#c0392b")):
            line = pg.InfiniteLine(value, angle=0, movable=False,
                                   pen=pg.mkPen(colour, width=1, style=Qt.PenStyle.DashLine))
            self.plot_item.addItem(line, ignoreBounds=True)
        self.threshold_band = band

    # --- data -------------------------------------------------------------------
    @property
    def ts(self) -> np.ndarray:
        """The x values (epoch seconds): a view, valid until the next append or set_data."""
        return self._x[self._lo:self._hi]

    @property
    def values(self) -> np.ndarray:
        return self._y[self._lo:self._hi]

    def last_ts(self) -> float | None:
        return float(self._x[self._hi - 1]) if self._hi > self._lo else None

    def set_data(self, ts: np.ndarray, values: np.ndarray, resolution: int = 0) -> None:
        self.resolution = resolution
        # No copy when the caller's arrays are float64 already: the chart never
        # writes inside them (its first append moves to buffers of its own).
        self._x = np.ascontiguousarray(ts, dtype=np.float64)
        self._y = np.ascontiguousarray(values, dtype=np.float64)
        self._lo, self._hi, self._owned = 0, int(self._x.size), False
        self._redraw()

    def append(self, ts: np.ndarray, values: np.ndarray, *, redraw: bool = True) -> int:
        """Add points newer than the last one; returns how many were added."""
        t = np.asarray(ts, dtype=np.float64)
        v = np.asarray(values, dtype=np.float64)
        last = self.last_ts()
        if last is not None and t.size:
            newer = t > last
            if not newer.all():
                t, v = t[newer], v[newer]
        k = int(t.size)
        if not k:
            return 0
        if k > MAX_POINTS_KEPT:
            t, v, k = t[-MAX_POINTS_KEPT:], v[-MAX_POINTS_KEPT:], MAX_POINTS_KEPT
        self._make_room(k)
        self._x[self._hi:self._hi + k] = t
        self._y[self._hi:self._hi + k] = v
        self._hi += k
        if redraw:
            self._redraw(appended=k)
        return k

    def _make_room(self, k: int) -> None:
        """Spare capacity for ``k`` more points, dropping the oldest past MAX_POINTS_KEPT."""
        n = self._hi - self._lo
        keep = min(n, MAX_POINTS_KEPT - k)  # points kept once the k new ones are in
        self._lo = self._hi - keep
        if self._owned and self._hi + k <= self._x.size:
            return  # room at the end of the chart's own buffers
        wanted = keep + k
        if self._owned and wanted <= self._x.size:
            # Full but large enough: move the kept points to the front (a full
            # live chart does this once every CAP_SLACK points).
            self._x[:keep] = self._x[self._lo:self._hi]
            self._y[:keep] = self._y[self._lo:self._hi]
        else:
            capacity = max(MIN_CAPACITY, 2 * wanted)
            if capacity > MAX_POINTS_KEPT:
                capacity = max(wanted, MAX_POINTS_KEPT + CAP_SLACK)
            x = np.empty(capacity, dtype=np.float64)
            y = np.empty(capacity, dtype=np.float64)
            x[:keep] = self._x[self._lo:self._hi]
            y[:keep] = self._y[self._lo:self._hi]
            self._x, self._y, self._owned = x, y, True
        self._lo, self._hi = 0, keep

    def _redraw(self, appended: int = 0) -> None:
        """Hand the curve its points; ``appended``: only that many newer points came, so
        alert markers move only if one sits past the previous last point."""
        # Sparse series (one point per score snapshot) need dots: a lone point has no line.
        n = self._hi - self._lo
        sparse = n <= SPARSE_POINTS
        sparse = sparse and not self.snapshot  # snapshots have markers of their own
        if sparse != self._sparse:
            self._sparse = sparse
            self.curve.setSymbol("o" if sparse else None)
        if not self.snapshot and len(self.snapshot_markers.data):
            self.snapshot_markers.setData(x=[], y=[])  # once, not on every live frame
        # A snapshot series holds its value until the next snapshot: steps, with a
        # marker at each snapshot; a sampled series is a line between its points.
        self.curve.opts["stepMode"] = "right" if self.snapshot else None
        self._show_slice()
        if not appended or n == appended or self._x[self._lo] != self._markers_from or (
                self._alert_x.size and self._alert_x.max() >= self._x[self._hi - appended - 1]):
            self._place_markers()
        if n:
            self._show_reading(n - 1)

    def _show_slice(self) -> None:
        """Hand the curve the points in the x range and one range-width either side.

        pyqtgraph scans everything it is given on every ``setData`` (finite checks,
        bounds), so a live chart showing the last hour of a month passes views of
        that hour, not the month; panning within the margin needs no new slice.
        """
        x, y = self.ts, self.values
        lo, hi = self.view.viewRange()[0]
        width = hi - lo
        i0 = max(int(np.searchsorted(x, lo - width)) - 1, 0)
        i1 = min(int(np.searchsorted(x, hi + width, side="right")) + 1, x.size)
        self._shown = (float(x[i0]) if i0 else -np.inf,
                       float(x[i1 - 1]) if i1 < x.size else np.inf)
        xs, ys = x[i0:i1], y[i0:i1]
        self._bin = 0.0
        if not self.snapshot and width > 0:
            # More than PEAK_ABOVE points a pixel somewhere (a live burst at 10,000
            # points/s after days at one a minute): the lowest and highest of each
            # pixel column, as pyqtgraph's peak mode would draw them. Its own estimate
            # takes the slice's average spacing and draws the dense part whole.
            bin_width = width / max(self.view.width(), 1.0)
            if xs.size > PEAK_ABOVE * (xs[-1] - xs[0]) / bin_width if xs.size > 1 else False:
                peaks = peak_per_column(xs, ys, bin_width)
                if peaks is not None:
                    xs, ys = peaks
                    self._bin = bin_width
        if self.snapshot:
            self.snapshot_markers.setData(x=xs, y=ys)  # one marker per snapshot
            if i1 == x.size and xs.size and hi > xs[-1]:
                # The newest snapshot's value holds until the next: carry it to the edge.
                xs, ys = np.append(xs, hi), np.append(ys, ys[-1])
                self._shown = (self._shown[0], float(x[-1]))
        self.curve.setData(xs, ys)

    def _x_range_changed(self, *_args: object) -> None:
        lo, hi = self.view.viewRange()[0]
        if lo < self._shown[0] or hi > self._shown[1]:
            self._show_slice()
        elif self._bin:  # columns of another zoom level: a pixel is no longer a column
            ratio = (hi - lo) / max(self.view.width(), 1.0) / self._bin
            if not 0.8 < ratio < 1.25:
                self._show_slice()

    # --- alerts and incidents -------------------------------------------------------
    def set_alerts(self, onsets: Sequence[float], levels: Sequence[str]) -> None:
        x = np.asarray(onsets, dtype=np.float64)
        if np.array_equal(x, self._alert_x) and list(levels) == self._alert_levels:
            return  # the same alerts re-read: the markers stand
        self._alert_x = x
        self._alert_levels = list(levels)
        self._place_markers()

    def _place_markers(self) -> None:
        self._markers_from = float(self._x[self._lo]) if self._hi > self._lo else np.nan
        if not self._alert_x.size or self._hi == self._lo:
            self.markers.setData(x=[], y=[])
            return
        y = np.interp(self._alert_x, self.ts, self.values)
        self.markers.setData(x=self._alert_x, y=y,
                             brush=[LEVEL_BRUSH.get(lv, LEVEL_BRUSH["warning"])
                                    for lv in self._alert_levels])

    def alert_marker_xs(self) -> np.ndarray:
        x, _y = self.markers.getData()
        return np.asarray(x, dtype=np.float64)

    def set_spans(self, spans: Sequence[tuple[float, float]]) -> None:
        """Incident spans (start, end) in epoch seconds; items are reused, never deleted."""
        wanted = [tuple(map(float, s)) for s in spans]
        if wanted == self._span_values:
            return  # unchanged: moving the regions would repaint the chart for nothing
        self._span_values = wanted
        while len(self._spans) < len(spans):
            region = pg.LinearRegionItem(movable=False, brush=SPAN_BRUSH, pen=SPAN_PEN)
            region.setZValue(-30)
            self.plot_item.addItem(region, ignoreBounds=True)
            self._spans.append(region)
        for i, region in enumerate(self._spans):
            if i < len(spans):
                region.setRegion(spans[i])
                region.show()
            else:
                region.hide()

    def visible_spans(self) -> list[tuple[float, float]]:
        return [tuple(r.getRegion()) for r in self._spans if r.isVisible()]  # type: ignore[misc]

    # --- range and interaction --------------------------------------------------
    def set_x_range(self, start: float, end: float) -> None:
        self.view.setXRange(start, end, padding=0)

    def follow(self, start: float, end: float, ts: np.ndarray | None = None,
               values: np.ndarray | None = None) -> int:
        """One live frame: the newer points and the moved x range in the same call, so
        the chart paints once with both (points arriving a turn after the range would
        paint it twice, the second time with the new points). A move smaller than half
        a pixel is skipped when no point came; y is fitted now, not while painting.
        Returns how many points were added."""
        added = self.append(ts, values, redraw=False) if ts is not None and values is not None \
            else 0
        lo, hi = self.view.viewRange()[0]
        px = (end - start) / max(self.view.width(), 1.0)
        moved = abs(start - lo) >= px / 2 or abs(end - hi) >= px / 2
        if not added and not moved:
            return 0
        if moved:
            self.view.setXRange(start, end, padding=0)
        if added:
            self._redraw(appended=added)
        self.view.updateAutoRange()  # y fits the new points before the paint
        return added

    def x_range(self) -> tuple[float, float]:
        lo, hi = self.view.viewRange()[0]
        return float(lo), float(hi)

    def _manual_range(self, *_args: object) -> None:
        lo, hi = self.x_range()
        self.sig_range_changed_manually.emit(lo, hi)

    def _hover(self, pos: QPointF) -> None:
        xs = self.ts
        if not self.view.sceneBoundingRect().contains(pos) or not xs.size:
            self.crosshair.setVisible(False)
            return
        x = self.view.mapSceneToView(pos).x()
        i = int(np.clip(np.searchsorted(xs, x), 1, xs.size - 1)) if xs.size > 1 else 0
        if i and abs(xs[i - 1] - x) <= abs(xs[i] - x):
            i -= 1
        self.crosshair.setPos(xs[i])
        self.crosshair.setVisible(True)
        self._show_reading(i)

    def _show_reading(self, i: int | None) -> None:
        kind = "" if self.resolution == 0 else f" (mean per {self.resolution // 60} min)"
        if i is None:
            self.header.setText(f"{self.series}{kind}: no data in range")
            return
        self.reading = (float(self._x[self._lo + i]), float(self._y[self._lo + i]))
        at = datetime.fromtimestamp(self.reading[0], UTC)
        when = local_text(at)
        value = format_value(self.reading[1], self.unit, self.series)
        self.header.setText(f"{self.series}{kind}  ·  {when}  ·  {value}")
        self.header.setToolTip(f"{full_text(at)}: {self.reading[1]!r}")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        lo, hi = self.x_range()
        span = hi - lo
        key = event.key()
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            shift = span * 0.2 * (-1 if key == Qt.Key.Key_Left else 1)
            self.set_x_range(lo + shift, hi + shift)
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal, Qt.Key.Key_Minus):
            factor = 0.5 if key != Qt.Key.Key_Minus else 2.0
            mid = (lo + hi) / 2
            self.set_x_range(mid - span * factor / 2, mid + span * factor / 2)
        else:
            super().keyPressEvent(event)
            return
        self._manual_range()


# --- planned scoring changes (the change calendar) ------------------------------
CHANGE_PEN = {True: pg.mkPen("#1f618d", width=1, style=Qt.PenStyle.DashLine),
              False: pg.mkPen("#c0392b", width=1, style=Qt.PenStyle.DashLine)}


class ChangeLabel(pg.InfLineLabel):
    """A change line's label, on whichever side of the line it fits inside the view.

    It ends at its line (new changes sit at the right, by "now"); a change near the left
    edge has its label start at the line instead, so it is never cut to "t notice". Placed
    again whenever the view moves, zooms or resizes (pyqtgraph calls updatePosition).
    """

    LEFT, RIGHT = (1, 0), (0, 0)  # anchors: the text's right or left edge at the line

    def updatePosition(self) -> None:  # pyqtgraph calls it on every view change
        side = self._side()
        self.anchors = [side, side]  # pyqtgraph picks one of the two by the view's centre
        super().updatePosition()

    def _side(self) -> tuple[int, int]:
        view = self.getViewBox()
        if view is None or not self.line.isVisible():
            return self.LEFT
        area = view.sceneBoundingRect()
        x = self.line.mapToScene(QPointF(0.0, 0.0)).x()
        width = self.textItem.boundingRect().width()
        room_left, room_right = x - area.left(), area.right() - x
        if room_right < 0:  # a line past the right edge: its label off the view with it
            return self.RIGHT
        if width <= room_left or room_left >= room_right:  # past the left edge too
            return self.LEFT
        return self.RIGHT


def set_change_marks(chart: SeriesChart, marks: Sequence[Any],
                     on_click: Callable[[Any], None] | None = None) -> list[pg.InfiniteLine]:
    """Draw each change (``.at``, ``.label``, ``.announced``, ``.explanation_link``) as a
    labelled vertical line; lines are reused, never deleted. Clicking one calls
    ``on_click(mark)`` (the window opens its published explanation)."""
    lines: list[pg.InfiniteLine] = chart.__dict__.setdefault("change_lines", [])
    if chart.__dict__.get("change_marks") == list(marks) and \
            chart.__dict__.get("change_click") == on_click:
        # The same changes re-read (every live re-read brings them): setting each label's
        # text again re-laid it out and repainted every chart, on screen or not.
        return lines[:len(marks)]
    while len(lines) < len(marks):
        line = pg.InfiniteLine(angle=90, movable=False)
        line.label = ChangeLabel(line, text="change", position=0.92, color="#1b2631",
                                 fill=(255, 255, 255, 210))
        line.setZValue(15)
        line.sigClicked.connect(lambda ln, _ev=None: _clicked(chart, ln))
        chart.plot_item.addItem(line, ignoreBounds=True)
        lines.append(line)
    chart.__dict__["change_marks"] = list(marks)
    chart.__dict__["change_click"] = on_click
    for i, line in enumerate(lines):
        if i >= len(marks):
            line.hide()
            continue
        m = marks[i]
        line.setPos(m.at.timestamp())
        line.setPen(CHANGE_PEN[bool(m.announced)])
        line.label.setFormat(m.label + (" · explained, click" if m.explanation_link else ""))
        line.setToolTip(f"{m.label}\n" + (f"Published explanation: {m.explanation_link}"
                                           if m.explanation_link else "No published explanation"))
        line.show()
    return lines[:len(marks)]


def _clicked(chart: SeriesChart, line: pg.InfiniteLine) -> None:
    lines = chart.__dict__.get("change_lines", [])
    marks = chart.__dict__.get("change_marks", [])
    callback = chart.__dict__.get("change_click")
    if callback is not None and line in lines and lines.index(line) < len(marks):
        callback(marks[lines.index(line)])
