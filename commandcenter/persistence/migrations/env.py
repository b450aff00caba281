"""Alembic environment: always runs on the connection the application hands it."""

from alembic import context

import commandcenter.persistence.commitment_models
import commandcenter.persistence.drill_models
import commandcenter.persistence.metrics_models
import commandcenter.persistence.signing_models  # noqa: F401
from commandcenter.persistence.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through commandcenter.persistence.migrate.upgrade")



def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                   compare_to: object) -> bool:
    """Autogenerate leaves alone the SQLite full-text tables migration 0003 made by hand."""
    return not (type_ == "table" and reflected and (name or "").startswith("timeline_fts"))


context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_object=include_object,
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
