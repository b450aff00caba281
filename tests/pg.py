"""A throw-away PostgreSQL server for the test session, and a fresh database per test.

The server comes from the Debian package (``/usr/lib/postgresql/<v>/bin``):
``initdb`` and ``pg_ctl`` run as the ``postgres`` user through ``runuser``
when the tests run as root (initdb refuses root), in a temporary directory,
listening on 127.0.0.1 on a free port, and stopped when the session ends.

``COMMANDCENTER_TEST_POSTGRES_URL`` points the tests at an existing server
instead. Without PostgreSQL binaries the PostgreSQL cases are skipped with the
reason, unless ``COMMANDCENTER_REQUIRE_POSTGRES=1`` (``make test`` sets it, and
installs the package), when the missing server is an error.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ENV_URL = "COMMANDCENTER_TEST_POSTGRES_URL"
ENV_REQUIRE = "COMMANDCENTER_REQUIRE_POSTGRES"

_counter = itertools.count()
_server: PostgresServer | None = None


class NoPostgres(RuntimeError):
    """No server to test against; the message says why."""


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self) -> None:
        bin_dir = _bin_dir()
        if bin_dir is None:
            raise NoPostgres("no PostgreSQL server binaries (Debian package 'postgresql')")
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="cc-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                  "-c fsync=off -c max_connections=200", "start")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bin / tool), *args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise NoPostgres(f"{tool} failed: {done.stderr.strip() or done.stdout.strip()}")

    def stop(self) -> None:
        with contextlib.suppress(NoPostgres):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def server_url() -> str:
    """The session's server: the one named in the environment, or one started now."""
    global _server
    if os.environ.get(ENV_URL):
        return os.environ[ENV_URL]
    if _server is None:
        _server = PostgresServer()
        atexit.register(_server.stop)
    return _server.url


def postgres_required() -> bool:
    return os.environ.get(ENV_REQUIRE) == "1"


def fresh_database(server: str | None = None) -> str:
    """A new, empty database on the server; its URL."""
    url = make_url(server or server_url()).set(drivername="postgresql+psycopg")
    name = f"cc_test_{os.getpid()}_{next(_counter)}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


# --- cheap copies of one prepared database ------------------------------------

_templates: dict[str, str] = {}


def _admin(url: str):  # type: ignore[no-untyped-def]
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def template_database(kind: str, prepare) -> str:  # type: ignore[no-untyped-def]
    """The name of a database made once per session by ``prepare(url)`` (migrate, seed).

    Copies of it (:func:`copy_database`) are a file copy on the server, far cheaper
    than running the migrations or the seeding again for every test.
    """
    if kind not in _templates:
        url = make_url(fresh_database()).render_as_string(hide_password=False)
        prepare(url)
        _templates[kind] = make_url(url).database
    return _templates[kind]


def copy_database(template: str, url: str | None = None) -> str:
    """A new database copied from ``template`` (no one may be connected to it); its URL.

    With ``url``, the database it names is replaced by the copy."""
    base = make_url(url or server_url()).set(drivername="postgresql+psycopg")
    name = base.database if url else f"cc_test_{os.getpid()}_{next(_counter)}"
    admin = _admin(base.render_as_string(hide_password=False))
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}" '
                          'STRATEGY = FILE_COPY'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop a test's database (and end any connection still open on it)."""
    parsed = make_url(url)
    admin = _admin(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()
