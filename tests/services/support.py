"""Shared set-up for service and CLI tests: a small company with operators and chains."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url

from commandcenter.app import Services, build
from commandcenter.config import Settings
from commandcenter.domain.clock import Clock, SimulatedClock
from commandcenter.domain.incidents import IncidentStatus, Severity
from commandcenter.domain.messages import Channel
from commandcenter.domain.operators import Role
from commandcenter.domain.roster import ContactFields
from commandcenter.persistence.migrate import backup_sqlite
from commandcenter.persistence.models import (
    ApprovalRow,
    ContactRow,
    IncidentRow,
    MessageRow,
    PublicationRow,
    TimelineRow,
)
from commandcenter.persistence.outbox import DRILL, LIVE
from commandcenter.services.authority import Credentials
from commandcenter.services.context import Passphrases
from commandcenter.services.roster import set_up_company

START = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)  # the same instant as the clock fixture

PASS = "correct horse battery"
WRONG = "wrong horse battery"

ALICE = "Alice Archer"  # commander, second in the communications chain
BOB = "Bob Baker"  # spokesperson, the usual author
CAROL = "Carol Chen"  # spokesperson, first in the communications chain
DAVE = "Dave Dunn"  # observer
ERIN = "Erin Ellis"  # facilitator
ZOE = "Zoe Zed"  # a contact who is not an operator

ROLES = {
    ALICE: Role.COMMANDER,
    BOB: Role.SPOKESPERSON,
    CAROL: Role.SPOKESPERSON,
    DAVE: Role.OBSERVER,
    ERIN: Role.FACILITATOR,
}
TIMEZONES = {
    ALICE: "America/Los_Angeles",
    BOB: "Europe/London",
    CAROL: "Asia/Tokyo",
    DAVE: "UTC",
    ERIN: "Europe/Berlin",
    ZOE: "UTC",
}


def signed(name: str, passphrase: str = PASS) -> Credentials:
    """An operator's credentials, as the CLI and the window pass them to the services."""
    return Credentials(name, passphrase)


ADMIN = signed(ALICE)  # the commander who runs the roster in these tests


def seed_people(svc: Services) -> None:
    """Contacts, operators (all with PASS) and the two chains, set up as a new company is."""
    set_up_company(svc.roster, [ContactFields(n, timezone=tz) for n, tz in TIMEZONES.items()],
                   {"communications": [CAROL, ALICE], "incident command": [ALICE]},
                   [(name, role, PASS) for name, role in ROLES.items()])


def open_incident(svc: Services, *, drill: bool = False, title: str = "Scores halved") -> int:
    return svc.incidents.open(title, Severity.SEV1, ALICE, drill=drill).id


# Titles a listing must carry through unchanged: accents, CJK, emoji, a tab, quotes.
LISTING_TITLES = (
    "Scores halved on the EU shard",
    "Classement faussé — équipe « Zürich »",
    "スコアが消えた 🚨",
    'Tab\there, "quotes" and a \\ backslash',
    "Nightly job late",
    "Ghost alert",
)


def populate_incidents(svc: Services) -> list[int]:
    """Incidents of every severity and most statuses, one a drill, one without a
    commander, two detected at the same instant (ids then break the tie)."""
    base = datetime(2026, 3, 1, 22, 15, 7, 123456, tzinfo=UTC)
    severities = (Severity.SEV1, Severity.SEV2, Severity.SEV3, Severity.SEV4,
                  Severity.SEV2, Severity.SEV3)
    detected = (base, base + timedelta(minutes=3, microseconds=1), base + timedelta(hours=1),
                base + timedelta(hours=1), base - timedelta(days=2), base + timedelta(hours=2))
    ids = []
    for n, (title, severity, at_) in enumerate(zip(LISTING_TITLES, severities, detected,
                                                  strict=True)):
        status = IncidentStatus.DETECTED if n == 5 else IncidentStatus.DECLARED
        ids.append(svc.incidents.open(title, severity, ALICE, detected_at=at_, status=status,
                                      drill=n == 2, kind="scoring" if n % 2 else "data").id)
    steps = {ids[1]: [IncidentStatus.ACKNOWLEDGED, IncidentStatus.MITIGATED],
             ids[2]: [IncidentStatus.RESOLVED],
             ids[3]: [IncidentStatus.ACKNOWLEDGED],
             ids[4]: [IncidentStatus.RESOLVED, IncidentStatus.CLOSED]}
    for incident_id, path in steps.items():
        for status in path:
            svc.incidents.change_status(incident_id, status, ALICE)
    with svc.ctx.uow() as uow:  # as an incident the detector opened: nobody in command
        uow.session.execute(update(IncidentRow).where(IncidentRow.id == ids[3])
                            .values(commander_id=None))
        uow.commit()
    return ids


def in_review(svc: Services, incident_id: int, body: str = "We know scores dropped.",
              author: str = BOB, channel: Channel = Channel.X) -> int:
    m = svc.messages.draft(incident_id, channel, body, author)
    svc.messages.submit(m.id, author)
    return m.id


def count(svc: Services, model: type, *where: object) -> int:
    with svc.ctx.uow() as uow:
        stmt = select(func.count()).select_from(model)
        for w in where:
            stmt = stmt.where(w)
        return uow.session.execute(stmt).scalar_one()


def contact_count(svc: Services) -> int:
    return count(svc, ContactRow)


def timeline_count(svc: Services, incident_id: int) -> int:
    return count(svc, TimelineRow, TimelineRow.incident_id == incident_id)


def publications(svc: Services, message_id: int | None = None) -> int:
    if message_id is None:
        return count(svc, PublicationRow)
    return count(svc, PublicationRow, PublicationRow.message_id == message_id)


def plain(row: object) -> SimpleNamespace:
    """A detached copy of an ORM row's columns, readable after its session closed."""
    return SimpleNamespace(**{c.key: getattr(row, c.key) for c in row.__table__.columns})


def rows(svc: Services, model: type, *where: object) -> list[SimpleNamespace]:
    with svc.ctx.uow() as uow:
        stmt = select(model)
        for w in where:
            stmt = stmt.where(w)
        return [plain(r) for r in uow.session.execute(stmt).scalars()]


def approvals(svc: Services, message_id: int) -> list[SimpleNamespace]:
    return sorted(rows(svc, ApprovalRow, ApprovalRow.message_id == message_id),
                  key=lambda r: r.id)


def message_state(svc: Services, message_id: int) -> str:
    with svc.ctx.uow() as uow:
        return uow.session.get(MessageRow, message_id).state


def outbox_files(svc: Services) -> list[str]:
    return [p.name for dest in (LIVE, DRILL) for p in svc.messages.outbox.files(dest)]


def all_outbox_entries(svc: Services) -> list[str]:
    """Everything under the outbox folder, temporary files included."""
    root = svc.ctx.outbox_dir
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def assert_nothing_published(svc: Services, message_id: int) -> None:
    assert publications(svc, message_id) == 0
    assert all_outbox_entries(svc) == []
    assert message_state(svc, message_id) != "published"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- a seeded database, made once and copied per test -----------------------

_TEMPLATES: dict[str, Path] = {}


def seeded_template(folder: Path) -> Path:
    """A migrated SQLite file holding :func:`seed_people`'s company (made once per run)."""
    key = str(folder)
    if key not in _TEMPLATES:
        folder.mkdir(parents=True, exist_ok=True)
        svc = build(Settings(f"sqlite:///{folder / 'template.sqlite'}", folder),
                    clock=SimulatedClock(START), passphrases=Passphrases.fast_for_tests())
        try:
            seed_people(svc)
        finally:
            svc.close()
        _TEMPLATES[key] = folder / "template.sqlite"
    return _TEMPLATES[key]


def seed_postgres(url: str) -> None:
    svc = build(Settings(url, Path(tempfile.mkdtemp(prefix="cc-pg-seed-"))),
                clock=SimulatedClock(START), passphrases=Passphrases.fast_for_tests())
    try:
        seed_people(svc)
    finally:
        svc.close()


def seeded_services(settings: Settings, clock: Clock, template_dir: Path) -> Services:
    """Services over a fresh copy of the seeded company (SQLite: a file copy; PostgreSQL:
    ``CREATE DATABASE ... TEMPLATE`` of one seeded database, tests/pg.py)."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        backup_sqlite(seeded_template(template_dir), Path(url.database))
    else:
        from tests.conftest import SEEDED_COPIES
        from tests.pg import copy_database, template_database

        if settings.database_url not in SEEDED_COPIES:  # the fixture made a seeded copy
            copy_database(template_database("seeded", seed_postgres), settings.database_url)
    return build(settings, clock=clock, passphrases=Passphrases.fast_for_tests())
