"""commitments and the change calendar

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

``commitments``: promises with a due time, the message that made them and
the one that kept them. ``scoring_changes``: the change calendar. An alert
may now belong to no metric series (an overdue commitment's alert), so
``alerts.series_id`` becomes nullable.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.alter_column("series_id", existing_type=sa.Integer(), nullable=True)
    op.create_table(
        "commitments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("owner", sa.String(120), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("messages.id"), nullable=True),
        sa.Column("kept_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("kept_message_id", sa.Integer(), sa.ForeignKey("messages.id"), nullable=True),
        sa.Column("kept_by", sa.String(120), nullable=True),
        sa.Column("alert_id", sa.Integer(), sa.ForeignKey("alerts.id"), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_commitments_state_due", "commitments", ["state", "due_at"])
    op.create_index("ix_commitments_incident", "commitments", ["incident_id", "due_at"])
    op.create_table(
        "scoring_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notice_days", sa.Integer(), nullable=False),
        sa.Column("effect", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("announcement_message_id", sa.Integer(), sa.ForeignKey("messages.id"),
                  nullable=True),
        sa.Column("explanation_message_id", sa.Integer(), sa.ForeignKey("messages.id"),
                  nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.String(120), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_scoring_changes_effective", "scoring_changes", ["effective_at"])


def downgrade() -> None:
    op.drop_index("ix_scoring_changes_effective", "scoring_changes")
    op.drop_table("scoring_changes")
    op.drop_index("ix_commitments_incident", "commitments")
    op.drop_index("ix_commitments_state_due", "commitments")
    op.drop_table("commitments")
    op.execute("DELETE FROM alerts WHERE series_id IS NULL")
    with op.batch_alter_table("alerts") as batch:
        batch.alter_column("series_id", existing_type=sa.Integer(), nullable=False)
