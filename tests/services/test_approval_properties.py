"""Property: whatever operators do, through any interface, nothing unapproved goes out.

A hypothesis state machine drives the real services and the command line
(in-process, through ``commandcenter.cli.main``) on one SQLite database from
two workstations (two ``Services``, each with its own outbox): drafts, edits
(by the owner too), submissions, approvals with right, wrong and stale
passphrases, publications to either destination, crashes between a
publication's commit and its file, availability changes, delegations, chain
reorders, co-signed passphrase resets and the operators' own passphrase
changes, drill and live incidents, and simulated time passing so that
ownership of the communications chain moves.

After every step:
* every approval, when it appears, is signed (and the signature verifies
  against the approver's registered key) by the owner of the communications
  chain at that instant, who wrote no revision of the message;
* every publication's approval still verifies, its delivered file (in
  whichever outbox) exists once and holds exactly the approved text;
* no drill message is in a live outbox, and nothing is delivered twice.
At the end of each example ``audit verify`` (chain, head, tables) passes.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from commandcenter import app
from commandcenter.cli import main as cli_main
from commandcenter.cli.common import ENV_COSIGN_PASSPHRASE, ENV_NEW_PASSPHRASE, ENV_PASSPHRASE
from commandcenter.config import ENV_DATA_DIR, Settings
from commandcenter.domain.chains import COMMUNICATIONS
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.errors import CommandCenterError, PolicyRefused
from commandcenter.domain.messages import EXERCISE_PREFIX, Channel, content_hash
from commandcenter.domain.operators import Role
from commandcenter.domain.roster import AvailabilityStatus, ContactFields
from commandcenter.domain.signing import publication_file_name
from commandcenter.persistence.migrate import backup_sqlite
from commandcenter.persistence.models import (
    ApprovalRow,
    IncidentRow,
    MessageRevisionRow,
    MessageRow,
    PublicationRow,
)
from commandcenter.persistence.outbox import DRILL, LIVE
from commandcenter.services.context import Passphrases
from commandcenter.services.messages import MessageService
from commandcenter.services.ownership import ChainSnapshot
from commandcenter.services.signing import approval_problem

from .support import (
    ADMIN,
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
    seeded_services,
    signed,
)

REAL_BUILD = app.build
SAM = "Sam Second"  # a second commander, to co-sign resets and self-promotions
OWNER, AUTHOR = "<owner now>", "<author>"
ACTORS = st.sampled_from([OWNER, OWNER, AUTHOR, ALICE, BOB, CAROL, DAVE, ERIN, ZOE])
ROSTER_ACTORS = st.sampled_from([None, ALICE, ALICE, DAVE, OWNER, SAM])
INTERFACES = st.sampled_from(["service", "second workstation", "cli"])
BODIES = st.sampled_from(["We know scores dropped.", "Scores are back. Next update by 12:00.",
                          "EXERCISE: scores dropped", "日本語のお知らせ https://klout.example/s",
                          "x" * 281])
CHANNELS = st.sampled_from([Channel.X, Channel.STATUS_PAGE, Channel.INTERNAL])
INDEX = st.integers(min_value=0, max_value=1_000)
# Scratch databases on tmpfs when there is one: each commit fsyncs (synchronous=FULL).
SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def machine_template(template_dir: Path) -> Path:
    """The seeded company plus a second commander and two incidents, made once."""
    path = template_dir / "machine.sqlite"
    if not path.exists():
        folder = template_dir / "machine"
        folder.mkdir(parents=True, exist_ok=True)
        svc = seeded_services(Settings(f"sqlite:///{folder / 'm.sqlite'}", folder),
                              SimulatedClock(START), template_dir)
        try:
            svc.roster.add_contact(ContactFields(SAM), by=ADMIN)
            svc.roster.add_operator(SAM, Role.COMMANDER, PASS, by=ADMIN)
            open_incident(svc)
            open_incident(svc, drill=True, title="Tabletop")
        finally:
            svc.close()
        backup_sqlite(folder / "m.sqlite", path)
    return path


class Workstations:
    """Three long-lived ``Services`` on one database file (two workstations and the one
    the command line builds), reset to the template before each example.

    Reused rather than rebuilt: SQLAlchemy caches compiled statements per engine, and
    compiling them afresh for every example would cost most of the run.
    """

    def __init__(self, template: Path) -> None:
        self.template = template
        self.folder = Path(tempfile.mkdtemp(prefix="cc-prop-", dir=SCRATCH))
        self.db = self.folder / "cc.sqlite"
        self.url = f"sqlite:///{self.db}"
        self.clock = SimulatedClock(START)
        self.reset()
        fast = Passphrases.fast_for_tests()
        self.all = {name: REAL_BUILD(Settings(self.url, self.folder / name), clock=self.clock,
                                     passphrases=fast) for name in ("ws1", "ws2", "cli")}

    def reset(self) -> None:
        for svc in getattr(self, "all", {}).values():
            svc.engine.dispose()
            svc.messages.delivery.refused.clear()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.db}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.template, self.db)
        for name in ("ws1", "ws2", "cli"):
            shutil.rmtree(self.folder / name / "outbox", ignore_errors=True)
        self.clock.set(START)

    def close(self) -> None:
        for svc in self.all.values():
            svc.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class ApprovalUnderAttack(RuleBasedStateMachine):
    def __init__(self, stations: Workstations) -> None:
        super().__init__()
        stations.reset()
        self.stations = stations
        self.folder, self.url, self.clock = stations.folder, stations.url, stations.clock
        self.svc, self.svc2 = stations.all["ws1"], stations.all["ws2"]
        self.incidents = {"live": 1, "drill": 2}
        self.secret = {n: PASS for n in (ALICE, BOB, CAROL, DAVE, ERIN, SAM)}
        self.stale = {n: WRONG for n in self.secret}  # a passphrase that used to work
        self.messages: list[int] = []
        self.approvals_checked: set[int] = set()
        self.publications_checked: set[int] = set()
        self.changes = 0

    def teardown(self) -> None:
        report = self.svc.audit.verify()
        assert report.ok, report.problems

    # --- helpers ---------------------------------------------------------------
    def _ws(self, interface: str) -> Any:
        return self.svc2 if interface == "second workstation" else self.svc

    def _msg(self, i: int) -> int:
        return self.messages[-1 - i % len(self.messages)]

    def _who(self, actor: str | None, message_id: int | None = None) -> str | None:
        if actor == OWNER:
            owner = self.svc.roster.owner(COMMUNICATIONS).owner
            return owner.name if owner else CAROL
        if actor == AUTHOR:
            return self.svc.messages.get(message_id).author if message_id else BOB
        return actor

    def _creds(self, name: str | None) -> Any:
        return signed(name, self.secret.get(name, PASS)) if name else None

    @staticmethod
    def _try(action: Any) -> Any:
        try:
            return action()
        except CommandCenterError:
            return None  # refusals are expected; anything else fails the test

    def _cli_build(self, settings: Settings, **_: Any) -> Any:
        # The command line's own Services (its close() only empties the pool).
        assert settings.database_url == self.url
        return self.stations.all["cli"]

    def _cli(self, *args: str, as_: str | None = None, passphrase: str | None = None,
             new: str | None = None, cosign: str | None = None) -> bool:
        env = {ENV_DATA_DIR: str(self.folder / "cli"),
               ENV_PASSPHRASE: passphrase or self.secret.get(as_ or "", PASS),
               ENV_NEW_PASSPHRASE: new or "", ENV_COSIGN_PASSPHRASE: cosign or ""}
        argv = ["--database-url", self.url, *args, *(["--as", as_] if as_ else [])]
        out, err = io.StringIO(), io.StringIO()
        with mock.patch.dict(os.environ, env), mock.patch.object(app, "build",
                                                                 self._cli_build), \
                contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli_main(argv)
        assert code in (0, 2, 3), (argv, code, err.getvalue())
        return code == 0

    # --- messages ------------------------------------------------------------------
    @rule(author=ACTORS, kind=st.sampled_from(["live", "drill"]), channel=CHANNELS,
          body=BODIES, interface=INTERFACES)
    def draft(self, author: str, kind: str, channel: Channel, body: str,
              interface: str) -> None:
        name = self._who(author)
        m = self._try(lambda: self._ws(interface).messages.draft(
            self.incidents[kind], channel, body, name))
        if m is not None:
            self.messages.append(m.id)

    @precondition(lambda self: self.messages)
    @rule(i=INDEX, actor=ACTORS, body=BODIES, interface=INTERFACES)
    def edit(self, i: int, actor: str, body: str, interface: str) -> None:
        mid = self._msg(i)
        name = self._who(actor, mid)
        self._try(lambda: self._ws(interface).messages.edit(mid, body, name))

    @precondition(lambda self: self.messages)
    @rule(i=INDEX, actor=ACTORS)
    def submit(self, i: int, actor: str) -> None:
        mid = self._msg(i)
        name = self._who(actor, mid)
        self._try(lambda: self.svc.messages.submit(mid, name))

    @precondition(lambda self: self.messages)
    @rule(i=INDEX, actor=ACTORS, which=st.sampled_from(["own", "own", "wrong", "stale"]),
          interface=INTERFACES)
    def approve(self, i: int, actor: str, which: str, interface: str) -> None:
        mid = self._msg(i)
        name = self._who(actor, mid)
        secret = {"own": self.secret.get(name, PASS), "wrong": WRONG,
                  "stale": self.stale.get(name, WRONG)}[which]
        if interface == "cli":
            self._cli("message", "approve", str(mid), as_=name, passphrase=secret)
        else:
            self._try(lambda: self._ws(interface).messages.approve(mid, name, secret))

    @precondition(lambda self: self.messages)
    @rule(i=INDEX, actor=ACTORS, destination=st.sampled_from([None, None, LIVE, DRILL]),
          interface=INTERFACES)
    def publish(self, i: int, actor: str, destination: str | None, interface: str) -> None:
        mid = self._msg(i)
        name = self._who(actor, mid)
        if interface == "cli" and destination is None:
            self._cli("message", "publish", str(mid), as_=name)
        else:
            self._try(lambda: self._ws(interface).messages.publish(
                mid, name, destination=destination))

    @precondition(lambda self: self.messages)
    @rule(i=INDEX, steps=st.integers(1, 3), crash=st.booleans())
    def progress(self, i: int, steps: int, crash: bool) -> None:
        """The normal path, by the people who should take it; publishing may crash
        between the commit and the file, and the other workstation delivers it."""
        mid = self._msg(i)
        for _ in range(steps):
            m = self.svc.messages.get(mid)
            owner = self._who(OWNER)
            step = {
                "draft": lambda m=m: self.svc.messages.submit(mid, m.author),
                "rejected": lambda m=m: self.svc.messages.submit(mid, m.author),
                "in_review": lambda o=owner: self.svc.messages.approve(
                    mid, o, self.secret.get(o, PASS)),
                "approved": lambda: self._publish_maybe_crashing(mid, crash),
            }.get(m.state.value)
            if step is None or self._try(step) is None:
                return

    def _publish_maybe_crashing(self, mid: int, crash: bool) -> object:
        if not crash:
            return self.svc.messages.publish(mid, BOB)

        def unplugged(destination: str, file_name: str, document: dict) -> Path:
            raise OSError("the workstation lost power")

        try:
            MessageService(self.svc.ctx, deliver=unplugged).publish(mid, BOB)
        except CommandCenterError as exc:
            # The power cut, or a refusal by the rule before anything was written.
            assert "outbox could not be written" in str(exc) or isinstance(exc, PolicyRefused)
        return self.svc2.messages.deliver_pending()  # the second workstation starts

    # --- authority changes, through every interface ---------------------------------
    # Availability and delegations start strictly after now: the past is not rewritten.
    @rule(who=st.sampled_from([CAROL, ALICE, ERIN]),
          status=st.sampled_from(list(AvailabilityStatus)), start=st.integers(1, 120),
          length=st.integers(1, 600), reachable=st.booleans(), actor=ROSTER_ACTORS,
          cosign=st.booleans(), interface=INTERFACES)
    def availability(self, who: str, status: AvailabilityStatus, start: int, length: int,
                     reachable: bool, actor: str | None, cosign: bool,
                     interface: str) -> None:
        name = self._who(actor)
        begin = self.clock.now() + timedelta(minutes=start)
        end = begin + timedelta(minutes=length)
        second = SAM if cosign and name != SAM else None
        if interface == "cli":
            self._cli("availability", "set", who, status.value, "--from", begin.isoformat(),
                      "--until", end.isoformat(), *(["--reachable"] if reachable else []),
                      *(["--cosign", second] if second else []), as_=name,
                      cosign=self.secret[SAM])
        else:
            self._try(lambda: self._ws(interface).roster.set_availability(
                who, status, begin, end, reachable=reachable, by=self._creds(name),
                cosigner=self._creds(second)))

    @rule(who=st.sampled_from([BOB, ERIN, ALICE, ZOE]), start=st.integers(0, 60),
          length=st.integers(1, 300), actor=st.sampled_from([OWNER, OWNER, ALICE, BOB]),
          interface=INTERFACES)
    def delegate(self, who: str, start: int, length: int, actor: str, interface: str) -> None:
        name = self._who(actor)
        begin = self.clock.now() + timedelta(minutes=start)
        end = begin + timedelta(minutes=length)
        if interface == "cli":
            self._cli("chain", "delegate", COMMUNICATIONS, who, "--from", begin.isoformat(),
                      "--until", end.isoformat(), as_=name)
        else:
            self._try(lambda: self._ws(interface).roster.delegate(
                COMMUNICATIONS, who, begin, end, by=self._creds(name)))

    @rule(order=st.permutations([CAROL, ALICE, ERIN]), size=st.integers(1, 3),
          actor=st.sampled_from([ALICE, SAM, BOB, None]), cosign=st.booleans(),
          interface=INTERFACES)
    def chain(self, order: list[str], size: int, actor: str | None, cosign: bool,
              interface: str) -> None:
        members = order[:size]
        second = (SAM if actor != SAM else ALICE) if cosign else None
        if interface == "cli":
            self._cli("chain", "set", COMMUNICATIONS, *members,
                      *(["--cosign", second] if second else []), as_=actor,
                      cosign=self.secret.get(second or "", PASS))
        else:
            self._try(lambda: self._ws(interface).roster.set_chain(
                COMMUNICATIONS, members, by=self._creds(actor), cosigner=self._creds(second)))

    @rule(person=st.sampled_from([CAROL, BOB, ERIN]), interface=INTERFACES)
    def reset(self, person: str, interface: str) -> None:
        """Two commanders reset someone's passphrase: they know the temporary one."""
        self.changes += 1
        temporary = f"temporary secret {self.changes}"
        if interface == "cli":
            ok = self._cli("operator", "reset", person, "--cosign", SAM, as_=ALICE,
                           new=temporary, cosign=self.secret[SAM])
        else:
            ok = self._try(lambda: self._ws(interface).roster.reset_passphrase(
                person, temporary, self._creds(ALICE), self._creds(SAM))) is not None
        if ok:
            self.stale[person], self.secret[person] = self.secret[person], temporary

    @rule(person=st.sampled_from([CAROL, ALICE, BOB, ERIN]), interface=INTERFACES)
    def change_passphrase(self, person: str, interface: str) -> None:
        self.changes += 1
        new = f"{person} chose this {self.changes}"
        old = self.secret[person]
        if interface == "cli":
            ok = self._cli("operator", "passphrase", as_=person, passphrase=old, new=new)
        else:
            ok = self._try(lambda: self._ws(interface).roster.change_passphrase(
                person, old, new)) is not None
        if ok:
            self.stale[person], self.secret[person] = old, new

    @rule(minutes=st.integers(1, 240))
    def advance(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))

    # --- the promise ---------------------------------------------------------------
    @invariant()
    def only_the_owners_signed_text_goes_out(self) -> None:
        outboxes = [self.folder / ws / "outbox" for ws in ("ws1", "ws2", "cli")]
        files = {d: [p for o in outboxes for p in sorted((o / d).glob("*.json"))]
                 for d in (LIVE, DRILL)}
        with self.svc.ctx.uow() as uow:
            s = uow.session
            drill = dict(s.execute(select(IncidentRow.id, IncidentRow.drill)).all())
            authors: dict[int, set[int]] = {}
            for mid, by in s.execute(select(MessageRevisionRow.message_id,
                                            MessageRevisionRow.edited_by_id)):
                authors.setdefault(mid, set()).add(by)
            for a in s.execute(select(ApprovalRow).where(
                    ApprovalRow.id.not_in(self.approvals_checked))).scalars():
                m = s.get(MessageRow, a.message_id)
                # Checked when it appears: later chain changes may rewrite who owned it.
                owner = ChainSnapshot(uow, COMMUNICATIONS).owner_at(a.approved_at).owner
                assert owner is not None and owner.id == a.approver_id, a.owner_evidence
                assert a.approver_id not in authors[m.id] | {m.author_id}
                assert approval_problem(uow, a, m, a.approved_at) is None
                self.approvals_checked.add(a.id)
            delivered = 0
            for p in s.execute(select(PublicationRow)).scalars():
                m = s.get(MessageRow, p.message_id)
                a = s.get(ApprovalRow, p.approval_id)
                assert a.id in self.approvals_checked and a.message_id == m.id
                if p.id not in self.publications_checked:
                    # Checked when it appears: a later reset may revoke the key it used.
                    assert approval_problem(uow, a, m, p.published_at) is None
                    self.publications_checked.add(p.id)
                expected = DRILL if drill[m.incident_id] else LIVE
                assert p.destination == expected
                name = publication_file_name(p.published_at, m.id, p.content_hash)
                found = [f for f in files[expected] if f.name == name]
                if p.delivered_at is None:
                    assert found == []
                    continue
                delivered += 1
                assert len(found) == 1, found
                doc = json.loads(found[0].read_text())
                assert content_hash(Channel(doc["channel"]), doc["title"], doc["body"]) \
                    == a.content_hash == p.content_hash
                assert doc["drill"] is drill[m.incident_id]
        for f in files[LIVE]:
            doc = json.loads(f.read_text())
            assert not drill[doc["incident_id"]], f
            assert not doc["body"].upper().startswith(EXERCISE_PREFIX), f
        assert len(files[LIVE]) + len(files[DRILL]) == delivered


# 500 examples of 5 steps: about 40 s of CPU (measured with /usr/bin/time: 4 steps took
# 33 s of user time, 137 s of wall time under a load of 6 on 2 cores). The environment
# variables let a soak run go further.
EXAMPLES = int(os.environ.get("COMMANDCENTER_STATE_MACHINE_EXAMPLES", "500"))
STEPS = int(os.environ.get("COMMANDCENTER_STATE_MACHINE_STEPS", "5"))


def test_only_the_owners_signed_words_ever_go_out(template_dir: Path) -> None:
    stations = Workstations(machine_template(template_dir))
    try:
        run_state_machine_as_test(
            lambda: ApprovalUnderAttack(stations),
            settings=settings(max_examples=EXAMPLES, stateful_step_count=STEPS,
                              deadline=None, suppress_health_check=[
                                  HealthCheck.too_slow, HealthCheck.filter_too_much]),
        )
    finally:
        stations.close()
