-- Funnels: stage counts checked against the same filters written by hand,
-- significance by hand, errors.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;

-- significance: the formula by hand
SELECT round(clientele.significance(0)::numeric, 4) AS nothing,            -- novelty only: 0.10
       round(clientele.significance(2, 0, -0.5, 999999, 9999)::numeric, 4) AS by_hand,
       round((0.35 * (1 - exp(-1.0)) + 0.25 * 0.5 + 0.20 * 1 + 0.10 * 1 + 0.10) ::numeric, 4) AS expected,
       round(clientele.significance(2, 1)::numeric, 4) AS with_hashtag,
       round((0.35 * (1 - exp(-1.5)) + 0.10)::numeric, 4) AS expected_hashtag,
       clientele.significance(100, 100, 1, 10000000, 10000000) <= 1 AS at_most_one,
       clientele.significance(3, duplicate => true) < clientele.significance(3) AS duplicates_rank_lower,
       clientele.significance(1, w_match => 1, w_sentiment => 0, w_reach => 0, w_engagement => 0, w_novelty => 0)
         = 1 - exp(-0.5) AS match_only;
SELECT clientele.significance(1, w_match => -1);
SELECT clientele.significance(1, w_match => 0, w_sentiment => 0, w_reach => 0, w_engagement => 0, w_novelty => 0);

CREATE TABLE funnel_src AS
SELECT id, body, reach, likes, brand FROM clientele.demo_messages(8000, 11);
INSERT INTO clientele.theme_set (name) VALUES ('test service');
INSERT INTO clientele.theme (theme_set, name, query, priority) VALUES
  ('test service', 'delivery', 'livraison OR colis OR delivery OR parcel OR shipping', 10),
  ('test service', 'price', 'prix OR cher OR price OR expensive OR promo*', 5),
  ('test service', 'quality', 'qualité OR quality OR cassé OR broken OR défaut*', 5);
INSERT INTO clientele.funnel (name, description, theme_set) VALUES ('test', 'a test funnel', 'test service');
INSERT INTO clientele.funnel_stage (funnel, stage, kind, query, lang, theme, max_distance, threshold, top_n) VALUES
  ('test', 10, 'keyword', 'nordvik OR renova OR "eclat celeste" OR yumi* OR #crunchoc', NULL, NULL, NULL, NULL, NULL),
  ('test', 20, 'language', NULL, 'fr', NULL, NULL, NULL, NULL),
  ('test', 30, 'theme', NULL, NULL, NULL, NULL, NULL, NULL),
  ('test', 40, 'dedupe', NULL, NULL, NULL, 7, NULL, NULL),
  ('test', 50, 'significance', NULL, NULL, NULL, NULL, 0.45, NULL),
  ('test', 60, 'top', NULL, NULL, NULL, NULL, NULL, 25);

SELECT * FROM clientele.funnel_report('test', 'funnel_src');

-- the same stages written by hand
CREATE TEMP TABLE s1 AS SELECT * FROM funnel_src WHERE clientele.matches(body, 'nordvik OR renova OR "eclat celeste" OR yumi* OR #crunchoc');
CREATE TEMP TABLE s2 AS SELECT * FROM s1 WHERE clientele.detect_language(body) = 'fr';
CREATE TEMP TABLE s3 AS SELECT *, clientele.themes(body, 'test service') AS themes FROM s2
 WHERE cardinality(clientele.themes(body, 'test service')) > 0;
CREATE TEMP TABLE s4 AS SELECT * FROM s3 a WHERE NOT EXISTS
  (SELECT 1 FROM s3 b WHERE b.id < a.id AND clientele.hamming(clientele.simhash(a.body), clientele.simhash(b.body)) <= 7);
CREATE TEMP TABLE s5 AS SELECT *, clientele.significance(
    (SELECT count(*)::int FROM clientele.match_positions(body, 'nordvik OR renova OR "eclat celeste" OR yumi* OR #crunchoc')),
    (SELECT count(*)::int FROM clientele.match_positions(body, 'nordvik OR renova OR "eclat celeste" OR yumi* OR #crunchoc') m WHERE m.matched LIKE '#%'),
    clientele.sentiment(body), reach, likes) AS sig FROM s4;
SELECT (SELECT count(*) FROM s1) AS keyword, (SELECT count(*) FROM s2) AS language,
       (SELECT count(*) FROM s3) AS theme, (SELECT count(*) FROM s4) AS dedupe,
       (SELECT count(*) FROM s5 WHERE sig >= 0.45) AS significance;
-- the survivors: the top 25 by significance, with their themes and sentiment
SELECT count(*) AS survivors,
       count(*) FILTER (WHERE (r.id, r.themes, r.theme) IN (SELECT id, themes, themes[1] FROM s5)) AS same_themes,
       count(*) FILTER (WHERE abs(r.sentiment - clientele.sentiment(f.body)) < 1e-12) AS same_sentiment,
       count(*) FILTER (WHERE r.id IN (SELECT id FROM s5 WHERE sig >= 0.45 ORDER BY sig DESC, id LIMIT 25)) AS same_top
  FROM clientele.funnel_run('test', 'funnel_src') r JOIN funnel_src f USING (id);
SELECT r.id, r.theme, round(r.sentiment::numeric, 3) AS sentiment, round(r.significance::numeric, 3) AS significance,
       left(f.body, 70) AS body
  FROM clientele.funnel_run('test', 'funnel_src') r JOIN funnel_src f USING (id) ORDER BY r.significance DESC, r.id LIMIT 5;

-- a user without privileges can run a funnel over a table it may read
CREATE ROLE funnel_analyst;
GRANT SELECT ON funnel_src TO funnel_analyst;
SET ROLE funnel_analyst;
SELECT stage, kind, kept FROM clientele.funnel_report('test', 'funnel_src');
RESET ROLE;
REVOKE SELECT ON funnel_src FROM funnel_analyst;
DROP ROLE funnel_analyst;

-- themes and funnels are configuration tables of the extension: pg_dump keeps their rows
SELECT c::regclass AS table, f AS filter
  FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(c, f)
 WHERE e.extname = 'clientele' AND c::regclass::text ~ '(theme|funnel)' ORDER BY c::regclass::text;

-- a query as the source, and a funnel without stages
SELECT * FROM clientele.funnel_report('test', 'SELECT id, body, 0 AS reach, 0 AS likes FROM funnel_src WHERE id <= 1000');
INSERT INTO clientele.funnel (name) VALUES ('empty');
SELECT * FROM clientele.funnel_report('empty', 'funnel_src');
SELECT count(*) FROM clientele.funnel_run('empty', 'funnel_src');

-- errors
SELECT * FROM clientele.funnel_report('no such funnel', 'funnel_src');
SELECT * FROM clientele.funnel_report('test', 'no_such_table');
\set VERBOSITY terse
SELECT * FROM clientele.funnel_report('test', 'SELECT 1 AS id');
\set VERBOSITY default
INSERT INTO clientele.funnel_stage (funnel, stage, kind) VALUES ('test', 70, 'keyword');
INSERT INTO clientele.funnel_stage (funnel, stage, kind, top_n) VALUES ('test', 70, 'top', 0);
INSERT INTO clientele.funnel_stage (funnel, stage, kind, lang) VALUES ('test', 70, 'language', 'de');
INSERT INTO clientele.funnel_stage (funnel, stage, kind) VALUES ('nowhere', 1, 'dedupe');
SELECT clientele.funnel_sql('test', 'funnel_src', 'explain');

DELETE FROM clientele.funnel WHERE name IN ('test', 'empty');
DELETE FROM clientele.theme_set WHERE name = 'test service';
DROP TABLE funnel_src;
