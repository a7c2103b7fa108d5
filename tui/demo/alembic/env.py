"""Alembic environment of the demo shop: plain SQL migrations, no models."""

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)


def database_url() -> str:
    """`-x url=...`, else $BASTION_DEMO_URL, else sqlalchemy.url from alembic.ini."""
    url = (
        context.get_x_argument(as_dictionary=True).get("url")
        or os.environ.get("BASTION_DEMO_URL")
        or config.get_main_option("sqlalchemy.url")
    )
    if not url:
        raise SystemExit("No database URL: pass -x url=postgresql+psycopg://... or set BASTION_DEMO_URL")
    return url


def run_migrations_offline() -> None:
    context.configure(url=database_url(), literal_binds=True, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
