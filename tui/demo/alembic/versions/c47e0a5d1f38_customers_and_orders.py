"""customers, orders and order items

Revision ID: c47e0a5d1f38
Revises: 8b21e4d9c6a0
Create Date: 2025-03-19 11:05:37.902114

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "c47e0a5d1f38"
down_revision = "8b21e4d9c6a0"
branch_labels = None
depends_on = None

order_status = postgresql.ENUM(
    "pending",
    "paid",
    "shipped",
    "delivered",
    "cancelled",
    "refunded",
    name="order_status",
    schema="shop",
    create_type=False,
)


def upgrade() -> None:
    order_status.create(op.get_bind())
    op.create_table(
        "customers",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), primary_key=True),
        sa.Column("user_id", sa.Uuid(), sa.ForeignKey("auth.users.id"), unique=True),
        sa.Column("full_name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("country_code", sa.CHAR(2), nullable=False),
        sa.Column("city", sa.Text()),
        sa.Column("marketing_opt_in", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("profile", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        schema="shop",
    )
    op.create_index("customers_email_idx", "customers", [sa.text("lower(email)")], schema="shop")
    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), primary_key=True),
        sa.Column("customer_id", sa.Uuid(), sa.ForeignKey("shop.customers.id"), nullable=False),
        sa.Column("status", order_status, server_default="pending", nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("shipping_address", postgresql.JSONB(), nullable=False),
        sa.Column("total", sa.Numeric(12, 2), server_default=sa.text("0"), nullable=False),
        sa.Column("currency", sa.CHAR(3), server_default="EUR", nullable=False),
        schema="shop",
    )
    op.create_index("orders_customer_id_idx", "orders", ["customer_id"], schema="shop")
    op.create_index("orders_placed_at_idx", "orders", ["placed_at"], schema="shop")
    op.create_table(
        "order_items",
        sa.Column(
            "order_id",
            sa.BigInteger(),
            sa.ForeignKey("shop.orders.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("line_no", sa.SmallInteger(), primary_key=True, autoincrement=False),
        sa.Column("product_id", sa.Integer(), sa.ForeignKey("shop.products.id"), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(10, 2), nullable=False),
        sa.CheckConstraint("quantity > 0", name="order_items_quantity_check"),
        schema="shop",
    )
    op.create_index("order_items_product_id_idx", "order_items", ["product_id"], schema="shop")


def downgrade() -> None:
    op.drop_table("order_items", schema="shop")
    op.drop_table("orders", schema="shop")
    op.drop_table("customers", schema="shop")
    order_status.drop(op.get_bind())
