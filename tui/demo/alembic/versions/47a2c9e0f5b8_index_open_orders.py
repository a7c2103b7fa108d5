"""index open orders by status and placed_at

Revision ID: 47a2c9e0f5b8
Revises: d83f6a1b9c25
Create Date: 2025-06-24 14:09:58.007216

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "47a2c9e0f5b8"
down_revision = "d83f6a1b9c25"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # CONCURRENTLY cannot run inside a transaction; orders is too busy to lock.
    with op.get_context().autocommit_block():
        op.create_index(
            "orders_open_status_placed_at_idx",
            "orders",
            ["status", "placed_at"],
            schema="shop",
            postgresql_concurrently=True,
            postgresql_where=sa.text("status IN ('pending', 'paid')"),
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index(
            "orders_open_status_placed_at_idx",
            table_name="orders",
            schema="shop",
            postgresql_concurrently=True,
        )
