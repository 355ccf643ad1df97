-- Funnels and search_path: the three funnel functions pin search_path like
-- every function of the extension, yet resolve the source under the caller's
-- path, and no object in a schema of the caller's path changes their result.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;

SELECT p.oid::regprocedure AS fn, p.proconfig, p.provolatile, p.proparallel
  FROM pg_proc p
 WHERE p.pronamespace = 'clientele'::regnamespace AND p.proname LIKE 'funnel%'
 ORDER BY 1::text;

-- a source in a schema of its own, found through the caller's search_path
CREATE SCHEMA elsewhere;
CREATE TABLE elsewhere.msgs AS
SELECT id, body, reach, likes FROM clientele.demo_messages(3000, 5);
INSERT INTO clientele.theme_set (name) VALUES ('sp themes');
INSERT INTO clientele.theme (theme_set, name, query, priority) VALUES
  ('sp themes', 'price', 'prix OR cher OR price OR expensive OR promo*', 5),
  ('sp themes', 'delivery', 'livraison OR colis OR delivery OR parcel', 10);
INSERT INTO clientele.funnel (name, theme_set) VALUES ('sp', 'sp themes');
INSERT INTO clientele.funnel_stage (funnel, stage, kind, query, lang, theme, max_distance, threshold, top_n) VALUES
  ('sp', 1, 'keyword', 'nordvik OR renova OR yumi* OR #crunchoc', NULL, NULL, NULL, NULL, NULL),
  ('sp', 2, 'language', NULL, 'fr', NULL, NULL, NULL, NULL),
  ('sp', 3, 'theme', NULL, NULL, NULL, NULL, NULL, NULL),
  ('sp', 4, 'dedupe', NULL, NULL, NULL, 3, NULL, NULL),
  ('sp', 5, 'significance', NULL, NULL, NULL, NULL, 0.2, NULL),
  ('sp', 6, 'top', NULL, NULL, NULL, NULL, NULL, 10);

-- the first three stages by hand
SELECT count(*) AS source,
       count(*) FILTER (WHERE k) AS keyword,
       count(*) FILTER (WHERE k AND l) AS language,
       count(*) FILTER (WHERE k AND l AND cardinality(clientele.themes(body, 'sp themes')) > 0) AS theme
  FROM (SELECT body, clientele.matches(body, 'nordvik OR renova OR yumi* OR #crunchoc') AS k,
               clientele.detect_language(body) = 'fr' AS l FROM elsewhere.msgs) x;

SET search_path = elsewhere, public;
CREATE TEMP TABLE clean_report AS SELECT * FROM clientele.funnel_report('sp', 'msgs');
CREATE TEMP TABLE clean_run AS SELECT * FROM clientele.funnel_run('sp', 'msgs');
SELECT * FROM clean_report ORDER BY stage;
SELECT count(*) AS survivors FROM clean_run;
-- a source query names the caller's tables too
SELECT stage, kept FROM clientele.funnel_report('sp', 'SELECT id, body, reach, likes FROM msgs') ORDER BY stage;
-- the caller's setting is untouched afterwards
SHOW search_path;
-- the statement names the table with its schema
SELECT position('FROM elsewhere.msgs src' IN clientele.funnel_sql('sp', 'msgs')) > 0 AS qualified_source;
-- an explicit path, and a source the path does not reach
SELECT count(*) AS stages FROM clientele.funnel_report('sp', 'msgs', 'elsewhere');
SELECT count(*) FROM clientele.funnel_report('sp', 'msgs', 'public');
RESET search_path;
SELECT count(*) FROM clientele.funnel_report('sp', 'msgs');

-- a schema ahead of pg_catalog in the caller's path, with look-alikes of
-- what a funnel statement uses: an = on text that is always true, a
-- cardinality, a starts_with, a count, a >= on float8 and a text type that
-- lie.  The funnel gives the same counts and survivors as before.
CREATE SCHEMA trap;
CREATE FUNCTION trap.always(text, text) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE OPERATOR trap.= (LEFTARG = text, RIGHTARG = text, FUNCTION = trap.always);
CREATE FUNCTION trap.always8(float8, float8) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE OPERATOR trap.>= (LEFTARG = float8, RIGHTARG = float8, FUNCTION = trap.always8);
CREATE FUNCTION trap.cardinality(anyarray) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 1';
CREATE FUNCTION trap.starts_with(text, text) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE AGGREGATE trap.count(*) (SFUNC = int8inc, STYPE = bigint, INITCOND = '1000000');
CREATE DOMAIN trap.text AS pg_catalog.text CHECK (false);
SET search_path = trap, pg_catalog, elsewhere;
SELECT 'fr' = 'en' AS trap_is_live, (SELECT count(*) FROM elsewhere.msgs) AS trap_count;
-- (counted with pg_catalog.count: the trap's count starts at 1,000,000)
SELECT (SELECT pg_catalog.count(*) FROM (SELECT * FROM clientele.funnel_report('sp', 'msgs')
                                         EXCEPT SELECT * FROM clean_report) d) AS report_rows_differing,
       (SELECT pg_catalog.count(*) FROM (SELECT * FROM clientele.funnel_run('sp', 'msgs')
                                         EXCEPT SELECT * FROM clean_run) d) AS run_rows_differing,
       (SELECT pg_catalog.count(*) FROM clientele.funnel_run('sp', 'msgs')) AS survivors,
       (SELECT pg_catalog.count(*) FROM clientele.funnel_report('sp', 'SELECT * FROM msgs')) AS stages;
RESET search_path;
