"""The start-up reader: a forked child reads the first screen while the window is built.

Importing SQLAlchemy and building the services costs about 0.35 s of CPU, and
pyqtgraph and the window about as much again; in one interpreter the GIL runs
them one after the other while the second core idles. So ``commandcenter gui``,
before PySide6 is imported and while it has no thread, forks a child
(:func:`start`). The child reads what the first screen shows
(:func:`first_screen_reads`: the incident list, the chosen incident and its first
timeline page, the health series, alerts and the points of the last hour, the
roster, the review queue, the audit head, the sign-in names), sends the answers
back over a pipe as one pickle and ends with ``os._exit``.

It reads them the lite way where it can (:func:`_read_lite`): on the standard
library's sqlite3, through services/read_only.py's ``FirstScreenServices`` and
persistence/lite_screen.py, which build the very objects the services return
without importing SQLAlchemy or NumPy (arrays travel as bytes and become arrays
as the window unpickles them; the snapshot histogram's scores are read from their
files there too). That is all or nothing for a start: where the lite reader
declines the database (lite_read.py's rules: not at the migrations' head it
knows, the audit log unkeyed, a publication waiting for the outbox) or meets
anything it cannot answer exactly as the services would (``Unsuitable``, a
sqlite3 error, any exception but the services' own expected ones), the child
imports the services and makes every read on them, as it did before; the answer
says which (``Prefetch.reader``). ``COMMANDCENTER_PREFETCH_LITE=0`` makes it read
on the services always, to compare.

The parent builds and paints the window meanwhile. Its panels' first reads go,
as always, to the worker thread through ``LazyServices`` (ui/app.py); before the
services are built, a call whose (service, method, arguments) the child answered
is answered from :class:`Prefetch` (the worker waits for the pipe if the answer
is not there yet), and any other call builds the services as before. Once the
first screen has its data, the window builds its own services, starts the live
watcher and re-reads everything once: the child's answers may be a moment old,
and a change committed between the child's read and the watcher's start is in
that re-read. Nothing here imports Qt.

Not forked (today's path instead): off Linux (Windows has no fork; macOS
frameworks do not survive one), in a frozen bundle, for a database that is not
SQLite, with ``COMMANDCENTER_PREFETCH=0``, without two cores free (unless
``COMMANDCENTER_PREFETCH=1``), or once threads or Qt exist
(tests build their windows in-process and never come here). The child's failure,
a database needing a migration, or no answer within :data:`TIMEOUT_S` leaves the
window on the usual path; the reason is logged.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from commandcenter.app import Services
    from commandcenter.config import Settings
    from commandcenter.services.read_only import FirstScreenServices

log = logging.getLogger(__name__)

# "0": never fork; "1": fork whenever it is safe, busy machine or not; unset: when safe
# and two cores are free (:func:`runnable_elsewhere`).
ENV = "COMMANDCENTER_PREFETCH"
# "0": the child reads on the full services even where the lite reader could (to compare).
LITE_ENV = "COMMANDCENTER_PREFETCH_LITE"
TIMEOUT_S = 5.0  # the child's answer, at the latest, counted from the fork
# The child yields to the window when they compete for a core: with the kernel's
# autogroups (one CPU share per session) a child at the window's priority halved the
# window's share on a busy machine and its first paint came twice as late; on a machine
# with a core free this changes nothing.
CHILD_NICE = 5
# What the panels' first reads ask (kept equal to theirs; tests/ui/test_prefetch.py
# checks that the first screen is answered with no call missed).
TIMELINE_PAGE = 200  # ui/models/timeline.py TimelineTableModel.page_size
MAX_CORRECTIONS = 10_000  # ui/models/timeline.py
RESOLVED_SHOWN = 200  # ui/widgets/health_panel.py
CHART_SPAN = timedelta(hours=1)  # ui/widgets/health_panel.py RANGES[0]
CHART_POINTS = 2000  # health_panel.load_range's max_points for a chart stack < 1000 px wide
# A chart range asked within this much of the child's is answered with the child's
# points (the window's clock has moved on by the time it asks; the re-read catches up).
RANGE_SLACK_S = 30.0

Key = tuple[str, str, tuple[Any, ...], tuple[tuple[str, Any], ...]]


def key(service: str, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Key:
    return service, method, tuple(args), tuple(sorted(kwargs.items()))


def may_fork(settings: Settings) -> str | None:
    """Why not to fork here, or None."""
    choice = os.environ.get(ENV, "")
    if choice == "0":
        return f"{ENV}=0"
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return "not Linux"
    if getattr(sys, "frozen", False):
        return "a frozen bundle"
    if not settings.database_url.startswith("sqlite:///"):
        return "not a SQLite file"  # PostgreSQL's LISTEN starts later, on its own thread
    if "PySide6" in sys.modules or threading.active_count() > 1:
        return "Qt or threads exist already"
    if choice != "1":
        busy = runnable_elsewhere()
        if busy is not None and (os.cpu_count() or 1) - busy < 2:
            return f"no two cores free ({busy} other tasks runnable)"
    return None


def runnable_elsewhere() -> int | None:
    """Tasks runnable on the machine at this instant, this process not counted (Linux's
    /proc/loadavg), or None when unknown.

    The child only pays with two cores free, one for the window and one for it: the
    work before the first screen is the same CPU with it or without it (0.7 s in the
    window and 0.5 s in the child, against 1.2 s in the window alone), so with one core
    to share (the kernel gives this session one share however many processes it runs)
    it ends no sooner, and the window's first paint comes later."""
    try:
        with open("/proc/loadavg", encoding="ascii") as fh:
            running = fh.read().split()[3].split("/")[0]
        return max(int(running) - 1, 0)
    except (OSError, IndexError, ValueError):
        return None


# --- the child -----------------------------------------------------------------------
class _Recorder:
    """Calls the services and keeps each answer (or exception), pickled, by its key.

    ``lite``: the services are services/read_only.py's FirstScreenServices. Then only an
    expected failure (a CommandCenterError, as the full services raise it) is kept as
    the answer; anything else (``Unsuitable``, a sqlite3 error) ends the lite read, and
    the whole start-up read is made again on the full services. Its answers are not
    unpickled here: their arrays become NumPy arrays as they unpickle, in the window.
    """

    def __init__(self, services: Services | FirstScreenServices, *, lite: bool = False
                 ) -> None:
        self.services = services
        self.lite = lite
        self.answers: dict[Key, bytes] = {}

    def call(self, service: str, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            value = getattr(getattr(self.services, service), method)(*args, **kwargs)
        except Exception as exc:  # the panel would get it too (``roster.owner``'s NotFound)
            if self.lite:
                from commandcenter.domain.errors import CommandCenterError

                if not isinstance(exc, CommandCenterError):
                    raise
            self._keep(key(service, method, args, kwargs), ("raise", exc))
            return None
        self._keep(key(service, method, args, kwargs), ("value", value))
        return value

    def _keep(self, k: Key, outcome: tuple[str, Any]) -> None:
        try:
            blob = pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL)
            if not self.lite:
                pickle.loads(blob)  # an exception that cannot come back is not kept
        except Exception:
            if self.lite:
                raise
            log.debug("not kept: %s", k, exc_info=True)
            return
        self.answers[k] = blob


def first_screen_reads(services: Services | FirstScreenServices, now: datetime, *,
                       lite: bool = False) -> dict[str, Any]:
    """What the first screen's panels read, as they ask it (``lite``: on
    FirstScreenServices, see :class:`_Recorder`)."""
    from commandcenter.domain.chains import COMMUNICATIONS
    from commandcenter.domain.timeline import EntryKind

    rec = _Recorder(services, lite=lite)
    incidents = rec.call("incidents", "list") or []
    status = rec.call("health", "status") or []
    rec.call("health", "alerts", resolved_limit=RESOLVED_SHOWN)
    rec.call("health", "snapshot_scores")
    rec.call("changes", "chart_marks")
    points: dict[tuple[str, int], tuple[float, float, bytes]] = {}
    start, until = now - CHART_SPAN, now + timedelta(seconds=1)
    for st in status:
        data = services.health.points(st.series, start, until, CHART_POINTS)
        points[(st.series, CHART_POINTS)] = (start.timestamp(), until.timestamp(),
                                             pickle.dumps(("value", data),
                                                          pickle.HIGHEST_PROTOCOL))
    # The incidents panel opens the most recent open incident (else the first).
    chosen = next((i for i in incidents if i.status.value not in ("resolved", "closed")),
                  incidents[0] if incidents else None)
    if chosen is not None:
        rec.call("incidents", "get", chosen.id)
        rec.call("incidents", "timeline", chosen.id, offset=0, limit=TIMELINE_PAGE, text="",
                 kinds=None, pinned_first=False)
        rec.call("incidents", "timeline", chosen.id, kinds=frozenset({EntryKind.CORRECTION}),
                 limit=MAX_CORRECTIONS)
        rec.call("messages", "list", chosen.id)
    rec.call("roster", "contacts")
    rec.call("roster", "owners")
    rec.call("roster", "operators")
    queue = rec.call("messages", "review_queue") or []
    if queue:  # the review panel shows the first one waiting
        rec.call("messages", "revisions", queue[0].id)
    rec.call("roster", "owner", COMMUNICATIONS)
    rec.call("audit", "signed_head")
    return {"answers": rec.answers, "points": points}


def _child(write_fd: int, settings: Settings, demo_folder: Path | None) -> None:
    """In the forked child: read, send one pickle, end. Never returns."""
    import gc
    import traceback

    gc.disable()  # short-lived: no collection of the import's objects
    with contextlib.suppress(OSError):
        os.nice(CHILD_NICE)
    code = 0
    try:
        try:
            began, cpu = time.monotonic(), time.process_time()
            body = _read(settings, demo_folder)
            body["took"] = (time.monotonic() - began, time.process_time() - cpu)
            reply: tuple[str, Any] = ("ok", body)
        except _Decline as exc:
            reply = ("declined", str(exc))
        except BaseException:
            reply = ("error", traceback.format_exc())
            code = 1
        send(write_fd, *reply)
    except BaseException:
        code = 2
    finally:
        os._exit(code)


def send(write_fd: int, status: str, body: Any) -> None:
    """The child's one message: ("ok", :func:`first_screen_reads`' answers), ("declined",
    why) or ("error", traceback); then the pipe is closed."""
    view = memoryview(pickle.dumps((status, body), pickle.HIGHEST_PROTOCOL))
    try:
        while view:
            view = view[os.write(write_fd, view):]
    finally:
        os.close(write_fd)


class _Decline(Exception):
    """The child leaves this start to the usual path (a migration due, no demo copy)."""


def _read(settings: Settings, demo_folder: Path | None) -> dict[str, Any]:
    if demo_folder is not None:
        from .demo_copy import copy_template, fresh_template

        template = fresh_template()
        if template is None:  # the first demo start: prepared with progress, as always
            raise _Decline("the demo database is not prepared yet")
        copy_template(template, demo_folder)
    lite, why = _read_lite(settings)
    if lite is not None:
        return lite
    from commandcenter.app import NotReadyForReading, build_reader

    try:
        services = build_reader(settings)
    except NotReadyForReading as exc:
        raise _Decline(str(exc)) from None
    try:
        body = first_screen_reads(services, datetime.now(UTC))
    finally:
        services.close()
    body["reader"] = f"full ({why})"
    return body


def _read_lite(settings: Settings) -> tuple[dict[str, Any] | None, str]:
    """The first screen read on sqlite3 alone (services/read_only.py FirstScreenServices),
    or (None, why not): all or nothing, so a start reads either way, never both mixed."""
    if os.environ.get(LITE_ENV, "") == "0":
        return None, f"{LITE_ENV}=0"
    from commandcenter.services.read_only import open_first_screen

    try:
        services = open_first_screen(settings)
    except Exception as exc:
        return None, f"the lite reader failed to open ({type(exc).__name__}: {exc})"
    if services is None:
        return None, "the lite reader declined the database"
    try:
        body = first_screen_reads(services, datetime.now(UTC), lite=True)
    except Exception as exc:
        return None, f"the lite reader gave up ({type(exc).__name__}: {exc})"
    finally:
        services.close()
    body["reader"] = "lite"
    return body, ""


# --- the parent ----------------------------------------------------------------------
class Prefetch:
    """The parent's side: the child's pid and pipe, then its answers."""

    def __init__(self, pid: int | None, read_fd: int, *, demo_folder: Path | None = None,
                 timeout_s: float = TIMEOUT_S) -> None:
        """``pid``: the child writing to ``read_fd``'s pipe (None: no process to reap)."""
        self.pid = pid
        self.demo_folder = demo_folder
        self._fd: int | None = read_fd
        self._deadline = time.monotonic() + timeout_s
        self._lock = threading.Lock()
        self._done = False
        self._answers: dict[Key, bytes] = {}
        self._points: dict[tuple[str, int], tuple[float, float, bytes]] = {}
        self.ok = False
        self.failure: str | None = None  # why its answers are not used
        self.retired = False
        self.took: tuple[float, float] | None = None  # the child's (wall, CPU) seconds
        self.reader: str | None = None  # "lite", or "full (why not lite)"
        self.hits: list[Key] = []
        self.misses: list[Key] = []

    # -- the answer ------------------------------------------------------------
    def wait(self) -> bool:
        """Wait for the child's answer (at most until the deadline); True if usable."""
        with self._lock:
            if not self._done:
                self._receive()
                self._done = True
            return self.ok

    def _receive(self) -> None:
        chunks: list[bytes] = []
        fd = self._fd
        assert fd is not None
        try:
            while True:
                left = self._deadline - time.monotonic()
                if left <= 0:
                    self._fail("no answer in time")
                    return
                ready, _w, _x = select.select([fd], [], [], left)
                if not ready:
                    continue
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            self._close_fd()
        self._reap()
        try:
            status, body = pickle.loads(b"".join(chunks))
        except Exception as exc:
            self._fail(f"no readable answer ({type(exc).__name__}: {exc})")
            return
        if status == "ok":
            self._answers, self._points = body["answers"], body["points"]
            self.ok = True
            self.took = body.get("took")
            self.reader = body.get("reader")
            log.debug("start-up reader: %d answers in %.3f s (%.3f s CPU), %s",
                      len(self._answers), *body.get("took", (0.0, 0.0)), self.reader)
        elif status == "declined":
            self.failure = body
            log.info("start-up reader: %s; reading the usual way", body)
        else:
            self._fail(f"failed:\n{body}")

    def _fail(self, why: str) -> None:
        self.failure = why
        self.ok = False
        log.warning("start-up reader %s; reading the usual way", why)
        self.close()

    def _close_fd(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _reap(self) -> None:
        if self.pid is not None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = None

    def close(self) -> None:
        """End the child if it still runs, and reap it (no zombie)."""
        self._close_fd()
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._reap()

    # -- answering the panels' calls -------------------------------------------------
    def retire(self) -> None:
        """From now on nothing is answered from the child's read."""
        self.retired = True

    def answer(self, service: str, method: str, args: tuple[Any, ...],
               kwargs: dict[str, Any]) -> tuple[bool, Any]:
        """(True, the child's answer) for a call it made, else (False, None). Re-raises
        an exception the child's call raised, as the call itself would."""
        if self.retired or not self.wait():
            return False, None
        k = key(service, method, args, kwargs)
        blob = self._answers.get(k)
        if blob is None and (service, method) == ("health", "points"):
            blob = self._points_for(args, kwargs)
        if blob is None:
            self.misses.append(k)
            log.debug("start-up reader did not read %s", k)
            return False, None
        self.hits.append(k)
        log.debug("start-up reader answered %s.%s", service, method)
        outcome, value = pickle.loads(blob)  # a fresh copy for each caller
        if outcome == "raise":
            raise value
        return True, value

    def _points_for(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bytes | None:
        try:
            call = dict(zip(("series", "start", "end", "max_points"), args, strict=False))
            call.update(kwargs)
            series, start, end = call["series"], call["start"], call["end"]
            max_points = call.get("max_points", 4000)
            found = self._points.get((series, max_points))
        except (KeyError, TypeError):
            return None
        if found is None:
            return None
        lo, hi, data = found
        if (abs(start.timestamp() - lo) > RANGE_SLACK_S
                or abs(end.timestamp() - hi) > RANGE_SLACK_S):
            return None
        return data


def start(settings: Settings, *, demo: bool = False,
          fork: Callable[[], int] = os.fork) -> Prefetch | None:
    """Fork the reader for ``commandcenter gui [--demo]``; None: the usual start."""
    why = may_fork(settings)
    if why is not None:
        log.debug("start-up reader not used: %s", why)
        return None
    demo_folder: Path | None = None
    if demo:
        import tempfile

        from .demo_copy import demo_settings

        demo_folder = Path(tempfile.mkdtemp(prefix="commandcenter-demo-"))
        settings = demo_settings(demo_folder)
    read_fd, write_fd = os.pipe()
    try:
        pid = fork()
    except OSError as exc:
        os.close(read_fd)
        os.close(write_fd)
        log.warning("start-up reader not forked (%s)", exc)
        if demo_folder is not None:
            import shutil

            shutil.rmtree(demo_folder, ignore_errors=True)
        return None
    if pid == 0:
        os.close(read_fd)
        _child(write_fd, settings, demo_folder)
    os.close(write_fd)
    return Prefetch(pid, read_fd, demo_folder=demo_folder)
