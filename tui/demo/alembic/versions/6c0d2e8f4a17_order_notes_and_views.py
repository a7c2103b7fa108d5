"""order notes table and order views

Revision ID: 6c0d2e8f4a17
Revises: 0b7d5e2c4f19
Create Date: 2025-05-06 17:26:09.330582

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6c0d2e8f4a17"
down_revision = "0b7d5e2c4f19"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The name comes from the old support tool and has to stay as it is.
    op.create_table(
        "Order Notes",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), primary_key=True),
        sa.Column(
            "order_id",
            sa.BigInteger(),
            sa.ForeignKey("shop.orders.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        schema="shop",
    )
    op.execute(
        """
        CREATE VIEW shop.order_summaries AS
        SELECT o.id AS order_id, o.placed_at, o.status, c.full_name AS customer, c.country_code,
               count(i.line_no) AS lines, sum(i.quantity) AS items, o.total, o.currency
        FROM shop.orders AS o
        JOIN shop.customers AS c ON c.id = o.customer_id
        LEFT JOIN shop.order_items AS i ON i.order_id = o.id
        GROUP BY o.id, c.id
        """
    )
    op.execute(
        "COMMENT ON VIEW shop.order_summaries IS 'One row per order with its customer and line counts'"
    )
    op.execute(
        """
        CREATE VIEW shop.low_stock AS
        SELECT p.sku, p.name, inv.warehouse, inv.on_hand, inv.reserved,
               inv.on_hand - inv.reserved AS available
        FROM shop.inventory AS inv
        JOIN shop.products AS p ON p.id = inv.product_id
        WHERE NOT p.discontinued AND inv.on_hand - inv.reserved < 10
        """
    )


def downgrade() -> None:
    op.execute("DROP VIEW shop.low_stock")
    op.execute("DROP VIEW shop.order_summaries")
    op.drop_table("Order Notes", schema="shop")
