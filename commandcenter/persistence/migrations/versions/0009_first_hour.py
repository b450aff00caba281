"""paging the approver and escalation

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

- ``escalation_policies``: each version of the escalation policy (minutes per
  severity before a review request escalates, how long the delegation lasts).
- ``review_requests``: a message revision waiting for a decision, with the
  policy in force when it entered review, its deadline and who is paged now.
- ``pages``: each notification (desktop on every workstation, and e-mail).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "escalation_policies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("set_by", sa.String(120), nullable=False),
        sa.Column("set_at", UTC_TIME, nullable=False),
    )
    op.create_table(
        "review_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("messages.id"), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("requested_at", UTC_TIME, nullable=False),
        sa.Column("first_owner_id", sa.Integer(), sa.ForeignKey("contacts.id"), nullable=True),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("contacts.id"), nullable=True),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("deadline_at", UTC_TIME, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("closed_at", UTC_TIME, nullable=True),
    )
    op.create_index("ix_review_requests_message_id", "review_requests", ["message_id"])
    op.create_index("ix_review_requests_state", "review_requests", ["state", "deadline_at"])
    op.create_table(
        "pages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("review_requests.id"),
                  nullable=False),
        sa.Column("recipient_id", sa.Integer(), sa.ForeignKey("contacts.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(200), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("email_to", sa.String(200), nullable=False),
        sa.Column("email_state", sa.String(10), nullable=False),
        sa.Column("email_error", sa.String(500), nullable=False),
        sa.Column("emailed_at", UTC_TIME, nullable=True),
    )
    op.create_index("ix_pages_request_id", "pages", ["request_id"])
    op.create_index("ix_pages_recipient_id", "pages", ["recipient_id"])


def downgrade() -> None:
    op.drop_table("pages")
    op.drop_table("review_requests")
    op.drop_table("escalation_policies")
