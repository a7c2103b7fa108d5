"""shop catalogue: categories, products and inventory

Revision ID: 8b21e4d9c6a0
Revises: 3f9a1c07b2d4
Create Date: 2025-03-11 15:40:02.559130

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "8b21e4d9c6a0"
down_revision = "3f9a1c07b2d4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA shop")
    op.execute("COMMENT ON SCHEMA shop IS 'Catalogue, customers and orders'")
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), primary_key=True),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("shop.categories.id")),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False, unique=True),
        schema="shop",
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), primary_key=True),
        sa.Column("sku", sa.Text(), nullable=False, unique=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("category_id", sa.Integer(), sa.ForeignKey("shop.categories.id"), nullable=False),
        sa.Column("price", sa.Numeric(10, 2), nullable=False),
        sa.Column("currency", sa.CHAR(3), server_default="EUR", nullable=False),
        sa.Column("attributes", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.Column("discontinued", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("price >= 0", name="products_price_check"),
        schema="shop",
    )
    op.create_index("products_category_id_idx", "products", ["category_id"], schema="shop")
    op.create_table(
        "inventory",
        sa.Column("product_id", sa.Integer(), sa.ForeignKey("shop.products.id"), primary_key=True),
        sa.Column("warehouse", sa.Text(), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("on_hand >= 0", name="inventory_on_hand_check"),
        schema="shop",
    )


def downgrade() -> None:
    op.drop_table("inventory", schema="shop")
    op.drop_table("products", schema="shop")
    op.drop_table("categories", schema="shop")
    op.execute("DROP SCHEMA shop")
