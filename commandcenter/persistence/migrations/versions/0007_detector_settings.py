"""per-series detector settings

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

Each metric series gets a ``sensitivity`` (off, low, normal, high): how readily
its anomaly detector alerts. Existing series keep today's behaviour ("normal").
Batch mode on SQLite, a plain ALTER elsewhere.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("metric_series") as batch:
        batch.add_column(sa.Column("sensitivity", sa.String(length=20), nullable=False,
                                   server_default="normal"))


def downgrade() -> None:
    with op.batch_alter_table("metric_series") as batch:
        batch.drop_column("sensitivity")
