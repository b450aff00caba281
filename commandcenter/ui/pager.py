"""Pages for whoever is signed in here: a desktop notification and a bar in the window.

Every workstation ticks the paging service (escalation happens on time even if
nobody looks), then shows the pages addressed to its signed-in operator that it
has not shown yet: a ``QSystemTrayIcon`` notification where the desktop has a
tray, and always the page bar above the timeline, whose button opens the message.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSystemTrayIcon, QWidget

from commandcenter.domain.paging import parse_link

from .timefmt import full_text, localise, unbroken_text

if TYPE_CHECKING:
    from .main_window import MainWindow

POLL_MS = 10_000
ICON = Path(__file__).resolve().parents[2] / "resources" / "icons" / "commandcenter.svg"


class PageBar(QFrame):
    sig_open = Signal(int)  # message id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PageBar")
        self.setStyleSheet("#PageBar { background: #fef5e7; border: 2px solid #d68910; }"
                           "QLabel { color: #6e2c00; }")
        self.setAccessibleName("Page for you")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setAccessibleName("Page text")
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton("&Open for review")
        self.open_button.setAccessibleName("Open the paged message")
        self.dismiss = QPushButton("Later")
        self.dismiss.setAccessibleName("Dismiss the page")
        self.dismiss.clicked.connect(self.hide)
        self.open_button.clicked.connect(self._open)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.open_button)
        layout.addWidget(self.dismiss)
        self.message_id: int | None = None
        self.approving = False
        self.hide()

    def show_page(self, page: Any) -> None:
        self.message_id = parse_link(page.link)
        self.approving = page.kind in ("review", "escalated")
        self.open_button.setText("&Review and approve…" if self.approving else "&Open")
        self.open_button.setToolTip(
            "Shows the exact text, channel and content hash; your passphrase signs it, and "
            "it is published once approved (untick to only approve)" if self.approving
            else "Show the message in the review queue")
        first, _, _rest = page.body.partition("\n")
        self.label.setText(f"<b>{_esc(page.subject)}</b><br>{_esc(localise(first, unbroken_text))}"
                           f"<br><small>paged {unbroken_text(page.created_at)} · {page.link}"
                           "</small>")
        self.label.setToolTip(f"Paged {full_text(page.created_at)}\n\n{page.body}")
        self.show()

    def _open(self) -> None:
        if self.message_id is not None:
            self.sig_open.emit(self.message_id)
        self.hide()


def _esc(text: str) -> str:
    import html

    return html.escape(text)


class Pager(QObject):
    """Ticks the paging service and shows this operator's new pages."""

    sig_paged = Signal(object)  # PageView, once per page shown here

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.bar = PageBar()
        self.bar.sig_open.connect(self.open_message)
        self.shown: list[Any] = []  # every page shown on this workstation, in order
        self._seen: set[int] = set()
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(QIcon(str(ICON)), self)
            self.tray.setToolTip("Command Center")
            self.tray.messageClicked.connect(self._tray_clicked)
            self.tray.show()
        self.timer = QTimer(self, interval=POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.session.sig_operator_changed.connect(lambda _op: self._operator_changed())
        self.session.sig_data_changed.connect(self._fetch)

    def start(self) -> None:
        self.timer.start()
        self.poll()

    def stop(self) -> None:
        self.timer.stop()
        if self.tray is not None:
            self.tray.hide()

    def _operator_changed(self) -> None:
        self._seen.clear()  # a new person at the desk sees what waits for them
        self.bar.hide()
        self._fetch()

    def poll(self) -> None:
        """Tick (escalations are due on time), then show new pages for who is here."""
        paging = self.session.services.paging

        def ticked(result: Any) -> None:
            if result.escalated or result.opened or result.closed:
                self.session.sig_data_changed.emit()  # also fetches
            else:
                self._fetch()

        self.session.read(paging.tick, ticked)

    def _fetch(self) -> None:
        op = self.session.operator
        if op is None:
            return
        paging, name = self.session.services.paging, op.name
        self.session.read(lambda: paging.pages_for(name), self._show_new)

    def _show_new(self, pages: list[Any]) -> None:
        op = self.session.operator
        fresh = [p for p in pages if p.id not in self._seen
                 and op is not None and p.recipient == op.name]
        for page in fresh:
            self._seen.add(page.id)
            self.shown.append(page)
            if self.tray is not None:
                self.tray.showMessage(page.subject, localise(page.body.partition("\n\n")[0]),
                                      QSystemTrayIcon.MessageIcon.Warning, 30_000)
            self.sig_paged.emit(page)
        if fresh:
            self.bar.show_page(fresh[-1])
            self.window.statusBar().showMessage(fresh[-1].subject, 15_000)
            from PySide6.QtWidgets import QApplication

            QApplication.alert(self.window)

    def _tray_clicked(self) -> None:
        if self.shown:
            mid = parse_link(self.shown[-1].link)
            if mid is not None:
                self.open_message(mid)

    def open_message(self, message_id: int) -> None:
        """Show the message in the review queue; if this operator may approve it now,
        open the approve dialog straight away (publishing once approved)."""
        w = self.window
        from PySide6.QtGui import QGuiApplication

        if QGuiApplication.platformName() != "offscreen":  # no window stack to raise in
            w.raise_()
            w.activateWindow()
        w.focus_panel(w.docks["review"], w.review.queue)
        approve = self.bar.approving

        def then() -> None:
            if approve and not w.review.why_not_approve():
                w.review.open_approve(publish=True)

        w.review.select_message(message_id, then)
