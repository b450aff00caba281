"""The review queue: what waits for the communications chain's owner, approve, reject, publish."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from commandcenter.domain.chains import COMMUNICATIONS
from commandcenter.domain.compose import revision_diff_html
from commandcenter.domain.errors import NotFound
from commandcenter.domain.messages import MessageState
from commandcenter.domain.operators import Action

from ..dialogs.approve import ApproveDialog
from ..dialogs.passphrase import PassphraseDialog
from ..session import Session
from ..steady import set_html
from ..timefmt import full_text, localise, unbroken_text
from .timeline_panel import labelled

MessageRole = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True, slots=True)
class QueueState:
    messages: tuple[Any, ...]
    ownership: Any  # Ownership | None (no communications chain yet)


class ReviewPanel(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shown: QueueState | None = None  # the queue on screen
        self.session = session
        self.ownership: Any = None
        self.passphrase_dialog: PassphraseDialog | None = None
        self.reject_dialog: QInputDialog | None = None
        self._build()
        session.sig_data_changed.connect(self.reload)
        session.sig_operator_changed.connect(lambda _op: self.reload())
        session.sig_incident_changed.connect(lambda _i: self.reload())
        session.sig_written.connect(self._clear_refusal)  # a later success clears it

    def _build(self) -> None:
        self.owner_label = QLabel("Communications chain: not loaded")
        self.owner_label.setWordWrap(True)
        self.owner_label.setAccessibleName("Communications chain owner")
        self.can_label = QLabel()
        self.can_label.setWordWrap(True)
        self.can_label.setAccessibleName("Whether you can approve")
        self.queue = labelled(QListWidget(), "Review queue",
                              "Messages waiting for approval, then approved ones to publish")
        self.queue.currentItemChanged.connect(lambda *_: self._show_selected())
        self.detail = labelled(QTextBrowser(), "Message under review",
                               "The text and its changes since the previous revision")
        self.refusal_label = QLabel()
        self.refusal_label.setWordWrap(True)
        self.refusal_label.setAccessibleName("Last refusal")
        self.refusal_label.setStyleSheet("color: #c0392b; font-weight: bold")
        self.refusal_label.hide()
        self.approve_button = labelled(QPushButton("A&pprove…"), "Approve message",
                                       "Approve exactly this text; asks for your passphrase")
        self.reject_button = labelled(QPushButton("Re&ject…"), "Reject message",
                                      "Send it back to the author with a reason")
        self.publish_button = labelled(QPushButton("P&ublish"), "Publish message",
                                       "Publish an approved message")
        self.approve_button.clicked.connect(self.open_approve)
        self.reject_button.clicked.connect(self.open_reject)
        self.publish_button.clicked.connect(self.publish)
        buttons = QHBoxLayout()
        for b in (self.approve_button, self.reject_button, self.publish_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.owner_label)
        layout.addWidget(self.can_label)
        layout.addWidget(self.queue, 1)
        layout.addWidget(self.detail, 2)
        layout.addWidget(self.refusal_label)
        layout.addLayout(buttons)
        self._update_buttons()

    # --- loading ------------------------------------------------------------
    def reload(self) -> None:
        svc = self.session.services

        def load() -> QueueState:
            queue = list(svc.messages.review_queue())
            try:
                owner = svc.roster.owner(COMMUNICATIONS)
            except NotFound:  # no communications chain configured yet
                owner = None
            return QueueState(tuple(queue), owner)

        self.session.read(load, self._loaded)

    def _loaded(self, state: QueueState) -> None:
        if state == self._shown and getattr(self, "_want", None) is None:
            # A re-read of the same queue (live, or who is signed in changed): the list
            # and its selection stand; what the operator may do is shown again.
            self._show_owner()
            self._show_selected()
            self._update_buttons()
            return
        self._shown = state
        selected = self.selected()
        self.ownership = state.ownership
        self.queue.blockSignals(True)
        self.queue.clear()
        for m in state.messages:
            verb = "waits for approval" if m.state is MessageState.IN_REVIEW else "approved"
            item = QListWidgetItem(f"#{m.id} · {m.channel.value} {m.purpose.value} · by "
                                   f"{m.author} · {verb}")
            item.setData(MessageRole, m)
            self.queue.addItem(item)
            if selected is not None and m.id == selected.id:
                self.queue.setCurrentItem(item)
        want, then = getattr(self, "_want", None) or (None, None)
        self._want = None
        for i in range(self.queue.count() if want is not None else 0):
            if self.queue.item(i).data(MessageRole).id == want:
                self.queue.setCurrentRow(i)
                break
        else:
            then = None
        if self.queue.currentItem() is None and self.queue.count():
            self.queue.setCurrentRow(0)
        self.queue.blockSignals(False)
        self._show_owner()
        self._show_selected()
        self._update_buttons()
        if then is not None:
            then()

    def _show_owner(self) -> None:
        o, op = self.ownership, self.session.operator
        if o is None:
            self.owner_label.setText("No communications chain is set up: nobody can approve.")
            self.can_label.setText("")
            return
        owner = o.owner.name if o.owner else "nobody"
        waiting = sum(1 for i in range(self.queue.count())
                      if self.queue.item(i).data(MessageRole).state is MessageState.IN_REVIEW)
        # One short line fits the dock; who was skipped and why is in the tooltip
        # (and in the roster panel), so nothing is clipped.
        nxt = f" · changes {unbroken_text(o.next_change)}" if o.next_change else ""
        self.owner_label.setText(f"<b>{html.escape(localise(o.describe(), unbroken_text))}</b>"
                                 f" — {waiting} waiting"
                                 f"{nxt}")
        details = [f"skipped {s.contact.name}: {s.reason}" for s in o.skipped]
        when = [f"delegated until {full_text(o.delegation.expires_at)}"] if o.delegation else []
        when += [f"changes {full_text(o.next_change)}"] if o.next_change else []
        self.owner_label.setToolTip("\n".join(details + when) or "Nobody skipped.")
        self.owner_label.setAccessibleDescription("; ".join(details))
        if op is None:
            why = "Sign in to review messages."
        elif self.session.read_only:
            why = "Read-only until the database server is back."
        elif not self.session.may(Action.APPROVE):
            why = f"A {op.role.value} may not approve messages."
        elif o.owner is None or o.owner.id != op.contact_id:
            why = (f"You cannot approve: {op.name} does not own the {COMMUNICATIONS} chain now; "
                   f"{owner} does. Ask {owner} to approve.")
        else:
            why = "You own the communications chain: you can approve (not your own messages)."
        self.can_label.setText(why)

    def select_message(self, message_id: int, then: Any = None) -> None:
        """Select the message in the queue (a page's link), reloading first if it is new;
        then call ``then()`` if it is there."""
        for i in range(self.queue.count()):
            if self.queue.item(i).data(MessageRole).id == message_id:
                self.queue.setCurrentRow(i)
                if then is not None:
                    then()
                return
        self._want = (message_id, then)
        self.reload()

    def selected(self) -> Any:
        item = self.queue.currentItem()
        return item.data(MessageRole) if item is not None else None

    def _show_selected(self) -> None:
        m = self.selected()
        if m is None:
            set_html(self.detail, "<i>Nothing waits for review.</i>")
            self._update_buttons()
            return
        mid = m.id
        self.session.read(lambda: self.session.services.messages.revisions(mid),
                          lambda revs: self._show_detail(m, revs))
        self._update_buttons()

    def _show_detail(self, m: Any, revisions: list[tuple[int, str | None, str]]) -> None:
        if self.selected() is None or self.selected().id != m.id:
            return
        parts = [f"<h3>{html.escape(m.title or m.purpose.value.capitalize())}</h3>",
                 f"<p>{m.channel.value} · revision {m.revision} · {m.length}/{m.limit} · "
                 f"by {html.escape(m.author)}{' · DRILL' if m.drill else ''}</p>",
                 "<p>" + html.escape(m.body).replace("\n", "<br>") + "</p>"]
        if len(revisions) >= 2:
            prev = revisions[-2]
            parts.append(f"<h4>Changes since revision {prev[0]}</h4><p>"
                         + revision_diff_html(prev[2], m.body) + "</p>")
        else:
            parts.append("<p><i>First revision: nothing to compare.</i></p>")
        set_html(self.detail, "".join(parts))

    def why_not_approve(self) -> str:
        """Why the signed-in operator cannot approve the selected message now, or ''."""
        m, op, o = self.selected(), self.session.operator, self.ownership
        if m is None:
            return "Select a message waiting for approval."
        if m.state is not MessageState.IN_REVIEW:
            return f"Message {m.id} is {m.state.value.replace('_', ' ')}, not waiting for approval."
        if op is None:
            return "Sign in to approve."
        if not self.session.may(Action.APPROVE):
            return f"A {op.role.value} may not approve messages."
        if o is None:
            return "No communications chain is set up: nobody can approve."
        if o.owner is None or o.owner.id != op.contact_id:
            owner = o.owner.name if o.owner else "nobody"
            return (f"{op.name} does not own the {COMMUNICATIONS} chain now; {owner} does. "
                    f"Ask {owner} to approve.")
        if m.author == op.name:
            return f"Message {m.id} is {op.name}'s own: someone else must approve it."
        return ""

    def _update_buttons(self) -> None:
        m = self.selected()
        in_review = m is not None and m.state is MessageState.IN_REVIEW
        why = self.why_not_approve()
        self.approve_button.setEnabled(not why)
        self.approve_button.setToolTip(why or "Approve exactly this text; asks for your "
                                              "passphrase")
        owner_why = why if why and "own:" not in why else ""
        self.reject_button.setEnabled(in_review and not owner_why)
        self.reject_button.setToolTip(owner_why or "Send it back to the author with a reason")
        self.publish_button.setEnabled(m is not None and m.state is MessageState.APPROVED
                                       and self.session.may(Action.PUBLISH))

    # --- acting -------------------------------------------------------------
    def _refused(self, exc: BaseException) -> None:
        from ..session import user_message

        self.refusal_label.setText(user_message(exc))
        self.refusal_label.show()

    def _clear_refusal(self, _result: Any = None) -> None:
        self.refusal_label.hide()
        self.refusal_label.clear()

    def open_approve(self, *, publish: bool = False) -> None:
        """The exact text, channel and hash, and the passphrase; ``publish``: tick
        "publish as soon as it is approved" (the page's fast path)."""
        m, op = self.selected(), self.session.operator
        if m is None or op is None or not self.approve_button.isEnabled():
            return
        dlg = ApproveDialog(m, op.name, self, publish=publish,
                            may_publish=self.session.may(Action.PUBLISH))
        dlg.accepted.connect(lambda: self.approve(m, dlg.passphrase(),
                                                  publish=dlg.publish_check.isChecked()
                                                  and self.session.may(Action.PUBLISH)))
        self.passphrase_dialog = dlg
        dlg.open()

    def approve(self, m: Any, passphrase: str, *, publish: bool = False) -> None:
        svc, actor = self.session.services.messages, self.session.actor()

        def work() -> Any:
            view = svc.approve(m.id, actor, passphrase, expected_hash=m.content_hash)
            return svc.publish(m.id, actor) if publish else view

        done = f"Message {m.id} approved" + (" and published" if publish else "")
        self.session.write(work, self._clear_refusal, self._refused, success=done)

    def open_reject(self) -> None:
        m = self.selected()
        if m is None or not self.reject_button.isEnabled():
            return
        dlg = QInputDialog(self)
        dlg.setWindowTitle("Reject message")
        dlg.setLabelText(f"Why is message {m.id} rejected? The author sees this reason.")
        dlg.setAccessibleName("Reject message")
        dlg.textValueSelected.connect(lambda reason: self.reject(m, reason))
        self.reject_dialog = dlg
        dlg.open()

    def reject(self, m: Any, reason: str) -> None:
        svc, actor = self.session.services.messages, self.session.actor()
        self.session.write(lambda: svc.reject(m.id, reason, actor), self._clear_refusal,
                           self._refused, success=f"Message {m.id} rejected")

    def publish(self) -> None:
        m = self.selected()
        if m is None or not self.publish_button.isEnabled():
            return
        svc, actor = self.session.services.messages, self.session.actor()
        self.session.write(lambda: svc.publish(m.id, actor), self._clear_refusal, self._refused,
                           success=f"Message {m.id} published")
