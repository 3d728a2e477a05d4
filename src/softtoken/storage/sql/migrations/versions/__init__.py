"""Revisions of the schema, oldest first (Alembic reads them by ``down_revision``)."""
