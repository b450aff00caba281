-- Run as the owner (or a superuser) in the commandcenter database after every
-- `db upgrade`: what the app's role must never do, taken away again.
-- The audit log is append-only for the app: no UPDATE, DELETE or TRUNCATE, and,
-- not owning the table, it cannot drop or disable the append-only triggers either.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM commandcenter_app;
-- The schema version is the migrations' business.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM commandcenter_app;
