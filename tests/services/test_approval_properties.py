"""Property: whatever operators do, in any order, nothing unapproved is ever published.

A state machine drives the real services on a fresh SQLite database: drafts,
edits, submissions, approvals (with right and wrong passphrases), rejections,
publications (to either destination), withdrawals, availability changes,
delegations and clock advances, by operators of every role and by people who
are not operators at all. After every step the stored state must satisfy the
approval rule and the outbox must match the publications one for one.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from commandcenter.config import Settings
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.errors import CommandCenterError
from commandcenter.domain.messages import EXERCISE_PREFIX, Channel, content_hash
from commandcenter.domain.roster import AvailabilityStatus
from commandcenter.persistence.models import (
    ApprovalRow,
    IncidentRow,
    MessageRow,
    PublicationRow,
)

from .support import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    ERIN,
    PASS,
    START,
    WRONG,
    ZOE,
    open_incident,
    plain,
    seeded_services,
    signed,
)

# OWNER and AUTHOR stand for whoever owns the communications chain now and the
# message's author, so that the paths that should succeed are walked often too.
OWNER, AUTHOR = "<owner now>", "<author>"
ACTORS = st.sampled_from([OWNER, OWNER, AUTHOR, ALICE, BOB, CAROL, DAVE, ERIN, ZOE,
                          "Nobody Known"])
ROSTER_ACTORS = st.sampled_from([None, None, ALICE, DAVE, OWNER])
BODIES = st.sampled_from([
    "We know scores dropped.",
    "We know scores dropped!",
    "Scores are back to normal. Next update by 12:00.",
    "EXERCISE: scores dropped",
    "日本語のお知らせ https://klout.example/status",
    "x" * 280,
])
CHANNELS = st.sampled_from([Channel.X, Channel.FACEBOOK, Channel.STATUS_PAGE,
                            Channel.INTERNAL])
INDEX = st.integers(min_value=0, max_value=1_000)


class Publishing(RuleBasedStateMachine):
    def __init__(self, template_dir: Path) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="cc-prop-"))
        self.clock = SimulatedClock(START)
        cfg = Settings(f"sqlite:///{self.folder / 'cc.sqlite'}", self.folder)
        self.svc = seeded_services(cfg, self.clock, template_dir)
        self.incidents = {"live": open_incident(self.svc),
                          "drill": open_incident(self.svc, drill=True)}
        self.messages: list[int] = []
        self.published_ever: set[int] = set()

    def teardown(self) -> None:
        self.svc.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _msg(self, i: int) -> int:
        return self.messages[-1 - i % len(self.messages)]

    def _who(self, actor: str, message_id: int | None = None) -> str:
        if actor == OWNER:
            owner = self.svc.roster.owner("communications").owner
            return owner.name if owner else CAROL
        if actor == AUTHOR:
            return self.svc.messages.get(message_id).author if message_id else BOB
        return actor

    @staticmethod
    def _try(action) -> object | None:
        try:
            return action()
        except CommandCenterError:
            return None  # refusals are expected; anything else fails the test

    # --- what operators do ---------------------------------------------------
    @initialize(kind=st.sampled_from(["live", "drill"]))
    def first_draft(self, kind: str) -> None:
        m = self.svc.messages.draft(self.incidents[kind], Channel.X, "We are on it.", BOB)
        self.messages.append(m.id)

    @rule(author=ACTORS, kind=st.sampled_from(["live", "drill"]), channel=CHANNELS, body=BODIES)
    def draft(self, author: str, kind: str, channel: Channel, body: str) -> None:
        author = self._who(author)
        m = self._try(lambda: self.svc.messages.draft(self.incidents[kind], channel, body,
                                                      author))
        if m is not None:
            self.messages.append(m.id)

    @precondition(lambda self: self.messages)
    @rule(i=INDEX, actor=ACTORS, body=BODIES)
    def edit(self, i: int, actor: str, body: str) -> None:
        mid = self._msg(i)
        actor = self._who(actor, mid)
        self._try(lambda: self.svc.messages.edit(mid, body, actor))

    @precondition(lambda self: self.messages)
    @rule(i=INDEX, actor=ACTORS)
    def submit(self, i: int, actor: str) -> None:
        mid = self._msg(i)
        actor = self._who(actor, mid)
        self._try(lambda: self.svc.messages.submit(mid, actor))

    @precondition(lambda self: self.messages)
    @rule(i=INDEX, actor=ACTORS, passphrase=st.sampled_from([PASS, PASS, WRONG]))
    def approve(self, i: int, actor: str, passphrase: str) -> None:
        mid = self._msg(i)
        actor = self._who(actor, mid)
        self._try(lambda: self.svc.messages.approve(mid, actor, passphrase))

    @precondition(lambda self: self.messages)
    @rule(i=INDEX, actor=ACTORS, how=st.sampled_from(["reject", "withdraw"]))
    def turn_down(self, i: int, actor: str, how: str) -> None:
        mid = self._msg(i)
        actor = self._who(actor, mid)
        if how == "reject":
            self._try(lambda: self.svc.messages.reject(mid, "not yet", actor))
        else:
            self._try(lambda: self.svc.messages.withdraw(mid, actor))

    @precondition(lambda self: self.messages)
    @rule(i=INDEX, actor=ACTORS, destination=st.sampled_from([None, None, "live", "drill"]))
    def publish(self, i: int, actor: str, destination: str | None) -> None:
        mid = self._msg(i)
        actor = self._who(actor, mid)
        m = self._try(lambda: self.svc.messages.publish(mid, actor, destination=destination))
        if m is not None:
            self.published_ever.add(m.id)

    @precondition(lambda self: self.messages)
    @rule(i=INDEX, steps=st.integers(1, 3))
    def progress(self, i: int, steps: int) -> None:
        """The next steps of the normal path, by the people who should take them."""
        mid = self._msg(i)
        for _ in range(steps):
            m = self.svc.messages.get(mid)
            step = {
                "draft": lambda m=m: self.svc.messages.submit(mid, m.author),
                "rejected": lambda m=m: self.svc.messages.submit(mid, m.author),
                "in_review": lambda: self.svc.messages.approve(mid, self._who(OWNER), PASS),
                "approved": lambda: self.svc.messages.publish(mid, BOB),
            }.get(m.state.value)
            if step is None or self._try(step) is None:
                return
            if m.state.value == "approved":
                self.published_ever.add(mid)

    # --- the world changing ----------------------------------------------------
    # Changes start strictly after now: the past is not rewritten, so the owner at
    # an earlier approval can be recomputed from the roster as it is.
    @rule(who=st.sampled_from([CAROL, ALICE, BOB, ERIN]),
          status=st.sampled_from(list(AvailabilityStatus)),
          start=st.integers(1, 180), length=st.integers(1, 600), reachable=st.booleans(),
          actor=ROSTER_ACTORS)
    def availability(self, who: str, status: AvailabilityStatus, start: int, length: int,
                     reachable: bool, actor: str | None) -> None:
        begin = self.clock.now() + timedelta(minutes=start)
        self._try(lambda: self.svc.roster.set_availability(
            who, status, begin, begin + timedelta(minutes=length), reachable=reachable,
            by=signed(self._who(actor)) if actor else None))

    @rule(who=st.sampled_from([BOB, ERIN, DAVE, ZOE]), start=st.integers(1, 120),
          length=st.integers(1, 300), actor=ROSTER_ACTORS)
    def delegate(self, who: str, start: int, length: int, actor: str | None) -> None:
        begin = self.clock.now() + timedelta(minutes=start)
        self._try(lambda: self.svc.roster.delegate(
            "communications", who, begin, begin + timedelta(minutes=length),
            by=signed(self._who(actor or OWNER))))

    @rule(minutes=st.integers(1, 240))
    def advance(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))

    # --- the rule ----------------------------------------------------------------
    @invariant()
    def only_approved_text_is_published(self) -> None:
        svc = self.svc
        with svc.ctx.uow() as uow:
            s = uow.session
            messages = {m.id: plain(m) for m in s.execute(select(MessageRow)).scalars()}
            pubs = [plain(p) for p in s.execute(select(PublicationRow)).scalars()]
            approvals = {a.id: plain(a) for a in s.execute(select(ApprovalRow)).scalars()}
            drill = {i.id: i.drill for i in s.execute(select(IncidentRow)).scalars()}

        by_message = {}
        for p in pubs:
            assert p.message_id not in by_message, "published twice"
            by_message[p.message_id] = p
        for m in messages.values():
            assert m.content_hash == content_hash(Channel(m.channel), m.title, m.body)
            assert (m.state == "published") == (m.id in by_message)
        assert self.published_ever <= set(by_message)

        for p in pubs:
            m = messages[p.message_id]
            a = approvals[p.approval_id]
            assert p.content_hash == m.content_hash
            assert a.message_id == m.id
            assert a.revision == m.revision
            assert a.content_hash == p.content_hash
            assert a.voided_at is None
            assert a.approver_id != m.author_id
            assert p.destination == ("drill" if drill[m.incident_id] else "live")
            if drill[m.incident_id]:
                assert m.body.upper().startswith(EXERCISE_PREFIX)

        # Every approval ever given (voided or not) came from the chain's owner at
        # that instant, and never from the author.
        for a in approvals.values():
            owner = svc.roster.owner("communications", at=a.approved_at).owner
            assert owner is not None and owner.id == a.approver_id, a
            assert a.approver_id != messages[a.message_id].author_id

        expected = sorted(f"{p.destination}/{p.file_name}" for p in pubs)
        root = svc.ctx.outbox_dir
        found = sorted(str(f.relative_to(root)) for f in root.rglob("*") if f.is_file()) \
            if root.exists() else []
        assert found == expected


def test_nothing_unapproved_is_ever_published(template_dir: Path) -> None:
    run_state_machine_as_test(
        lambda: Publishing(template_dir),
        settings=settings(max_examples=50, stateful_step_count=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow]),
    )
