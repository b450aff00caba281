"""indexes and tables for speed at scale

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

Reserved in the migration chain so that work on several features can land
in any order; until its feature fills it in, it changes nothing.
"""

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
