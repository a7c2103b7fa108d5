"""merge billing and analytics branches

Revision ID: 0b7d5e2c4f19
Revises: 2d6b9f3e7a15, a9e4b1f6c283
Create Date: 2025-04-14 13:02:48.118734

"""

# revision identifiers, used by Alembic.
revision = "0b7d5e2c4f19"
down_revision = ("2d6b9f3e7a15", "a9e4b1f6c283")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
