-- Themes: theme sets matched in one pass, parents, priorities, refresh.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;

INSERT INTO clientele.theme_set (name, description) VALUES ('service', 'Customer service themes');
INSERT INTO clientele.theme (theme_set, name, query, parent, priority) VALUES
  ('service', 'delivery', 'livraison OR colis OR delivery OR parcel OR shipping', NULL, 10),
  ('service', 'late delivery', 'retard OR late OR "toujours pas" OR "still not"', 'delivery', 20),
  ('service', 'price', 'prix OR cher OR price OR expensive OR "rip off"', NULL, 5),
  ('service', 'refund', 'rembours* OR refund*', NULL, 5),
  ('service', 'praise', '(génial OR top OR love OR adore) -retard -late', NULL, 0);

SELECT m, clientele.themes(m, 'service') AS themes
  FROM (VALUES ('Livraison en retard, toujours pas de colis'),
               ('Trop cher et toujours pas remboursé'),
               ('I love it, fast delivery'),
               ('late again'),
               ('rien à voir'),
               ('Le prix est top, livraison rapide !')) AS t(m);

-- one theme set is one automaton: a change to the table is seen by the next statement
UPDATE clientele.theme SET query = 'retard OR late OR "toujours pas" OR "still not" OR attente'
 WHERE theme_set = 'service' AND name = 'late delivery';
SELECT clientele.themes('colis en attente', 'service') AS after_update;
DELETE FROM clientele.theme WHERE theme_set = 'service' AND name = 'praise';
SELECT clientele.themes('I love it, fast delivery', 'service') AS after_delete;
BEGIN;
TRUNCATE clientele.theme;
SELECT clientele.themes('Livraison en retard', 'service') AS after_truncate;
ROLLBACK;
SELECT clientele.themes('Livraison en retard', 'service') AS after_rollback;

-- the default set (empty until themes are added to it)
SELECT clientele.themes('Livraison en retard') AS default_set;

-- a set of 200 themes, checked against the themes matched one query at a time
INSERT INTO clientele.theme_set (name) VALUES ('big');
INSERT INTO clientele.theme (theme_set, name, query)
SELECT 'big', 'theme ' || lpad(i::text, 3, '0'),
       (SELECT string_agg(w, ' OR ') FROM unnest(ARRAY['livraison', 'prix', 'colis', 'retard', 'love', 'top', 'nul', 'cher',
               'rapide', 'service', 'produit', 'qualité', 'quality', 'delivery', 'price', 'bad', 'good', 'merci', 'jamais', 'encore'])
                 WITH ORDINALITY AS u(w, k) WHERE k % 7 = i % 7 OR k % 11 = i % 11)::clientele.kwquery
  FROM generate_series(1, 200) i;
CREATE TABLE funnel_theme_msgs AS SELECT id, body FROM clientele.demo_messages(2000, 5);
SELECT count(*) AS messages,
       count(*) FILTER (WHERE cardinality(clientele.themes(body, 'big')) > 0) AS with_a_theme,
       count(*) FILTER (WHERE clientele.themes(body, 'big') IS DISTINCT FROM
                        (SELECT coalesce(array_agg(t.name ORDER BY t.priority DESC, t.name), '{}')
                           FROM clientele.theme t WHERE t.theme_set = 'big' AND clientele.matches(m.body, t.query))) AS disagreements
  FROM funnel_theme_msgs m;

-- parallel workers give the same answers (forced parallel plan)
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET force_parallel_mode = on;
EXPLAIN (COSTS OFF) SELECT count(*) FILTER (WHERE cardinality(clientele.themes(body, 'big')) > 0) FROM funnel_theme_msgs;
SELECT count(*) FILTER (WHERE cardinality(clientele.themes(body, 'big')) > 0) AS with_a_theme_parallel FROM funnel_theme_msgs;
RESET force_parallel_mode; RESET parallel_setup_cost; RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size; RESET max_parallel_workers_per_gather;

-- a user without privileges can use themes
CREATE ROLE funnel_theme_reader;
SET ROLE funnel_theme_reader;
SELECT clientele.themes('Livraison en retard', 'service') AS as_plain_user;
RESET ROLE;
DROP ROLE funnel_theme_reader;

-- errors
SELECT clientele.themes('x', 'no such set');
INSERT INTO clientele.theme (theme_set, name, query) VALUES ('service', 'bad', 'a NEAR/ b');
INSERT INTO clientele.theme (theme_set, name, query) VALUES ('nowhere', 'x', 'a');
INSERT INTO clientele.theme (theme_set, name, query, parent) VALUES ('service', 'orphan', 'a', 'missing');
SELECT clientele.themes('a', 'service');
UPDATE clientele.theme SET parent = 'refund' WHERE theme_set = 'service' AND name = 'orphan';
UPDATE clientele.theme SET parent = 'orphan' WHERE theme_set = 'service' AND name = 'refund';
SELECT clientele.themes('a', 'service');
DELETE FROM clientele.theme WHERE theme_set = 'service' AND name = 'orphan';
UPDATE clientele.theme SET parent = NULL WHERE theme_set = 'service' AND name = 'refund';
SELECT clientele.themes(NULL, 'service') IS NULL AS null_message;

DELETE FROM clientele.theme_set WHERE name IN ('service', 'big');
DROP TABLE funnel_theme_msgs;
