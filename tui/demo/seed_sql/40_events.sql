-- One million click-stream events over the last 90 days, in time order
-- (so the BRIN index on occurred_at is useful), then indexes.

SELECT setseed(0.44);

INSERT INTO analytics.events (id, occurred_at, customer_id, session_id, event_type, page, properties)
SELECT i,
       now() - interval '90 days' + (i / 1000000.0) * interval '90 days',
       CASE WHEN i % 7 <> 0 THEN c.customer_id END,
       md5(c.n || ':' || i / 25)::uuid,
       e.event_type,
       e.page,
       jsonb_strip_nulls(jsonb_build_object(
           'device', (ARRAY['desktop', 'mobile', 'mobile', 'tablet'])[1 + i % 4],
           'referrer', (ARRAY['google', 'newsletter', 'direct', 'instagram', NULL])[1 + i % 5],
           'duration_ms', (random() * 4000)::int,
           'query', CASE WHEN e.event_type = 'search' THEN
               (ARRAY['crème brûlée', '抹茶', 'café', 'piñata', 'smørrebrød', 'кофе',
                      'gift box', 'キムチ'])[1 + i % 8] END,
           'product_id', CASE WHEN e.event_type IN ('product_view', 'add_to_cart')
                              THEN 1 + (i * 13) % 400 END))
FROM generate_series(1, 1000000) AS i
JOIN seed_people AS c ON c.n = 1 + (i / 25 * 7919) % 20000
CROSS JOIN LATERAL (SELECT CASE WHEN i % 10 < 7 THEN (i / 10) % 7 ELSE i % 10 END + 1 AS k) AS k
CROSS JOIN LATERAL (SELECT
        (ARRAY['page_view', 'page_view', 'product_view', 'search', 'product_view', 'add_to_cart',
               'page_view', 'checkout_started', 'sign_in', 'purchase'])[k.k] AS event_type,
        (ARRAY['/', '/catalogue', '/product', '/search', '/product', '/cart', '/account',
               '/checkout', '/login', '/checkout/done'])[k.k] AS page) AS e;
SELECT setval(pg_get_serial_sequence('analytics.events', 'id'), 1000000);

CREATE INDEX events_occurred_at_brin ON analytics.events USING brin (occurred_at);
CREATE INDEX events_customer_id_occurred_at_idx ON analytics.events (customer_id, occurred_at)
    WHERE customer_id IS NOT NULL;
