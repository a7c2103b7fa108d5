"""analytics: click-stream events

Revision ID: 5f3c7d2a9e61
Revises: c47e0a5d1f38
Create Date: 2025-04-03 16:48:55.671290

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "5f3c7d2a9e61"
down_revision = "c47e0a5d1f38"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA analytics")
    op.execute("COMMENT ON SCHEMA analytics IS 'Click-stream events and reporting views'")
    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), primary_key=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("customer_id", sa.Uuid(), sa.ForeignKey("shop.customers.id")),
        sa.Column("session_id", sa.Uuid()),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("page", sa.Text()),
        sa.Column("properties", postgresql.JSONB(), server_default="{}", nullable=False),
        schema="analytics",
        comment="Click-stream: one row per tracked event (about a million)",
    )
    # Rows arrive in time order, so a BRIN index is tiny and good enough.
    op.create_index(
        "events_occurred_at_brin",
        "events",
        ["occurred_at"],
        schema="analytics",
        postgresql_using="brin",
    )
    op.create_index(
        "events_customer_id_occurred_at_idx",
        "events",
        ["customer_id", "occurred_at"],
        schema="analytics",
        postgresql_where=sa.text("customer_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.execute("DROP SCHEMA analytics CASCADE")
