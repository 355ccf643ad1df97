-- The keyword index access method: every query form through the index gives
-- the rows of a sequential scan; the planner's choices; maintenance; errors.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;
SET search_path = public, clientele;

CREATE TABLE kwdocs AS SELECT id, brand, lang, body FROM clientele.demo_messages(4000);
INSERT INTO kwdocs (id, body) VALUES
  (100001, 'J''adore L''Oréal, vraiment #coupdecoeur @marque 😍'),
  (100002, 'l''oreal paris: livraison rapide et soignée'),
  (100003, 'Livraison vraiment très rapide, merci @Marque'),
  (100004, 'rapide la livraison mais colis abîmé 😡 #fail'),
  (100005, 'GÉNIAAAAL ce rouge à lèvres $TSLA'),
  (100006, ''),
  (100007, NULL),
  (100008, 'nutella nutella nutella et encore du Nutella');
ANALYZE kwdocs;
CREATE INDEX kwdocs_kw ON kwdocs USING kwindex (body);

-- one query through a sequential scan and through the index (index_scan: the
-- plan with sequential scans disabled uses the index)
CREATE FUNCTION pg_temp.compare(q text, OUT seq_rows bigint, OUT same boolean, OUT index_scan boolean)
LANGUAGE plpgsql AS $$
DECLARE
  a bigint[];
  b bigint[];
  line text;
BEGIN
  PERFORM set_config('enable_seqscan', 'on', true);
  PERFORM set_config('enable_bitmapscan', 'off', true);
  EXECUTE 'SELECT array_agg(id ORDER BY id) FROM kwdocs WHERE body @~> $1' INTO a USING q::clientele.kwquery;
  PERFORM set_config('enable_seqscan', 'off', true);
  PERFORM set_config('enable_bitmapscan', 'on', true);
  EXECUTE 'SELECT array_agg(id ORDER BY id) FROM kwdocs WHERE body @~> $1' INTO b USING q::clientele.kwquery;
  index_scan := false;
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) SELECT id FROM kwdocs WHERE body @~> ' || quote_literal(q) LOOP
    index_scan := index_scan OR line LIKE '%Bitmap Index Scan on kwdocs_kw%';
  END LOOP;
  PERFORM set_config('enable_seqscan', 'on', true);
  seq_rows := coalesce(cardinality(a), 0);
  same := a IS NOT DISTINCT FROM b;
END $$;

CREATE TEMP TABLE forms (q text);
INSERT INTO forms VALUES
  ('crunchoc'), ('sunscreen'), ('nutella'), ('zzzunknownword'),
  ('crunchoc yumi'), ('crunchoc AND #boycott'), ('crunchoc OR sunscreen'), ('yumi OR kaito OR nordvik'),
  ('crunchoc -#boycott'), ('crunchoc NOT 🤬'), ('NOT crunchoc'), ('-crunchoc -yumi'),
  ('"biscuiterie morel"'), ('"morel biscuiterie"'), ('"livraison rapide"'),
  ('glow*'), ('bisc*'), ('n?rdvik'), ('nord*k'), ('gl*o'),
  ('cafe NEAR/2 solano'), ('livraison NEAR/3 rapide'), ('livraison NEAR/3f rapide'),
  ('livraison ONEAR/3 rapide'), ('"livraison rapide"~4'),
  ('#boycott'), ('#coupdecoeur OR #fail'), ('@marque'), ('$tsla'), ('🔥'), ('😍 OR 😡'),
  ('raw:L''Oréal'), ('raw:Crunchoc'), ('loreal'), ('l''oréal'), ('oreal'), ('geniaaal'), ('genial'),
  ('éclat'), ('eclat celeste'), ('lang:fr crunchoc'), ('lang:en crunchoc'),
  ('(crunchoc OR yumi) AND (#fail OR 🤬)'), ('(crunchoc OR NOT yumi) kaito'),
  ('crunchoc OR NOT yumi'), ('NOT (crunchoc OR yumi)'), ('de'), ('de OR the'), ('le la');
SELECT q, (pg_temp.compare(q)).* FROM forms;

-- the planner: the index for selective queries, a sequential scan for broad ones
EXPLAIN (COSTS OFF) SELECT id FROM kwdocs WHERE body @~> 'sunscreen';
EXPLAIN (COSTS OFF) SELECT id FROM kwdocs WHERE body @~> 'crunchoc AND #boycott';
EXPLAIN (COSTS OFF) SELECT id FROM kwdocs WHERE body @~> 'NOT crunchoc';
EXPLAIN (COSTS OFF) SELECT id FROM kwdocs WHERE body @~> 'de OR the OR le';
-- the row estimate of @~> (clientele.kwquery_match_sel) reads the index's
-- row counts: a term, a hashtag and a prefix are estimated at their true
-- counts (counted here by sequential scan); NOT at the other rows, the NULL
-- row included; raw: by its folded key (an upper bound); a phrase as the AND
-- of independent words
CREATE FUNCTION pg_temp.estimate(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE j json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) SELECT id FROM kwdocs WHERE body @~> ' || quote_literal(q) INTO j;
  RETURN (j -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END $$;
SET enable_bitmapscan = off;
SELECT q, pg_temp.estimate(q) AS estimated, count(d.id) AS actual
  FROM (VALUES ('crunchoc'), ('sunscreen'), ('#fail'), ('nutella'), ('livr*'), ('NOT crunchoc'),
               ('raw:Crunchoc'), ('"livraison rapide"')) v(q)
  LEFT JOIN kwdocs d ON d.body @~> v.q::clientele.kwquery
 GROUP BY q ORDER BY q COLLATE "C";
RESET enable_bitmapscan;
-- a NULL query matches nothing, through the index too
SET enable_seqscan = off;
SELECT count(*) FROM kwdocs WHERE body @~> NULL::clientele.kwquery;
RESET enable_seqscan;

-- structure and contents: every row with a text is found (heap_rows counted independently)
SELECT c.pending_rows, c.heap_rows = (SELECT count(*) FROM kwdocs WHERE body IS NOT NULL) AS all_rows_checked
  FROM clientele.kw_index_check('kwdocs_kw') c;

-- inserts go to the insert buffer, and are found
INSERT INTO kwdocs (id, body)
SELECT 200000 + i, 'nouvelle commande crunchoc numéro ' || i || CASE WHEN i % 3 = 0 THEN ' #fail' ELSE '' END
  FROM generate_series(1, 300) i;
SELECT pending_rows FROM clientele.kw_index_check('kwdocs_kw');
SELECT q, (pg_temp.compare(q)).* FROM (VALUES ('crunchoc'), ('crunchoc #fail'), ('commande NEAR/2 numero'),
  ('nouv*'), ('crunchoc -commande'), ('NOT commande')) v(q);

-- updates, deletes and VACUUM: the insert buffer is merged, dead rows leave
UPDATE kwdocs SET body = body || ' mise à jour sunscreen' WHERE id % 10 = 1;
DELETE FROM kwdocs WHERE id % 7 = 0;
VACUUM kwdocs;
SELECT c.pending_rows, c.heap_rows = (SELECT count(*) FROM kwdocs WHERE body IS NOT NULL) AS all_rows_checked
  FROM clientele.kw_index_check('kwdocs_kw') c;
SELECT q, (pg_temp.compare(q)).* FROM (VALUES ('crunchoc'), ('sunscreen'), ('mise NEAR/2 jour'),
  ('crunchoc -commande'), ('#fail'), ('bisc*')) v(q);
-- space is reused: another update/vacuum cycle does not keep growing the index
UPDATE kwdocs SET body = body || ' encore' WHERE id % 10 = 2;
VACUUM kwdocs;
SELECT pg_relation_size('kwdocs_kw') AS size1 \gset
UPDATE kwdocs SET body = body || ' encore' WHERE id % 10 = 3;
VACUUM kwdocs;
UPDATE kwdocs SET body = body || ' encore' WHERE id % 10 = 4;
VACUUM kwdocs;
SELECT pg_relation_size('kwdocs_kw') <= :size1 * 1.3 AS space_reused;

-- REINDEX and REINDEX CONCURRENTLY
REINDEX INDEX kwdocs_kw;
SELECT heap_rows = (SELECT count(*) FROM kwdocs WHERE body IS NOT NULL) AS ok FROM clientele.kw_index_check('kwdocs_kw');
REINDEX INDEX CONCURRENTLY kwdocs_kw;
SELECT heap_rows = (SELECT count(*) FROM kwdocs WHERE body IS NOT NULL) AS ok FROM clientele.kw_index_check('kwdocs_kw');
SELECT q, (pg_temp.compare(q)).* FROM (VALUES ('crunchoc'), ('"biscuiterie morel"'), ('glow*')) v(q);

-- a build beyond maintenance_work_mem spills sorted runs and gives the same index
CREATE TABLE kwbig AS SELECT id, body FROM clientele.demo_messages(12000);
SET maintenance_work_mem = '1MB';
CREATE INDEX kwbig_spilled ON kwbig USING kwindex (body);
RESET maintenance_work_mem;
SELECT heap_rows = 12000 AS all_rows FROM clientele.kw_index_check('kwbig_spilled');
CREATE TABLE kwbig_counts AS
SELECT q, (SELECT count(*) FROM kwbig WHERE body @~> q::clientele.kwquery) AS n
  FROM (VALUES ('crunchoc'), ('bisc*'), ('"cafe solano"'), ('#boycott -crunchoc')) v(q);
SET enable_seqscan = off;
SELECT q, n = (SELECT count(*) FROM kwbig WHERE body @~> q::clientele.kwquery) AS same FROM kwbig_counts;
RESET enable_seqscan;
-- so does a VACUUM merging a large insert buffer: every count doubles
INSERT INTO kwbig SELECT id + 100000, body FROM kwbig;
SET maintenance_work_mem = '1MB';
VACUUM kwbig;
RESET maintenance_work_mem;
SET enable_seqscan = off;
SELECT q, 2 * n = (SELECT count(*) FROM kwbig WHERE body @~> q::clientele.kwquery) AS doubled FROM kwbig_counts;
RESET enable_seqscan;
SELECT pending_rows, heap_rows = 24000 AS all_rows FROM clientele.kw_index_check('kwbig_spilled');

-- an index on a text expression
CREATE INDEX kwdocs_brand_body ON kwdocs USING kwindex ((coalesce(brand, '') || ' ' || body));
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM kwdocs WHERE (coalesce(brand, '') || ' ' || body) @~> 'nordvik';
SELECT count(*) = (SELECT count(*) FROM kwdocs WHERE clientele.matches(coalesce(brand, '') || ' ' || body, 'nordvik'))
  AS same FROM kwdocs WHERE (coalesce(brand, '') || ' ' || body) @~> 'nordvik';
RESET enable_seqscan;
DROP INDEX kwdocs_brand_body;

-- an unlogged table (its index has an init fork written by ambuildempty)
CREATE UNLOGGED TABLE kwunlogged (id int, body text);
CREATE INDEX kwunlogged_kw ON kwunlogged USING kwindex (body);
INSERT INTO kwunlogged SELECT i, 'colis numéro ' || i FROM generate_series(1, 50) i;
SET enable_seqscan = off;
SELECT count(*) FROM kwunlogged WHERE body @~> 'colis';
RESET enable_seqscan;
-- 50 pending rows; after the merge 52 keys: colis, numero and the 50 numbers
SELECT clientele.detect_language('colis numéro 1') AS no_language_key;
SELECT keys, pending_rows, heap_rows FROM clientele.kw_index_check('kwunlogged_kw');
VACUUM kwunlogged;
SELECT keys, pending_rows, heap_rows FROM clientele.kw_index_check('kwunlogged_kw');

-- a plain user: queries use the index; checking needs SELECT on the table
CREATE ROLE regress_kw_reader;
GRANT USAGE ON SCHEMA public TO regress_kw_reader;
SET ROLE regress_kw_reader;
SELECT * FROM clientele.kw_index_check('kwdocs_kw');
RESET ROLE;
GRANT SELECT ON kwdocs TO regress_kw_reader;
SET ROLE regress_kw_reader;
SELECT heap_rows = (SELECT count(*) FROM kwdocs WHERE body IS NOT NULL) AS checked FROM clientele.kw_index_check('kwdocs_kw');
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM kwdocs WHERE body @~> 'crunchoc';
SELECT count(*) FROM kwdocs WHERE body @~> 'crunchoc';
RESET enable_seqscan;
RESET ROLE;
DROP OWNED BY regress_kw_reader;
DROP ROLE regress_kw_reader;

-- the build phases pg_stat_progress_create_index shows
SELECT n, pg_indexam_progress_phasename(a.oid, n) AS phase
  FROM pg_am a, generate_series(1, 5) n WHERE a.amname = 'kwindex';

-- the operator class validator
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'kw_text_ops';
CREATE OPERATOR CLASS pg_temp.bad_ops FOR TYPE text USING kwindex AS OPERATOR 1 = (text, text);
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'bad_ops';

-- bad definitions
CREATE INDEX ON kwdocs USING kwindex (id);
CREATE INDEX ON kwdocs USING kwindex (body text_ops);
CREATE INDEX ON kwdocs USING kwindex (body, brand);
CREATE UNIQUE INDEX ON kwdocs USING kwindex (body);
CREATE INDEX ON kwdocs USING kwindex (body) WITH (fillfactor = 50);
CREATE INDEX kwdocs_btree ON kwdocs (id);
SELECT * FROM clientele.kw_index_check('kwdocs_btree');
SELECT * FROM clientele.kw_index_check('kwdocs');

DROP TABLE kwdocs, kwbig, kwbig_counts, kwunlogged;
