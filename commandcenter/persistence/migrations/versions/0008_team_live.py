"""live updates between workstations

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

Reserved in the migration chain so that work on several features can land
in any order; until its feature fills it in, it changes nothing.
"""

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
