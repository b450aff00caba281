"""The wall display: ``commandcenter gui --wall``. Full screen, large type, read-only.

Readable from across the room: the incident, its clock and status; who owns each
chain now; what waits for approval and for how long; the last three published
messages; score-health sparklines. No sign-in, and nothing on it changes data: it
only reads (it does not even tick the paging service), every ``REFRESH_MS``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from commandcenter.domain.incidents import Severity
from commandcenter.domain.messages import MessageState
from commandcenter.domain.paging import waited

from .tasks import TaskManager
from .timefmt import elapsed, full_text, unbroken_text
from .units import format_value

REFRESH_MS = 5_000
SPARK_HOURS = 6
MAX_SPARKS, SPARK_COLUMNS = 8, 4  # firing series first
MAX_COMMITMENTS = 3  # soonest due first
BG, FG, DIM, ACCENT, WARN = "#101418", "#f4f6f7", "#aab7b8", "#5dade2", "#f5b041"
SEV_COLOURS = {Severity.SEV1: "#e74c3c", Severity.SEV2: "#e67e22", Severity.SEV3: "#f1c40f",
               Severity.SEV4: "#58d68d"}


@dataclass(frozen=True, slots=True)
class WallState:
    now: datetime
    incident: Any  # IncidentView | None
    owners: tuple[Any, ...]
    waiting: tuple[tuple[Any, Any], ...]  # (MessageView, RequestView | None)
    published: tuple[Any, ...]
    sparks: tuple[tuple[str, str, Any, Any, bool], ...] = field(default=())
    # (series, unit, ts, values, firing)
    commitments: tuple[Any, ...] = ()  # the incident's promises not yet kept, soonest due


def read_wall(services: Any) -> WallState:
    """Everything the wall shows, read in one go on the worker thread."""
    now = services.ctx.clock.now()
    live = [i for i in services.incidents.list(include_closed=False) if not i.drill]
    order = list(Severity)
    incident = min(live, key=lambda i: (order.index(i.severity), -i.detected_at.timestamp()),
                   default=None)
    owners = tuple(services.roster.owners())
    requests = {r.message_id: r for r in services.paging.waiting()}
    waiting = tuple((m, requests.get(m.id)) for m in services.messages.review_queue()
                    if m.state is MessageState.IN_REVIEW)
    published: list[Any] = []
    if incident is not None:
        published = [m for m in services.messages.list(incident.id)
                     if m.state is MessageState.PUBLISHED]
        published.sort(key=lambda m: m.published_at or m.updated_at, reverse=True)
    commitments: list[Any] = []
    if incident is not None:  # read only: the wall never runs the overdue sweep
        commitments = [c for c in services.commitments.list(incident.id)
                       if c.state.value != "kept"]
    sparks = []
    statuses = sorted(services.health.status(), key=lambda s: (not s.firing, s.series))
    for s in statuses[:MAX_SPARKS]:
        data = services.health.points(s.series, now - timedelta(hours=SPARK_HOURS), now,
                                      max_points=300)
        sparks.append((s.series, s.unit, data.ts, data.value, bool(s.firing)))
    return WallState(now, incident, owners, waiting, tuple(published[:3]), tuple(sparks),
                     tuple(commitments[:MAX_COMMITMENTS]))


class Sparkline(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ts: Any = ()
        self.values: Any = ()
        self.colour = ACCENT
        self.setMinimumHeight(70)

    def set_data(self, ts: Any, values: Any, firing: bool) -> None:
        self.ts, self.values = ts, values
        self.colour = WARN if firing else ACCENT
        self.update()

    def paintEvent(self, _event: Any) -> None:
        n = len(self.values)
        if n == 0:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if n == 1:  # a snapshot-only series: one value, drawn as a level with its marker
            y = self.height() / 2
            p.setPen(QPen(QColor(self.colour), 3))
            p.drawLine(QPointF(2, y), QPointF(self.width() - 2, y))
            p.setBrush(QColor(self.colour))
            p.drawEllipse(QPointF(self.width() - 8, y), 6, 6)
            p.end()
            return
        lo, hi = float(min(self.values)), float(max(self.values))
        span = (hi - lo) or 1.0
        t0, t1 = float(self.ts[0]), float(self.ts[-1])
        width = (t1 - t0) or 1.0
        w, h = self.width() - 4, self.height() - 8
        poly = QPolygonF([QPointF(2 + w * (float(t) - t0) / width,
                                  4 + h * (1 - (float(v) - lo) / span))
                          for t, v in zip(self.ts, self.values, strict=True)])
        p.setPen(QPen(QColor(self.colour), 3))
        p.drawPolyline(poly)
        p.end()


def _label(size: int, colour: str = FG, *, bold: bool = False, wrap: bool = True) -> QLabel:
    lbl = QLabel()
    lbl.setWordWrap(wrap)
    lbl.setStyleSheet(f"color: {colour}; font-size: {size}px;"
                      + (" font-weight: bold;" if bold else ""))
    lbl.setTextFormat(Qt.TextFormat.RichText)
    return lbl


class WallWindow(QWidget):
    """Read-only: no button, no field, no sign-in."""

    def __init__(self, services: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.state: WallState | None = None
        self.tasks = TaskManager(self)
        self.setWindowTitle("Command Center — wall display")
        self.setAccessibleName("Wall display")
        self.setStyleSheet(f"background: {BG};")
        self.title = _label(54, FG, bold=True)
        self.clock = _label(96, FG, bold=True, wrap=False)
        self.status = _label(40, DIM, bold=True)
        self.owners = _label(34)
        self.waiting = _label(34)
        self.published = _label(26)
        self.commitments = _label(26)
        for lbl in (self.title, self.status, self.owners, self.waiting, self.published,
                    self.commitments):
            lbl.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.spark_names: list[QLabel] = []
        self.sparks: list[Sparkline] = []
        top = QHBoxLayout()
        head = QVBoxLayout()
        head.addWidget(self.title)
        head.addWidget(self.status)
        top.addLayout(head, 3)
        top.addWidget(self.clock, 1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        grid = QGridLayout()
        grid.setHorizontalSpacing(48)
        grid.addWidget(_section("Who decides now"), 0, 0)
        grid.addWidget(self.owners, 1, 0)
        grid.addWidget(_section("Waiting for approval"), 0, 1)
        grid.addWidget(self.waiting, 1, 1)
        grid.addWidget(_section("Open commitments"), 0, 2)
        grid.addWidget(self.commitments, 1, 2)
        grid.addWidget(_section("Last published"), 2, 0, 1, 3)
        grid.addWidget(self.published, 3, 0, 1, 3)
        self.spark_grid = QGridLayout()
        self.spark_grid.setHorizontalSpacing(32)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 32, 48, 32)
        layout.setSpacing(24)
        layout.addLayout(top)
        grid.setRowStretch(4, 1)
        layout.addLayout(grid, 1)
        layout.addWidget(_section(f"Score health, last {SPARK_HOURS} hours"))
        layout.addLayout(self.spark_grid)
        self.timer = QTimer(self, interval=REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.clock_timer = QTimer(self, interval=1000)
        self.clock_timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.refresh()
        self.timer.start()
        self.clock_timer.start()

    def refresh(self) -> None:
        self.tasks.run(lambda: read_wall(self.services), self.show_state,
                       lambda exc: self.status.setText(f"Cannot read the database: "
                                                       f"{html.escape(str(exc))}"))

    def _now(self) -> datetime:
        return self.services.ctx.clock.now()

    def _tick(self) -> None:
        inc = self.state.incident if self.state else None
        self.clock.setText(elapsed(self._now() - inc.detected_at) if inc else "")

    def show_state(self, state: WallState) -> None:
        self.state = state
        inc = state.incident
        detected = f"Detected {full_text(inc.detected_at)}" if inc else ""
        self.status.setToolTip(detected)
        self.clock.setToolTip(detected)
        if inc is None:
            self.title.setText("No open incident")
            self.status.setText("All quiet.")
        else:
            colour = SEV_COLOURS[inc.severity]
            self.title.setText(f'<span style="color:{colour}">{inc.severity.value}</span> '
                               f"{html.escape(inc.title)}")
            self.status.setText(f"{inc.status.value.upper()} · detected "
                                f"{unbroken_text(inc.detected_at)} · commander "
                                f"{html.escape(inc.commander or 'nobody')}")
        self._tick()
        self.owners.setText("<br>".join(
            f"<b>{html.escape(o.chain)}</b>: {html.escape(o.owner.name if o.owner else 'nobody')}"
            + (f' <span style="color:{DIM}">(delegated)</span>' if o.delegation else "")
            for o in state.owners) or "No chain set up")
        rows, tips = [], []
        for m, req in state.waiting:
            since = req.requested_at if req else m.updated_at
            who = req.owner if req and req.owner else "the owner"
            late = req is not None and req.deadline_at <= state.now
            colour = WARN if late else FG
            rows.append(f'<span style="color:{colour}">#{m.id} {m.channel.value} '
                        f"{m.purpose.value.replace('_', ' ')} · {waited(since, state.now)} · "
                        f"{html.escape(who)}</span>")
            tips.append(f"#{m.id} waits since {full_text(since)}" + (
                f", escalates {full_text(req.deadline_at)}" if req else ""))
        self.waiting.setToolTip("\n".join(tips))
        self.waiting.setText("<br>".join(rows) or f'<span style="color:{DIM}">Nothing</span>')
        self.published.setText("<br>".join(
            f'<span style="color:{DIM}">{unbroken_text(m.published_at)} {m.channel.value}</span> '
            f"{html.escape(m.body[:110])}{'…' if len(m.body) > 110 else ''}"
            for m in state.published) or f'<span style="color:{DIM}">Nothing yet</span>')
        self.published.setToolTip("\n".join(f"#{m.id} published {full_text(m.published_at)}"
                                             for m in state.published))
        lines = []
        for c in state.commitments:
            late = c.overdue_at(state.now)
            colour = WARN if late else FG
            due = f"{'overdue since' if late else 'due'} {unbroken_text(c.due_at)}"
            lines.append(f'<span style="color:{colour}">{html.escape(c.text[:44])}'
                         f"{'…' if len(c.text) > 44 else ''} · {due}</span>")
        self.commitments.setToolTip("\n".join(f"{c.text[:44]}: due {full_text(c.due_at)}"
                                               for c in state.commitments))
        self.commitments.setText("<br>".join(lines)
                                 or f'<span style="color:{DIM}">None open</span>')
        self._show_sparks(state)

    def _show_sparks(self, state: WallState) -> None:
        while len(self.sparks) < len(state.sparks):
            i = len(self.sparks)
            name, spark = _label(28, DIM, wrap=False), Sparkline()
            name.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            spark.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            spark.setFixedHeight(80)
            row, col = divmod(i, SPARK_COLUMNS)
            self.spark_grid.addWidget(name, 2 * row, col)
            self.spark_grid.addWidget(spark, 2 * row + 1, col)
            self.spark_names.append(name)
            self.sparks.append(spark)
        for (series, unit, ts, values, firing), name, spark in zip(
                state.sparks, self.spark_names, self.sparks, strict=False):
            last = float(values[-1]) if len(values) else None
            colour = WARN if firing else FG
            name.setText(f"{html.escape(series)} "
                         f'<b style="color:{colour}">{format_value(last, unit, series)}</b>'
                         + (" ⚠" if firing else ""))
            spark.set_data(ts, values, firing)

    def keyPressEvent(self, event: Any) -> None:
        if event.key() == Qt.Key.Key_Escape:  # leaving the wall changes nothing either
            self.close()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: Any) -> None:
        self.timer.stop()
        self.clock_timer.stop()
        self.tasks.shutdown()
        super().closeEvent(event)


def _section(text: str) -> QLabel:
    lbl = _label(24, ACCENT, bold=True)
    lbl.setText(text.upper())
    return lbl
