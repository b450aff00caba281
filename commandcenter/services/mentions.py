"""Use cases for listening: import and record mentions, rank them, triage, reply.

An import commits nothing unless the whole file is good (``domain.mention_files``),
its authors are looked up in our snapshots once (``mention_checks``), and its
rows go in through Core ``executemany`` in one transaction, duplicates
skipped by the unique (incident, instant, dedupe) key. A big file is read,
checked in a forked child while this process ranks and keeps what it sends
(``_import_pipelined``); either way the rows are stored once the whole file is
known to be good. A reply is a ``direct_reply`` message on the normal approval
path; the mention becomes answered when that message is published
(``publish_hooks.after_publish`` -> ``mention_replies``).
"""

from __future__ import annotations

import gc
import heapq
import marshal
import os
import pickle
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import IO, BinaryIO

from sqlalchemy import func, select

from commandcenter.domain.errors import InvalidInput, NotFound, PolicyRefused
from commandcenter.domain.mention_files import (
    BadLines,
    Columns,
    Refused,
    Row,
    check_fields,
    column_batches,
    dedupe_column,
    dedupe_key,
    is_ndjson,
    parse,
)
from commandcenter.domain.mentions import (
    OPEN_STATES,
    ImportReport,
    MentionState,
    MentionView,
    TopVoice,
    check_can_assign,
    check_can_reply,
    check_can_set_aside,
    epoch_utc,
    priority_at,
    rank_columns,
    reasons,
)
from commandcenter.domain.messages import Channel, MessageState, MessageView, Purpose
from commandcenter.domain.operators import Action, require
from commandcenter.ingest.snapshot_paths import snapshot_dir
from commandcenter.persistence.mention_models import MentionReplyRow, MentionRow
from commandcenter.persistence.models import IncidentRow, MessageRow
from commandcenter.persistence.uow import UnitOfWork

from .context import ServiceContext, acting, find_contact
from .incidents import load_incident
from .mention_authors import (
    Tally,
    add_new,
    move,
    state_counts,
    tally,
    tally_columns,
    tally_stored_since,
    top_voices,
)
from .mention_checks import Facts, Snapshot, recent_snapshots, score_checks

BATCH = 20_000
FIRST_SCREEN = 200
IMPORT_CACHE_KIB = -65536
IMPORT_ACTOR = "mention-import"
ROW_COLUMNS = ("channel", "author", "reach", "text", "at_ts", "link", "profile_id", "dedupe",
               "negativity", "own_score", "confirmed", "data_check", "rank")
SHARED_COLUMNS = ("incident_id", "state", "source", "version")
SOURCES = frozenset({"import", "drill", "record"})
RANK_INDEX = "ix_mentions_rank"
# A file at least this big is read, checked and ranked in a second process while this one
# ranks and keeps what it sends (POSIX fork; a single-threaded process only).
PIPELINE_BYTES = 4 << 20


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while an import makes its millions of tuples and lists
    (none of them in a cycle): each collection would walk the ones still alive again.
    Reference counting still frees everything; the collector runs again after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _pipelined(path: Path) -> bool:
    """Read in a second process: a big file, where fork is there and safe (no other
    thread in this process that the child's copy could find halfway through a lock)."""
    try:
        size = path.stat().st_size
    except OSError:
        return False  # the read names the problem
    return (size >= PIPELINE_BYTES and hasattr(os, "fork")
            and threading.active_count() == 1)


def _batches(path: Path, size: int) -> Iterator[Columns]:
    """The good rows of ``path`` as columns, ``size`` at a time; ``Refused`` at the first
    bad line (or doubt of one, for :func:`parse` to settle)."""
    if not is_ndjson(path):
        yield from column_batches(path, size)
        return
    rows: list[Row] = []
    for _line, row, _error in parse(path):
        if row is None:
            raise Refused
        rows.append(row)
        if len(rows) >= size:
            yield tuple(map(list, zip(*rows, strict=True)))[1:]  # type: ignore[misc]
            rows = []
    if rows:
        yield tuple(map(list, zip(*rows, strict=True)))[1:]  # type: ignore[misc]


def _read_back(spill: IO[bytes]) -> Iterator[list[list[object]]]:
    """The batches written to ``spill`` by ``MentionService._spill``, one at a time."""
    while size := int.from_bytes(spill.read(8), "little"):
        yield list(marshal.loads(spill.read(size)))


def _taken(batches: list[list[list[object]]]) -> Iterator[list[list[object]]]:
    """The batches in their order, each let go of by the list as it is handed out (freed
    once it is stored)."""
    batches.reverse()
    while batches:
        yield batches.pop()


def _in_thread(work: Callable[..., Tally], *args: object) -> Callable[[], Tally]:
    """``work(*args)`` started in a thread; the call returned waits for its result (or
    raises what it raised)."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["result"] = work(*args)
        except BaseException as exc:  # raised in the caller's thread, by the getter
            box["error"] = exc

    thread = threading.Thread(target=run, name="mention-tallies", daemon=True)
    thread.start()

    def result() -> Tally:
        thread.join()
        if "error" in box:
            raise box["error"]  # type: ignore[misc]
        return box["result"]  # type: ignore[return-value]

    return result


def _send(out: BinaryIO, message: tuple[str, object]) -> None:
    blob = marshal.dumps(message)
    out.write(len(blob).to_bytes(8, "little"))
    out.write(blob)
    if message[0] != "rows":
        out.flush()  # the importing process acts on these at once


def _receive(feed: BinaryIO) -> tuple[str, object]:
    """The next message from the child, or ("gone", None) when it died without its last
    word."""
    head = feed.read(8)
    size = int.from_bytes(head, "little")
    blob = feed.read(size) if len(head) == 8 else b""
    if not size or len(blob) != size:
        return "gone", None
    kind, payload = marshal.loads(blob)
    return kind, payload


@dataclass(frozen=True, slots=True)
class MentionReply:
    mention: MentionView
    message: MessageView


class MentionService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # --- storing -----------------------------------------------------------
    def import_file(self, incident_id: int, path: Path | str, actor: str | None = None
                    ) -> ImportReport:
        """Every row or none: a bad line anywhere refuses the file, naming the lines.

        A file of ``PIPELINE_BYTES`` or more (where fork is there) goes through
        :meth:`_import_pipelined`: read and checked in a child process while this
        one ranks its batches and keeps them in memory. A smaller one is read once:
        each batch of good rows is ranked (its new authors looked up in the
        snapshots) and spilled to a temporary file; only when the whole file has been
        read without a bad line do the batches go into the database, in one
        transaction. Either way nothing is committed unless every line is good.
        ``actor`` None: a feed, as metric files are
        ingested (audited as ``IMPORT_ACTOR``); a named operator needs the right to
        write to the timeline.
        """
        with _collector_paused():
            return self._import_file(incident_id, Path(path), actor)

    def _import_file(self, incident_id: int, path: Path, actor: str | None) -> ImportReport:
        with self.ctx.uow() as uow:  # checked first: a wrong incident costs no read
            if actor is not None:
                require(acting(uow, actor), Action.WRITE_TIMELINE)
            inc_id = self._open_incident(uow, incident_id).id
            snapshots = recent_snapshots(uow, snapshot_dir(self.ctx.outbox_dir))
            flags_as_ints = uow.session.get_bind().dialect.name == "sqlite"  # see _insert
        if _pipelined(path):
            return self._import_pipelined(inc_id, path, actor, snapshots, flags_as_ints)
        bad = BadLines(path.name)
        facts = Facts()
        counts: Tally = {}
        count = confirmed = 0
        with tempfile.TemporaryFile() as spill:
            pending: list[Row] = []
            for line, row, error in parse(path):
                if row is None:
                    bad.add(line, error)
                    continue
                count += 1
                if bad.count:
                    continue  # refused already: only the bad lines are still wanted
                pending.append(row)
                if len(pending) >= BATCH:
                    confirmed += self._spill(spill, pending, snapshots, facts, counts)
                    pending = []
            bad.raise_if_any(count)
            if pending:
                confirmed += self._spill(spill, pending, snapshots, facts, counts)
            spill.seek(0)
            return self._store_spilled(inc_id, path, actor, _read_back(spill), count,
                                       confirmed, counts)

    def _store_spilled(self, inc_id: int, path: Path, actor: str | None,
                       batches: Iterable[list[list[object]]], count: int, confirmed: int,
                       counts: Tally | Callable[[], Tally]) -> ImportReport:
        """The ranked batches (insert columns) of a file read whole without a bad line,
        stored in one transaction: the write lock is held for the inserts alone, not for
        the read. ``counts`` may still be being counted (a call that waits for them): it
        is waited for before this returns or raises, so no thread is left behind."""
        try:
            return self._store_batches(inc_id, path, actor, batches, count, confirmed,
                                       counts)
        finally:
            if callable(counts):
                with suppress(Exception):  # raised already, or not wanted any more
                    counts()

    def _store_batches(self, inc_id: int, path: Path, actor: str | None,
                       batches: Iterable[list[list[object]]], count: int, confirmed: int,
                       counts: Tally | Callable[[], Tally]) -> ImportReport:
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:  # the role as it is now, not when the read began
            who = IMPORT_ACTOR
            if actor is not None:
                op = acting(uow, actor)
                require(op, Action.WRITE_TIMELINE)
                who = op.name
            inc = self._open_incident(uow, inc_id)
            last_id = uow.session.execute(select(func.max(MentionRow.id))).scalar() or 0
            # The author tallies too in the import's page cache: 50,000 upserts, each into
            # a B-tree keyed by author, took 0.28 s of CPU per million mentions with the
            # cache back at its 2 MB default after the inserts, 0.20 s inside.
            with self._bulk(uow, big=last_id < count):
                stored = self._insert_spilled(uow, inc.id, batches)
                if callable(counts):
                    counts = counts()
                if stored != count:  # duplicates: tally what was stored, not what was read
                    counts = tally_stored_since(uow, inc.id, last_id)
                add_new(uow, inc.id, counts)
            uow.audit(now, who, "mention.import", "incident", inc.id,
                      {"file": path.name, "rows": count, "stored": stored,
                       "duplicates": count - stored, "confirmed": confirmed})
            uow.commit()
        return ImportReport(inc_id, count, stored, count - stored, confirmed, path.name)

    def _import_pipelined(self, inc_id: int, path: Path, actor: str | None,
                          snapshots: list[Snapshot], flags_as_ints: bool = False
                          ) -> ImportReport:
        """A big file on two cores: a forked child reads and checks it and runs the data
        check (:meth:`_produce`), sending each batch down a pipe, while this process
        ranks the batches as they come (:meth:`_ranked`) and keeps them in memory (their
        tallies counted in a thread during the store). Once the child has read the whole
        file without a bad line, the batches are stored in one transaction
        (:meth:`_store_spilled`), so the write lock is held for the inserts only, as for
        a small file; a refused file never takes it."""
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: no database, no return; its exit code is not read
            code = 1
            try:
                os.close(read)
                with os.fdopen(write, "wb", buffering=1 << 20) as out:
                    self._produce(out, path, snapshots)
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        ranked: list[list[list[object]]] = []
        try:
            with os.fdopen(read, "rb", buffering=1 << 20) as feed:
                kind, payload = self._rank_fed(feed, ranked, flags_as_ints)
                while kind in ("rows", "bad"):  # refused: the rest of the bad lines
                    kind, payload = _receive(feed)
        finally:
            os.waitpid(pid, 0)
        if kind == "error":
            raise pickle.loads(payload)  # type: ignore[arg-type]
        if kind != "end":
            raise RuntimeError("mention import: the reading process stopped without a "
                               "word")
        count, confirmed, counts, named, bad_count = payload  # type: ignore[misc]
        bad = BadLines(path.name)
        bad.named, bad.count = named, bad_count
        bad.raise_if_any(count)
        return self._store_spilled(inc_id, path, actor, _taken(ranked), count, confirmed,
                                   counts)

    @staticmethod
    def _rank_fed(feed: BinaryIO, ranked: list[list[list[object]]],
                  flags_as_ints: bool = False) -> tuple[str, object]:
        """Rank each batch read from ``feed`` and keep its insert columns in ``ranked``
        (in memory: a million rows as columns of the objects already read; with
        ``flags_as_ints``, its own-score and confirmed flags as 0 and 1 already, here
        while the child still reads rather than in the store), until a
        message other than rows comes: ("end", (rows, confirmed, tallies, [], 0)) for a
        file read through without a bad line (the confirmed and tallies counted here),
        else that message."""
        kept: tuple[list[str], list[str], list[int], list[bool]] = ([], [], [], [])
        while (message := _receive(feed))[0] == "rows":
            *columns, fells, check_texts = message[1]  # type: ignore[misc]
            batch, flags = MentionService._ranked(tuple(columns), fells, check_texts)
            kept_batch = list(batch)
            if flags_as_ints:
                kept_batch[9:11] = list(map(int, batch[9])), list(map(int, batch[10]))
            ranked.append(kept_batch)  # type: ignore[arg-type]
            for into, column in zip(kept, (*columns[:3], flags), strict=True):
                into.extend(column)  # type: ignore[attr-defined]
        kind, payload = message
        if kind != "end" or payload[4]:  # type: ignore[index]
            return message
        # The tallies (0.45 s a million) in a thread, while the store's inserts run:
        # sqlite3 lets go of the GIL in each step, so they take the idle core.
        tallies = _in_thread(tally_columns, *kept)
        return kind, (payload[0], sum(kept[3]), tallies, [], 0)  # type: ignore[index]

    def _produce(self, out: BinaryIO, path: Path, snapshots: list[Snapshot]) -> None:
        """In the child: check ``path`` and run the data check, writing ("rows", its
        columns, the data's fall and check text of each row) per batch to ``out``, then
        ("end", (rows, 0, {}, [], 0)). A file with a bad line sends ("bad", None) as soon
        as one is seen (no rows after it), is read again by :func:`parse` to name every
        bad line, and ends ("end", (rows, 0, {}, named bad lines, bad lines)). Any other
        failure: ("error", the pickled exception).
        """
        try:
            facts = Facts()
            count = 0
            try:
                for columns in _batches(path, BATCH):
                    if not columns[3]:
                        continue  # blank lines only
                    facts.learn(snapshots, columns[6], columns[1])
                    who_facts = facts.of(columns[6], columns[1])
                    _send(out, ("rows", (*columns, list(map(itemgetter(0), who_facts)),
                                         list(map(itemgetter(1), who_facts)))))
                    count += len(columns[3])
            except Refused:
                _send(out, ("bad", None))
                bad = BadLines(path.name)
                count = 0
                for line, row, error in parse(path):
                    if row is None:
                        bad.add(line, error)
                    else:
                        count += 1
                if not bad.count:
                    raise RuntimeError(f"mention import: {path.name} was refused, then read "
                                       "again without a bad line") from None
                _send(out, ("end", (count, 0, {}, bad.named, bad.count)))
                return
            _send(out, ("end", (count, 0, {}, [], 0)))
        except BrokenPipeError:
            raise  # the importing process stopped listening: nobody to tell
        except BaseException as exc:  # handed to the importing process
            try:
                blob = pickle.dumps(exc)
            except Exception:  # an exception that cannot travel as it is
                blob = pickle.dumps(RuntimeError(f"{type(exc).__name__}: {exc}"))
            _send(out, ("error", blob))

    def record(self, incident_id: int, *, channel: str, author: str, reach: int, text: str,
               at: datetime, link: str | None = None, profile_id: str | None = None,
               actor: str = "drill") -> MentionView:
        """One mention (a drill inject); a duplicate gives back the one already stored."""
        row = check_fields(channel, author, reach, text, at, link, profile_id)
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            inc = self._open_incident(uow, incident_id)
            key = dedupe_key(row[1], row[2], row[5], row[4])
            found = self._by_dedupe(uow, inc.id, row[5], key)
            if found is None:
                checks = score_checks(uow, [(row[7], row[2])],
                                      snapshot_dir(self.ctx.outbox_dir))
                counts: Tally = {}
                facts = Facts()
                facts.add(checks)
                prepared, _ = self._prepared([row], facts, counts)
                self._insert(uow, inc.id, "drill" if inc.drill else "record", prepared)
                add_new(uow, inc.id, counts)
                found = self._by_dedupe(uow, inc.id, row[5], key)
                assert found is not None
                uow.audit(now, actor, "mention.record", "mention", found.id,
                          {"incident": inc.id, "channel": row[1], "author": row[2],
                           "at": epoch_utc(row[5]).isoformat()})
                uow.commit()
            return self._view(found, now, inc.drill)

    @staticmethod
    def _open_incident(uow: UnitOfWork, incident_id: int) -> IncidentRow:
        inc = load_incident(uow, incident_id, for_update=True)
        if inc.status == "closed":
            raise PolicyRefused(f"incident: {inc.id} is closed")
        return inc

    @staticmethod
    def _by_dedupe(uow: UnitOfWork, incident_id: int, at_ts: float, key: int
                   ) -> MentionRow | None:
        return uow.session.execute(select(MentionRow).where(
            MentionRow.incident_id == incident_id, MentionRow.at_ts == at_ts,
            MentionRow.dedupe == key)).scalar_one_or_none()

    @staticmethod
    def _count(uow: UnitOfWork, incident_id: int) -> int:
        return uow.session.execute(select(func.count()).select_from(MentionRow).where(
            MentionRow.incident_id == incident_id)).scalar_one()

    @staticmethod
    def _prepared(batch: Iterable[Row], facts: Facts, counts: Tally
                  ) -> tuple[list[tuple[object, ...]], int]:
        """:meth:`_prepared_columns` of rows, each added to the author ``counts`` (as
        ``tally``), and how many are confirmed."""
        rows = list(batch)
        if not rows:
            return [], 0
        columns: Columns = tuple(map(list, zip(*rows, strict=True)))[1:]  # type: ignore[assignment]
        out, confirmed = MentionService._prepared_columns(columns, facts)
        tally(counts, zip(columns[0], columns[1], columns[2], confirmed, strict=True))
        return list(zip(*out, strict=True)), sum(confirmed)

    @staticmethod
    def _prepared_columns(columns: Columns, facts: Facts
                          ) -> tuple[tuple[Sequence[object], ...], list[bool]]:
        """The insert columns of a batch (``ROW_COLUMNS``, rank inputs computed) and
        whether each row is confirmed; ``facts`` knows every author of the batch."""
        if not columns[3]:
            return (), []
        who_facts = facts.of(columns[6], columns[1])
        return MentionService._ranked(columns, list(map(itemgetter(0), who_facts)),
                                      list(map(itemgetter(1), who_facts)))

    @staticmethod
    def _ranked(columns: Columns, fells: Sequence[bool], check_texts: Sequence[str]
                ) -> tuple[tuple[Sequence[object], ...], list[bool]]:
        """The insert columns of a batch given the data check of each row, and whether
        each is confirmed."""
        channels, authors, reaches, texts, ats, links, pids = columns
        negs, owns, confirmed, ranks = rank_columns(reaches, texts, ats, fells)
        dedupes = dedupe_column(channels, authors, texts)
        return (channels, authors, reaches, texts, ats, links, pids, dedupes, negs, owns,
                confirmed, check_texts, ranks), confirmed

    def _checked(self, batch: Columns, snapshots: list[Snapshot], facts: Facts
                 ) -> tuple[tuple[Sequence[object], ...], list[bool]]:
        """:meth:`_prepared_columns` of ``batch``, its authors not seen before looked up
        first."""
        facts.learn(snapshots, batch[6], batch[1])
        return self._prepared_columns(batch, facts)

    def _spill(self, spill: IO[bytes], batch: list[Row], snapshots: list[Snapshot],
               facts: Facts, counts: Tally) -> int:
        columns: Columns = tuple(map(list, zip(*batch, strict=True)))[1:]  # type: ignore[assignment]
        prepared, flags = self._checked(columns, snapshots, facts)
        tally(counts, zip(columns[0], columns[1], columns[2], flags, strict=True))
        confirmed = sum(flags)
        blob = marshal.dumps(prepared)
        spill.write(len(blob).to_bytes(8, "little"))
        spill.write(blob)
        return confirmed

    def _insert_spilled(self, uow: UnitOfWork, incident_id: int,
                        batches: Iterable[list[list[object]]]) -> int:
        """The ranked batches into the database (in a :meth:`_bulk` block); how many rows
        were stored (not skipped as duplicates)."""
        sqlite = uow.session.connection().dialect.name == "sqlite"
        before = 0 if sqlite else self._count(uow, incident_id)
        stored = 0
        for columns in batches:
            if sqlite and columns[9] and type(columns[9][0]) is bool:  # as 0 and 1: _insert
                columns[9:11] = list(map(int, columns[9])), list(map(int, columns[10]))
            stored += self._insert(uow, incident_id, "import", zip(*columns, strict=True))
        # SQLite counts the rows each insert changed (a skipped clash changes none); a
        # driver's count over an executemany is not to be relied on everywhere.
        return stored if sqlite else self._count(uow, incident_id) - before

    @staticmethod
    @contextmanager
    def _bulk(uow: UnitOfWork, big: bool) -> Iterator[None]:
        """Around a bulk insert and the tallies of its authors. ``big``: the import is
        larger than the table (more rows
        than were ever stored); on SQLite the rank index is then dropped and built again
        from its own stored definition after the rows are in (when the block ends without
        an exception): sorting a million keys once is cheaper than a million random B-tree
        inserts. Both happen in the import's transaction, so a failure leaves the index
        (and table) as they were, and readers see the old table, index included, until
        the commit."""
        conn = uow.session.connection()
        sqlite = conn.dialect.name == "sqlite"
        rebuild = None
        if sqlite:  # the indexes of a big import stay in memory: 64 MB, not the default 2
            kept = conn.exec_driver_sql("PRAGMA cache_size").scalar()
            conn.exec_driver_sql(f"PRAGMA cache_size = {IMPORT_CACHE_KIB}")
            if big:
                rebuild = conn.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
                    (RANK_INDEX,)).scalar()
                if rebuild:
                    conn.exec_driver_sql(f"DROP INDEX {RANK_INDEX}")
        try:
            yield
            if rebuild:
                conn.exec_driver_sql(rebuild)
        finally:
            if sqlite:
                conn.exec_driver_sql(f"PRAGMA cache_size = {int(kept)}")

    @staticmethod
    def _insert(uow: UnitOfWork, incident_id: int, source: str,
                batch: Iterable[tuple[object, ...]]) -> int:
        """executemany of ``ROW_COLUMNS`` tuples; the columns every row of a batch shares
        are written into the statement, not bound a million times. An (incident,
        instant, dedupe) clash is skipped, not stored. On SQLite, how many rows were
        stored; elsewhere -1."""
        assert source in SOURCES
        conn = uow.session.connection()
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        shared = (int(incident_id), f"'{MentionState.NEW.value}'", f"'{source}'", 1)
        sql = (f"INSERT INTO mentions ({', '.join(ROW_COLUMNS + SHARED_COLUMNS)}) VALUES "
               f"({', '.join([mark] * len(ROW_COLUMNS) + [str(v) for v in shared])}) "
               "ON CONFLICT (incident_id, at_ts, dedupe) DO NOTHING")
        if conn.dialect.name != "sqlite":
            conn.exec_driver_sql(sql, list(batch))
            return -1  # not counted here (see _insert_spilled)
        # SQLite: the driver's own executemany on the transaction's connection, which
        # takes the rows as they come (an iterator is enough) without SQLAlchemy's
        # handling of each. Its binding is quickest for exact ints, floats, str and None:
        # a bool (an int subclass) is bound only after a look for an adapter, so a bulk
        # import binds its flags as 0 and 1 (stored the same: SQLite has no bool).
        cursor = conn.connection.driver_connection.cursor()
        try:
            cursor.executemany(sql, batch)
            return cursor.rowcount  # the rows changed, over every row of the batch
        finally:
            cursor.close()

    # --- reading -----------------------------------------------------------
    def list(self, incident_id: int, state: str | MentionState | None = None, *,
             limit: int = FIRST_SCREEN, search: str = "") -> list[MentionView]:
        """Ranked, highest priority first. ``state`` is a state, "open" (new or assigned)
        or None (all). Each state is one indexed walk; the walks are merged."""
        states = self._states(state)
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            inc = load_incident(uow, incident_id)
            walks = []
            for s in states:
                stmt = (select(MentionRow).where(MentionRow.incident_id == incident_id,
                                                 MentionRow.state == s.value)
                        .order_by(MentionRow.rank.desc(), MentionRow.id.desc()).limit(limit))
                if search.strip():
                    like = f"%{search.strip()}%"
                    stmt = stmt.where(MentionRow.text.ilike(like) | MentionRow.author.ilike(like))
                walks.append(list(uow.session.execute(stmt).scalars()))
            merged = heapq.merge(*walks, key=lambda r: (-r.rank, -r.id))
            return [self._view(r, now, inc.drill) for _, r in zip(range(limit), merged,
                                                                   strict=False)]

    @staticmethod
    def _states(state: str | MentionState | None) -> Sequence[MentionState]:
        if state is None or state == "all":
            return list(MentionState)
        if isinstance(state, MentionState):
            return [state]
        if state.strip().lower() == "open":
            return OPEN_STATES
        return [MentionState.parse(state)]

    def counts(self, incident_id: int) -> dict[str, int]:
        with self.ctx.uow() as uow:
            return state_counts(uow, incident_id)

    def get(self, mention_id: int) -> MentionView:
        with self.ctx.uow() as uow:
            row = self._load(uow, mention_id)
            return self._view(row, self.ctx.clock.now(),
                              load_incident(uow, row.incident_id).drill)

    def top_voices(self, incident_id: int, limit: int = 10) -> list[TopVoice]:
        """The highest-reach authors not answered yet (no mention of theirs answered, at
        least one still open), with how many mentions they made."""
        with self.ctx.uow() as uow:
            load_incident(uow, incident_id)
            return top_voices(uow, incident_id, limit)

    @staticmethod
    def _load(uow: UnitOfWork, mention_id: int, *, for_update: bool = False) -> MentionRow:
        stmt = select(MentionRow).where(MentionRow.id == mention_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = uow.session.execute(stmt).scalar_one_or_none()
        if row is None:
            raise NotFound(f"mention: no mention {mention_id}")
        return row

    @staticmethod
    def _view(r: MentionRow, now: datetime, drill: bool) -> MentionView:
        at = epoch_utc(r.at_ts)
        return MentionView(
            r.id, r.incident_id, r.channel, r.author, int(r.reach), r.text, at, r.link,
            r.profile_id, MentionState(r.state), r.assigned_to, r.set_aside_reason,
            r.reply_message_id, r.answered_at, float(r.negativity), bool(r.own_score),
            bool(r.confirmed), r.data_check, round(priority_at(r.rank, now), 1),
            reasons(int(r.reach), r.text, at, now, r.data_check, bool(r.confirmed)),
            drill, r.version)

    # --- triage ------------------------------------------------------------
    def assign(self, mention_id: int, name: str, actor: str) -> MentionView:
        return self.assign_many([mention_id], name, actor)[0]

    def assign_many(self, mention_ids: Sequence[int], name: str, actor: str
                    ) -> list[MentionView]:
        """Assign each to the contact called ``name``; one transaction, all or none."""
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            op = acting(uow, actor)
            require(op, Action.WRITE_TIMELINE)
            person = find_contact(uow, name)
            found = self._triage(uow, mention_ids)
            for row in found:
                check_can_assign(MentionState(row.state))
                move(uow, row.incident_id, row.author, MentionState(row.state),
                     MentionState.ASSIGNED)
                row.state = MentionState.ASSIGNED.value
                row.assigned_to = person.name
                uow.audit(now, op.name, "mention.assign", "mention", row.id,
                          {"incident": row.incident_id, "to": person.name})
            uow.flush()
            views = self._views(uow, found, now)
            uow.commit()
            return views

    def set_aside(self, mention_id: int, reason: str, actor: str) -> MentionView:
        return self.set_aside_many([mention_id], reason, actor)[0]

    def set_aside_many(self, mention_ids: Sequence[int], reason: str, actor: str
                       ) -> list[MentionView]:
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            op = acting(uow, actor)
            require(op, Action.WRITE_TIMELINE)
            found = self._triage(uow, mention_ids)
            for row in found:
                why = check_can_set_aside(MentionState(row.state), reason)
                move(uow, row.incident_id, row.author, MentionState(row.state),
                     MentionState.SET_ASIDE)
                row.state = MentionState.SET_ASIDE.value
                row.set_aside_reason = why
                uow.audit(now, op.name, "mention.set_aside", "mention", row.id,
                          {"incident": row.incident_id, "reason": why})
            uow.flush()
            views = self._views(uow, found, now)
            uow.commit()
            return views

    def _triage(self, uow: UnitOfWork, mention_ids: Sequence[int]) -> list[MentionRow]:
        if not mention_ids:
            raise InvalidInput("mention: no mention given")
        found = [self._load(uow, i, for_update=True) for i in dict.fromkeys(mention_ids)]
        for inc_id in {r.incident_id for r in found}:
            inc = load_incident(uow, inc_id)
            if inc.status == "closed":
                raise PolicyRefused(f"incident: {inc.id} is closed")
        return found

    def _views(self, uow: UnitOfWork, found: list[MentionRow], now: datetime
               ) -> list[MentionView]:
        drill = {i: load_incident(uow, i).drill for i in {r.incident_id for r in found}}
        return [self._view(r, now, drill[r.incident_id]) for r in found]

    # --- replying ----------------------------------------------------------
    def reply(self, mention_id: int, body: str, actor: str) -> MentionReply:
        """Draft a ``direct_reply`` linked to the mention; it is answered once that is
        published, after approval by the owner of the communications chain."""
        from .messages import MessageService

        messages = MessageService(self.ctx)
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            row = self._load(uow, mention_id, for_update=True)
            check_can_reply(MentionState(row.state))
            self._refuse_second_reply(uow, row)
            m, inc = messages.draft_in(uow, row.incident_id, Channel.DIRECT_REPLY, body, actor,
                                       purpose=Purpose.REPLY)
            uow.session.add(MentionReplyRow(message_id=m.id, mention_id=row.id))
            row.reply_message_id = m.id
            if row.state == MentionState.NEW.value:
                move(uow, row.incident_id, row.author, MentionState.NEW, MentionState.ASSIGNED)
                row.state = MentionState.ASSIGNED.value
                row.assigned_to = row.assigned_to or actor
            uow.flush()
            uow.audit(now, actor, "mention.reply", "mention", row.id,
                      {"incident": row.incident_id, "message": m.id})
            view = self._view(row, now, inc.drill)
            message = messages._view(uow, m, inc.drill)
            uow.commit()
            return MentionReply(view, message)

    @staticmethod
    def _refuse_second_reply(uow: UnitOfWork, row: MentionRow) -> None:
        if row.reply_message_id is None:
            return
        state = uow.session.execute(select(MessageRow.state).where(
            MessageRow.id == row.reply_message_id)).scalar_one_or_none()
        if state is not None and state != MessageState.WITHDRAWN.value:
            raise PolicyRefused(f"mention: reply message {row.reply_message_id} is already "
                                f"{state.replace('_', ' ')}; withdraw it to draft another")
