"""media upload idempotency key

A retried photo upload (the desk's outbox resending after a lost answer)
carries the key it was first sent with and gets the first photo back.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.add_column(sa.Column("upload_key", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_media_upload_key", ["uploader_id", "upload_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_index("ix_media_upload_key")
        batch_op.drop_column("upload_key")
