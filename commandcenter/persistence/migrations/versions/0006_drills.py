"""drills: scenarios, runs, injects, objectives and reports

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

- ``drill_runs``: one row per drill run: the scenario file as it was, the
  simulated start, end and clock position, the injects fired, the result
  (objectives, figures, action outcomes) and the facilitator's hot wash.
- ``drill_outages``: channel outages a drill injected; publishing a drill
  message to that channel is refused while one covers the simulated time.
- ``drill_observations``: observers' notes during a drill.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "drill_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("scenario_name", sa.String(200), nullable=False),
        sa.Column("scenario_file", sa.String(500), nullable=False),
        sa.Column("scenario_sha256", sa.String(64), nullable=False),
        sa.Column("scenario_text", sa.Text(), nullable=False),
        sa.Column("simulated_start", UTC_TIME, nullable=False),
        sa.Column("simulated_end", UTC_TIME, nullable=False),
        sa.Column("clock_at", UTC_TIME, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("fired", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("hot_wash", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "drill_outages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("starts_at", UTC_TIME, nullable=False),
        sa.Column("ends_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["drill_runs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_drill_outages_channel", "drill_outages", ["channel", "starts_at"])
    op.create_index("ix_drill_outages_run_id", "drill_outages", ["run_id"])
    op.create_table(
        "drill_observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("author", sa.String(120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["drill_runs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_drill_observations_run_id", "drill_observations", ["run_id"])


def downgrade() -> None:
    op.drop_index("ix_drill_observations_run_id", "drill_observations")
    op.drop_table("drill_observations")
    op.drop_index("ix_drill_outages_run_id", "drill_outages")
    op.drop_index("ix_drill_outages_channel", "drill_outages")
    op.drop_table("drill_outages")
    op.drop_table("drill_runs")
