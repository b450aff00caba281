"""Score health: a stack of live charts, the alerts list and the latest snapshot's metrics.

Reads run on the session's worker; the GUI thread only calls ``setData``.
A QTimer (the frame rate) asks for points newer than each visible chart's
last one, so the data rate and the redraw rate stay independent.

The charts (and so pyqtgraph, about 0.3 s to import) load when the first data
arrives, never while the window is built: one chart per event-loop turn, so
the window keeps painting and answering while eight charts are made. The
charts that fill the view are read as soon as they exist (``sig_first_view``
once their points are drawn); the ones below the fold follow, and their
points after them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from commandcenter.domain.operators import Credentials, Role

from ..session import Session
from ..steady import SteadyText
from ..timefmt import full_text, local_text
from ..units import format_value
from .alerts_panel import AlertsPanel
from .timeline_panel import compact_rows, labelled

if TYPE_CHECKING:  # imported when the first data arrives (pyqtgraph is slow to import)
    from ..charts.histogram_data import SnapshotHistogram
    from ..charts.series_chart import SeriesChart
    from ..charts.snapshot_histogram import SnapshotHistogramChart

RANGES: tuple[tuple[str, str, timedelta], ...] = (
    ("hour", "1 h", timedelta(hours=1)),
    ("day", "1 d", timedelta(days=1)),
    ("week", "1 w", timedelta(weeks=1)),
    ("month", "1 mo", timedelta(days=30)),
    ("year", "1 y", timedelta(days=365)),
)
# The series worth seeing first; anything else follows in name order.
PREFERRED = ("score_mean", "score_p50", "drop_share_50", "drop_share_20", "drop_share_10",
             "psi", "ks", "batch_freshness", "profile_count", "batch_size", "error_rate")
SNAPSHOT_METRICS = ("profile_count", "score_mean", "score_p50", "drop_share_10",
                    "drop_share_20", "drop_share_50", "psi", "ks")
LIVE_MS = 250
LIVE_CHUNK = 20_000  # raw points per read on the live path (more come back as roll-ups)
LIVE_MAX_PER_TICK = 200_000  # a bigger burst is caught up over the next ticks
LIVE_MAX_PROBES = 40  # reads per series per tick before giving up on raw points
# A live frame moves the charts on screen one after the other, this far apart, so each
# paint pass redraws one chart (its axes re-made, its grid and curve drawn again), not all
# of them at once: a few ms of the GUI thread at a time instead of 3-8 times that.
STAGGER_MS = 40
META_EVERY = 20  # live ticks between re-reads of series, alerts and incidents (5 s)
# The charts below the fold wait for the first view's points this long at most.
HOLD_BELOW_FOLD_MS = 2_000
RESOLVED_SHOWN = 200  # every firing alert, and only the newest resolved ones
ALERT_WINDOW = timedelta(hours=2)  # shown either side of an alert's onset


@dataclass(frozen=True, slots=True)
class HealthMeta:
    status: tuple[Any, ...]  # SeriesStatus
    alerts: tuple[Any, ...]  # AlertView
    incidents: tuple[Any, ...]  # IncidentView
    histogram: SnapshotHistogram | None = None
    histogram_key: object = None  # None: the histogram was not re-read


def snapshot_key(status: Sequence[Any]) -> object:
    """Changes whenever a snapshot arrives: the time of the last profile_count point."""
    return next(((s.last_at, s.last_value) for s in status if s.series == "profile_count"),
                ("none",))


def chart_order(names: Sequence[str]) -> list[str]:
    rank = {n: i for i, n in enumerate(PREFERRED)}
    return sorted(names, key=lambda n: (rank.get(n, len(PREFERRED)), n))


def ts(t: datetime) -> float:
    return t.timestamp()


def instant_from(t: float) -> datetime:
    """The first datetime (whole microseconds) not before ``t``.

    ``fromtimestamp`` rounds to the nearest microsecond; a start that rounds below
    the series' oldest point makes ``points`` answer with roll-ups.
    """
    at = datetime.fromtimestamp(t, UTC)
    return at + timedelta(microseconds=1) if at.timestamp() < t else at


@dataclass(frozen=True, slots=True)
class NewPoints:
    """A live read of one series: raw points from ``start`` on, oldest first."""

    ts: Any  # np.ndarray, float64
    value: Any
    more: bool = False  # LIVE_MAX_PER_TICK reached: the next tick reads on
    reread: bool = False  # raw points could not be read: re-read the charted range


def read_new_points(health: Any, name: str, start: datetime, end: datetime,
                    chunk: int | None = None, max_points: int | None = None) -> NewPoints:
    """Every raw point of ``name`` in [start, end), read ``chunk`` at a time (on the worker).

    ``points`` answers with roll-ups past its ``max_points``; the live path
    appends raw points only, so when a burst comes back as roll-ups their
    counts say where ``chunk`` points end, and that shorter range is read raw.
    """
    import numpy as np

    chunk = chunk or LIVE_CHUNK
    max_points = max_points or LIVE_MAX_PER_TICK
    parts_t: list[Any] = []
    parts_v: list[Any] = []
    got, lo = 0, start
    while True:
        hi = end
        for _probe in range(LIVE_MAX_PROBES):
            d = health.points(name, lo, hi, chunk)
            if d.resolution == 0:
                break
            lo_s, hi_s = lo.timestamp(), hi.timestamp()
            fits = int(np.searchsorted(np.cumsum(d.count), chunk, side="right"))
            if 0 < fits < d.ts.size and lo_s < float(d.ts[fits]) < hi_s:
                cut = float(d.ts[fits])  # the buckets before hold at most `chunk` points
            else:  # the first bucket alone holds more: halve within it
                if d.ts.size and float(d.ts[0]) + d.resolution > lo_s:
                    hi_s = min(hi_s, float(d.ts[0]) + d.resolution)
                cut = lo_s + (hi_s - lo_s) / 2
            hi = datetime.fromtimestamp(cut, UTC)
        else:
            return NewPoints(np.empty(0), np.empty(0), reread=True)
        parts_t.append(d.ts)
        parts_v.append(d.value)
        got += int(d.ts.size)
        if hi >= end or got >= max_points:
            break
        lo = hi
    t = parts_t[0] if len(parts_t) == 1 else np.concatenate(parts_t)
    v = parts_v[0] if len(parts_v) == 1 else np.concatenate(parts_v)
    return NewPoints(t, v, more=hi < end)


class HealthPanel(QWidget):
    sig_charts_updated = Signal()  # after data reached the charts (tests wait on it)
    sig_first_view = Signal()  # once: what the panel shows first has its data drawn

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.charts: dict[str, SeriesChart] = {}
        self.histogram: SnapshotHistogramChart | None = None  # made with the first chart
        self._to_build: list[str] = []  # chart names waiting for their event-loop turn
        self._unread: list[str] = []  # built charts whose points nobody asked for yet
        self._first_asked = False  # the charts in view have been asked for their points
        self._below_fold_due = False  # ... and those below the fold may now be built
        # Set by a window whose other panels also load first: the charts below the fold
        # then wait for its first screen (release_below_fold), not just for this view.
        self.hold_below_fold = False
        self.first_view = False  # ... and drawn them (or there is no series at all)
        self._pending_histogram: Any = None  # read before its chart existed
        self._x_window = (0.0, 0.0)  # the x range last set on the charts
        self._follow_window = (0.0, 0.0)  # the live window of the last tick
        self._snapshot_rows: list[Any] = []  # the series statuses in the snapshot table
        self.meta = HealthMeta((), (), ())
        self._histogram_key: object = None
        self.span = RANGES[0][2]
        self.follow = True  # the x range scrolls with the clock until the user zooms
        self.source: Any = None  # an optional live source: poll() -> list[Point]
        self.source_name = "live"
        self._generation = 0  # bumped by every range load; stale replies are dropped
        self._live_pending = False
        self._ticks = 0
        self.change_marks: list[Any] = []  # planned scoring changes (services/changes.py)
        self._build()
        self.timer = QTimer(self, interval=LIVE_MS)
        self.timer.timeout.connect(self.tick)
        self._zoom_timer = QTimer(self, singleShot=True, interval=300)
        self._zoom_timer.timeout.connect(self._load_zoomed)
        session.sig_data_changed.connect(self.reload)

    # --- building -------------------------------------------------------------------
    def _build(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Range:"))
        self.range_group = QButtonGroup(self)
        self.range_buttons: dict[str, QPushButton] = {}
        for key, text, _span in RANGES:
            button = labelled(QPushButton(text), f"Show the last {key}",
                              f"Charts over the last {key}, following the clock")
            button.setCheckable(True)
            button.clicked.connect(lambda _c=False, k=key: self.show_range(k))
            self.range_group.addButton(button)
            self.range_buttons[key] = button
            bar.addWidget(button)
        self.range_buttons["hour"].setChecked(True)
        self.live_box = labelled(QCheckBox("Live"), "Follow live data",
                                 "Scroll the charts with the clock; zooming turns this off")
        self.live_box.setChecked(True)
        self.live_box.toggled.connect(self._live_toggled)
        bar.addWidget(self.live_box)
        self.range_label = SteadyText()  # rewritten as the clock moves: lays nothing out
        self.range_label.setAccessibleName("Charted range")
        bar.addWidget(self.range_label, 1)
        self.sensitivity_button = labelled(QPushButton("Se&nsitivity..."),
                                           "Alert sensitivity per series")
        self.sensitivity_button.clicked.connect(self.edit_sensitivity)
        bar.addWidget(self.sensitivity_button)
        self.session.sig_operator_changed.connect(lambda _op: self._sensitivity_allowed())
        self._sensitivity_allowed()

        self.chart_box = QWidget()
        self.chart_layout = QVBoxLayout(self.chart_box)
        self.chart_layout.setContentsMargins(2, 2, 2, 2)
        self.chart_layout.addStretch(1)
        self.empty_label = QLabel("No metric series yet. Feed one with `commandcenter health "
                                  "ingest` or a live source.")
        self.empty_label.setAccessibleName("No metric series")
        self.chart_layout.insertWidget(0, self.empty_label)
        self.scroll = labelled(QScrollArea(), "Score health charts")
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.chart_box)
        self.scroll.verticalScrollBar().valueChanged.connect(lambda _v: self._charts_scrolled())

        self.alerts = AlertsPanel(self.session)
        self.alerts.sig_alert_chosen.connect(self.show_alert)
        self.snapshot_table = labelled(QTableWidget(0, 2), "Latest snapshot metrics",
                                       "The newest value of each snapshot metric; hover for "
                                       "its time")
        self.snapshot_table.setHorizontalHeaderLabels(("Metric", "Value"))
        self.snapshot_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        compact_rows(self.snapshot_table)
        self.snapshot_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.snapshot_table.horizontalHeader().setStretchLastSection(True)
        self.histogram_placeholder = QLabel("Score distribution: no score snapshot yet")
        self.histogram_placeholder.setAccessibleName("Score distribution reading")
        self.histogram_placeholder.setAlignment(Qt.AlignmentFlag.AlignTop)
        alerts_box = QWidget()
        alerts_layout = QVBoxLayout(alerts_box)
        alerts_layout.setContentsMargins(0, 0, 0, 0)
        alerts_layout.addWidget(QLabel("<b>Alerts</b>"))
        alerts_layout.addWidget(self.alerts, 1)
        snapshot_box = QWidget()
        snapshot_layout = QVBoxLayout(snapshot_box)
        snapshot_layout.setContentsMargins(0, 0, 0, 0)
        snapshot_layout.addWidget(QLabel("<b>Latest score snapshot</b>"))
        snapshot_row = self.snapshot_row = QHBoxLayout()
        snapshot_row.addWidget(self.histogram_placeholder, 3)
        snapshot_row.addWidget(self.snapshot_table, 2)
        snapshot_layout.addLayout(snapshot_row, 1)
        side = QSplitter(Qt.Orientation.Vertical)
        side.setChildrenCollapsible(False)
        side.addWidget(alerts_box)
        side.addWidget(snapshot_box)
        side.setStretchFactor(0, 1)
        side.setStretchFactor(1, 1)
        side.setSizes([500, 500])
        self.side_splitter = side
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.scroll)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([900, 600])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)

    # --- loading --------------------------------------------------------------------
    def reload(self) -> None:
        """Series, alerts and incidents; then the charted range when a chart is new."""
        services = self.session.services
        known = self._histogram_key

        def read() -> HealthMeta:
            from ..charts.histogram_data import histogram_of  # NumPy only, no pyqtgraph

            status = tuple(services.health.status())
            key = snapshot_key(status)
            # Snapshots are large: re-read only when a new one came.
            fresh = key != known
            return HealthMeta(status,
                              tuple(services.health.alerts(resolved_limit=RESOLVED_SHOWN)),
                              tuple(i for i in services.incidents.list() if not i.drill),
                              histogram_of(services.health.snapshot_scores()) if fresh else None,
                              key if fresh else None)

        self.session.read(read, self._meta_loaded)
        self.session.read(lambda: services.changes.chart_marks(), self._change_marks_loaded)

    def _meta_loaded(self, meta: HealthMeta) -> None:
        self.meta = meta
        self._ensure_charts([s.series for s in meta.status])
        for st in meta.status:  # readings in the series' unit; snapshot series as steps
            chart = self.charts.get(st.series)
            if chart is not None:
                chart.unit = st.unit or ""
                if chart.snapshot != (st.source == "snapshot"):
                    chart.snapshot = st.source == "snapshot"
                    chart._redraw()
        self._show_alerts()
        self._show_spans()
        self._show_snapshot()
        if meta.histogram_key is not None:
            self._histogram_key = meta.histogram_key
            if self.histogram is not None:
                self.histogram.set_histogram(meta.histogram)
            else:  # shown once its chart is made
                self._pending_histogram = meta.histogram
        if not self.charts and not self._to_build:
            self._first_view_shown()  # no series: the empty label is the first view

    def _ensure_charts(self, names: Sequence[str]) -> bool:
        """Queue a chart for each new series; they are built one per event-loop turn."""
        new = [n for n in chart_order(names) if n not in self.charts and n not in self._to_build]
        if not new:
            return False
        self.empty_label.hide()
        if not self.first_view and not self.charts:
            # The first view's charts are drawn once, with their points: built one per
            # event-loop turn, each new one re-laid out and repainted those before it.
            self.chart_box.setUpdatesEnabled(False)
            QTimer.singleShot(HOLD_BELOW_FOLD_MS, self, self._draw_charts)
        if not self._to_build:
            QTimer.singleShot(0, self, self._build_next)
        self._to_build.extend(new)
        return True

    def charts_pending(self) -> bool:
        """True while queued charts are still being built."""
        return bool(self._to_build)

    def _build_next(self) -> None:
        """Build the histogram (on the first turn) or one chart; then come back, or load."""
        if not self._to_build:
            return
        if self.histogram is None:
            from ..charts.snapshot_histogram import SnapshotHistogramChart

            self.histogram = SnapshotHistogramChart()
            if self._pending_histogram is not None:
                self.histogram.set_histogram(self._pending_histogram)
                self._pending_histogram = None
            self.snapshot_row.replaceWidget(self.histogram_placeholder, self.histogram)
            self.histogram_placeholder.hide()
            self.snapshot_row.setStretchFactor(self.histogram, 3)
            QTimer.singleShot(0, self, self._build_next)
            return
        from ..charts.series_chart import SeriesChart

        name = self._to_build[0]
        chart = SeriesChart(name)
        meta = getattr(self, "meta", None)
        known = next((st for st in (meta.status if meta else ()) if st.series == name), None)
        chart.unit = (known.unit or "") if known else ""
        chart.snapshot = known is not None and known.source == "snapshot"
        chart.sig_range_changed_manually.connect(self._zoomed)
        first = next(iter(self.charts.values()), None)
        if first is not None:
            chart.plot_item.setXLink(first.plot_item)
        else:
            chart.set_x_range(*self._x_window)
        self.charts[name] = chart
        self._unread.append(name)
        order = chart_order(list(self.charts))
        self.chart_layout.insertWidget(order.index(name), chart)
        self._to_build.pop(0)
        if not self._first_asked and (not self._to_build or self._view_filled()):
            # The charts a user sees first: their points now, the rest after them.
            self._first_asked = True
            self._decorate()
            self.load_range(*self.current_window())
            if self._to_build:  # below the fold: built once the first view is drawn
                QTimer.singleShot(HOLD_BELOW_FOLD_MS, self, self._build_below_fold)
                return
        if self._to_build:
            if self._first_asked and not self.first_view and not self._below_fold_due:
                return  # _first_view_shown (or the timer above) builds the rest
            QTimer.singleShot(0, self, self._build_next)
            return
        if self._unread:  # built after the first read: their points, alerts and spans
            self._decorate()
            self.load_range(*self.current_window(), names=list(self._unread))

    def _view_filled(self) -> bool:
        """Do the charts built so far fill the visible part of the chart stack?"""
        height = self.scroll.viewport().height()
        spacing = self.chart_layout.spacing()
        # A stack taller than the view gives each chart its minimum height.
        return sum(c.minimumSizeHint().height() + spacing
                   for c in self.charts.values()) >= height

    def _decorate(self) -> None:
        self._mark_alerts()
        self._show_spans()
        self._show_change_marks()

    def _first_view_shown(self) -> None:
        if not self.first_view:
            self.first_view = True
            self._draw_charts()
            self.sig_first_view.emit()
            if not self.hold_below_fold:
                self._build_below_fold()

    def release_below_fold(self) -> None:
        """The window's first screen is shown: the charts below the fold may be built."""
        self.hold_below_fold = False
        if self.first_view:
            self._build_below_fold()

    def _draw_charts(self) -> None:
        """Charts drawn again: the first view has its points (or they are late)."""
        if not self.chart_box.updatesEnabled():
            self.chart_box.setUpdatesEnabled(True)

    def _build_below_fold(self) -> None:
        """The charts below the fold, once the first view is drawn (or its read is late):
        building them while the first points were on their way delayed the first screen
        (seven charts built before it instead of three, the demo)."""
        if not self._below_fold_due:
            self._below_fold_due = True
            if self._to_build:
                QTimer.singleShot(0, self, self._build_next)

    def current_window(self) -> tuple[datetime, datetime]:
        if self.follow or not self.charts:
            end = self.session.now()
            return end - self.span, end
        lo, hi = next(iter(self.charts.values())).x_range()
        return datetime.fromtimestamp(lo, UTC), datetime.fromtimestamp(hi, UTC)

    def load_range(self, start: datetime, end: datetime,
                   names: Sequence[str] | None = None) -> None:
        """Read every chart's points for [start, end] on the worker (raw or roll-ups).

        ``names``: only these charts, newly built, for the range already shown; a
        later full load still replaces their reply."""
        if names is None:
            self._generation += 1
            names = list(self.charts)
            self._set_x(ts(start), ts(end))
        generation = self._generation
        self._unread = [n for n in self._unread if n not in names]
        names = list(names)
        max_points = max(2000, 2 * self.scroll.viewport().width())
        health = self.session.services.health

        def read() -> dict[str, Any]:
            until = end + timedelta(seconds=1)  # the range's end is excluded; keep "now"
            return {n: health.points(n, start, until, max_points) for n in names}

        self.session.read(read, lambda data: self._range_loaded(generation, data))

    def _range_loaded(self, generation: int, data: dict[str, Any]) -> None:
        if generation != self._generation:
            return
        for name, d in data.items():
            if name in self.charts:
                self.charts[name].set_data(d.ts, d.value, d.resolution)
        self._mark_alerts()
        self.sig_charts_updated.emit()
        self._first_view_shown()

    def _set_x(self, lo: float, hi: float) -> None:
        self._x_window = (lo, hi)
        # Each chart gets the range itself, links blocked: linked views line up by
        # screen position, so a chart not laid out yet would skew the others.
        charts = list(self.charts.values())
        for chart in charts:
            chart.view.blockLink(True)
        try:
            for chart in charts:
                chart.set_x_range(lo, hi)
        finally:
            for chart in charts:
                chart.view.blockLink(False)
        self._show_range_label(lo, hi)

    def _show_range_label(self, lo: float, hi: float) -> None:
        start, end = datetime.fromtimestamp(lo, UTC), datetime.fromtimestamp(hi, UTC)
        text = (f"{local_text(start)} to {local_text(end)}"
                + ("  (live)" if self.follow else "  (Live off)"))
        if text != self.range_label.text():
            self.range_label.setText(text)
            self.range_label.setToolTip(f"From {full_text(start)}\nto {full_text(end)}")

    # --- ranges and zoom --------------------------------------------------------------
    def show_range(self, key: str) -> None:
        self.span = next(span for k, _t, span in RANGES if k == key)
        self.range_buttons[key].setChecked(True)
        self.live_box.setChecked(True)
        self.follow = True
        self.load_range(*self.current_window())

    def _live_toggled(self, on: bool) -> None:
        self.follow = on
        if on:
            self.load_range(*self.current_window())

    def _stop_following(self) -> None:
        self.follow = False
        self.live_box.blockSignals(True)
        self.live_box.setChecked(False)
        self.live_box.blockSignals(False)
        self.range_group.setExclusive(False)
        for b in self.range_buttons.values():
            b.setChecked(False)
        self.range_group.setExclusive(True)

    def _zoomed(self, lo: float, hi: float) -> None:
        self._stop_following()
        self._zoom_timer.start()  # re-read at the new resolution once the wheel stops

    def _load_zoomed(self) -> None:
        if not self.follow and self.charts:
            self.load_range(*self.current_window())

    def show_alert(self, alert: Any) -> None:
        """Scroll to the alert's chart; stay Live when its moment is in the live range,
        else zoom to it and say that Live is off."""
        chart = self.charts.get(alert.series)
        if chart is None:
            return
        self.scroll.ensureWidgetVisible(chart)
        if self.follow:
            lo, hi = self.current_window()
            if lo <= alert.onset_at <= hi:
                self.session.sig_info.emit(f"Alert #{alert.id} is in the live range; "
                                           "still following live data")
                return
        self._stop_following()
        end = min(alert.onset_at + ALERT_WINDOW, self.session.now() + ALERT_WINDOW / 8)
        self.load_range(end - 2 * ALERT_WINDOW, end)  # recent: mostly the time before
        self.live_off_reason = (f"Live is off: showing alert #{alert.id} at "
                                f"{local_text(alert.onset_at)}; tick Live to follow again")
        self.range_label.setToolTip(f"{self.live_off_reason}\n"
                                    f"(alert at {full_text(alert.onset_at)})")
        self.session.sig_info.emit(self.live_off_reason)

    # --- per-series sensitivity ---------------------------------------------------------
    def _sensitivity_allowed(self) -> None:
        op = self.session.operator
        ok = op is not None and op.role is Role.COMMANDER
        self.sensitivity_button.setEnabled(ok)
        self.sensitivity_button.setToolTip(
            "How readily each series raises anomaly alerts" if ok else
            "Sign in as a commander to change alerting" if op is None else
            f"A {op.role.value} may not change alerting; a commander may")

    def edit_sensitivity(self) -> None:
        if not self.sensitivity_button.isEnabled():
            return
        from ..dialogs.sensitivity import SensitivityDialog

        chosen = self.alerts.current()
        dialog = SensitivityDialog(self.meta.status, chosen.series if chosen else None, self)
        if dialog.exec() != SensitivityDialog.DialogCode.Accepted:
            return
        series, level, health = dialog.series(), dialog.level(), self.session.services.health
        try:
            by = Credentials(self.session.actor(), dialog.passphrase())
        except Exception as exc:
            self.session.report(exc)
            return
        self.session.write(lambda: health.set_sensitivity(series, level, by),
                           lambda _view: self.reload(),
                           success=f"{series}: sensitivity {level.value}")

    # --- alerts, spans, snapshot --------------------------------------------------------
    def _show_alerts(self) -> None:
        self.alerts.set_alerts(self.meta.alerts)
        self._mark_alerts()

    def _mark_alerts(self) -> None:
        """Each chart's alert markers (placed on its points: again after new points)."""
        by_series: dict[str, list[Any]] = {}
        for a in self.meta.alerts:
            by_series.setdefault(a.series, []).append(a)
        for name, chart in self.charts.items():
            found = by_series.get(name, [])
            chart.set_alerts([ts(a.onset_at) for a in found], [a.level for a in found])

    def _show_spans(self, charts: Sequence[SeriesChart] | None = None) -> None:
        now = ts(self.session.now())
        spans = [(ts(i.detected_at), ts(i.resolved_at or i.closed_at) if (i.resolved_at or
                 i.closed_at) else now) for i in self.meta.incidents]
        for chart in self.charts.values() if charts is None else charts:
            chart.set_spans(spans)

    def _change_marks_loaded(self, marks: list[Any]) -> None:
        self.change_marks = list(marks)
        self._show_change_marks()

    def _show_change_marks(self) -> None:
        """Every planned change as a labelled line on every chart, linked to its explanation."""
        if not self.charts:
            return
        from ..charts.series_chart import set_change_marks

        for chart in self.charts.values():
            set_change_marks(chart, self.change_marks, self.open_change_explanation)

    def open_change_explanation(self, mark: Any) -> None:
        if mark.explanation_link:
            from PySide6.QtCore import QUrl
            from PySide6.QtGui import QDesktopServices

            QDesktopServices.openUrl(QUrl.fromLocalFile(mark.explanation_link))
        else:
            self.session.sig_info.emit(f"{mark.label}: no published explanation yet")

    def _show_snapshot(self) -> None:
        latest = {s.series: s for s in self.meta.status}
        rows = [latest[n] for n in SNAPSHOT_METRICS if n in latest]
        if rows == self._snapshot_rows:
            return  # the same latest values: the table's items stand
        self._snapshot_rows = rows
        self.snapshot_table.setRowCount(len(rows))
        for r, s in enumerate(rows):
            value = format_value(s.last_value, s.unit or "", s.series)
            exact = "-" if s.last_value is None else repr(s.last_value)
            for c, text in enumerate((s.series, value)):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{s.series} = {exact} at {full_text(s.last_at)} "
                                f"(from {s.source})")
                self.snapshot_table.setItem(r, c, item)

    # --- live ----------------------------------------------------------------------------
    def start_live(self) -> None:
        self.timer.start()

    def stop_live(self) -> None:
        self.timer.stop()

    def follow_source(self, source: Any, name: str = "live") -> None:
        """Poll ``source`` (``poll() -> list[Point]``) on the worker at every tick."""
        self.source, self.source_name = source, name
        self.start_live()

    def visible_charts(self) -> list[SeriesChart]:
        return [c for c in self.charts.values() if not c.visibleRegion().isEmpty()]

    def tick(self) -> None:
        if self._live_pending or not self.isVisible():
            return
        if not getattr(self.session.services, "built", True):
            # Start-up: the panels show the start-up reader's answers (ui/prefetch.py) or
            # wait for the build; the re-read after it brings what came meanwhile.
            return
        self._ticks += 1
        if self._ticks % META_EVERY == 0:
            self.reload()
        if not self.first_view:
            return  # the first range read brings the points; a live read would repeat it
        now = self.session.now()
        visible = self.visible_charts()
        if self.follow:
            self._follow_window = (ts(now - self.span), ts(now))
        wanted = [(c.series, c.last_ts()) for c in visible if c.resolution == 0]
        if not wanted and self.source is None:
            self._follow_shown(visible)  # nothing to read: only the range moves
            return
        # The range moves when the points arrive (_live_loaded), in the same turn.
        self._live_pending = True
        read = self._live_read(wanted, now)
        self.session.read(read, self._live_loaded, self._live_failed)

    def _follow_shown(self, charts: Sequence[SeriesChart],
                      data: dict[str, Any] | None = None) -> bool:
        """Following live: move the charts on screen to the live window, each with its
        new points in the same call. Charts scrolled out of sight are left alone (they
        would cost a range change each tick for nothing) and catch up when shown."""
        data = data or {}
        grew = False
        if self.follow:
            lo, hi = self._follow_window
            self._x_window = (lo, hi)
            every = list(self.charts.values())
            for chart in every:  # see _set_x; and the charts out of sight stay put
                chart.view.blockLink(True)
            try:
                for chart in charts:
                    d = data.get(chart.series)
                    added = chart.follow(lo, hi, *((d.ts, d.value) if d is not None else ()))
                    grew = added > 0 or grew
            finally:
                for chart in every:
                    chart.view.blockLink(False)
            self._show_spans(charts)
            self._show_range_label(lo, hi)
        else:
            for chart in charts:
                d = data.get(chart.series)
                if d is not None:
                    grew = chart.append(d.ts, d.value) > 0 or grew
        return grew

    def _charts_scrolled(self) -> None:
        """Charts coming into sight take the live range now, not at the next tick."""
        if self.follow and self._follow_window[1]:
            self._follow_shown(self.visible_charts())

    def _live_read(self, wanted: list[tuple[str, float | None]], now: datetime
                   ) -> Callable[[], tuple[Any, dict[str, Any]]]:
        health, source, source_name = self.session.services.health, self.source, self.source_name
        start_default = now - self.span

        def read() -> tuple[Any, dict[str, Any]]:
            report = None
            if source is not None:
                points = source.poll()
                if points:
                    report = health.ingest_points(points, source=source_name)
            out = {}
            for name, last in wanted:
                start = start_default if last is None else instant_from(last)
                out[name] = read_new_points(health, name, start,
                                            max(now, start) + timedelta(hours=1))
            return report, out

        return read

    def _live_loaded(self, result: tuple[Any, dict[str, Any]]) -> None:
        self._live_pending = False
        report, data = result
        reread = more = False
        fresh: dict[str, Any] = {}
        for name, d in data.items():
            chart = self.charts.get(name)
            if chart is None or chart.resolution != 0:
                continue
            reread, more = reread or d.reread, more or d.more
            if not d.reread:
                fresh[name] = d
        visible = self.visible_charts()
        if self.follow and len(visible) > 1 and not reread and not more:
            # One chart now, the next ones STAGGER_MS apart (see STAGGER_MS); the next
            # read waits for the last of them (_live_pending), so none is skipped.
            self._live_pending = True
            self._stagger(visible, fresh, self._generation, grew=False)
        elif self._follow_shown(visible, fresh):
            self.sig_charts_updated.emit()
        if reread:  # never a gap: the whole charted range again, roll-ups if need be
            self.load_range(*self.current_window())
        elif more:  # a burst past LIVE_MAX_PER_TICK: read on now, not a frame later
            QTimer.singleShot(0, self, self.tick)
        if report is not None and (report.alerts or
                                   any(s.series not in self.charts for s in report.series)):
            self.reload()

    def _stagger(self, charts: list[SeriesChart], data: dict[str, Any], generation: int,
                 grew: bool) -> None:
        """Move ``charts[0]`` to the live window (with its new points), then the rest,
        one per STAGGER_MS. The live window is the tick's; a chart the user zoomed
        meanwhile (following stopped) or a new range load takes its points only."""
        chart, rest = charts[0], charts[1:]
        if chart in self.charts.values():
            if self.follow and generation == self._generation:
                grew = self._follow_shown([chart], data) or grew
            else:
                d = data.get(chart.series)
                if d is not None and chart.resolution == 0:
                    grew = chart.append(d.ts, d.value) > 0 or grew
        if rest:
            QTimer.singleShot(STAGGER_MS, self,
                              lambda: self._stagger(rest, data, generation, grew))
            return
        self._live_pending = False
        if grew:
            self.sig_charts_updated.emit()

    def _live_failed(self, exc: BaseException) -> None:
        self._live_pending = False
        self.stop_live()  # one message, not four a second
        self.session.report(exc)
