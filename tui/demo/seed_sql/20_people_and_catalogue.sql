-- Users, customers (names in many scripts), categories, products and stock.
-- Data is generated server-side; setseed makes every seed identical.

SELECT setseed(0.42);

CREATE TEMP TABLE seed_locales (country char(2), locale text, first_names text[], last_names text[],
                                cities text[], family_name_first boolean) ON COMMIT PRESERVE ROWS;
INSERT INTO seed_locales VALUES
    ('DE', 'de', '{Jürgen,Anna,Lukas,Sophie,Jörg,Käthe}', '{Müller,Schröder,Weiß,Groß,Köhler}', '{München,Köln,Düsseldorf,Lübeck}', false),
    ('FR', 'fr', '{Chloé,François,Hélène,Loïc,Zoë,Anaïs}', '{Lefèvre,Dubois,Moreau,Girard,Bézier}', '{Besançon,Orléans,Nîmes,Paris}', false),
    ('ES', 'es', '{José,Ana,Begoña,Iñaki,María,Íñigo}', '{Núñez,García,Muñoz,Peña,Ibáñez}', '{A Coruña,Málaga,Logroño,Cádiz}', false),
    ('JP', 'ja', '{美咲,太郎,陽菜,蓮,結衣}', '{山田,佐藤,鈴木,高橋,渡辺}', '{東京,大阪,京都,札幌}', true),
    ('CN', 'zh', '{伟,芳,娜,秀英,敏}', '{王,李,张,刘,陈}', '{北京,上海,深圳,成都}', true),
    ('RU', 'ru', '{Ольга,Иван,Дмитрий,Анна,Сергей}', '{Петрова,Смирнов,Кузнецов,Попова,Волков}', '{Москва,Казань,Новосибирск}', false),
    ('GR', 'el', '{Νίκος,Ελένη,Γιώργος,Μαρία}', '{Παπαδόπουλος,Οικονόμου,Γεωργίου}', '{Αθήνα,Θεσσαλονίκη,Πάτρα}', false),
    ('SE', 'sv', '{Åsa,Sören,Björn,Märta,Linnéa}', '{Lindqvist,Åberg,Öberg,Johansson}', '{Göteborg,Malmö,Västerås,Umeå}', false),
    ('PL', 'pl', '{Łukasz,Małgorzata,Wojciech,Zofia}', '{Kowalski,Wiśniewska,Dąbrowski,Żak}', '{Łódź,Kraków,Gdańsk,Wrocław}', false),
    ('TR', 'tr', '{Gökhan,Ayşe,Çağla,Emre}', '{Öztürk,Yılmaz,Şahin,Çelik}', '{İstanbul,İzmir,Ankara}', false),
    ('US', 'en', '{Emily,James,Olivia,Noah,Ava,Liam}', '{Smith,Johnson,O''Brien,Williams,Brown}', '{Boston,Austin,Portland,Denver}', false),
    ('GB', 'en', '{Siobhán,Oliver,Amelia,Rhys}', '{Ó Briain,Taylor,Evans,Davies}', '{Cardiff,Leeds,Belfast,Bristol}', false),
    ('IN', 'en', '{Priya,Arjun,Ananya,Rohan}', '{Sharma,Patel,Iyer,Reddy}', '{Bengaluru,Pune,Chennai}', false),
    ('NG', 'en', '{Chidi,Ngozi,Olúwaseun,Amaka}', '{Okafor,Adéyẹmí,Eze,Bello}', '{Lagos,Abuja,Ibadan}', false);

-- One row per generated person; customers 1..6000 also have a sign-in user.
CREATE TEMP TABLE seed_people ON COMMIT PRESERVE ROWS AS
SELECT n,
       l.country, l.locale, p.first_name, p.last_name, l.family_name_first,
       l.cities[1 + (n * 7) % cardinality(l.cities)] AS city,
       gen_random_uuid() AS customer_id,
       CASE WHEN n <= 6000 THEN gen_random_uuid() END AS user_id,
       now() - interval '3 years' * (1 - n / 20000.0) AS created_at
FROM generate_series(1, 20000) AS n
CROSS JOIN LATERAL (SELECT * FROM seed_locales ORDER BY country
                    OFFSET (n * 31) % 14 LIMIT 1) AS l
CROSS JOIN LATERAL (SELECT l.first_names[1 + (n * 13) % cardinality(l.first_names)] AS first_name,
                           l.last_names[1 + (n * 17) % cardinality(l.last_names)] AS last_name) AS p;
ALTER TABLE seed_people ADD PRIMARY KEY (n);

-- Latin letters folded to ASCII for e-mail addresses; other scripts get a number.
CREATE FUNCTION pg_temp.mail_name(name text, n int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN folded ~ '^[a-z]+$' THEN folded || n ELSE 'customer' || n END
    FROM (SELECT translate(lower(replace(replace(name, ' ', ''), '''', '')),
                           'äöüßéèêëáàâíìîïóòôõúùûñçøåłśżźćńğşıįšžčẹÅÄÖÜŁÇÉÓŻŚ',
                           'aouseeeeaaaiiiioooouuuncoalszzcngsiiszceaaoulceozs') AS folded) AS f
$$;

INSERT INTO auth.roles (id, name, description) VALUES
    (1, 'customer', 'Can place orders'),
    (2, 'support', 'Can read orders and write order notes'),
    (3, 'finance', 'Can issue refunds and void invoices'),
    (4, 'admin', 'Everything');

INSERT INTO auth.users (id, email, display_name, locale, is_active, preferences, created_at, last_login_at)
SELECT user_id,
       pg_temp.mail_name(first_name, n) || '@example.' || lower(country),
       CASE WHEN family_name_first THEN last_name || first_name ELSE first_name || ' ' || last_name END,
       locale,
       n % 53 <> 0,
       jsonb_build_object('theme', (ARRAY['dark', 'light', 'system'])[1 + n % 3],
                          'newsletter', n % 4 = 0,
                          'notifications', jsonb_build_object('email', true, 'sms', n % 5 = 0)),
       created_at,
       now() - random() * interval '60 days'
FROM seed_people WHERE user_id IS NOT NULL;

INSERT INTO auth.user_roles (user_id, role_id, granted_at)
SELECT user_id, 1, created_at FROM seed_people WHERE user_id IS NOT NULL
UNION ALL
SELECT user_id, 2 + n % 3, created_at + interval '30 days' FROM seed_people WHERE n <= 40;

INSERT INTO auth.sessions (user_id, created_at, last_seen_at, ip_address, user_agent)
SELECT p.user_id, s.started, s.started + random() * interval '2 hours',
       ('10.' || (n % 250) || '.' || (n * 7 % 250) || '.' || (n * 13 % 250))::inet,
       (ARRAY['Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
              'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15',
              'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148',
              'okhttp/4.12.0'])[1 + n % 4]
FROM seed_people AS p
CROSS JOIN LATERAL (SELECT now() - random() * interval '30 days' AS started) AS s
WHERE p.user_id IS NOT NULL AND p.n % 3 <> 0;

INSERT INTO shop.customers (id, user_id, full_name, email, country_code, city, marketing_opt_in, profile, created_at)
SELECT customer_id, user_id,
       CASE WHEN family_name_first THEN last_name || first_name ELSE first_name || ' ' || last_name END,
       pg_temp.mail_name(first_name, n) || '@example.' || lower(country),
       country, city, n % 3 = 0,
       jsonb_build_object('segment', (ARRAY['new', 'regular', 'vip', 'dormant'])[1 + n % 4],
                          'preferred_language', locale,
                          'tags', CASE WHEN n % 10 = 0 THEN '["wholesale"]'::jsonb ELSE '[]'::jsonb END),
       created_at
FROM seed_people;

INSERT INTO shop.categories (id, parent_id, name, slug) VALUES
    (1, NULL, 'Kitchen', 'kitchen'),
    (2, 1, 'Cookware', 'cookware'),
    (3, 1, 'Coffee & Tea', 'coffee-tea'),
    (4, NULL, 'Food', 'food'),
    (5, 4, 'Pantry', 'pantry'),
    (6, 4, 'Sweets & Pâtisserie', 'sweets'),
    (7, NULL, 'Home', 'home'),
    (8, 7, 'Décor', 'decor'),
    (9, 7, 'Textiles', 'textiles'),
    (10, NULL, 'Gifts 🎁', 'gifts');
SELECT setval(pg_get_serial_sequence('shop.categories', 'id'), 10);

CREATE TEMP TABLE seed_product_kinds (k int, name text, category_id int, base_price numeric)
    ON COMMIT PRESERVE ROWS;
INSERT INTO seed_product_kinds VALUES
    (0, 'Cast-Iron Skillet', 2, 39), (1, 'Crêpe Pan', 2, 29), (2, 'Rösti Pan', 2, 34),
    (3, 'Café Crème Beans', 3, 12), (4, 'Matcha 抹茶 Powder', 3, 18), (5, 'Espresso Cup ☕', 3, 9),
    (6, 'Jalapeño Salsa', 5, 5), (7, 'Kimchi 김치 Jar', 5, 7), (8, 'Herbes de Provence', 5, 6),
    (9, 'Crème Brûlée Kit', 6, 22), (10, 'Mochi もち Box', 6, 14), (11, 'Lebkuchen Tin', 6, 11),
    (12, 'Smørrebrød Board', 8, 31), (13, 'Piñata 🎉', 8, 19), (14, 'Azulejo Tile', 8, 16),
    (15, 'Linen Tea Towel', 9, 8), (16, 'Merino Throw', 9, 79), (17, 'Gift Box 🎁', 10, 25);

INSERT INTO shop.products (id, sku, name, category_id, price, currency, attributes, discontinued, created_at)
SELECT i,
       'SKU-' || lpad(i::text, 5, '0'),
       (ARRAY['Classic', 'Organic', 'Deluxe', 'Mini', 'Artisan', 'Eco', 'Premium', 'Grand'])[1 + i % 8]
           || ' ' || k.name || ', '
           || (ARRAY['small', 'medium', 'large', 'set of 2', 'set of 4', 'XL'])[1 + (i / 72) % 6],
       k.category_id,
       round(k.base_price * (0.7 + (i % 11) / 10.0), 2) - 0.01,
       'EUR',
       jsonb_build_object('colour', (ARRAY['red', 'blue', 'green', 'black', 'natural'])[1 + i % 5],
                          'weight_g', 100 + (i * 37) % 2000,
                          'origin', (ARRAY['DE', 'FR', 'JP', 'IT', 'KR', 'MX'])[1 + i % 6],
                          'dimensions', jsonb_build_object('w', 10 + i % 30, 'h', 5 + i % 20)),
       i % 29 = 0,
       now() - interval '2 years' + i * interval '1 day'
FROM generate_series(1, 400) AS i
JOIN seed_product_kinds AS k ON k.k = i % 18;
SELECT setval(pg_get_serial_sequence('shop.products', 'id'), 400);

INSERT INTO shop.inventory (product_id, warehouse, on_hand, reserved, updated_at)
SELECT id, (ARRAY['Rotterdam', 'Łódź', 'Zaragoza'])[1 + id % 3],
       (id * 37) % 250, (id * 11) % 7, now() - (id % 48) * interval '1 hour'
FROM shop.products;
