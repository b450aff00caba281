"""The drill banner, the error bar and the status bar's permanent fields."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStatusBar, QWidget

from .steady import steady_label
from .timefmt import elapsed, localise, unbroken_text

DRILL_STYLE = ("background: #6c3483; color: white; font-weight: bold; padding: 6px;"
               "font-size: 14px; border: 2px dashed #f7dc6f")
LIVE_STYLE = "color: #1e8449; font-weight: bold; padding: 0 6px"
LOADING_STYLE = "color: #7f8c8d; font-weight: bold; padding: 0 6px"
DRILL_MODE_STYLE = "background: #6c3483; color: white; font-weight: bold; padding: 0 6px"


class DrillBanner(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet(DRILL_STYLE)
        self.setWordWrap(True)  # never widen the window
        self.setAccessibleName("Drill banner")
        self.setText("DRILL — EXERCISE IN PROGRESS. Nothing here reaches a live channel; "
                     "every message starts with EXERCISE.")
        self.hide()


class ConnectionBanner(QLabel):
    """Shown while the database server is unreachable: the window is read-only."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet("background: #b9770e; color: white; font-weight: bold; padding: 6px;"
                           "font-size: 14px")
        self.setWordWrap(True)
        self.setAccessibleName("Connection banner")
        self.hide()

    def show_state(self, connected: bool, text: str) -> None:
        self.setText("READ-ONLY — " + text if not connected else "")
        self.setVisible(not connected)


class ErrorBar(QFrame):
    """Refusals and failures, in words, where the operator is looking; never a traceback."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet("ErrorBar { background: #fdecea; border: 1px solid #c0392b; }"
                           "QLabel { color: #922b21; font-weight: bold; }")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setAccessibleName("Error message")
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.dismiss = QPushButton("Dismiss")
        self.dismiss.setAccessibleName("Dismiss error message")
        self.dismiss.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.dismiss)
        self.hide()

    def show_message(self, text: str) -> None:
        """A service's words name UTC times; shown local, as written on hover."""
        shown = localise(text, unbroken_text)
        self.label.setText(shown)
        self.label.setToolTip(text if shown != text else "")
        self.show()

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""


class StatusFields:
    """Operator, incident, T+ clock, live or drill, and the database in use."""

    def __init__(self, bar: QStatusBar, database: str) -> None:
        self.bar = bar
        self.operator = QLabel("Not signed in")
        self.incident = QLabel("No incident")
        self.clock = QLabel("T+--:--")
        self.mode = QLabel("LIVE")
        self.database = QLabel(database)
        self.audit = QLabel("Audit: …")
        for w, name in ((self.operator, "Signed-in operator"), (self.incident, "Active incident"),
                        (self.clock, "Time since detection"), (self.mode, "Live or drill mode"),
                        (self.database, "Database in use"), (self.audit, "Audit log head")):
            w.setAccessibleName(name)
            w.setContentsMargins(6, 0, 6, 0)
            bar.addPermanentWidget(w)
        # Rewritten every second: as wide as its widest text, so the status bar is not laid
        # out again (nor the window with it) each time (see ui/steady.py).
        steady_label(self.clock, widest="T+8888:88")
        # The audit head moves with every write (a drill writes all the time): the same.
        metrics = self.audit.fontMetrics()
        widest_hex = max("0123456789abcdef", key=metrics.horizontalAdvance)
        steady_label(self.audit, widest="Audit " + widest_hex * 12)
        self.database.setToolTip(database)
        # "LIVE" only once the data is live: until then, what is being loaded.
        self.live = False
        self.mode.setText("Loading…")
        self.mode.setStyleSheet(LOADING_STYLE)
        self.mode.setToolTip("The data is still loading")

    def show_operator(self, op: Any) -> None:
        self.operator.setText(f"{op.name} ({op.role.value})" if op else "Not signed in")

    def show_incident(self, inc: Any) -> None:
        if inc is None:
            self.incident.setText("No incident")
            self.clock.setText("T+--:--")
        else:
            self.incident.setText(f"#{inc.id} {inc.severity.value} {inc.status.value}")
            self.incident.setToolTip(inc.title)
        self._incident = inc
        if self.live or (inc is not None and inc.drill):  # a drill says so at once
            self._show_mode()

    def show_loading(self, text: str) -> None:
        if not self.live:
            self.mode.setText("Loading…")
            self.mode.setToolTip(text)
            self.bar.showMessage(text)

    def set_live(self) -> None:
        """The first loads have finished: the window shows live data now."""
        if not self.live:
            self.live = True
            self.bar.clearMessage()
            self._show_mode()

    def _show_mode(self) -> None:
        inc = getattr(self, "_incident", None)
        drill = bool(inc and inc.drill)
        self.mode.setText("DRILL" if drill else "LIVE")
        self.mode.setStyleSheet(DRILL_MODE_STYLE if drill else LIVE_STYLE)
        self.mode.setToolTip("A drill: nothing reaches a live channel" if drill
                             else "Live data, live channels")

    def show_audit_head(self, head: Any) -> None:
        """``head``: services.audit.SignedHead; the short hash here, all of it on hover."""
        self.audit.setText(f"Audit {head.hash[:12]}")
        tip = (f"Audit log head: record {head.seq}\nhash {head.hash}\nsignature "
               f"{head.signature}\naudit key {head.key_id}\n'commandcenter audit verify' "
               "checks it; 'audit anchor' keeps a copy elsewhere")
        self.audit.setToolTip(tip)
        self.audit.setAccessibleDescription(f"record {head.seq}, hash {head.hash}")

    def tick(self, inc: Any, now: Any) -> None:
        if inc is not None:
            self.clock.setText(elapsed(now - inc.detected_at))
