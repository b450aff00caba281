"""live updates between workstations: NOTIFY on every committed change (PostgreSQL)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

On PostgreSQL a trigger on each table people and the app change sends
``NOTIFY commandcenter_changes`` with a JSON payload of only
``{"table": ..., "id": ..., "kind": "insert" | "update" | "delete"}``. A
notification is delivered when (and only if) its transaction commits, and every
writer sends them: the window, the command line, another workstation, a script.
Row tables notify per row; the metric tables, written in bulk, notify once per
statement with ``"id": null`` (PostgreSQL folds identical payloads of one
transaction into one). The window listens on its own connection
(persistence/live.py). Tables that later migrations add get the same trigger
after each upgrade (``attach_notify_triggers`` in persistence/live.py).

SQLite has no NOTIFY; the window watches ``PRAGMA data_version`` there, which
changes whenever another connection commits. Nothing to migrate.
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

CHANNEL = "commandcenter_changes"
FUNCTION = "commandcenter_notify_change"
STATEMENT_FUNCTION = "commandcenter_notify_statement"
ROW_TABLES = (
    "contacts", "operators", "availability_windows", "chains", "chain_members",
    "delegations", "incidents", "timeline_entries", "messages", "message_revisions",
    "approvals", "publications", "alerts", "snapshots", "metric_series", "audit_log",
)
STATEMENT_TABLES = ("metric_points", "metric_rollups")


def _trigger(table: str) -> str:
    return f"{table}_notify_change"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE row_id text;
        BEGIN
            IF TG_OP = 'DELETE' THEN row_id := coalesce(to_jsonb(OLD) ->> 'id', to_jsonb(OLD) ->> 'seq');
            ELSE row_id := coalesce(to_jsonb(NEW) ->> 'id', to_jsonb(NEW) ->> 'seq');
            END IF;
            PERFORM pg_notify('{CHANNEL}', json_build_object(
                'table', TG_TABLE_NAME, 'id', row_id::bigint, 'kind', lower(TG_OP))::text);
            RETURN NULL;
        END $$""")
    op.execute(f"""CREATE OR REPLACE FUNCTION {STATEMENT_FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', json_build_object(
                'table', TG_TABLE_NAME, 'id', NULL, 'kind', lower(TG_OP))::text);
            RETURN NULL;
        END $$""")
    for table in ROW_TABLES:
        op.execute(f"CREATE TRIGGER {_trigger(table)} AFTER INSERT OR UPDATE OR DELETE "
                   f"ON {table} FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()")
    for table in STATEMENT_TABLES:
        op.execute(f"CREATE TRIGGER {_trigger(table)} AFTER INSERT OR UPDATE OR DELETE "
                   f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {STATEMENT_FUNCTION}()")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # Dropping the functions drops every trigger using them, those that
    # persistence/live.py attached to later tables included.
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}() CASCADE")
    op.execute(f"DROP FUNCTION IF EXISTS {STATEMENT_FUNCTION}() CASCADE")
