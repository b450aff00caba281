"""two-letter timeline search: the trigram index's vocabulary, and last-two-letter indexes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

The trigram table of 0003 cannot look up a needle of two letters, so such a
filter scanned every entry. Every occurrence of a two-letter needle is either
followed by a character, and then it begins one of the index's trigrams, or
it ends the text (or the actor). So, on SQLite with the trigram table:

- ``timeline_fts_vocab``, an ``fts5vocab`` view of the trigram index: the
  trigrams that begin with the needle are a range of its terms;
- ``ix_timeline_text_tail2`` / ``ix_timeline_actor_tail2``: the last two
  letters of each entry's text and actor, lower-cased, per incident.

The service takes the union of both as candidates and still applies the
LIKE, so results are exactly the LIKE's. Elsewhere (PostgreSQL) this
changes nothing.
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _has_fts(bind: object) -> bool:
    return bind.exec_driver_sql(  # type: ignore[attr-defined]
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'timeline_fts'"
    ).first() is not None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite" or not _has_fts(bind):
        return
    op.execute("CREATE VIRTUAL TABLE timeline_fts_vocab USING fts5vocab(timeline_fts, 'row')")
    op.execute("CREATE INDEX ix_timeline_text_tail2 ON timeline_entries "
               "(incident_id, lower(substr(text, -2)))")
    op.execute("CREATE INDEX ix_timeline_actor_tail2 ON timeline_entries "
               "(incident_id, lower(substr(actor, -2)))")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    op.execute("DROP INDEX IF EXISTS ix_timeline_actor_tail2")
    op.execute("DROP INDEX IF EXISTS ix_timeline_text_tail2")
    op.execute("DROP TABLE IF EXISTS timeline_fts_vocab")
