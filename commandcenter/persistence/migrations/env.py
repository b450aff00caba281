"""Alembic environment: always runs on the connection the application hands it."""

from alembic import context

import commandcenter.persistence.metrics_models  # noqa: F401  (registers the tables)
from commandcenter.persistence.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through commandcenter.persistence.migrate.upgrade")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
