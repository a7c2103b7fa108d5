"""billing: invoices, monthly-partitioned payments, outstanding invoices view

Branches off c47e0a5d1f38 in parallel with the analytics work (5f3c7d2a9e61);
both lines are joined again by the merge revision 0b7d5e2c4f19.

Revision ID: 2d6b9f3e7a15
Revises: c47e0a5d1f38
Create Date: 2025-04-02 10:21:16.004871

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "2d6b9f3e7a15"
down_revision = "c47e0a5d1f38"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA billing")
    op.execute("COMMENT ON SCHEMA billing IS 'Invoices and payments (payments partitioned by month)'")
    op.create_table(
        "invoices",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), primary_key=True),
        sa.Column("order_id", sa.BigInteger(), sa.ForeignKey("shop.orders.id"), nullable=False, unique=True),
        sa.Column("number", sa.Text(), nullable=False, unique=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("currency", sa.CHAR(3), nullable=False),
        sa.Column("tax_details", postgresql.JSONB()),
        sa.CheckConstraint(
            "status IN ('draft', 'open', 'paid', 'void', 'uncollectible')",
            name="invoices_status_check",
        ),
        schema="billing",
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), sa.ForeignKey("billing.invoices.id"), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("provider_response", postgresql.JSONB()),
        sa.PrimaryKeyConstraint("id", "paid_at"),
        schema="billing",
        postgresql_partition_by="RANGE (paid_at)",
    )
    op.create_index("payments_invoice_id_idx", "payments", ["invoice_id"], schema="billing")
    # Month partitions for the past year and the next two months; the billing
    # maintenance job adds new ones, the default partition catches the rest.
    op.execute(
        """
        DO $$
        DECLARE
            month date := date_trunc('month', now() - interval '12 months')::date;
        BEGIN
            WHILE month <= date_trunc('month', now() + interval '2 months') LOOP
                EXECUTE format(
                    'CREATE TABLE billing.%I PARTITION OF billing.payments FOR VALUES FROM (%L) TO (%L)',
                    'payments_' || to_char(month, 'YYYY_MM'), month, month + interval '1 month');
                month := month + interval '1 month';
            END LOOP;
        END
        $$
        """
    )
    op.execute("CREATE TABLE billing.payments_default PARTITION OF billing.payments DEFAULT")
    op.execute(
        """
        CREATE VIEW billing.outstanding_invoices AS
        SELECT i.number, i.status, i.issued_at, i.due_on, i.amount, i.currency,
               c.full_name AS customer, c.email,
               greatest(current_date - i.due_on, 0) AS days_overdue
        FROM billing.invoices AS i
        JOIN shop.orders AS o ON o.id = i.order_id
        JOIN shop.customers AS c ON c.id = o.customer_id
        WHERE i.status IN ('open', 'uncollectible')
        """
    )


def downgrade() -> None:
    op.execute("DROP SCHEMA billing CASCADE")
