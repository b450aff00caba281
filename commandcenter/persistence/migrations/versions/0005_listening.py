"""listening: inbound mentions and the replies drafted from them

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

- ``mentions``: one row per inbound mention of an incident, with its rank
  inputs (negativity, own score, the data check against our snapshots, the
  rank) computed when it was stored; unique per incident by (``at_ts``, ``dedupe``) (same
  channel, author, instant and text); ``ix_mentions_rank`` serves the ranked list.
- ``mention_replies``: the ``direct_reply`` message drafted for a mention,
  looked up by message id when it is published.
- ``mention_authors``: per incident and author, the highest reach and the
  number of mentions in each state (top voices and counts without a group-by).
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mentions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("reach", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at_ts", sa.Double(), nullable=False),
        sa.Column("link", sa.String(2000), nullable=True),
        sa.Column("profile_id", sa.String(200), nullable=True),
        sa.Column("dedupe", sa.BigInteger(), nullable=False),
        sa.Column("negativity", sa.Double(), nullable=False),
        sa.Column("own_score", sa.Boolean(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("data_check", sa.String(200), nullable=False, server_default=""),
        sa.Column("rank", sa.Double(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("assigned_to", sa.String(120), nullable=True),
        sa.Column("set_aside_reason", sa.String(500), nullable=True),
        sa.Column("reply_message_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", UTC_TIME, nullable=True),
        sa.Column("source", sa.String(20), nullable=False, server_default="import"),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.ForeignKeyConstraint(["reply_message_id"], ["messages.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "at_ts", "dedupe", name="uq_mentions_dedupe"),
    )
    op.create_index("ix_mentions_rank", "mentions", ["incident_id", "state", "rank"])
    op.create_table(
        "mention_replies",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.ForeignKeyConstraint(["mention_id"], ["mentions.id"]),
        sa.PrimaryKeyConstraint("message_id"),
    )
    op.create_index("ix_mention_replies_mention_id", "mention_replies", ["mention_id"])
    op.create_table(
        "mention_authors",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("reach", sa.BigInteger(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("assigned", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("set_aside", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("incident_id", "author"),
    )
    op.create_index("ix_mention_authors_reach", "mention_authors", ["incident_id", "reach"])


def downgrade() -> None:
    op.drop_index("ix_mention_authors_reach", table_name="mention_authors")
    op.drop_table("mention_authors")
    op.drop_index("ix_mention_replies_mention_id", table_name="mention_replies")
    op.drop_table("mention_replies")
    op.drop_index("ix_mentions_rank", table_name="mentions")
    op.drop_table("mentions")
