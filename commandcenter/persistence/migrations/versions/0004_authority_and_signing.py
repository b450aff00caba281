"""authority, signed approvals and a keyed audit (issue: the approval promise)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

Reserved in the migration chain so that work on several features can land
in any order; until its feature fills it in, it changes nothing.
"""

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
