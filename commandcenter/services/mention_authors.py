"""Per-author tallies of an incident's mentions: the highest reach and the count in each
state, kept by every write in the same transaction, read by "top voices" and the counts.

An import adds its rows' tallies in one upsert per author; when some rows were
duplicates (not stored), the tallies are taken from the rows that were stored
instead. A state change moves one count from one state to the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select, update

from commandcenter.domain.mentions import MentionState, TopVoice
from commandcenter.persistence.mention_models import MentionAuthorRow, MentionRow
from commandcenter.persistence.uow import UnitOfWork

Tally = dict[str, list]  # author -> [channel, reach, count, confirmed]
UPSERT_COLUMNS = ("incident_id", "author", "channel", "reach", "confirmed", "new", "assigned",
                  "answered", "set_aside")


def tally(into: Tally, rows: Iterable[tuple[str, str, int, bool]]) -> None:
    """Add (channel, author, reach, confirmed) of each mention to ``into``."""
    for channel, author, reach, confirmed in rows:
        found = into.get(author)
        if found is None:
            into[author] = [channel, reach, 1, bool(confirmed)]
        else:
            if reach > found[1]:
                found[0], found[1] = channel, reach
            found[2] += 1
            found[3] = found[3] or bool(confirmed)


def tally_columns(channels: Sequence[str], authors: Sequence[str], reaches: Sequence[int],
                  confirmed: Sequence[bool]) -> Tally:
    """:func:`tally` of the rows given as columns, with NumPy: per author the count, whether
    any is confirmed, and the channel of the first row with the highest reach (the row
    that ``tally`` keeps: it replaces only for a reach strictly higher)."""
    import numpy as np  # here: the writes of one mention do without it

    ids = {a: i for i, a in enumerate(dict.fromkeys(authors))}
    if not ids:
        return {}
    n = len(authors)
    who = np.fromiter(map(ids.__getitem__, authors), dtype=np.int64, count=n)
    reach = np.fromiter(reaches, dtype=np.int64, count=n)
    order = np.lexsort((np.arange(n), -reach, who))  # by author, highest reach, first
    firsts = order[np.flatnonzero(np.r_[True, who[order][1:] != who[order][:-1]])]
    mentions = np.bincount(who, minlength=len(ids)).tolist()
    any_confirmed = (np.bincount(who, weights=np.fromiter(confirmed, dtype=np.float64,
                                                          count=n),
                                 minlength=len(ids)) > 0).tolist()
    return {author: [channels[row], reaches[row], count, flag]
            for author, row, count, flag in zip(ids, firsts.tolist(), mentions,
                                                any_confirmed, strict=True)}


def tally_stored_since(uow: UnitOfWork, incident_id: int, after_id: int) -> Tally:
    out: Tally = {}
    tally(out, uow.session.execute(
        select(MentionRow.channel, MentionRow.author, MentionRow.reach, MentionRow.confirmed)
        .where(MentionRow.incident_id == incident_id, MentionRow.id > after_id)))
    return out


def add_new(uow: UnitOfWork, incident_id: int, counts: Tally) -> None:
    if not counts:
        return
    conn = uow.session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    t = MentionAuthorRow.__tablename__
    sql = (f"INSERT INTO {t} ({', '.join(UPSERT_COLUMNS)}) VALUES "
           f"({', '.join([mark] * len(UPSERT_COLUMNS))}) "
           "ON CONFLICT (incident_id, author) DO UPDATE SET "
           f"channel = CASE WHEN excluded.reach > {t}.reach THEN excluded.channel "
           f"ELSE {t}.channel END, "
           f"reach = CASE WHEN excluded.reach > {t}.reach THEN excluded.reach "
           f"ELSE {t}.reach END, "
           f"confirmed = ({t}.confirmed OR excluded.confirmed), "
           f"new = {t}.new + excluded.new")
    conn.exec_driver_sql(sql, [(incident_id, author, channel, reach, confirmed, n, 0, 0, 0)
                               for author, (channel, reach, n, confirmed) in counts.items()])


def move(uow: UnitOfWork, incident_id: int, author: str, was: MentionState,
         now: MentionState) -> None:
    if was is now:
        return
    a = MentionAuthorRow
    before, after = getattr(a, was.value), getattr(a, now.value)
    uow.session.execute(update(a).where(a.incident_id == incident_id, a.author == author)
                        .values({before: before - 1, after: after + 1}))


def state_counts(uow: UnitOfWork, incident_id: int) -> dict[str, int]:
    a = MentionAuthorRow
    row = uow.session.execute(
        select(*(func.coalesce(func.sum(getattr(a, s.value)), 0) for s in MentionState))
        .where(a.incident_id == incident_id)).one()
    return {s.value: int(n) for s, n in zip(MentionState, row, strict=True)}


def top_voices(uow: UnitOfWork, incident_id: int, limit: int) -> list[TopVoice]:
    """Walks ``ix_mention_authors_reach`` from the top: the first ``limit`` authors with a
    mention still open and none answered."""
    a = MentionAuthorRow
    rows = uow.session.execute(
        select(a).where(a.incident_id == incident_id, a.answered == 0,
                        a.new + a.assigned > 0)  # OPEN_STATES
        .order_by(a.reach.desc(), a.author).limit(limit)).scalars()
    return [TopVoice(r.author, r.channel, int(r.reach),
                     r.new + r.assigned + r.answered + r.set_aside, r.new + r.assigned,
                     bool(r.confirmed)) for r in rows]
