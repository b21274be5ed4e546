"""quote context

A quote entry may carry a context paragraph shown before the quotation and
outside it ("Asked about the delay, she said:"); revisions and held edits keep it too.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(name: str) -> sa.Column:
    return sa.Column(name, sa.Text(), nullable=False, server_default="")


def upgrade() -> None:
    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.add_column(_text("context"))
        batch_op.add_column(_text("context_html"))
    with op.batch_alter_table("entry_revision", schema=None) as batch_op:
        batch_op.add_column(_text("context"))
    # A contributor's held edit of a published quote keeps its context too.
    with op.batch_alter_table("pending_edit", schema=None) as batch_op:
        batch_op.add_column(_text("context"))
        batch_op.add_column(_text("context_html"))


def downgrade() -> None:
    # Plain DROP COLUMN, not a batch copy: copying entry on SQLite would drop the
    # search triggers that live on it (and fail on those that name it).
    op.drop_column("pending_edit", "context_html")
    op.drop_column("pending_edit", "context")
    op.drop_column("entry_revision", "context")
    op.drop_column("entry", "context_html")
    op.drop_column("entry", "context")
