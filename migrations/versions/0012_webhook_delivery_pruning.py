"""webhook delivery pruning

Delivered deliveries older than the kept days are pruned; this index finds them
without reading the whole table.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_webhook_delivery_delivered", "webhook_delivery", ["delivered_at"])


def downgrade() -> None:
    op.drop_index("ix_webhook_delivery_delivered", table_name="webhook_delivery")
