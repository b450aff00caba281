"""One metric series as a live chart: one curve, alert markers, incident spans, thresholds.

Built for speed (see STYLE.md): a single ``PlotDataItem`` updated with
``setData`` (never recreated), pen width 1, float64 x in epoch seconds, peak
downsampling with clip-to-view, and an x range the panel sets itself, since
clip-to-view does nothing while x auto-ranges. Span items are pooled and
reused for the same reason the curve is: creating and destroying items leaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..timefmt import local_text

# Warn and alert levels per series, mirroring HealthSettings' defaults.
THRESHOLDS: dict[str, tuple[float, float]] = {
    "psi": (0.1, 0.25),
    "drop_share_10": (0.02, 0.05),
    "drop_share_20": (0.02, 0.05),
    "drop_share_50": (0.02, 0.05),
}
LEFT_AXIS_PX = 64
MAX_POINTS_KEPT = 2_000_000  # a live chart drops its oldest points past this
SPARSE_POINTS = 30  # at most this many points: draw each as a dot too
CURVE_PEN = pg.mkPen("#2e86c1", width=1)
LEVEL_BRUSH = {"critical": pg.mkBrush("#c0392b"), "warning": pg.mkBrush("#e67e22")}
SPAN_BRUSH = pg.mkBrush(192, 57, 43, 40)
SPAN_PEN = pg.mkPen(192, 57, 43, 90, width=1)


def thresholds_for(series: str) -> tuple[float, float] | None:
    return THRESHOLDS.get(series)


def epoch(t: datetime) -> float:
    return t.timestamp()


class SeriesChart(QWidget):
    """``set_data`` replaces the points, ``append`` adds newer ones; x range from outside."""

    sig_range_changed_manually = Signal(float, float)  # the user zoomed or panned

    def __init__(self, series: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series = series
        self.resolution = 0  # 0 raw points, else the roll-up bucket in seconds
        self._ts = np.empty(0, dtype=np.float64)
        self._values = np.empty(0, dtype=np.float64)
        self.setAccessibleName(f"Chart of {series}")
        self.setAccessibleDescription("Hover for values; wheel or + and - to zoom, "
                                      "arrow keys to pan")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.header = QLabel(series)
        self.header.setAccessibleName(f"{series} reading")
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        self.plot_widget = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        self.plot_widget.setAccessibleName(f"{series} plot")
        self.plot_widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the chart takes the keys
        self.plot_widget.setBackground("w")
        self.plot_widget.setMinimumHeight(150)
        item = self.plot_item = self.plot_widget.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.getAxis("left").setWidth(LEFT_AXIS_PX)  # aligned x axes across the stack
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        self.view = item.getViewBox()
        self.view.enableAutoRange(x=False, y=True)
        self.view.setAutoVisible(y=True)
        self.view.setMouseEnabled(x=True, y=False)
        self.view.sigRangeChangedManually.connect(self._manual_range)
        self.curve = pg.PlotDataItem(pen=CURVE_PEN, name=series, symbolSize=5,
                                     symbolPen=None, symbolBrush=pg.mkBrush("#2e86c1"))
        self._sparse = False
        item.addItem(self.curve)
        self.markers = pg.ScatterPlotItem(size=11, symbol="t1", pen=pg.mkPen("k", width=1))
        self.markers.setZValue(20)
        item.addItem(self.markers, ignoreBounds=True)
        self._alert_x = np.empty(0, dtype=np.float64)
        self._alert_levels: list[str] = []
        self._spans: list[pg.LinearRegionItem] = []
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
        return self._ts

    @property
    def values(self) -> np.ndarray:
        return self._values

    def last_ts(self) -> float | None:
        return float(self._ts[-1]) if self._ts.size else None

    def set_data(self, ts: np.ndarray, values: np.ndarray, resolution: int = 0) -> None:
        self.resolution = resolution
        self._ts = np.ascontiguousarray(ts, dtype=np.float64)
        self._values = np.ascontiguousarray(values, dtype=np.float64)
        self._redraw()

    def append(self, ts: np.ndarray, values: np.ndarray) -> int:
        """Add points newer than the last one; returns how many were added."""
        t = np.asarray(ts, dtype=np.float64)
        v = np.asarray(values, dtype=np.float64)
        if self._ts.size:
            newer = t > self._ts[-1]
            t, v = t[newer], v[newer]
        if not t.size:
            return 0
        self._ts = np.concatenate((self._ts, t))[-MAX_POINTS_KEPT:]
        self._values = np.concatenate((self._values, v))[-MAX_POINTS_KEPT:]
        self._redraw()
        return int(t.size)

    def _redraw(self) -> None:
        # Sparse series (one point per score snapshot) need dots: a lone point has no line.
        sparse = self._ts.size <= SPARSE_POINTS
        if sparse != self._sparse:
            self._sparse = sparse
            self.curve.setSymbol("o" if sparse else None)
        self.curve.setData(self._ts, self._values)
        self._place_markers()
        if self._ts.size:
            self._show_reading(self._ts.size - 1)

    # --- alerts and incidents -------------------------------------------------------
    def set_alerts(self, onsets: Sequence[float], levels: Sequence[str]) -> None:
        self._alert_x = np.asarray(onsets, dtype=np.float64)
        self._alert_levels = list(levels)
        self._place_markers()

    def _place_markers(self) -> None:
        if not self._alert_x.size or not self._ts.size:
            self.markers.setData(x=[], y=[])
            return
        y = np.interp(self._alert_x, self._ts, self._values)
        self.markers.setData(x=self._alert_x, y=y,
                             brush=[LEVEL_BRUSH.get(lv, LEVEL_BRUSH["warning"])
                                    for lv in self._alert_levels])

    def alert_marker_xs(self) -> np.ndarray:
        x, _y = self.markers.getData()
        return np.asarray(x, dtype=np.float64)

    def set_spans(self, spans: Sequence[tuple[float, float]]) -> None:
        """Incident spans (start, end) in epoch seconds; items are reused, never deleted."""
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

    def x_range(self) -> tuple[float, float]:
        lo, hi = self.view.viewRange()[0]
        return float(lo), float(hi)

    def _manual_range(self, *_args: object) -> None:
        lo, hi = self.x_range()
        self.sig_range_changed_manually.emit(lo, hi)

    def _hover(self, pos: QPointF) -> None:
        if not self.view.sceneBoundingRect().contains(pos) or not self._ts.size:
            self.crosshair.setVisible(False)
            return
        x = self.view.mapSceneToView(pos).x()
        i = int(np.clip(np.searchsorted(self._ts, x), 1, self._ts.size - 1)) \
            if self._ts.size > 1 else 0
        if i and abs(self._ts[i - 1] - x) <= abs(self._ts[i] - x):
            i -= 1
        self.crosshair.setPos(self._ts[i])
        self.crosshair.setVisible(True)
        self._show_reading(i)

    def _show_reading(self, i: int | None) -> None:
        kind = "" if self.resolution == 0 else f" (mean per {self.resolution // 60} min)"
        if i is None:
            self.header.setText(f"{self.series}{kind}: no data in range")
            return
        self.reading = (float(self._ts[i]), float(self._values[i]))
        when = local_text(datetime.fromtimestamp(self.reading[0], UTC), seconds=True)
        self.header.setText(f"{self.series}{kind}  ·  {when}  ·  {self.reading[1]:.6g}")

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
