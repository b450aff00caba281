"""The composer: templates, live length against the channel limit, the crisis checklist."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from commandcenter.domain.compose import (
    TEMPLATE_BY_KEY,
    TEMPLATES,
    TemplateKey,
    checklist,
    fill,
    length_status,
    placeholders,
)
from commandcenter.domain.errors import ConflictError
from commandcenter.domain.messages import Channel, MessageState, Purpose
from commandcenter.domain.operators import Action

from ..autosave import DraftAutosave, DraftSnapshot
from ..dialogs.conflict import ConflictDialog
from ..session import Session
from .timeline_panel import labelled

AUTOSAVE_DELAY_MS = 800
EDITABLE = {MessageState.DRAFT, MessageState.REJECTED, MessageState.IN_REVIEW,
            MessageState.APPROVED}


class ComposerPanel(QWidget):
    sig_saved = Signal(object)  # MessageView
    sig_submitted = Signal(object)

    def __init__(self, session: Session, autosave: DraftAutosave,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.conflict_dialog: ConflictDialog | None = None
        self.autosave = autosave
        self.message: Any = None  # the MessageView being edited, None for a new one
        self._messages: list[Any] = []
        self.restored: DraftSnapshot | None = None
        self._autosave_timer = QTimer(self, singleShot=True, interval=AUTOSAVE_DELAY_MS)
        self._autosave_timer.timeout.connect(self.flush_autosave)
        self._build()
        session.sig_incident_changed.connect(lambda _i: self._incident_changed())
        session.sig_operator_changed.connect(lambda _op: self._update_enabled())
        session.sig_data_changed.connect(self._reload_messages)
        self.restore_autosave()

    def _build(self) -> None:
        self.open_combo = labelled(QComboBox(), "Open message",
                                   "Start a new message or continue one of this incident's")
        self.open_combo.activated.connect(self._open_selected)
        self.template_combo = labelled(QComboBox(), "Template", "Fill the text from a template")
        self.template_combo.addItem("Choose a template…", None)
        for t in TEMPLATES:
            self.template_combo.addItem(t.label, t.key)
        self.template_combo.activated.connect(lambda _i: self.apply_template())
        self.channel_combo = labelled(QComboBox(), "Channel", "Where the message will go")
        for c in Channel:
            self.channel_combo.addItem(c.value.replace("_", " "), c)
        self.purpose_combo = labelled(QComboBox(), "Purpose", "What the message is for")
        for p in Purpose:
            self.purpose_combo.addItem(p.value.replace("_", " "), p)
        self.title_edit = labelled(QLineEdit(), "Message title", "Title (blog, e-mail, status)")
        self.body_edit = labelled(QPlainTextEdit(), "Message text",
                                  "The text exactly as it will be published")
        self.body_edit.setTabChangesFocus(True)
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Length against the channel limit")
        self.check_labels = [QLabel() for _ in checklist("")]
        for lbl in self.check_labels:
            lbl.setAccessibleName("Checklist item")
        self.state_label = QLabel()
        self.state_label.setWordWrap(True)
        self.state_label.setAccessibleName("Message state")
        self.new_button = labelled(QPushButton("&New"), "New message", "Start a blank message")
        self.save_button = labelled(QPushButton("Sa&ve draft"), "Save draft")
        self.submit_button = labelled(QPushButton("Su&bmit for review"), "Submit for review",
                                      "Save and send to the communications chain's owner")
        self.new_button.clicked.connect(self.new_message)
        self.save_button.clicked.connect(lambda: self.save())
        self.submit_button.clicked.connect(self.submit)
        for sig in (self.body_edit.textChanged, self.title_edit.textChanged):
            sig.connect(self._text_changed)
        self.channel_combo.currentIndexChanged.connect(lambda _i: self._text_changed())

        form = QFormLayout()
        pair = QHBoxLayout()
        pair.addWidget(self.channel_combo, 1)
        purpose_label = QLabel("&Purpose:")
        purpose_label.setBuddy(self.purpose_combo)
        pair.addWidget(purpose_label)
        pair.addWidget(self.purpose_combo, 1)
        for text, buddy, field in (("&Message:", self.open_combo, self.open_combo),
                                   ("&Template:", self.template_combo, self.template_combo),
                                   ("&Channel:", self.channel_combo, pair),
                                   ("T&itle:", self.title_edit, self.title_edit)):
            label = QLabel(text)
            label.setBuddy(buddy)
            form.addRow(label, field)
        checks = QVBoxLayout()
        checks.setSpacing(1)
        checks.addWidget(QLabel("<b>Crisis-plan checklist</b>"))
        for lbl in self.check_labels:
            checks.addWidget(lbl)
        buttons = QHBoxLayout()
        for b in (self.new_button, self.save_button, self.submit_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(form)
        layout.addWidget(self.body_edit, 1)
        layout.addWidget(self.count_label)
        layout.addLayout(checks)
        layout.addWidget(self.state_label)
        layout.addLayout(buttons)
        self._text_changed(autosave=False)
        self._update_enabled()

    # --- state --------------------------------------------------------------
    @property
    def channel(self) -> Channel:
        return Channel(self.channel_combo.currentData())

    @property
    def purpose(self) -> Purpose:
        return Purpose(self.purpose_combo.currentData())

    def _drill(self) -> bool:
        return bool(self.session.incident and self.session.incident.drill)

    def _text_changed(self, *, autosave: bool = True) -> None:
        body = self.body_edit.toPlainText()
        status = length_status(self.channel, body, drill=self._drill())
        colour = "#c0392b" if status.over else "palette(text)"
        drill = " (includes the EXERCISE prefix)" if self._drill() and body.strip() else ""
        self.count_label.setText(f'<span style="color:{colour}">{status.describe()}'
                                 f'{" - over the limit" if status.over else ""}</span>{drill}')
        for lbl, item in zip(self.check_labels, checklist(body), strict=True):
            mark, colour = ("✔", "#1e8449") if item.satisfied else ("✘", "#c0392b")
            lbl.setText(f'<span style="color:{colour}">{mark}</span> {item.label}')
            lbl.setAccessibleDescription("done" if item.satisfied else "missing")
        if autosave:
            self._autosave_timer.start()

    def _update_enabled(self) -> None:
        can = self.session.may(Action.DRAFT) and self.session.incident is not None
        for w in (self.body_edit, self.title_edit, self.template_combo, self.channel_combo,
                  self.purpose_combo, self.save_button, self.submit_button, self.new_button,
                  self.open_combo):
            w.setEnabled(can)
        fixed = self.message is not None
        self.channel_combo.setEnabled(can and not fixed)
        self.purpose_combo.setEnabled(can and not fixed)
        if self.message is not None and self.message.state not in EDITABLE:
            for w in (self.body_edit, self.title_edit, self.save_button, self.submit_button):
                w.setEnabled(False)
        self._show_state()

    def _show_state(self) -> None:
        op, m = self.session.operator, self.message
        if op is None:
            text = "Sign in to draft messages."
        elif self.session.read_only:
            text = "Read-only until the database server is back; your text stays here."
        elif not self.session.may(Action.DRAFT):
            text = f"A {op.role.value} may read but not draft messages."
        elif self.session.incident is None:
            text = "Select an incident to draft for it."
        elif m is None:
            text = "New message, not saved yet."
        else:
            text = (f"Message {m.id} · revision {m.revision} · {m.state.value.replace('_', ' ')}"
                    f" · by {m.author}")
            if m.rejected_reason:
                text += f"<br>Rejected: {m.rejected_reason}"
            if m.state is MessageState.APPROVED:
                text += "<br>Any edit voids the approval."
        self.state_label.setText(text)

    # --- templates and messages ----------------------------------------------
    def apply_template(self, key: Any = None) -> None:
        if key is not None:
            self.template_combo.setCurrentIndex(self.template_combo.findData(key))
        key = self.template_combo.currentData()
        inc = self.session.incident
        if key is None or inc is None:
            return
        t = TEMPLATE_BY_KEY[TemplateKey(key)]
        values = placeholders(title=inc.title, severity=inc.severity.value,
                              status=inc.status.value, detected_at=inc.detected_at,
                              now=self.session.now())
        if self.message is None:
            self.channel_combo.setCurrentIndex(self.channel_combo.findData(t.channel))
            self.purpose_combo.setCurrentIndex(self.purpose_combo.findData(t.purpose))
        self.title_edit.setText(fill(t.title, values))
        # Through a cursor, not setPlainText, so applying a template can be undone.
        cursor = self.body_edit.textCursor()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(fill(t.body, values))
        self.body_edit.setTextCursor(cursor)

    def new_message(self) -> None:
        self.message = None
        self.template_combo.setCurrentIndex(0)
        self.title_edit.clear()
        self.body_edit.clear()
        self.open_combo.setCurrentIndex(0)
        self.autosave.clear()
        self._update_enabled()

    def load_message(self, m: Any) -> None:
        self.message = m
        self.channel_combo.setCurrentIndex(self.channel_combo.findData(m.channel))
        self.purpose_combo.setCurrentIndex(self.purpose_combo.findData(m.purpose))
        self.title_edit.setText(m.title or "")
        self.body_edit.setPlainText(m.body)
        self._update_enabled()

    def _open_selected(self, index: int) -> None:
        mid = self.open_combo.itemData(index)
        if mid is None:
            self.new_message()
        else:
            self.session.read(lambda: self.session.services.messages.get(mid), self.load_message)

    def _incident_changed(self) -> None:
        if self.message is not None and (self.session.incident is None
                                         or self.message.incident_id != self.session.incident.id):
            self.new_message()
        self._reload_messages()
        self._text_changed(autosave=False)
        self._update_enabled()

    def _reload_messages(self) -> None:
        inc = self.session.incident
        if inc is None:
            self._fill_open_combo([])
            return
        self.session.read(lambda: self.session.services.messages.list(inc.id),
                          self._fill_open_combo)

    def _fill_open_combo(self, messages: list[Any]) -> None:
        self._messages = messages
        self.open_combo.blockSignals(True)
        self.open_combo.clear()
        self.open_combo.addItem("New message", None)
        for m in messages:
            self.open_combo.addItem(f"#{m.id} {m.channel.value} {m.purpose.value} "
                                    f"({m.state.value.replace('_', ' ')})", m.id)
        if self.message is None and self.restored is not None:
            # Re-attach restored text to the message it was an edit of.
            self.message = next((m for m in messages if m.id == self.restored.message_id), None)
            self.restored = None
        if self.message is not None:
            self.open_combo.setCurrentIndex(max(0, self.open_combo.findData(self.message.id)))
            fresh = next((m for m in messages if m.id == self.message.id), None)
            if fresh is not None and fresh.version != self.message.version:
                self._adopt(fresh)
        self.open_combo.blockSignals(False)
        self._update_enabled()

    def _adopt(self, fresh: Any) -> None:
        """Somebody (maybe another desk) changed the open message. Untouched text follows
        the stored one; text being edited keeps its base version, so that saving it
        conflicts and shows both versions instead of silently overwriting theirs."""
        m = self.message
        untouched = (self.body_edit.toPlainText() == m.body
                     and self.title_edit.text() == (m.title or ""))
        if not untouched:
            return
        if (fresh.body, fresh.title) != (m.body, m.title):
            self.load_message(fresh)
        else:
            self.message = fresh

    # --- saving ---------------------------------------------------------------
    def save(self, then: Any = None) -> None:
        inc = self.session.incident
        if inc is None or not self.save_button.isEnabled():
            return
        body, title = self.body_edit.toPlainText(), self.title_edit.text()
        actor, svc = self.session.actor(), self.session.services.messages
        channel, purpose, m = self.channel, self.purpose, self.message
        if m is None:
            def work() -> Any:
                return svc.draft(inc.id, channel, body, actor, title=title, purpose=purpose)
        else:
            def work() -> Any:
                return svc.edit(m.id, body, actor, title=title, expected_version=m.version)

        def saved(view: Any) -> None:
            self.message = view
            self.autosave.clear()
            self._update_enabled()
            self.sig_saved.emit(view)
            if then is not None:
                then(view)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ConflictError) and m is not None:
                self._resolve_conflict(exc, m.id, body)

        self.session.write(work, saved, failed, success=None if then else "Draft saved")

    def _resolve_conflict(self, exc: ConflictError, message_id: int, mine: str) -> None:
        """Show both versions; keep mine (save again over theirs) or take theirs."""

        def show(fresh: Any) -> None:
            self.conflict_dialog = ConflictDialog(str(exc), mine, fresh.body, self,
                                                  mine_version=exc.mine if isinstance(
                                                      exc.mine, int) else None,
                                                  theirs_version=fresh.version)

            def chosen(result: int) -> None:
                self.message = fresh  # either way the next save builds on what is stored
                if result == ConflictDialog.USE_THEIRS:
                    self.load_message(fresh)
                self._update_enabled()

            self.conflict_dialog.finished.connect(chosen)
            self.conflict_dialog.open()

        self.session.read(lambda: self.session.services.messages.get(message_id), show)

    def submit(self) -> None:
        def send(view: Any) -> None:
            svc, actor = self.session.services.messages, self.session.actor()

            def submitted(v: Any) -> None:
                self.message = v
                self._update_enabled()
                self.sig_submitted.emit(v)

            self.session.write(lambda: svc.submit(view.id, actor), submitted,
                               success=f"Message {view.id} submitted for review")

        self.save(then=send)

    # --- autosave -------------------------------------------------------------
    def flush_autosave(self) -> None:
        self._autosave_timer.stop()
        body, title = self.body_edit.toPlainText(), self.title_edit.text()
        m = self.message
        if not body.strip() and not title.strip():
            return
        if m is not None and body == m.body and (title or None) == m.title:
            return
        inc = self.session.incident
        self.autosave.save(DraftSnapshot(
            inc.id if inc else (m.incident_id if m else None), m.id if m else None,
            m.version if m else None, self.channel.value, self.purpose.value,
            str(self.template_combo.currentData() or ""), title, body,
            datetime.now(UTC).isoformat()))

    def restore_autosave(self) -> None:
        snap = self.autosave.load()
        if snap is None:
            return
        self.channel_combo.setCurrentIndex(max(0, self.channel_combo.findData(
            Channel(snap.channel))))
        self.purpose_combo.setCurrentIndex(max(0, self.purpose_combo.findData(
            Purpose(snap.purpose))))
        self.title_edit.setText(snap.title)
        self.body_edit.setPlainText(snap.body)
        self.restored = snap
        self.session.sig_info.emit("Restored an unsaved draft from the last session")
