"""Crash safety as a test: a writer doing real work is killed with SIGKILL, again and again.

The parent (already holding every import) forks a writer. The writer starts
as the app does (``build``: migrations check, audit keying, the start-up
delivery of pending publications), then does a random mix of real operations
through the services on one SQLite database: timeline notes, drafts,
submissions, approvals (signed), publications (live and drill), metric
ingests. After each operation's commit returns it reports the operation to
the parent through a pipe. The parent kills it with SIGKILL at a random
moment (a third of the kills land during start-up), then checks:

* ``PRAGMA integrity_check`` is ``ok``;
* every operation the writer reported is in the database (a note's text, a
  draft's first revision, a submission's state, an approval, a publication,
  each ingested point);
* after the start-up delivery (as the next start runs it), the outbox and the
  publication records agree: every publication delivered, its one file in its
  destination holding its content hash, no file without a publication, and no
  drill message in the live outbox;
* the audit log verifies (chain, head and the tables' cross-check): every
  ``AUDIT_EVERY`` kills and after the last.

``make test`` runs 300 kills (tests/services/test_crash_safety.py);
``make soak`` runs 2,000 (``python -m tests.crash_harness --kills 2000``).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import itertools
import json
import os
import random
import select as select_module
import signal
import sqlite3
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

AUDIT_EVERY = 50
# When to kill: after 0 to MAX_OPS_BEFORE_KILL reported operations, then at a random
# moment within about two operations' time (measured as the run goes, so the kills keep
# landing in start-up, in operations and between them however loaded the machine is).
MAX_OPS_BEFORE_KILL = 3
WAIT_LIMIT_S = 20.0


@dataclass
class Pace:
    """Running averages: seconds from fork to the first report, and between reports."""

    start: float = 0.05
    op: float = 0.05

    def learn(self, stamps: list[float]) -> None:
        if stamps:
            self.start = 0.8 * self.start + 0.2 * stamps[0]
        for a, b in itertools.pairwise(stamps):
            self.op = 0.8 * self.op + 0.2 * (b - a)
SERIES = "crash_metric"


@dataclass
class Figures:
    kills: int = 0
    reported: int = 0  # operations the writers reported as committed
    lost: list[str] = field(default_factory=list)  # reported but missing
    problems: list[str] = field(default_factory=list)  # integrity, outbox, audit
    audits: int = 0
    by_op: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"kills": self.kills, "reported_commits": self.reported,
                "lost_commits": len(self.lost), "problems": len(self.problems),
                "audit_verifications": self.audits, "by_operation": self.by_op,
                "seconds": round(self.seconds, 1)}


# --- the world: a company, two incidents, one SQLite database ------------------------

@dataclass(frozen=True)
class World:
    root: Path

    @property
    def url(self) -> str:
        return f"sqlite:///{self.root / 'crash.sqlite'}"

    def settings(self) -> Any:
        from commandcenter.config import Settings

        return Settings(self.url, self.root)

    def services(self) -> Any:
        """Services as the app builds them: start-up delivery included."""
        from commandcenter.app import build
        from commandcenter.domain.clock import SystemClock
        from commandcenter.services.context import Passphrases

        return build(self.settings(), clock=SystemClock(),
                     passphrases=Passphrases.fast_for_tests())


def make_world(root: Path) -> World:
    from tests.services.support import ALICE, seed_people

    root.mkdir(parents=True, exist_ok=True)
    world = World(root)
    svc = world.services()
    try:
        seed_people(svc)
        from commandcenter.domain.incidents import Severity

        svc.incidents.open("Scores halved", Severity.SEV1, ALICE)
        svc.incidents.open("Tabletop", Severity.SEV2, ALICE, drill=True)
    finally:
        svc.close()
    return world


def warm_services(world: World) -> Any:
    """Services built once in the parent, every module imported and every service made,
    so that a forked writer starts in milliseconds (its engine's pool is empty at the
    fork; the statement cache is warm)."""
    import numpy  # noqa: F401

    svc = world.services()
    for name in ("roster", "incidents", "messages", "audit", "health"):
        getattr(svc, name)
    svc.engine.dispose()
    return svc


# --- the writer (a forked child) -----------------------------------------------------

def _writer(svc: Any, seed: int, number: int, out: int) -> None:
    """Never returns: works until killed (or exits 3 on an unexpected error)."""
    try:
        from commandcenter.domain.messages import Channel
        from commandcenter.persistence.models import IncidentRow, MessageRow
        from tests.services.support import ALICE, BOB, CAROL, PASS

        rng = random.Random(seed)
        svc.engine.dispose(close=False)  # nothing inherited: the parent's pool was empty
        # A start, as the app's: keying the audit log if needed, then the start-up delivery.
        with svc.ctx.uow() as uow:
            if uow.ensure_keyed(svc.ctx.clock.now()):
                uow.commit()
        svc.messages.deliver_pending()
        with svc.ctx.uow() as uow:
            incidents = [r.id for r in uow.session.query(IncidentRow).order_by(IncidentRow.id)]
            by_state: dict[str, list[int]] = {}
            for m in uow.session.query(MessageRow).order_by(MessageRow.id):
                by_state.setdefault(m.state, []).append(m.id)

        def report(**doc: Any) -> None:
            os.write(out, (json.dumps(doc) + "\n").encode())

        def pick(state: str) -> int | None:
            ids = by_state.get(state) or []
            return ids.pop(rng.randrange(len(ids))) if ids else None

        def move(message_id: int, state: str) -> None:
            by_state.setdefault(state, []).append(message_id)

        k = 0
        give_up = time.monotonic() + 60  # never reached: the parent kills it within a second
        while time.monotonic() < give_up:
            k += 1
            # Later steps weigh more (they do nothing when no message is ready for them),
            # so messages go all the way to publication across the kills.
            op = rng.choices(["note", "draft", "submit", "approve", "publish", "ingest"],
                             [2, 2, 3, 3, 4, 2])[0]
            tag = f"{number}-{k}"
            if op == "note":
                inc = rng.choice(incidents)
                text = f"crash note {tag}"
                svc.incidents.add_entry(inc, text, ALICE)
                report(op=op, incident=inc, text=text)
            elif op == "draft":
                m = svc.messages.draft(rng.choice(incidents), Channel.X,
                                       f"Update {tag}: scores are being restored.", BOB)
                move(m.id, "draft")
                report(op=op, message=m.id, hash=m.content_hash)
            elif op == "submit" and (mid := pick("draft")) is not None:
                svc.messages.submit(mid, BOB)
                move(mid, "in_review")
                report(op=op, message=mid)
            elif op == "approve" and (mid := pick("in_review")) is not None:
                svc.messages.approve(mid, CAROL, PASS)
                move(mid, "approved")
                report(op=op, message=mid)
            elif op == "publish" and (mid := pick("approved")) is not None:
                svc.messages.publish(mid, ALICE)
                move(mid, "published")
                report(op=op, message=mid)
            elif op == "ingest":
                import numpy as np

                n = rng.randint(1, 20)
                first = 1.7e9 + number * 100_000.0 + k * 50.0
                ts = first + np.arange(n, dtype=np.float64)
                svc.health.ingest_arrays({SERIES: (ts, rng.random() * 100 + np.arange(n))},
                                         source=f"crash-{tag}")
                report(op=op, first=first, n=n)
        os.write(out, (json.dumps({"op": "error", "trace": "not killed in 60 s"}) + "\n").encode())
        os._exit(5)
    except BaseException:
        os.write(out, (json.dumps({"op": "error", "trace": traceback.format_exc()}) + "\n")
                 .encode())
        os._exit(3)


def _die_with_parent() -> None:
    """A writer whose parent is gone (an interrupted test run) is killed, not left looping."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _run_writer(svc: Any, seed: int, number: int, rng: random.Random, pace: Pace
                ) -> list[dict[str, Any]]:
    read_end, write_end = os.pipe()
    gc.freeze()  # the child's collector leaves the parent's objects (and their pages) alone
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _die_with_parent()
        _writer(svc, seed, number, write_end)
        os._exit(4)  # unreachable
    os.close(write_end)
    forked = time.monotonic()
    wanted = rng.randint(0, MAX_OPS_BEFORE_KILL)
    extra = rng.uniform(0.0, 2 * (pace.start if wanted == 0 else pace.op))
    deadline = None if wanted else forked + extra
    give_up = forked + WAIT_LIMIT_S
    data = b""
    stamps: list[float] = []  # when reports arrived (one per read)
    lines = 0
    while True:
        now = time.monotonic()
        left = (deadline if deadline is not None else give_up) - now
        if left <= 0:
            break
        ready, _, _ = select_module.select([read_end], [], [], left)
        if not ready:
            continue
        chunk = os.read(read_end, 1 << 16)
        if not chunk:
            break
        data += chunk
        stamps.append(time.monotonic() - forked)
        lines += chunk.count(b"\n")
        if deadline is None and lines >= wanted:
            deadline = time.monotonic() + extra
    pace.learn(stamps)
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    while chunk := os.read(read_end, 1 << 16):
        data += chunk
    os.close(read_end)
    # The last piece may be a line cut by the kill: an operation not reported.
    done = [json.loads(line) for line in data.split(b"\n")[:-1] if line.strip()]
    if os.WIFEXITED(status):  # it stopped by itself: only on an unexpected error
        errors = [d["trace"] for d in done if d.get("op") == "error"]
        raise RuntimeError(f"writer {number} exited {os.WEXITSTATUS(status)}: "
                           f"{errors[0] if errors else 'no report'}")
    return done


# --- the checks ----------------------------------------------------------------------

def integrity(world: World) -> str:
    conn = sqlite3.connect(world.root / "crash.sqlite")
    try:
        return ", ".join(r[0] for r in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


def missing(svc: Any, done: list[dict[str, Any]]) -> list[str]:
    """The reported operations the database does not hold."""
    from sqlalchemy import func, select

    from commandcenter.persistence.metrics_models import MetricPointRow, MetricSeriesRow
    from commandcenter.persistence.models import (
        ApprovalRow,
        MessageRevisionRow,
        MessageRow,
        PublicationRow,
        TimelineRow,
    )

    lost = []
    with svc.ctx.uow() as uow:
        s = uow.session
        for d in done:
            op = d["op"]
            if op == "note":
                ok = s.execute(select(TimelineRow.id).where(
                    TimelineRow.incident_id == d["incident"],
                    TimelineRow.text == d["text"])).first() is not None
            elif op == "draft":
                ok = s.execute(select(MessageRevisionRow.id).where(
                    MessageRevisionRow.message_id == d["message"],
                    MessageRevisionRow.revision == 1,
                    MessageRevisionRow.content_hash == d["hash"])).first() is not None
            elif op == "submit":
                m = s.get(MessageRow, d["message"])
                ok = m is not None and m.state in ("in_review", "approved", "published")
            elif op == "approve":
                ok = s.execute(select(ApprovalRow.id).where(
                    ApprovalRow.message_id == d["message"],
                    ApprovalRow.voided_at.is_(None))).first() is not None
            elif op == "publish":
                ok = s.execute(select(PublicationRow.id).where(
                    PublicationRow.message_id == d["message"])).first() is not None
            elif op == "ingest":
                got = s.execute(select(func.count()).select_from(MetricPointRow).join(
                    MetricSeriesRow, MetricSeriesRow.id == MetricPointRow.series_id).where(
                    MetricSeriesRow.name == SERIES, MetricPointRow.ts >= d["first"],
                    MetricPointRow.ts < d["first"] + d["n"])).scalar_one()
                ok = got == d["n"]
            else:
                ok = False
            if not ok:
                lost.append(json.dumps(d))
    return lost


def outbox_problems(svc: Any, read: set[int] | None = None) -> list[str]:
    """After the start-up delivery: publications and outbox files agree.

    ``read``: publications whose file was already read and found right (their
    file is still checked to be there, not read again); those found right are added.
    """
    from commandcenter.persistence.models import IncidentRow, MessageRow, PublicationRow
    from commandcenter.persistence.outbox import DRILL, LIVE

    problems = []
    outbox = svc.messages.outbox
    files = {dest: {p.name: p for p in outbox.files(dest)} for dest in (LIVE, DRILL)}
    with svc.ctx.uow() as uow:
        pubs = uow.session.query(PublicationRow).order_by(PublicationRow.id).all()
        names = set()
        for pub in pubs:
            m = uow.session.get(MessageRow, pub.message_id)
            inc = uow.session.get(IncidentRow, m.incident_id)
            dest = DRILL if inc.drill else LIVE
            if pub.delivered_at is None:
                problems.append(f"publication {pub.id} still pending after the start-up "
                                f"delivery ({svc.messages.delivery.refused.get(pub.id)})")
                continue
            if pub.destination != dest:
                problems.append(f"publication {pub.id}: drill {inc.drill} sent to "
                                f"{pub.destination}")
            path = files[pub.destination].get(pub.file_name)
            names.add((pub.destination, pub.file_name))
            if path is None:
                problems.append(f"publication {pub.id}: no file {pub.file_name}")
                continue
            if read is not None and pub.id in read:
                continue
            doc = json.loads(path.read_text())
            if doc.get("content_hash") != pub.content_hash:
                problems.append(f"publication {pub.id}: the file holds another hash")
            elif read is not None:
                read.add(pub.id)
        for dest, found in files.items():
            for name in found:
                if (dest, name) not in names:
                    problems.append(f"{dest}/{name}: a file without a publication")
    return problems


def audit_problems(svc: Any) -> list[str]:
    report = svc.audit.verify()
    return [] if report.ok else list(report.problems)


# --- the run -------------------------------------------------------------------------

def run(kills: int, *, seed: int = 7, root: Path | None = None,
        progress: Callable[[Figures], None] | None = None) -> Figures:
    """``kills`` SIGKILLs of a writer; the figures, with every problem found."""
    start = time.monotonic()
    rng = random.Random(seed)
    own = root is None
    folder = Path(tempfile.mkdtemp(prefix="cc-crash-")) if own else root
    assert folder is not None
    world = make_world(folder)
    svc = warm_services(world)
    figures = Figures()
    pace = Pace()
    read: set[int] = set()  # publications whose file was read and found right
    pending: list[dict[str, Any]] = []  # reported since the last check
    try:
        for number in range(1, kills + 1):
            done = _run_writer(svc, rng.getrandbits(32), number, rng, pace)
            figures.kills += 1
            figures.reported += len(done)
            for d in done:
                figures.by_op[d["op"]] = figures.by_op.get(d["op"], 0) + 1
            pending.extend(done)
            verdict = integrity(world)
            if verdict != "ok":
                figures.problems.append(f"kill {number}: integrity_check: {verdict}")
            try:
                svc.messages.deliver_pending()  # the next start's delivery runs first
                figures.lost.extend(f"kill {number}: {x}" for x in missing(svc, pending))
                figures.problems.extend(f"kill {number}: {x}"
                                        for x in outbox_problems(svc, read))
                if number % AUDIT_EVERY == 0 or number == kills:
                    figures.audits += 1
                    figures.problems.extend(f"kill {number}: audit: {x}"
                                            for x in audit_problems(svc))
            finally:
                svc.engine.dispose()  # no connection open across the next fork
            pending.clear()
            if progress is not None:
                progress(figures)
            if figures.problems or figures.lost:
                break
    finally:
        svc.close()
        figures.seconds = time.monotonic() - start
        if own:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kills", type=int, default=2000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--json", metavar="PATH", help="also write the figures here")
    a = p.parse_args(argv)
    os.environ.setdefault("COMMANDCENTER_AUDIT_KEY_FILE",
                          str(Path(tempfile.mkdtemp(prefix="cc-crash-key-")) / "audit.key"))

    def progress(f: Figures) -> None:
        if f.kills % 100 == 0:
            print(f"{f.kills} kills, {f.reported} commits reported, {len(f.lost)} lost, "
                  f"{len(f.problems)} problems, {time.strftime('%H:%M:%S')}", flush=True)

    figures = run(a.kills, seed=a.seed, progress=progress)
    doc = figures.as_dict()
    print(json.dumps(doc))
    for line in (figures.lost + figures.problems)[:20]:
        print(line, file=sys.stderr)
    if a.json:
        Path(a.json).write_text(json.dumps(doc, indent=2) + "\n")
    return 0 if not figures.lost and not figures.problems else 1


if __name__ == "__main__":
    raise SystemExit(main())
