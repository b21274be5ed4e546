"""Alembic wiring: upgrade a database and tell whether its schema is current."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
UPGRADE_HINT = "flask --app app db upgrade"


def alembic_config(url: str) -> Config:
    """An Alembic config for this project's migrations against url."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at url up to revision."""
    command.upgrade(alembic_config(url), revision)


def schema_problem(engine: Engine) -> str | None:
    """Say what is wrong with the database schema, or None when it is current."""
    head = ScriptDirectory.from_config(
        alembic_config(engine.url.render_as_string(hide_password=False))
    ).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current == head:
        return None
    state = "empty" if current is None else f"at revision {current}, not {head}"
    return f"The database schema is {state}. Run `{UPGRADE_HINT}` first."
