"""paging the approver and escalation

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

Reserved in the migration chain so that work on several features can land
in any order; until its feature fills it in, it changes nothing.
"""

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
