"""Database work off the GUI thread: one worker, results marshalled back.

Like Anki's taskman: a single-worker executor is the only writer, so use
cases never race each other, and callbacks always run on the GUI thread.

One callback per event-loop turn: a re-read of every panel finishes a dozen reads
within a few ms, and Qt would run all their callbacks (each a model diff and set)
back to back before it painted or ran a timer again, one stall of their sum. The
others wait, in order, for the next turns (a zero-interval timer each), so painting and
timers come in between.

Except while ``burst`` is set (the window, until its first screen has its data): then
each callback runs as its result arrives. A window being built has nothing on screen
to keep smooth, and a turn between two first-screen reads cost a paint of whatever the
last one changed (10-30 ms a turn, and the demo's first screen is a chain of reads
seven turns deep).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class TaskManager(QObject):
    """``run(fn, on_done, on_error)``: ``fn`` runs on the worker, callbacks on the GUI."""

    # Emitted from the worker thread; Qt queues it to this object's (GUI) thread.
    _completed = Signal(object)
    sig_failed = Signal(object)  # an exception nobody handled
    sig_busy_changed = Signal(bool)
    sig_delivered = Signal()  # after each task's callback (the window checks its first screen)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cc-db")
        self._pending = 0
        self._closed = False
        self._waiting: deque[tuple[Future, Done | None, Failed | None]] = deque()
        self._turn_used = False  # a callback ran in this event-loop turn
        self.burst = False  # callbacks as results arrive, no turn each (see the docstring)
        # A timer, not QTimer.singleShot(0, ...): that one is a posted event, and Qt runs
        # the events posted meanwhile before it paints, so the turn would never end.
        self._turn_timer = QTimer(self, singleShot=True, interval=0)
        self._turn_timer.timeout.connect(self._next_turn)
        self._completed.connect(self._arrived)

    def run(self, fn: Callable[[], Any], on_done: Done | None = None,
            on_error: Failed | None = None) -> None:
        if self._closed:
            return
        self._pending += 1
        if self._pending == 1:
            self.sig_busy_changed.emit(True)
        future = self._executor.submit(fn)
        future.add_done_callback(lambda f: self._completed.emit((f, on_done, on_error)))

    def idle(self) -> bool:
        """No result waits for its callback; a shut-down manager (its window closed, the
        worker's work finished) is idle too, whatever waited for a turn then."""
        return self._closed or self._pending == 0

    def _arrived(self, payload: tuple[Future, Done | None, Failed | None]) -> None:
        if self.burst and not self._waiting:
            self._deliver(payload)
            return
        if self._turn_used or self._waiting:
            self._waiting.append(payload)  # after the ones before it, a turn each
            return
        self._use_turn()
        self._deliver(payload)

    def _use_turn(self) -> None:
        self._turn_used = True
        self._turn_timer.start()

    def _next_turn(self) -> None:
        self._turn_used = False
        if self._waiting:
            self._use_turn()
            self._deliver(self._waiting.popleft())

    def _deliver(self, payload: tuple[Future, Done | None, Failed | None]) -> None:
        future, on_done, on_error = payload
        try:
            exc = future.exception()
            if exc is not None:
                if on_error is not None:
                    on_error(exc)
                else:
                    self.sig_failed.emit(exc)
            elif on_done is not None:
                on_done(future.result())
        except Exception as exc:  # a bug in a callback must not kill the event loop
            log.exception("task callback failed")
            self.sig_failed.emit(exc)
        finally:
            self._pending -= 1
            if self._pending == 0:
                self.sig_busy_changed.emit(False)
            self.sig_delivered.emit()

    def shutdown(self) -> None:
        """Finish queued work (drafts being saved) and stop the worker."""
        self._closed = True
        self._executor.shutdown(wait=True)
