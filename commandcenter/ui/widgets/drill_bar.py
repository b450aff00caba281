"""The facilitator's drill bar: simulated clock, pause/resume, speed x1..x60, next inject,
firing an inject by hand, injects fired, objectives met, observer notes.

The drill engine runs in a process of its own (``commandcenter/drill_worker.py``):
it owns the simulated clock and paces itself; the GUI thread only sends commands
and paints the statuses it sends back, so a 6-hour scenario at x60 does not
compete with the window for the interpreter.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from commandcenter.domain.errors import CommandCenterError
from commandcenter.drills.durations import format_offset

from ..steady import SteadyText, steady_label
from ..timefmt import full_text, local_text

SPEEDS = (1, 2, 5, 10, 30, 60)
POLL_MS = 30  # how often the window reads the engine's messages
BAR_STYLE = ("DrillBar { background: #f4ecf7; border: 2px dashed #6c3483; }"
             "QLabel#clock { font-size: 16px; font-weight: bold; color: #4a235a; }"
             "QLabel#tag { background: #6c3483; color: white; font-weight: bold; "
             "padding: 2px 6px; }")


class DrillController(QObject):
    """Drives the drill engine, which runs in a process of its own
    (``commandcenter/drill_worker.py``): commands go down a pipe, statuses come back
    and are read by a timer, so the GUI thread never waits on the engine."""

    sig_status = Signal(object)  # DrillStatus
    sig_fired = Signal(str)  # what an inject did, in words
    sig_error = Signal(str)

    def __init__(self, scenario_path: Path, actions_path: Path | None, folder: Path,
                 parent: QObject | None = None, *, live: Any = None) -> None:
        super().__init__(parent)
        import multiprocessing

        from commandcenter.drill_worker import serve

        context = multiprocessing.get_context("spawn")  # nothing of Qt is inherited
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=serve, args=(child, str(scenario_path),
                                str(actions_path) if actions_path else None, str(folder), live),
            daemon=True, name="commandcenter-drill")
        self._process.start()
        child.close()
        self.folder = folder
        self.closers: list[Any] = []  # e.g. the hot wash's own services on the drill database
        self.status: Any = None
        self.info: dict[str, Any] | None = None
        self.failed: str | None = None
        self.running = False
        self.timer = QTimer(self, interval=POLL_MS)
        self.timer.timeout.connect(self._poll)
        self.timer.start()

    def wait_ready(self, timeout_s: float = 120.0) -> dict[str, Any]:
        """Block until the engine has set the drill up (its database exists then)."""
        from commandcenter.domain.errors import InvalidInput

        deadline = time.monotonic() + timeout_s
        while self.info is None:
            if self.failed is not None:
                raise InvalidInput(f"drill: {self.failed}")
            try:
                if not self._conn.poll(max(0.0, deadline - time.monotonic())):
                    raise InvalidInput("drill: the drill engine did not start in time")
                self._dispatch(self._conn.recv())
            except (EOFError, OSError):
                raise InvalidInput("drill: the drill engine stopped before the drill was "
                                   "set up") from None
        return self.info

    def _poll(self) -> None:
        try:
            while self._conn.poll():
                self._dispatch(self._conn.recv())
        except (EOFError, OSError):
            self.timer.stop()

    def _dispatch(self, message: tuple[str, Any]) -> None:
        kind, payload = message
        if kind == "ready":
            self.info = payload
        elif kind == "failed":
            self.failed = payload
            self.timer.stop()
            self.sig_error.emit(f"the drill could not start: {payload}")
        elif kind == "status":
            self.status = payload
            if payload.finished:
                self.running = False
            self.sig_status.emit(payload)
        elif kind == "fired":
            self.sig_fired.emit(payload)
        elif kind == "error":
            self.sig_error.emit(payload)

    def _send(self, command: str, arg: Any = None) -> None:
        try:
            self._conn.send((command, arg))
        except (BrokenPipeError, OSError):
            self.sig_error.emit("the drill engine has stopped")

    # --- controls ----------------------------------------------------------------
    def set_speed(self, speed: int) -> None:
        self._send("speed", max(1, min(60, int(speed))))

    def pause(self) -> None:
        self.running = False
        self._send("run", False)

    def resume(self) -> None:
        self.running = True
        self._send("run", True)

    def jump_to_next(self) -> None:
        self._send("next")

    def fire(self, index: int) -> None:
        self._send("fire", index)

    def observe(self, author: str, text: str) -> None:
        self._send("observe", (author, text))

    def close(self) -> None:
        for closer in self.closers:
            closer()
        self.closers.clear()
        self.timer.stop()
        self._send("stop")
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)
        self._conn.close()


class DrillBar(QFrame):
    """The facilitator's controls, above the incident room's panels."""

    def __init__(self, controller: DrillController, people: list[str],
                 injects: list[tuple[int, str]], parent: QWidget | None = None, *,
                 facilitator: str = "", title: str = "",
                 duration: timedelta | None = None) -> None:
        super().__init__(parent)
        self._duration = duration  # the scenario's: the clock's widest text follows it
        self.controller = controller
        self._injects = injects
        self._people, self._facilitator, self._title = people, facilitator, title
        # The drill database's service context, for the hot wash and the replay.
        self.drill_ctx: Callable[[], Any] | None = None
        self.hot_wash_dialog: Any = None
        self.setObjectName("drill-bar")
        self.setAccessibleName("Drill bar")
        self.setStyleSheet(BAR_STYLE)
        tag = QLabel("DRILL")
        tag.setObjectName("tag")
        self.clock = QLabel("T+0m")
        self.clock.setObjectName("clock")
        self.clock.setAccessibleName("Simulated clock")
        self.sim_time = QLabel("")
        self.sim_time.setAccessibleName("Simulated date and time")
        self.play = QPushButton("Resume")
        self.play.setAccessibleName("Pause or resume the drill")
        self.play.clicked.connect(self._toggle)
        self.speed = QComboBox()
        self.speed.setAccessibleName("Drill speed")
        for s in SPEEDS:
            self.speed.addItem(f"x{s}", s)
        self.speed.currentIndexChanged.connect(
            lambda _i: controller.set_speed(self.speed.currentData()))
        self.next = QPushButton("Next inject")
        self.next.setAccessibleName("Jump to the next inject")
        self.next.clicked.connect(controller.jump_to_next)
        self.next_label = SteadyText("next: -")
        self.next_label.setAccessibleName("Next inject")
        self.fired = QLabel("injects 0/0")
        self.fired.setAccessibleName("Injects fired")
        self.objectives = QLabel("objectives 0/0")
        self.objectives.setAccessibleName("Objectives met")
        self.inject_combo = QComboBox()
        self.inject_combo.setAccessibleName("Inject to fire by hand")
        self.inject_combo.setMinimumContentsLength(20)
        self.fire = QPushButton("Fire now")
        self.fire.setAccessibleName("Fire the chosen inject now")
        self.fire.clicked.connect(self._fire)
        self.author = QComboBox()
        self.author.setAccessibleName("Observer")
        self.author.addItems(people)
        self.note = QLineEdit()
        self.note.setPlaceholderText("Observer note (what went well, what did not)")
        self.note.setAccessibleName("Observer note")
        self.note.returnPressed.connect(self._note)
        self.add_note = QPushButton("Add note")
        self.add_note.setAccessibleName("Add the observer note")
        self.add_note.clicked.connect(self._note)
        self.hot_wash = QPushButton("&Hot wash...")
        self.hot_wash.setAccessibleName("Hot wash: strengths, areas for improvement, "
                                        "improvement plan")
        self.hot_wash.setToolTip("Record the hot wash for the after-action report (Alt+H)")
        self.hot_wash.clicked.connect(self.open_hot_wash)
        self.replay = QPushButton("Repla&y...")
        self.replay.setAccessibleName("Replay the finished drill's timeline")
        self.replay.setToolTip("Once the drill has finished: its timeline again, on a "
                               "simulated clock (Alt+Y)")
        self.replay.setEnabled(False)
        self.replay.clicked.connect(self.open_replay)
        self.replay_window: Any = None
        self.last = SteadyText(lines=2)
        self.last.setAccessibleName("Last inject")
        row1 = QHBoxLayout()
        for w in (tag, self.clock, self.play, self.speed, self.next):
            row1.addWidget(w)
        row1.addWidget(self.next_label, 1)  # takes the room there is (steady, below)
        # Short rows, not long ones: the bar fits between the side docks on a 1600-pixel
        # screen (tests/ui/test_drill_bar.py). Each stretching text has a row of its own
        # kind: what the last inject did beside firing one, the observer note beside its
        # author and the session's buttons (a note is sentences; with seven controls
        # around it, it was squeezed to a few words), then the counts.
        row2 = QHBoxLayout()
        for w in (self.inject_combo, self.fire):
            row2.addWidget(w, 0, Qt.AlignmentFlag.AlignTop)
        row2.addWidget(self.last, 1, Qt.AlignmentFlag.AlignTop)
        row3 = QHBoxLayout()
        row3.addWidget(self.author)
        row3.addWidget(self.note, 1)  # the free width of the row
        for w in (self.add_note, self.hot_wash, self.replay):
            row3.addWidget(w)
        row4 = QHBoxLayout()
        for w in (self.sim_time, self.fired, self.objectives):
            row4.addWidget(w)
        row4.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        for row in (row1, row2, row3, row4):
            layout.addLayout(row)
        self._steady_labels()
        controller.sig_status.connect(self.show_status)
        controller.sig_fired.connect(lambda text: self._show_last(f"Inject: {text}"))
        controller.sig_error.connect(lambda text: self._show_last(f"Refused: {text}"))

    def _steady_labels(self) -> None:
        """The labels the statuses rewrite several times a second keep their size, so a
        longer text never lays the window out again (see ``ui/steady.py``): the clock and
        the counts are as wide as their widest text, the next inject takes the room
        there is, the last inject two lines (the whole text in its tooltip)."""
        for label in (self.clock, self.sim_time, self.fired, self.objectives):
            label.ensurePolished()  # the bar's style sheet sets the clock's font
        end = self._duration or timedelta(hours=88)
        hours = "8" * len(str(int(end.total_seconds() // 3600)))
        steady_label(self.clock, widest=f"T+{hours}h58m58s / {format_offset(end)}"
                     if self._duration else f"T+{hours}h58m58s / T+{hours}h58m58s")
        widest_time = local_text(datetime(2028, 12, 28, 23, 58, 58, tzinfo=UTC))
        steady_label(self.sim_time, widest=f"{widest_time} (simulated)")
        steady_label(self.fired, widest="injects fired 888/888")
        steady_label(self.objectives, widest="objectives met 888/888")

    def _show_last(self, text: str) -> None:
        self.last.setText(text)
        self.last.setToolTip(text)

    def _toggle(self) -> None:
        if self.controller.running:
            self.controller.pause()
        else:
            self.controller.resume()
        self.play.setText("Pause" if self.controller.running else "Resume")

    def _fire(self) -> None:
        index = self.inject_combo.currentData()
        if index is not None:
            self.controller.fire(int(index))

    def _note(self) -> None:
        text = self.note.text().strip()
        if text:
            self.controller.observe(self.author.currentText(), text)
            self.note.clear()

    def open_hot_wash(self) -> None:
        """The hot-wash dialog over this run, prefilled with what was saved before."""
        from commandcenter.ui.dialogs.hot_wash import edit_hot_wash

        info = self.controller.info
        if info is None or self.drill_ctx is None:
            self._show_last("Refused: the drill is not set up yet")
            return
        try:
            dialog = edit_hot_wash(self, self.drill_ctx(), int(info["run"]), self._people,
                                   self._facilitator, self._title)
        except CommandCenterError as exc:
            self._show_last(f"Refused: {exc}")
            return
        dialog.accepted.connect(self._hot_wash_saved)
        self.hot_wash_dialog = dialog
        dialog.open()

    def open_replay(self) -> None:
        """The finished drill's timeline, replayed in a window of its own."""
        from commandcenter.ui.drill_replay import open_replay

        info = self.controller.info
        if info is None or self.drill_ctx is None:
            return
        try:
            window = open_replay(self.drill_ctx(), int(info["run"]))
        except CommandCenterError as exc:
            self._show_last(f"Refused: {exc}")
            return
        window.resize(1200, 760)
        self.replay_window = window
        window.show()

    def _hot_wash_saved(self) -> None:
        folder = self.controller.folder
        self._show_last(f"Hot wash saved. It is in the after-action report: "
                          f"commandcenter drill report {folder} --output report.pdf")

    def show_status(self, s: Any) -> None:
        self.clock.setText(f"{format_offset(s.elapsed)} / {format_offset(s.duration)}")
        self.sim_time.setText(f"{local_text(s.now)} (simulated)")
        for label in (self.clock, self.sim_time):
            label.setToolTip(f"Simulated time: {full_text(s.now)}")
        next_text = "next: " + (f"{format_offset(s.next_inject_at)} {s.next_inject}"
                                if s.next_inject_at is not None else "none")
        if next_text != self.next_label.text():
            self.next_label.setText(next_text)
            self.next_label.setToolTip(next_text)
        self.fired.setText(f"injects fired {s.injects_fired}/{s.injects_total}")
        self.objectives.setText(f"objectives met {s.objectives_met}/{s.objectives_total}")
        self.play.setText("Finished" if s.finished else
                          ("Pause" if self.controller.running else "Resume"))
        self.play.setEnabled(not s.finished)
        self.replay.setEnabled(bool(s.finished))
        fired = set(s.fired)
        current = self.inject_combo.currentData()
        pending = [(i, d) for i, d in self._injects if i not in fired]
        if [self.inject_combo.itemData(k) for k in range(self.inject_combo.count())] != \
                [i for i, _ in pending]:
            self.inject_combo.blockSignals(True)
            self.inject_combo.clear()
            for i, d in pending:
                self.inject_combo.addItem(d, i)
            k = self.inject_combo.findData(current)
            self.inject_combo.setCurrentIndex(max(k, 0))
            self.inject_combo.blockSignals(False)
        self.fire.setEnabled(bool(pending) and not s.finished)


def load_drill(scenario_path: Path, actions_path: Path | None, live: Any = None
               ) -> tuple[Any, str, list[Any]]:
    """Both files parsed and checked (every error, exit 2) before anything is created;
    with ``live_roster = true``, against ``live`` (the live roster, read beforehand)."""
    from commandcenter.drills.actions import parse_actions
    from commandcenter.drills.live_roster import resolve
    from commandcenter.drills.scenario import parse_scenario, read_text

    text = read_text(scenario_path)
    scenario = parse_scenario(text, str(scenario_path))
    if scenario.live_roster:
        if live is None:
            from commandcenter.domain.errors import InvalidInput

            raise InvalidInput("live_roster: read the live roster first (gui --drill does)")
        scenario = resolve(scenario, live, str(scenario_path))
    actions = parse_actions(read_text(actions_path), scenario, str(actions_path)) \
        if actions_path else []
    return scenario, text, actions


def build_bar(scenario: Any, controller: DrillController) -> DrillBar:
    injects = [(j.index, f"{format_offset(j.at)} {j.describe()}") for j in scenario.injects]
    people = [p.name for p in sorted(scenario.people, key=lambda p: (
        p.role is None or p.role.value not in ("observer", "facilitator"), p.name))]
    return DrillBar(controller, people, injects, facilitator=scenario.facilitator,
                    title=scenario.name, duration=scenario.duration)


def open_drill_window(scenario_path: Path, actions_path: Path | None, folder: Path
                      ) -> tuple[DrillBar, DrillController]:
    """A drill bar alone over a new drill database in ``folder`` (files validated first)."""
    scenario, _text, _actions = load_drill(scenario_path, actions_path)
    controller = DrillController(scenario_path, actions_path, folder)
    bar = build_bar(scenario, controller)
    bar.drill_ctx = _own_context(controller)
    return bar, controller


def _own_context(controller: DrillController) -> Callable[[], Any]:
    """The drill database's services, opened on first use and closed with the drill."""
    opened: list[Any] = []

    def ctx() -> Any:
        if not opened:
            from commandcenter.app import build_drill
            from commandcenter.domain.clock import SimulatedClock

            clock = SimulatedClock(controller.status.now)
            controller.sig_status.connect(lambda status: clock.set(status.now))
            opened.append(build_drill(controller.folder, clock))
            controller.closers.append(opened[0].close)
        return opened[0].ctx

    return ctx
