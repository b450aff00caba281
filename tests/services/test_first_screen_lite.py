"""The start-up reader's lite path gives the window what the full services give it.

ui/prefetch.py's child reads the first screen on services/read_only.py's
FirstScreenServices (sqlite3, no SQLAlchemy) where it can. Here both readers run
``first_screen_reads`` over the same databases, at the same instant, and every
answer, unpickled as the window unpickles it, must be equal field by field: the
incident list, the chosen incident and its timeline pages, its messages, the review
queue and revisions, the roster (availability, owners moved by windows and a
delegation), the health series, alerts, chart points (raw and roll-ups) and
snapshot scores, the change marks and the signed audit head. And where the lite
reader cannot answer exactly, the child reads everything on the full services.
"""

from __future__ import annotations

import dataclasses
import json
import pickle
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from commandcenter.app import Services
from commandcenter.config import Settings
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.incidents import IncidentStatus, Severity
from commandcenter.domain.messages import Channel, Purpose
from commandcenter.domain.roster import AvailabilityStatus
from commandcenter.domain.timeline import EntryKind
from commandcenter.persistence.lite_read import Unsuitable, sqlite_file
from commandcenter.persistence.metrics_models import AlertRow
from commandcenter.services.read_only import open_first_screen
from commandcenter.ui import prefetch

from .support import (
    ADMIN,
    ALICE,
    BOB,
    CAROL,
    PASS,
    START,
    in_review,
    open_incident,
    populate_incidents,
    seeded_services,
    signed,
)

HOUR = timedelta(hours=1)


# --- comparing answers as the window gets them ----------------------------------------
def same(a: Any, b: Any, where: str = "") -> None:
    """Equal field by field (arrays by dtype and values, exceptions by type and text)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray), where
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), where
    elif isinstance(a, BaseException):
        assert type(a) is type(b) and a.args == b.args, where
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert type(a) is type(b) and a.keys() == b.keys(), where
        for k in a:
            same(a[k], b[k], f"{where}[{k!r}]")
    else:
        assert type(a) is type(b) and a == b, (where, a, b)


def same_answers(full: dict[str, Any], lite: dict[str, Any]) -> None:
    assert full["answers"].keys() == lite["answers"].keys()
    for k, blob in full["answers"].items():
        same(pickle.loads(blob), pickle.loads(lite["answers"][k]), repr(k))
    assert full["points"].keys() == lite["points"].keys()
    for k, (lo, hi, blob) in full["points"].items():
        lite_lo, lite_hi, lite_blob = lite["points"][k]
        assert (lo, hi) == (lite_lo, lite_hi)
        same(pickle.loads(blob), pickle.loads(lite_blob), repr(k))


def both(svc: Services, clock: SimulatedClock) -> tuple[dict[str, Any], dict[str, Any]]:
    full = prefetch.first_screen_reads(svc, clock.now())
    lite_services = open_first_screen(svc.settings, clock)
    assert lite_services is not None, "the lite reader declined"
    try:
        lite = prefetch.first_screen_reads(lite_services, clock.now(), lite=True)
    finally:
        lite_services.close()
    return full, lite


# --- databases ----------------------------------------------------------------------
@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


@pytest.fixture
def company(tmp_path: Path, clock: SimulatedClock) -> Services:
    settings = Settings(f"sqlite:///{tmp_path / 'cc.sqlite'}", tmp_path / "data")
    svc = seeded_services(settings, clock, tmp_path / "template")
    yield svc  # type: ignore[misc]
    svc.close()


def _raw(svc: Services, sql: str, rows: list[tuple[object, ...]] | tuple[object, ...] = ()
         ) -> None:
    conn = sqlite3.connect(str(sqlite_file(svc.settings.database_url)))
    try:
        with conn:
            if rows and isinstance(rows, list):
                conn.executemany(sql, rows)
            else:
                conn.execute(sql, rows)
    finally:
        conn.close()


def _publish(svc: Services, incident: int, body: str, purpose: Purpose = Purpose.UPDATE
             ) -> int:
    m = svc.messages.draft(incident, Channel.BLOG, body, BOB, title="Notice", purpose=purpose)
    svc.messages.submit(m.id, BOB)
    svc.messages.approve(m.id, CAROL, PASS)
    svc.messages.publish(m.id, BOB)
    return m.id


def _alert(svc: Services, series: str | None, state: str, onset: datetime, **kw: Any) -> None:
    from sqlalchemy import select

    from commandcenter.persistence.metrics_models import MetricSeriesRow

    with svc.ctx.uow() as uow:
        sid = None if series is None else uow.session.execute(select(MetricSeriesRow.id).where(
            MetricSeriesRow.name == series)).scalar_one()
        uow.session.add(AlertRow(series_id=sid, detector=kw.pop("detector", "anomaly"),
                                 level=kw.pop("level", "warning"), state=state, onset_at=onset,
                                 peak_score=kw.pop("peak", 0.75), evidence="seen", **kw))
        uow.commit()


def busy(svc: Services, clock: SimulatedClock) -> None:
    """Everything the first screen shows, in most of its states."""
    populate_incidents(svc)
    clock.advance(HOUR)
    inc = open_incident(svc, title="Scores halved on the EU shard")  # the newest: chosen
    note = svc.incidents.add_entry(inc, "Rollback started", ALICE)
    svc.incidents.add_entry(inc, "We roll back the model", ALICE, kind=EntryKind.DECISION)
    svc.incidents.correct(inc, note.id, "Rollback started on EU only", ALICE)
    svc.incidents.change_status(inc, IncidentStatus.ACKNOWLEDGED, ALICE)
    # Messages in each state; one in review was edited (two revisions).
    svc.messages.draft(inc, Channel.X, "A draft", BOB)
    edited = svc.messages.draft(inc, Channel.X, "First words", BOB).id
    svc.messages.edit(edited, "Second words", BOB)
    svc.messages.submit(edited, BOB)
    svc.messages.withdraw(in_review(svc, inc, "Withdrawn"), BOB)
    rejected = in_review(svc, inc, "Too early")
    svc.messages.reject(rejected, "not yet", CAROL)
    approved = in_review(svc, inc, "Approved, not published")
    svc.messages.approve(approved, CAROL, PASS)
    # The change calendar: one announced, released and explained, one not announced.
    change = svc.changes.add("Network weighting v2", clock.now() + timedelta(days=10), ALICE)
    svc.changes.add("Decay tuning", clock.now() + timedelta(days=3), ALICE)
    _publish(svc, inc, "On 12 March we ship Network weighting v2.", Purpose.ADVANCE_NOTICE)
    svc.changes.release(change.id, ALICE)
    _publish(svc, inc, f"Why change #{change.id} moved scores", Purpose.EXPLANATION)
    # Commitments: one kept, one open, one that falls due unkept (an alert of no series).
    kept = svc.commitments.add(inc, "Update at 10:00", clock.now() + HOUR, BOB)
    svc.commitments.keep(kept.id, BOB)
    svc.commitments.add(inc, "Post-mortem by Friday", clock.now() + timedelta(days=3), BOB)
    svc.commitments.add(inc, "Update in 10 minutes", clock.now() + timedelta(minutes=10), BOB)
    # The roster: Carol (first in communications) away now, Alice delegated to Bob soon.
    now = clock.now()
    svc.roster.set_availability(CAROL, AvailabilityStatus.TRAVELLING, now - HOUR, now + 3 * HOUR,
                                note="flight", by=signed(CAROL))
    svc.roster.set_availability(CAROL, AvailabilityStatus.TRAVELLING, now + 5 * HOUR,
                                now + 6 * HOUR, reachable=True, by=signed(CAROL))
    # An override: back for an hour inside the trip (the later-starting window wins).
    svc.roster.set_availability(CAROL, AvailabilityStatus.AVAILABLE, now + HOUR,
                                now + 2 * HOUR, by=ADMIN)
    svc.roster.set_availability(BOB, AvailabilityStatus.OFF_SHIFT, now - 3 * HOUR,
                                now - 2 * HOUR, by=ADMIN)
    svc.roster.delegate("communications", BOB, now + 3 * HOUR, now + 8 * HOUR,
                        reason="leave", by=ADMIN)
    svc.roster.delegate("incident command", BOB, now - timedelta(minutes=10), now + 8 * HOUR,
                        reason="asleep", by=ADMIN)
    # Health: a fine series over two hours (roll-ups for the chart), coarse ones.
    t = now.timestamp()
    fine = t - 0.5 * np.arange(14400, 0, -1, dtype=np.float64)
    coarse = t - 60.0 * np.arange(300, 0, -1)
    svc.health.ingest_arrays({"score_mean": (fine, np.sin(fine / 300.0) * 5 + 50),
                              "score_p50": (coarse, np.full(coarse.size, 48.5)),
                              "psi": (coarse[:100], np.linspace(0, 0.3, 100))},
                             source="test", evaluate=False)
    _alert(svc, "score_mean", "firing", now - 20 * timedelta(minutes=1))
    _alert(svc, "score_mean", "firing", now - HOUR, level="critical", peak=1.0)
    _alert(svc, "psi", "resolved", now - 3 * HOUR, resolved_at=now - 2 * HOUR)
    _alert(svc, "score_p50", "resolved", now - 3 * HOUR, resolved_at=now - HOUR,
           acknowledged_by=ALICE, acknowledged_at=now - 2 * HOUR)
    # Two score snapshots: a healthy batch eight days back, the latest a day ago.
    rng = np.random.default_rng(5)
    ids = np.arange(500, dtype=np.int64)
    scores = rng.gamma(4.0, 10.0, 500) + 1.0
    svc.health.ingest_snapshot(ids, scores, at=now - timedelta(days=8), evaluate=False)
    halved = scores.copy()
    halved[:200] *= 0.5
    halved[3] = np.nan
    svc.health.ingest_snapshot(ids, halved, at=now - timedelta(days=1), evaluate=False)
    clock.advance(timedelta(minutes=30))  # the 10-minute promise is now overdue
    svc.commitments.sweep()


def long_timeline(svc: Services, clock: SimulatedClock) -> None:
    """One open incident whose timeline passes the count cap, corrections and all."""
    inc = open_incident(svc)
    when = (clock.now() - timedelta(days=1)).replace(tzinfo=None)
    rows = []
    for n in range(10_050):
        at = (when + timedelta(seconds=n)).isoformat(" ", "microseconds")
        kind = "correction" if n % 900 == 0 else "note"
        rows.append((inc, 1000 + n, at, at, kind, BOB, f"entry {n}",
                     json.dumps({"n": n} if n % 2 else None), n % 7 == 0))
    _raw(svc, "INSERT INTO timeline_entries (incident_id, seq, occurred_at, recorded_at, kind,"
         " actor, text, data, pinned) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    svc.incidents.change_status(inc, IncidentStatus.ACKNOWLEDGED, ALICE)


def resolved_only(svc: Services, clock: SimulatedClock) -> None:
    """No open incident (the first one is chosen); nothing waits for review; no
    communications chain, so the owner read raises NotFound both ways."""
    inc = open_incident(svc)
    svc.incidents.change_status(inc, IncidentStatus.RESOLVED, ALICE)
    _raw(svc, "DELETE FROM chain_members WHERE chain_id IN"
         " (SELECT id FROM chains WHERE name = 'communications')")
    _raw(svc, "DELETE FROM chains WHERE name = 'communications'")


def nothing(svc: Services, clock: SimulatedClock) -> None:
    """A new company: no incident, no series."""


@pytest.mark.parametrize("fill", [busy, long_timeline, resolved_only, nothing],
                         ids=lambda f: f.__name__)
def test_the_lite_reader_answers_every_first_screen_read_as_the_services_do(
        company: Services, clock: SimulatedClock,
        fill: Callable[[Services, SimulatedClock], None]) -> None:
    fill(company, clock)
    full, lite = both(company, clock)
    same_answers(full, lite)
    assert len(lite["answers"]) >= 10


def test_the_busy_database_exercises_what_it_claims(company: Services,
                                                    clock: SimulatedClock) -> None:
    """The equivalence above compares these states, not empty answers."""
    busy(company, clock)
    full, _lite = both(company, clock)
    got = {k[:2]: pickle.loads(v)[1] for k, v in full["answers"].items()}
    assert {m.state.value for m in got[("messages", "list")]} >= {
        "draft", "in_review", "rejected", "approved", "published"}
    assert len(got[("messages", "revisions")]) == 2
    owners = {o.chain: o for o in got[("roster", "owners")]}
    assert owners["communications"].owner.name == ALICE  # Carol away: skipped
    assert owners["communications"].skipped
    assert owners["communications"].next_change is not None
    assert owners["incident command"].owner.name == BOB  # delegated
    assert owners["incident command"].delegation is not None
    alerts = got[("health", "alerts")]
    assert {a.state for a in alerts} == {"firing", "resolved"}
    assert any(a.detector == a.series == "commitment" for a in alerts)  # of no series
    assert got[("health", "snapshot_scores")].reference_id is not None
    assert any(m.explanation_link for m in got[("changes", "chart_marks")])
    pages = [v for k, v in got.items() if k == ("incidents", "timeline")]
    assert pages and pages[0].entries
    entries = next(pickle.loads(v)[1] for k, v in full["answers"].items()
                   if k[:2] == ("incidents", "timeline") and k[3] and dict(k[3]).get("text") == "")
    assert any(e.pinned for e in entries.entries)
    assert any(e.kind is EntryKind.CORRECTION for e in entries.entries)
    resolutions = {pickle.loads(v)[1].resolution for _lo, _hi, v in full["points"].values()}
    assert resolutions == {0, 60}  # raw points for the coarse series, roll-ups for the fine
    figures = got[("incidents", "get")].commitments
    assert (figures.made, figures.broken) == (3, 1)
    assert got[("incidents", "get")].severity is Severity.SEV1


def test_the_review_queue_breaks_a_tie_of_updated_at_by_id_both_ways(
        company: Services, clock: SimulatedClock) -> None:
    """The clock stands still (a drill's, or one busy second): every message waiting has
    the same updated_at. An index on the state (a plan that meets the approved ones
    before those in review) must not reorder them, on the services or the lite reader."""
    first, second = open_incident(company), open_incident(company, title="Another")
    waiting = [in_review(company, first, "one"), in_review(company, second, "two")]
    approved = in_review(company, first, "three")
    company.messages.approve(approved, CAROL, PASS)
    waiting += [approved, in_review(company, second, "four")]
    _raw(company, "UPDATE messages SET updated_at = (SELECT min(updated_at) FROM messages)")
    _raw(company, "CREATE INDEX ix_test_messages_state ON messages (state)")
    lite_services = open_first_screen(company.settings, clock)
    assert lite_services is not None
    try:
        lite = [m.id for m in lite_services.messages.review_queue()]
    finally:
        lite_services.close()
    full = [m.id for m in company.messages.review_queue()]
    assert full == lite == sorted(waiting)


def test_a_long_timeline_is_counted_to_the_cap_both_ways(company: Services,
                                                         clock: SimulatedClock) -> None:
    long_timeline(company, clock)
    _full, lite = both(company, clock)
    pages = [pickle.loads(v)[1] for k, v in lite["answers"].items()
             if k[:2] == ("incidents", "timeline")]
    assert {(p.total_exact, len(p.entries)) for p in pages} == {(False, 200), (True, 12)}


# --- falling back ---------------------------------------------------------------------
def _child_read(settings: Settings, code: str = "") -> dict[str, Any]:
    """``prefetch._read`` in a fresh interpreter, as the forked child runs it; returns
    its body's reader, its answers' keys and the heavy modules it imported."""
    script = (
        "import json, pickle, sys\n"
        "from pathlib import Path\n"
        "from commandcenter.config import Settings\n"
        "from commandcenter.ui import prefetch\n"
        f"{code}\n"
        f"settings = Settings({settings.database_url!r}, Path({str(settings.data_dir)!r}))\n"
        "body = prefetch._read(settings, None)\n"
        "sys.stdout.buffer.write(pickle.dumps({'reader': body['reader'],\n"
        "    'keys': sorted(map(repr, body['answers'])),\n"
        "    'modules': [m for m in ('sqlalchemy', 'numpy', 'PySide6') if m in sys.modules]}))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    return pickle.loads(out.stdout)


def test_the_child_s_lite_path_imports_neither_sqlalchemy_nor_numpy(
        company: Services, clock: SimulatedClock) -> None:
    busy(company, clock)
    got = _child_read(company.settings)
    assert got["reader"] == "lite"
    assert got["modules"] == []
    assert len(got["keys"]) >= 15


def test_a_schema_revision_the_lite_reader_does_not_know_reads_all_on_the_services(
        company: Services, clock: SimulatedClock) -> None:
    busy(company, clock)
    lite = _child_read(company.settings)
    # A lite reader older than the database's migrations (its head another revision).
    got = _child_read(company.settings, "from commandcenter.persistence import lite_read\n"
                      "lite_read.script_head = lambda: '0000_not_this_one'")
    assert got["reader"] == "full (the lite reader declined the database)"
    assert "sqlalchemy" in got["modules"]
    assert got["keys"] == lite["keys"]


def _lite_read_refused(company: Services, clock: SimulatedClock, match: str) -> None:
    """The lite reader opens the database, then gives up on the first screen's reads."""
    lite_services = open_first_screen(company.settings, clock)
    assert lite_services is not None
    try:
        with pytest.raises(Unsuitable, match=match):
            prefetch.first_screen_reads(lite_services, clock.now(), lite=True)
    finally:
        lite_services.close()


def test_a_value_the_lite_reader_cannot_read_leaves_the_whole_read_to_the_services(
        company: Services, clock: SimulatedClock) -> None:
    busy(company, clock)
    # An alert's onset not in SQLAlchemy's format: the lite reader gives up, not a part.
    _raw(company, "UPDATE alerts SET onset_at = '2026-03-02T08:00:00+00:00'"
         " WHERE id = (SELECT max(id) FROM alerts WHERE state = 'resolved')")
    _lite_read_refused(company, clock, "not a stored time")
    got = _child_read(company.settings)
    assert got["reader"].startswith("full (the lite reader gave up (Unsuitable")
    assert "sqlalchemy" in got["modules"]


def test_the_lite_reader_can_be_turned_off_to_compare(company: Services,
                                                      clock: SimulatedClock) -> None:
    got = _child_read(company.settings, f"import os; os.environ[{prefetch.LITE_ENV!r}] = '0'")
    assert got["reader"] == f"full ({prefetch.LITE_ENV}=0)"


def test_a_missing_table_is_unsuitable_for_the_lite_reader(company: Services,
                                                           clock: SimulatedClock) -> None:
    busy(company, clock)
    _raw(company, "DROP TABLE message_revisions")
    _lite_read_refused(company, clock, "no such table")


def test_answers_unpickle_as_the_services_types(company: Services,
                                                clock: SimulatedClock) -> None:
    busy(company, clock)
    _full, lite = both(company, clock)
    for _lo, _hi, blob in lite["points"].values():
        data = pickle.loads(blob)[1]
        assert isinstance(data.ts, np.ndarray) and data.ts.flags.writeable
    assert datetime.now(UTC) > START
