"""add loyalty tier to customers

Revision ID: d83f6a1b9c25
Revises: 6c0d2e8f4a17
Create Date: 2025-06-17 10:44:31.562908

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d83f6a1b9c25"
down_revision = "6c0d2e8f4a17"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "customers",
        sa.Column("loyalty_tier", sa.Text(), server_default="bronze", nullable=False),
        schema="shop",
    )
    op.create_check_constraint(
        "customers_loyalty_tier_check",
        "customers",
        "loyalty_tier IN ('bronze', 'silver', 'gold')",
        schema="shop",
    )


def downgrade() -> None:
    op.drop_constraint("customers_loyalty_tier_check", "customers", schema="shop")
    op.drop_column("customers", "loyalty_tier", schema="shop")
