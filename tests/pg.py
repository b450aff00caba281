"""Per-test PostgreSQL databases, used when COMMANDCENTER_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import itertools
import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

_counter = itertools.count()


def fresh_database(server_url: str) -> str:
    url = make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"cc_test_{os.getpid()}_{next(_counter)}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)
