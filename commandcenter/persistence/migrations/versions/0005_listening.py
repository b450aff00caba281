"""mentions, commitments and the change calendar

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

Reserved in the migration chain so that work on several features can land
in any order; until its feature fills it in, it changes nothing.
"""

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
