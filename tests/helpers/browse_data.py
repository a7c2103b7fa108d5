"""Fixed data for the browse and catalog tests: hostile names, keys of every shape."""

from __future__ import annotations

HOSTILE_SCHEMA = 'My "Schema"; DROP'
HOSTILE_TABLE = "select * from 表 🚀"

SETUP = f"""
CREATE SCHEMA shop;
CREATE TABLE shop.customers (id int PRIMARY KEY, name text, note text);
INSERT INTO shop.customers SELECT g, 'customer ' || g, CASE WHEN g % 3 = 0 THEN NULL WHEN g % 3 = 1 THEN '' ELSE 'n' END
  FROM generate_series(1, 250) g;
CREATE TABLE shop.orders (id uuid PRIMARY KEY, customer_id int REFERENCES shop.customers, total numeric(10,2),
                          placed timestamptz NOT NULL DEFAULT '2024-01-02 03:04:05+00');
INSERT INTO shop.orders SELECT md5(g::text)::uuid, 1 + g % 250, g * 1.5, '2024-01-02 03:04:05+00'
  FROM generate_series(1, 1000) g;
CREATE TABLE shop.lines (order_id uuid, line int, qty int, PRIMARY KEY (order_id, line));
INSERT INTO shop.lines SELECT md5((g / 3)::text)::uuid, g % 3, g FROM generate_series(3, 602) g;
CREATE TABLE shop.heap (a int, b text);
INSERT INTO shop.heap SELECT g, 'h' || g FROM generate_series(1, 130) g;
CREATE VIEW shop.big_orders AS SELECT * FROM shop.orders WHERE total > 1000;
CREATE TABLE shop.events (id int NOT NULL, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE shop.events_2024 PARTITION OF shop.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE shop.events_2025 PARTITION OF shop.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO shop.events SELECT g, date '2024-06-01' + g FROM generate_series(1, 400) g;
CREATE TABLE shop.docs (id int PRIMARY KEY, body jsonb, big text, raw bytea, wide text, tags text[]);
INSERT INTO shop.docs VALUES
  (1, '{{"a": 1, "b": [true, null, "x"]}}', repeat('x', 2 * 1024 * 1024), '\\xdeadbeef', '漢字テスト🚀', '{{a,b}}'),
  (2, NULL, '', NULL, 'abc', NULL);
CREATE SEQUENCE shop.ticket_seq;
CREATE FUNCTION shop.add(a int, b int) RETURNS int LANGUAGE sql AS 'SELECT a + b';
CREATE SCHEMA "{HOSTILE_SCHEMA.replace('"', '""')}";
CREATE TABLE "{HOSTILE_SCHEMA.replace('"', '""')}"."{HOSTILE_TABLE}" (
  "Order" int PRIMARY KEY, "we""ird col" text, "ünï" text);
INSERT INTO "{HOSTILE_SCHEMA.replace('"', '""')}"."{HOSTILE_TABLE}"
  SELECT g, 'v' || g, 'ü' FROM generate_series(1, 5) g;
ANALYZE;
"""
