"""Alembic's environment for softtoken's revisions: it runs on the connection the caller
opened (``softtoken.storage.sql.migrations``), never on a URL of its own."""

from alembic import context

from softtoken.storage.sql.migrations import VERSION_TABLE
from softtoken.storage.sql.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    # SQLite changes a column by copying the table; batch mode does that for us.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
