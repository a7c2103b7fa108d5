"""analytics: daily_event_counts materialized view and conversion funnel

Revision ID: a9e4b1f6c283
Revises: 5f3c7d2a9e61
Create Date: 2025-04-09 08:30:12.447301

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a9e4b1f6c283"
down_revision = "5f3c7d2a9e61"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE MATERIALIZED VIEW analytics.daily_event_counts AS
        SELECT occurred_at::date AS day, event_type, count(*) AS events,
               count(DISTINCT customer_id) AS customers
        FROM analytics.events
        GROUP BY 1, 2
        WITH DATA
        """
    )
    op.execute(
        "COMMENT ON MATERIALIZED VIEW analytics.daily_event_counts IS "
        "'Events and distinct customers per day and type; refresh concurrently'"
    )
    # Unique index so the nightly job can REFRESH ... CONCURRENTLY.
    op.create_index(
        "daily_event_counts_day_type_idx",
        "daily_event_counts",
        ["day", "event_type"],
        unique=True,
        schema="analytics",
    )
    op.execute(
        """
        CREATE VIEW analytics.conversion_funnel AS
        SELECT day,
               sum(customers) FILTER (WHERE event_type = 'product_view') AS viewed,
               sum(customers) FILTER (WHERE event_type = 'add_to_cart') AS added_to_cart,
               sum(customers) FILTER (WHERE event_type = 'purchase') AS purchased
        FROM analytics.daily_event_counts
        GROUP BY day
        """
    )


def downgrade() -> None:
    op.execute("DROP VIEW analytics.conversion_funnel")
    op.execute("DROP MATERIALIZED VIEW analytics.daily_event_counts")
