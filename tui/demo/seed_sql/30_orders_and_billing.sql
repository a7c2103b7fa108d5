-- A year of orders with their lines, invoices, monthly-partitioned payments
-- and support notes. Order ids grow with placed_at, as in a real shop.

SELECT setseed(0.43);

CREATE TEMP TABLE seed_lines ON COMMIT PRESERVE ROWS AS
SELECT o AS order_id, l::smallint AS line_no, p.id AS product_id,
       1 + (o + l) % 3 AS quantity, p.price AS unit_price
FROM generate_series(1, 120000) AS o
CROSS JOIN LATERAL generate_series(1, 1 + (o * 7) % 4) AS l
JOIN shop.products AS p ON p.id = 1 + (o * 31 + l * 97) % 400;

INSERT INTO shop.orders (id, customer_id, status, placed_at, shipping_address, total, currency)
SELECT o.order_id, c.customer_id, s.status, o.placed_at,
       jsonb_build_object(
           'name', CASE WHEN c.family_name_first THEN c.last_name || c.first_name
                        ELSE c.first_name || ' ' || c.last_name END,
           'street', (o.order_id % 180 + 1) || ' ' || (ARRAY['Hauptstraße', 'Rue de l''Église', 'Calle Mayor',
                     '本町通り', 'Storgatan', 'High Street', 'ulica Długa'])[1 + o.order_id % 7],
           'city', c.city, 'postcode', lpad(((o.order_id * 7) % 99999)::text, 5, '0'),
           'country', c.country),
       o.total, 'EUR'
FROM (SELECT order_id, sum(quantity * unit_price) AS total,
             now() - interval '365 days' * (1 - order_id / 120000.0)
                 + random() * interval '40 minutes' AS placed_at
      FROM seed_lines GROUP BY order_id) AS o
JOIN seed_people AS c ON c.n = 1 + (o.order_id * 7919) % 20000
CROSS JOIN LATERAL (SELECT CASE
        WHEN o.placed_at > now() - interval '1 day'
            THEN (ARRAY['pending', 'paid'])[1 + o.order_id % 2]
        WHEN o.placed_at > now() - interval '5 days' THEN 'shipped'
        WHEN o.order_id % 41 = 0 THEN 'cancelled'
        WHEN o.order_id % 67 = 0 THEN 'refunded'
        ELSE 'delivered' END::shop.order_status AS status) AS s;
SELECT setval(pg_get_serial_sequence('shop.orders', 'id'), 120000);

INSERT INTO shop.order_items (order_id, line_no, product_id, quantity, unit_price)
SELECT order_id, line_no, product_id, quantity, unit_price FROM seed_lines;

INSERT INTO billing.invoices (order_id, number, status, issued_at, due_on, amount, currency, tax_details)
SELECT o.id,
       'INV-' || to_char(o.placed_at, 'YYYY') || '-' || lpad(o.id::text, 7, '0'),
       CASE WHEN o.status = 'refunded' THEN 'void'
            WHEN o.status = 'paid' AND o.id % 5 = 0 THEN 'open'
            WHEN o.id % 211 = 0 THEN 'uncollectible'
            WHEN o.id % 97 = 0 THEN 'open'
            ELSE 'paid' END,
       o.placed_at + interval '5 minutes',
       (o.placed_at + interval '30 days')::date,
       o.total, o.currency,
       jsonb_build_object('rate', t.rate, 'vat', round(o.total * t.rate / (1 + t.rate), 2),
                          'country', o.shipping_address ->> 'country')
FROM shop.orders AS o
CROSS JOIN LATERAL (SELECT CASE o.shipping_address ->> 'country'
        WHEN 'DE' THEN 0.19 WHEN 'FR' THEN 0.20 WHEN 'ES' THEN 0.21 WHEN 'SE' THEN 0.25
        WHEN 'PL' THEN 0.23 ELSE 0 END AS rate) AS t
WHERE o.status NOT IN ('pending', 'cancelled');

INSERT INTO billing.payments (invoice_id, paid_at, amount, method, provider_response)
SELECT i.id, least(i.issued_at + random() * interval '3 days', now()), i.amount, m.method,
       jsonb_build_object('provider', m.provider,
                          'reference', m.prefix || substr(md5(i.number), 1, 14),
                          'three_d_secure', m.method = 'card',
                          'card', CASE WHEN m.method = 'card' THEN jsonb_build_object(
                              'brand', (ARRAY['visa', 'mastercard', 'amex'])[1 + i.order_id % 3],
                              'last4', lpad(((i.order_id * 7) % 10000)::text, 4, '0')) END)
FROM billing.invoices AS i
CROSS JOIN LATERAL (SELECT * FROM (VALUES
        (0, 'card', 'stripe', 'ch_'), (1, 'sepa_debit', 'stripe', 'py_'),
        (2, 'paypal', 'paypal', 'PAY-'), (3, 'card', 'adyen', 'psp_')) AS v(k, method, provider, prefix)
    WHERE v.k = i.order_id % 4) AS m
WHERE i.status = 'paid';

INSERT INTO shop."Order Notes" (order_id, author, body, created_at)
SELECT o.id,
       (ARRAY['Zoë (support)', 'Mikael', 'Aiko 佐藤', 'Jean-Noël', 'warehouse-bot'])[1 + n % 5],
       (ARRAY['Kunde bittet um Lieferung nach 18 Uhr.',
              'Le colis est arrivé abîmé 😞 — remplacement envoyé.',
              'お届け日時の変更をご希望です。',
              'Доставка задерживается на два дня.',
              'Gift wrap please 🎁 and no invoice in the parcel.',
              'Customer called twice, escalated ⚠️',
              'Cliente pide factura con NIF.',
              '客户要求开具发票。',
              'Bitte nicht klingeln 🔕 Baby schläft.',
              'Payment retried after 3-D Secure failure.',
              'Adres: ul. Długa 5/12, 80-827 Gdańsk.',
              'Παράδοση στο γραφείο, όχι στο σπίτι.'])[1 + (n * 7) % 12],
       o.placed_at + (n % 72) * interval '1 hour'
FROM generate_series(1, 3000) AS n
JOIN shop.orders AS o ON o.id = 1 + (n * 39989) % 120000;
