"""webhooks

An event's HTTPS endpoints that receive its blogs' changes, signed: the
endpoints, their cursor and lease per blog, deliveries (one per endpoint,
blog and seq) and the attempts of each.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _ref(name: str, table: str) -> sa.Column:
    return sa.Column(
        name, sa.Integer(), sa.ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "webhook_endpoint",
        sa.Column("id", sa.Integer(), primary_key=True),
        _ref("event_id", "event"),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("change_types", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(80), nullable=False),
        sa.Column("previous_secret", sa.String(80), nullable=True),
        _when("previous_until"),
        _when("paused_at"),
        sa.Column("pause_reason", sa.String(300), nullable=False),
        _when("failing_since"),
        _when("last_success_at"),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        _when("created_at", False),
    )
    op.create_index("ix_webhook_endpoint_event_id", "webhook_endpoint", ["event_id"])
    op.create_table(
        "webhook_stream",
        sa.Column("id", sa.Integer(), primary_key=True),
        _ref("endpoint_id", "webhook_endpoint"),
        _ref("blog_id", "live_blog"),
        sa.Column("planned_seq", sa.Integer(), nullable=False),
        _when("next_due_at"),
        sa.Column("lease_owner", sa.String(80), nullable=True),
        _when("lease_until"),
        sa.UniqueConstraint("endpoint_id", "blog_id"),
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        _ref("endpoint_id", "webhook_endpoint"),
        _ref("blog_id", "live_blog"),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("change_type", sa.String(32), nullable=False),
        _when("created_at", False),
        _when("delivered_at"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("next_attempt_at", False),
        _when("redeliver_at"),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=False),
        sa.UniqueConstraint("endpoint_id", "blog_id", "seq"),
    )
    op.create_index("ix_webhook_delivery_log", "webhook_delivery", ["endpoint_id", "id"])
    op.create_table(
        "webhook_attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        _ref("delivery_id", "webhook_delivery"),
        _when("started_at", False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(300), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_webhook_attempt_delivery", "webhook_attempt", ["delivery_id", "id"])


def downgrade() -> None:
    op.drop_table("webhook_attempt")
    op.drop_table("webhook_delivery")
    op.drop_table("webhook_stream")
    op.drop_table("webhook_endpoint")
