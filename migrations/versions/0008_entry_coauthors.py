"""entry co-authors

Two reporters may share an entry's byline: the author names co-authors among
the event's assigned reporters. A contributor's held edit keeps the co-authors
it names until an editor approves it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "entry_coauthor",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["entry.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("entry_id", "user_id"),
    )
    with op.batch_alter_table("pending_edit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("coauthor_ids", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("pending_edit", "coauthor_ids")
    op.drop_table("entry_coauthor")
