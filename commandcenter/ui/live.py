"""Other workstations' changes, live in the window.

PostgreSQL: a :class:`~commandcenter.persistence.live.PostgresListener` on its own
connection, its socket watched by a ``QSocketNotifier`` in the Qt event loop (no
polling timer). Each notification names a table; the window refreshes only the
panels showing that table. When the connection drops, the window goes read-only
(``sig_connection(False, reason)``), reconnects with back-off (0.5 s doubling to
30 s, on a background thread so a slow server never freezes the window), and on
success re-reads everything (``sig_changed(None)``) and says so.

SQLite: no notifications exist; ``PRAGMA data_version`` on a connection of its own
is read every :data:`SQLITE_POLL_MS` (microseconds each) and a change re-reads
everything, at most once every :data:`SQLITE_MIN_REFRESH_S`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from commandcenter.persistence.live import (
    Disconnected,
    PostgresListener,
    SqliteWatcher,
    sqlite_path,
)

log = logging.getLogger(__name__)

SQLITE_POLL_MS = 250
# SQLite cannot say what changed, nor who changed it (this window's own streaming ingest
# counts too): re-read everything at most twice a second. A change is seen within
# about 0.5 + 0.25 s plus the re-read even in a burst.
SQLITE_MIN_REFRESH_S = 0.5
COALESCE_MS = 15  # one refresh for a burst of notifications (one commit, many rows)
BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


class LiveUpdates(QObject):
    sig_changed = Signal(object)  # frozenset of table names, or None: re-read everything
    sig_connection = Signal(bool, str)  # connected?, what to tell the user
    _sig_connected = Signal(object, object)  # listener | None, error text (from a thread)

    def __init__(self, url: str, parent: QObject | None = None, *,
                 backoff: Iterable[float] = BACKOFF_S) -> None:
        super().__init__(parent)
        self.url = url
        self.backoff = tuple(backoff)
        self.connected = False
        self.attempt = 0
        self._listener: PostgresListener | None = None
        self._notifier: QSocketNotifier | None = None
        self._watcher: SqliteWatcher | None = None
        self._pending: set[str] = set()
        self._everything = False
        self._stopped = True
        self._sqlite_dirty = False
        self._sqlite_refreshed = 0.0
        self._flush_timer = QTimer(self, singleShot=True, interval=COALESCE_MS)
        self._flush_timer.timeout.connect(self._flush)
        self._retry_timer = QTimer(self, singleShot=True)
        self._retry_timer.timeout.connect(self._connect)
        self._poll_timer = QTimer(self, interval=SQLITE_POLL_MS)
        self._poll_timer.timeout.connect(self._poll_sqlite)
        self._sig_connected.connect(self._on_connect_result)
        self.is_postgres = url.startswith("postgresql")

    # --- lifecycle ---------------------------------------------------------------
    def start(self) -> None:
        self._stopped = False
        if self.is_postgres:
            self._connect()
            return
        path = sqlite_path(self.url)
        if path is None:
            return
        try:
            self._watcher = SqliteWatcher(path)
        except Exception:  # an unreadable file: the window reports that elsewhere
            log.exception("cannot watch %s", path)
            return
        self.connected = True
        self._poll_timer.start()

    def stop(self) -> None:
        self._stopped = True
        self._poll_timer.stop()
        self._retry_timer.stop()
        self._flush_timer.stop()
        self._drop_listener()
        if self._watcher is not None:
            self._watcher.close()
            self._watcher = None

    # --- PostgreSQL -------------------------------------------------------------
    def _connect(self) -> None:
        url, done = self.url, self._sig_connected

        def work() -> None:
            try:
                listener, error = PostgresListener(url), None
            except Disconnected as exc:
                listener, error = None, str(exc) or "the server does not answer"
            try:
                done.emit(listener, error)  # queued to the window's thread
            except RuntimeError:  # the window closed meanwhile
                if listener is not None:
                    listener.close()

        threading.Thread(target=work, name="live-connect", daemon=True).start()

    def _on_connect_result(self, listener: PostgresListener | None, error: str | None) -> None:
        if self._stopped:
            if listener is not None:
                listener.close()
            return
        if listener is None:
            self._lost(error or "the server does not answer")
            return
        self._listener = listener
        self._notifier = QSocketNotifier(listener.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_readable)
        was_lost = self.attempt > 0
        self.attempt = 0
        self.connected = True
        if was_lost:
            self.sig_connection.emit(True, "Reconnected to the database server; "
                                           "everything was re-read")
            self._queue(None)
        else:
            self.sig_connection.emit(True, "")

    def _on_readable(self) -> None:
        listener = self._listener
        if listener is None:
            return
        try:
            changes = listener.drain()
        except Disconnected as exc:
            self._lost(str(exc) or "the connection to the server was lost")
            return
        for change in changes:
            self._queue(change.table)

    def _lost(self, reason: str) -> None:
        self._drop_listener()
        delay = self.backoff[min(self.attempt, len(self.backoff) - 1)]
        self.attempt += 1
        self.connected = False
        first_line = reason.splitlines()[0] if reason else "connection lost"
        self.sig_connection.emit(False, f"Disconnected from the database server "
                                        f"({first_line}); nothing can be saved until it is "
                                        f"back. Retrying in {delay:g} s")
        if not self._stopped:
            self._retry_timer.start(int(delay * 1000))

    def _drop_listener(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    # --- SQLite -----------------------------------------------------------------
    def _poll_sqlite(self) -> None:
        watcher = self._watcher
        if watcher is None:
            return
        try:
            changed = watcher.changed()
        except Exception:  # busy or gone for a moment: look again at the next tick
            log.debug("data_version unreadable", exc_info=True)
            return
        if changed:
            self._sqlite_dirty = True
        if self._sqlite_dirty and time.monotonic() - self._sqlite_refreshed >= \
                SQLITE_MIN_REFRESH_S:
            self._sqlite_dirty = False
            self._sqlite_refreshed = time.monotonic()
            self._queue(None)

    def changed_elsewhere(self) -> None:
        """Something wrote behind this window's back (the drill engine): re-read, folded
        into the watcher's own re-read when it sees the same commit."""
        if self.is_postgres and self._listener is not None:
            return  # every commit is notified, table by table
        if self._watcher is not None:
            self._sqlite_dirty = True  # the next poll re-reads, at most twice a second
            return
        self._queue(None)

    # --- handing out ------------------------------------------------------------
    def _queue(self, table: str | None) -> None:
        if table is None:
            self._everything = True
        else:
            self._pending.add(table)
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _flush(self) -> None:
        if self._everything:
            self.sig_changed.emit(None)
        elif self._pending:
            self.sig_changed.emit(frozenset(self._pending))
        self._pending.clear()
        self._everything = False
