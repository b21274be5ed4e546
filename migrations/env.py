"""Alembic environment: migrate the database named in the config or the environment."""

import os
from pathlib import Path

from alembic import context
from sqlalchemy import create_engine, pool

from blog import models  # noqa: F401  (registers every table on Base.metadata)
from blog.platform.config import ENV_DATABASE_URL
from blog.platform.db import Base


def _configured_url() -> str | None:
    # The app passes its URL in memory; the alembic command line has no ini
    # file at all (its settings live in pyproject.toml), and that raises.
    try:
        return context.config.get_main_option("sqlalchemy.url")
    except Exception:
        return None


def _url() -> str:
    url = _configured_url() or os.environ.get(ENV_DATABASE_URL)
    if url:
        return url
    instance = Path(__file__).resolve().parent.parent / "instance"
    instance.mkdir(exist_ok=True)
    return f"sqlite:///{instance / 'showfloor.db'}"


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    url = _url()
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=url.startswith("sqlite"),
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
