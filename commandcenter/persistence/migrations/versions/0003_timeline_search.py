"""timeline search: substring index for the filter box, pinned-first order index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

The timeline filter is a case-insensitive substring match on an entry's text
or actor (``lower(x) LIKE '%needle%'``), which scans every entry. This adds
an index that answers the same question without the scan, per dialect:

- SQLite: an external-content FTS5 table with the ``trigram`` tokenizer (any
  substring of three or more characters), kept in step by triggers. The
  service uses it to find candidates and still applies the LIKE, so results
  are exactly the LIKE's.
- PostgreSQL: trigram GIN indexes (``pg_trgm``) on ``lower(text)`` and
  ``lower(actor)``, which the planner uses for the LIKE itself. A word index
  (``to_tsvector``) cannot answer substring questions, so it is not used. When
  the extension cannot be created (no privilege), the filter works unindexed.

Both: an index for "pinned first" ordering.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SQLITE_FTS = (
    "CREATE VIRTUAL TABLE timeline_fts USING fts5("
    "text, actor, content='timeline_entries', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER timeline_fts_insert AFTER INSERT ON timeline_entries BEGIN "
    "INSERT INTO timeline_fts(rowid, text, actor) VALUES (new.id, new.text, new.actor); END",
    "CREATE TRIGGER timeline_fts_delete AFTER DELETE ON timeline_entries BEGIN "
    "INSERT INTO timeline_fts(timeline_fts, rowid, text, actor) "
    "VALUES ('delete', old.id, old.text, old.actor); END",
    "CREATE TRIGGER timeline_fts_update AFTER UPDATE OF text, actor ON timeline_entries BEGIN "
    "INSERT INTO timeline_fts(timeline_fts, rowid, text, actor) "
    "VALUES ('delete', old.id, old.text, old.actor); "
    "INSERT INTO timeline_fts(rowid, text, actor) VALUES (new.id, new.text, new.actor); END",
    "INSERT INTO timeline_fts(timeline_fts) VALUES ('rebuild')",
)


def _sqlite_has_fts5(bind: sa.engine.Connection) -> bool:
    options = {r[0] for r in bind.exec_driver_sql("PRAGMA compile_options")}
    return "ENABLE_FTS5" in options


def _postgres_trgm(bind: sa.engine.Connection) -> bool:
    if bind.exec_driver_sql(
            "SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").first() is not None:
        return True
    if bind.exec_driver_sql(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'").first() is None:
        return False
    try:
        with bind.begin_nested():  # a savepoint: a refusal must not abort the migration
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:
        return False
    return True


def upgrade() -> None:
    bind = op.get_bind()
    op.create_index("ix_timeline_incident_pinned", "timeline_entries",
                    ["incident_id", sa.text("pinned DESC"), "occurred_at", "id"])
    if bind.dialect.name == "sqlite":
        if _sqlite_has_fts5(bind):
            for statement in SQLITE_FTS:
                op.execute(statement)
    elif bind.dialect.name == "postgresql" and _postgres_trgm(bind):
        op.execute("CREATE INDEX ix_timeline_text_trgm ON timeline_entries "
                   "USING gin (lower(text) gin_trgm_ops)")
        op.execute("CREATE INDEX ix_timeline_actor_trgm ON timeline_entries "
                   "USING gin (lower(actor) gin_trgm_ops)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("timeline_fts_insert", "timeline_fts_delete", "timeline_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS timeline_fts")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_timeline_actor_trgm")
        op.execute("DROP INDEX IF EXISTS ix_timeline_text_trgm")
    op.drop_index("ix_timeline_incident_pinned", table_name="timeline_entries")
