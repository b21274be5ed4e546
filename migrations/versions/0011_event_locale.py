"""event locale

An event chooses the language and date style of its readers' pages ("en",
"en_GB" or "es"); existing events stay English.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("locale", sa.String(length=16), nullable=False, server_default="en")
        )


def downgrade() -> None:
    # Plain DROP COLUMN: a batch copy of event on SQLite would rebuild its foreign keys.
    op.drop_column("event", "locale")
