-- The keyword funnel: from one day of messages to the ones that matter.
-- Runs after test/demo.sql (table posts: 250,000 demo messages).
\pset footer off
\set ON_ERROR_STOP 1
SET search_path = public, clientele;

\echo
\echo '=== Keyword queries: the listening-tool syntax, matched by @~> ==='
SELECT q AS query, q::clientele.kwquery AS canonical_form,
       (SELECT count(*) FROM posts WHERE body @~> q::clientele.kwquery) AS messages
  FROM (VALUES ('rosélia OR "eclat celeste" OR "lumière paris"'),
               ('(rosélia OR "eclat celeste") -concours -gratuit'),
               ('livraison NEAR/3 (retard OR lente) lang:fr'),
               ('#EclatCeleste OR @roselia_cosmetics'),
               ('rembours* OR refund*'),
               ('"customer service"~2 (never OR jamais)')) AS t(q);
SELECT clientele.highlight(body, 'rosélia OR "eclat celeste" OR déçu* OR disappointed', '[', ']') AS highlighted
  FROM posts WHERE body @~> '(rosélia OR "eclat celeste") (déçu* OR disappointed)' ORDER BY id LIMIT 4;

\echo
\echo '=== Themes: one automaton per theme set ==='
INSERT INTO clientele.theme_set (name, description) VALUES ('beauty care', 'What cosmetics customers talk about');
INSERT INTO clientele.theme (theme_set, name, query, parent, priority) VALUES
  ('beauty care', 'delivery', 'livraison OR colis OR commande OR delivery OR parcel OR order* OR shipping', NULL, 30),
  ('beauty care', 'late delivery', '(retard OR "toujours pas" OR late OR "still not" OR "where is") -rapide -fast', 'delivery', 40),
  ('beauty care', 'customer service', '"service client" OR sav OR "customer service" OR support OR rembours* OR refund*', NULL, 35),
  ('beauty care', 'skin reaction', 'allergie OR boutons OR irritation OR rougeurs OR allergic OR rash OR breakout*', NULL, 50),
  ('beauty care', 'price', 'prix OR cher OR promo* OR price OR expensive OR "rip off" OR #ripoff', NULL, 20),
  ('beauty care', 'texture and hold', 'texture OR tenue OR tient OR gras OR collant OR paquets OR greasy OR sticky OR clumps OR lasts', NULL, 25),
  ('beauty care', 'scent', 'odeur OR parfum OR sent OR smell* OR scent OR perfume', NULL, 10);
SELECT name, parent, priority, query FROM clientele.theme WHERE theme_set = 'beauty care' ORDER BY priority DESC;

\echo
\echo '=== The funnel of the day: 250,000 messages, a keyword pass, near-duplicates, themes, significance ==='
INSERT INTO clientele.funnel (name, description, theme_set) VALUES
  ('beauty daily', 'Our three cosmetics brands, what customers say about them', 'beauty care');
INSERT INTO clientele.funnel_stage (funnel, stage, kind, query, threshold, top_n) VALUES
  ('beauty daily', 1, 'keyword', '(rosélia OR "eclat celeste" OR "lumière paris") -concours -gratuit -giveaway', NULL, NULL),
  ('beauty daily', 2, 'dedupe', NULL, NULL, NULL),
  ('beauty daily', 3, 'theme', NULL, NULL, NULL),
  ('beauty daily', 4, 'significance', NULL, 0.45, NULL),
  ('beauty daily', 5, 'top', NULL, NULL, 1000);
\timing on
SELECT * FROM clientele.funnel_report('beauty daily', 'posts');
CREATE TABLE top_messages AS SELECT * FROM clientele.funnel_run('beauty daily', 'posts');
\timing off

\echo
\echo '=== The 1,000 that matter, by theme ==='
SELECT theme, count(*) AS messages, round(avg(sentiment)::numeric, 3) AS mean_sentiment,
       round(avg(significance)::numeric, 3) AS mean_significance
  FROM top_messages GROUP BY theme ORDER BY messages DESC;
SELECT theme, round(significance::numeric, 3) AS significance, round(sentiment::numeric, 2) AS sentiment,
       p.reach, left(p.body, 80) AS message
  FROM (SELECT t.*, row_number() OVER (PARTITION BY t.theme ORDER BY t.significance DESC, t.id) AS r FROM top_messages t) t
  JOIN posts p USING (id)
 WHERE r <= 2 ORDER BY theme, r;

\echo
\echo '=== Near-duplicates: retweets and copy-paste campaigns, one SQL statement ==='
WITH fp AS (SELECT id, body, clientele.simhash(body) AS fp FROM posts WHERE id <= 20000),
     bands AS (SELECT id, fp, unnest(clientele.simhash_bands(fp, 3)) AS band FROM fp),
     pairs AS (SELECT a.id, min(b.id) AS original FROM bands a JOIN bands b ON a.band = b.band AND b.id < a.id
                WHERE clientele.hamming(a.fp, b.fp) <= 3 GROUP BY a.id)
SELECT count(*) AS near_duplicates_in_20000,
       count(*) FILTER (WHERE p.dup_of IS NOT NULL) AS of_which_planted_by_the_generator
  FROM pairs JOIN posts p USING (id);
DROP TABLE top_messages;
