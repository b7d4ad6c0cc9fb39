"""Alembic environment: runs on the connection handed over by etl.warehouse.db.ensure_schema."""
from alembic import context

from etl.warehouse.schema import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # `alembic` command line: build an engine from the URL
    from etl.warehouse.db import make_engine
    from etl.config import get_settings
    engine = make_engine(config.get_main_option("sqlalchemy.url") or get_settings().database_url)
    connection = engine.connect()

context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
