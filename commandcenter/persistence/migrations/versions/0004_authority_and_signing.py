"""authority and signing: look-alike names, who set what, resets, signing keys, keyed audit

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

- ``contacts.skeleton``: what a name looks like, so "Danıel Reyes" cannot sit
  beside "Daniel Reyes"; ``name_key`` becomes NFKC and case folded.
- ``operators.must_set_passphrase``: after two commanders reset a passphrase,
  that operator cannot approve until they chose their own.
- who set each chain, availability window and delegation, and when: the
  approval's evidence names the change that made the approver the owner.
- ``operator_keys``: each operator's Ed25519 public key and the private key
  sealed under their passphrase (argon2id + AES-256-GCM).
- ``approvals.key_id/statement/signature``: an approval is a signature.
- ``audit_head.key_id/keyed_from/signature``: the log is keyed (HMAC) from
  the switch record on; the head carries its own MAC, and the checkpoint of the
  last whole-log verification (``verified_*``) so publish checks only what came since.
- append-only triggers on ``audit_log`` (persistence/audit_guard.py).
"""

import sqlalchemy as sa
from alembic import op

from commandcenter.domain.names import name_key, skeleton
from commandcenter.persistence import audit_guard

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("skeleton", sa.String(120), nullable=False,
                                   server_default=""))
        batch.create_index("ix_contacts_skeleton", ["skeleton"])
    with op.batch_alter_table("operators") as batch:
        batch.add_column(sa.Column("must_set_passphrase", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("availability_windows") as batch:
        batch.add_column(sa.Column("set_by", sa.String(120), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("set_at", UTC_TIME, nullable=True))
    with op.batch_alter_table("chains") as batch:
        batch.add_column(sa.Column("set_by", sa.String(120), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("set_at", UTC_TIME, nullable=True))
    with op.batch_alter_table("delegations") as batch:
        batch.add_column(sa.Column("granted_at", UTC_TIME, nullable=True))

    op.create_table(
        "operator_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("sealed_private", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("revoked_at", UTC_TIME, nullable=True),
        sa.Column("revoked_reason", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"],
                                name="fk_operator_keys_operator_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_operator_keys_operator_id", "operator_keys", ["operator_id"])
    with op.batch_alter_table("approvals") as batch:
        batch.add_column(sa.Column("key_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("statement", sa.Text(), nullable=True))
        batch.add_column(sa.Column("signature", sa.String(128), nullable=True))
        batch.create_foreign_key("fk_approvals_key_id", "operator_keys", ["key_id"], ["id"])
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("key_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("keyed_from", sa.BigInteger().with_variant(
            sa.Integer(), "sqlite"), nullable=True))
        batch.add_column(sa.Column("signature", sa.String(64), nullable=True))
        batch.add_column(sa.Column("verified_seq", sa.BigInteger().with_variant(
            sa.Integer(), "sqlite"), nullable=True))
        batch.add_column(sa.Column("verified_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("verified_signature", sa.String(64), nullable=True))

    conn = op.get_bind()
    audit_guard.install(conn)
    contacts = sa.table("contacts", sa.column("id", sa.Integer), sa.column("name", sa.String),
                        sa.column("name_key", sa.String), sa.column("skeleton", sa.String))
    for cid, name in conn.execute(sa.select(contacts.c.id, contacts.c.name)).all():
        conn.execute(contacts.update().where(contacts.c.id == cid)
                     .values(name_key=name_key(name), skeleton=skeleton(name)))


def downgrade() -> None:
    audit_guard.remove(op.get_bind())
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("verified_signature")
        batch.drop_column("verified_hash")
        batch.drop_column("verified_seq")
        batch.drop_column("signature")
        batch.drop_column("keyed_from")
        batch.drop_column("key_id")
    with op.batch_alter_table("approvals") as batch:
        batch.drop_constraint("fk_approvals_key_id", type_="foreignkey")
        batch.drop_column("signature")
        batch.drop_column("statement")
        batch.drop_column("key_id")
    op.drop_index("ix_operator_keys_operator_id", "operator_keys")
    op.drop_table("operator_keys")
    with op.batch_alter_table("delegations") as batch:
        batch.drop_column("granted_at")
    with op.batch_alter_table("chains") as batch:
        batch.drop_column("set_at")
        batch.drop_column("set_by")
    with op.batch_alter_table("availability_windows") as batch:
        batch.drop_column("set_at")
        batch.drop_column("set_by")
    with op.batch_alter_table("operators") as batch:
        batch.drop_column("must_set_passphrase")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_index("ix_contacts_skeleton")
        batch.drop_column("skeleton")
