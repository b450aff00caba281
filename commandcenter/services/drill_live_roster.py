"""Reading the live roster for a drill with ``live_roster = true``: people, operators'
roles, chains and availability, from the live database, read only.

The connection cannot write: SQLite's ``query_only`` pragma, PostgreSQL's
``default_transaction_read_only``; no migration runs, nothing is keyed, nothing is
delivered. Passphrase hashes are not read: in the drill's copy every operator signs in
with the scenario's passphrase.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from commandcenter.domain.clock import as_utc
from commandcenter.domain.errors import InvalidInput
from commandcenter.domain.operators import Role
from commandcenter.domain.roster import AvailabilityStatus
from commandcenter.drills.live_roster import LiveRoster, LiveWindow
from commandcenter.drills.scenario import Person
from commandcenter.persistence.engine import describe_url, normalise_url
from commandcenter.persistence.models import (
    AvailabilityRow,
    ChainMemberRow,
    ChainRow,
    ContactRow,
    OperatorRow,
)


def _read_only_engine(url: str) -> Any:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        path = parsed.database or ""
        if not path or path == ":memory:" or not Path(path).is_file():
            raise InvalidInput(f"live_roster: the live database {describe_url(url)} does not "
                               "exist (set --database-url or COMMANDCENTER_DATABASE_URL)")
        engine = create_engine(url)

        @event.listens_for(engine, "connect")
        def on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA query_only = ON")  # any write fails
            cursor.execute("PRAGMA busy_timeout = 10000")
            cursor.close()

        return engine
    return create_engine(url, connect_args={"options": "-c default_transaction_read_only=on"})


def read_live_roster(database_url: str, at: datetime) -> LiveRoster:
    """The live roster at ``at`` (the live clock's now), as plain data."""
    source = describe_url(normalise_url(database_url))
    engine = _read_only_engine(database_url)
    try:
        with Session(engine) as s:
            people, chains, windows = roster_of(s)
            s.rollback()
    except SQLAlchemyError as exc:
        raise InvalidInput(f"live_roster: could not read the live roster from {source}: "
                           f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}") from None
    finally:
        engine.dispose()
    if not people:
        raise InvalidInput(f"live_roster: the live database {source} has no roster")
    return LiveRoster(people, chains, windows, as_utc(at), source)


def roster_of(s: Session) -> tuple[tuple[Person, ...], dict[str, tuple[str, ...]],
                                   tuple[LiveWindow, ...]]:
    """People (with their operator roles), chains in order and availability windows."""
    contacts = s.execute(select(ContactRow).order_by(ContactRow.name)).scalars().all()
    roles = dict(s.execute(select(OperatorRow.contact_id, OperatorRow.role)).all())
    names = {c.id: c.name for c in contacts}
    people = tuple(Person(c.name, c.title, c.email, c.phone, c.handle, c.timezone,
                          Role(roles[c.id]) if c.id in roles else None) for c in contacts)
    chains: dict[str, tuple[str, ...]] = {}
    for chain in s.execute(select(ChainRow).order_by(ChainRow.name)).scalars():
        members = s.execute(select(ChainMemberRow.contact_id).where(
            ChainMemberRow.chain_id == chain.id).order_by(ChainMemberRow.position)).scalars()
        chains[chain.name] = tuple(names[m] for m in members)
    windows = tuple(
        LiveWindow(names[w.contact_id], AvailabilityStatus(w.status), as_utc(w.starts_at),
                   as_utc(w.ends_at), w.reachable, w.note)
        for w in s.execute(select(AvailabilityRow).order_by(AvailabilityRow.starts_at)).scalars())
    return people, chains, windows
