-- Views, a materialized view, and statistics so row estimates are right at once.

CREATE VIEW shop.order_summaries AS
SELECT o.id AS order_id, o.placed_at, o.status, c.full_name AS customer, c.country_code,
       count(i.line_no) AS lines, sum(i.quantity) AS items, o.total, o.currency
FROM shop.orders AS o
JOIN shop.customers AS c ON c.id = o.customer_id
LEFT JOIN shop.order_items AS i ON i.order_id = o.id
GROUP BY o.id, c.id;
COMMENT ON VIEW shop.order_summaries IS 'One row per order with its customer and line counts';

CREATE VIEW shop.low_stock AS
SELECT p.sku, p.name, inv.warehouse, inv.on_hand, inv.reserved, inv.on_hand - inv.reserved AS available
FROM shop.inventory AS inv
JOIN shop.products AS p ON p.id = inv.product_id
WHERE NOT p.discontinued AND inv.on_hand - inv.reserved < 10;

CREATE VIEW billing.outstanding_invoices AS
SELECT i.number, i.status, i.issued_at, i.due_on, i.amount, i.currency,
       c.full_name AS customer, c.email,
       greatest(current_date - i.due_on, 0) AS days_overdue
FROM billing.invoices AS i
JOIN shop.orders AS o ON o.id = i.order_id
JOIN shop.customers AS c ON c.id = o.customer_id
WHERE i.status IN ('open', 'uncollectible');

CREATE MATERIALIZED VIEW analytics.daily_event_counts AS
SELECT occurred_at::date AS day, event_type, count(*) AS events,
       count(DISTINCT customer_id) AS customers
FROM analytics.events
GROUP BY 1, 2
WITH DATA;
CREATE UNIQUE INDEX daily_event_counts_day_type_idx ON analytics.daily_event_counts (day, event_type);
COMMENT ON MATERIALIZED VIEW analytics.daily_event_counts IS
    'Events and distinct customers per day and type; refresh concurrently';

CREATE VIEW analytics.conversion_funnel AS
SELECT day,
       sum(customers) FILTER (WHERE event_type = 'product_view') AS viewed,
       sum(customers) FILTER (WHERE event_type = 'add_to_cart') AS added_to_cart,
       sum(customers) FILTER (WHERE event_type = 'purchase') AS purchased
FROM analytics.daily_event_counts
GROUP BY day;

CREATE TABLE public.alembic_version (
    version_num varchar(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
