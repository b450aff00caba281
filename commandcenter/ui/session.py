"""What every panel shares: the services, the worker, who is signed in, which incident."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from commandcenter.domain.errors import CommandCenterError
from commandcenter.domain.operators import Action, OperatorView, may

from .tasks import TaskManager

if TYPE_CHECKING:
    from commandcenter.app import Services
    from commandcenter.services.incidents import IncidentView

log = logging.getLogger(__name__)


def user_message(exc: BaseException) -> str:
    """A line fit for the window: services' messages as they are, anything else labelled."""
    if isinstance(exc, CommandCenterError):
        return str(exc)
    log.error("unexpected error", exc_info=exc)
    return f"Unexpected error ({type(exc).__name__}): {exc}. Details are in the log."


def sign_in(services: Services, name: str, passphrase: str) -> OperatorView:
    """Check the passphrase against the stored hash (runs on the worker)."""
    return services.roster.sign_in(name, passphrase)


class Session(QObject):
    sig_operator_changed = Signal(object)  # OperatorView | None
    sig_incident_changed = Signal(object)  # IncidentView | None
    sig_data_changed = Signal()  # after every successful write, and after a live re-read
    sig_written = Signal()  # after a successful write from this window only
    sig_error = Signal(str)
    sig_info = Signal(str)

    def __init__(self, services: Services, tasks: TaskManager,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.tasks = tasks
        self.operator: OperatorView | None = None
        self.incident: IncidentView | None = None
        # The incident last chosen, while its read is on the way: a re-read arriving
        # meanwhile keeps to it instead of bringing the previous one back.
        self.chosen_incident_id: int | None = None
        # Why nothing may be written now (the database server is unreachable), or None.
        self.read_only: str | None = None
        tasks.sig_failed.connect(self.report)

    # --- who and what -------------------------------------------------------
    def now(self) -> datetime:
        if getattr(self.services, "built", True) is False:
            # Before the database layer has loaded (the first second of start-up):
            # asking for the services' clock here would build them on this thread,
            # stalling the window for as long as the imports take.
            return datetime.now(UTC)
        return self.services.ctx.clock.now()

    def may(self, action: Action) -> bool:
        return (self.operator is not None and self.read_only is None
                and may(self.operator.role, action))

    def set_read_only(self, reason: str | None) -> None:
        """While the server is unreachable every write control is disabled, and a write
        that still arrives is refused in words: nothing is queued to be lost later."""
        if reason == self.read_only:
            return
        self.read_only = reason
        self.sig_operator_changed.emit(self.operator)  # panels re-check what they allow

    def actor(self) -> str:
        if self.operator is None:
            raise CommandCenterError("sign-in: nobody is signed in")
        return self.operator.name

    def set_operator(self, operator: OperatorView | None) -> None:
        self.operator = operator
        self.sig_operator_changed.emit(operator)
        if operator is not None:
            self.sig_info.emit(f"Signed in as {operator.name} ({operator.role.value})")

    def set_incident(self, incident: IncidentView | None) -> None:
        self.chosen_incident_id = incident.id if incident is not None else None
        self.incident = incident
        self.sig_incident_changed.emit(incident)

    def _reloaded(self, incident: IncidentView) -> None:
        """A re-read (after every write and live re-read) that brings the same incident
        back changes nothing, so it tells no panel: they re-read on sig_data_changed."""
        if (self.incident is None or incident.id != self.incident.id
                or self.chosen_incident_id != incident.id):
            return  # another incident was chosen meanwhile
        if incident != self.incident:
            self.set_incident(incident)

    def select_incident(self, incident_id: int | None) -> None:
        self.chosen_incident_id = incident_id
        if incident_id is None:
            self.set_incident(None)
            return

        def arrived(incident: IncidentView | None) -> None:
            # Superseded by a later choice while this read was on the way: drop it.
            if self.chosen_incident_id == incident_id:
                self.set_incident(incident)

        self.read(lambda: self.services.incidents.get(incident_id), arrived)

    def current_incident_id(self) -> int | None:
        """The incident shown, or the one chosen and still being read."""
        if self.chosen_incident_id is not None:
            return self.chosen_incident_id
        return self.incident.id if self.incident is not None else None

    def reload_incident(self) -> None:
        chosen = self.current_incident_id()
        if chosen is None:
            return
        if self.incident is None or self.incident.id != chosen:
            self.select_incident(chosen)  # still on its way: ask again
            return
        self.read(lambda: self.services.incidents.get(chosen), self._reloaded)

    # --- running use cases --------------------------------------------------
    def read(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
             on_error: Callable[[BaseException], None] | None = None) -> None:
        self.tasks.run(fn, on_done, on_error or self.report)

    def write(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
              on_error: Callable[[BaseException], None] | None = None,
              success: str | None = None) -> None:
        """Run a use case; on success tell every panel to refresh."""
        if self.read_only is not None:
            exc = CommandCenterError(f"read-only: {self.read_only}; nothing was saved")
            self.report(exc)
            if on_error is not None:
                on_error(exc)
            return

        def done(result: Any) -> None:
            if on_done is not None:
                on_done(result)
            if success:
                self.sig_info.emit(success)
            self.sig_written.emit()
            self.sig_data_changed.emit()

        def failed(exc: BaseException) -> None:
            self.report(exc)
            if on_error is not None:
                on_error(exc)

        self.tasks.run(fn, done, failed)

    def report(self, exc: BaseException) -> None:
        self.sig_error.emit(user_message(exc))
