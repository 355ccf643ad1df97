#!/usr/bin/env bash
# Parallel speed-up of the extension's per-row functions and aggregates: the
# same query with 0 (leader alone), 1 and 2 parallel workers on the same
# demo data; the leader does not scan (parallel_leader_participation off) in
# the worker runs, so "1 worker" is one process doing the work and
# "2 workers" two.  Run by run.sh inside a throwaway cluster (PG* set).
# Prints times (best of 3), the ratio 1 worker / 2 workers, and the workers
# the planner gave the 2-worker run (from EXPLAIN, so a serial plan cannot
# pass for a parallel one).  On a machine shared with other work the ratio is
# below what two idle cores give; never a timed assertion.
#
# What is measured:
#   sentiment, sentiment_summary, detect_language, normal_form   per message
#   keyword match: body @~> kwquery (a WHERE filter) and matches() (a count)
#   themes(): a theme set of 7 themes matched in one pass per message
#   k-means: kmeans_step() over demo customers' 8 standardised features,
#            k = 8 (CLIENTELE_BENCH_KMEANS_PASSES passes, each one parallel
#            query, from the same seeds)
#   attribution: attribution_models() (all eight models) and
#            attribution_rule_models() over demo paths
#
# CLIENTELE_BENCH_ROWS       demo messages (default 300000)
# CLIENTELE_BENCH_CUSTOMERS  demo customers for k-means (default 200000)
# CLIENTELE_BENCH_PATHS      demo customers whose paths are attributed (default 200000, about 1.3 paths each)
# CLIENTELE_BENCH_KMEANS_PASSES  kmeans_step() passes per timing (default 5)
set -euo pipefail
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
N=${CLIENTELE_BENCH_ROWS:-300000}
C=${CLIENTELE_BENCH_CUSTOMERS:-200000}
P=${CLIENTELE_BENCH_PATHS:-200000}
K=${CLIENTELE_BENCH_KMEANS_PASSES:-5}
psql -X -q -v ON_ERROR_STOP=1 -P pager=off <<SQL
CREATE EXTENSION IF NOT EXISTS clientele;
SET client_min_messages = warning;
SET jit = off;
SET timezone = 'UTC';
DROP TABLE IF EXISTS bench_msgs, bench_customers, bench_purchases, bench_features, bench_seed, bench_paths;
CREATE TABLE bench_msgs AS SELECT id, lang, body FROM clientele.demo_messages($N, 7);
-- the k-means features of docs/clustering.md, standardised
CREATE TABLE bench_customers AS SELECT * FROM clientele.demo_customers($C);
CREATE TABLE bench_purchases AS SELECT customer_id, purchased_at, category, amount FROM clientele.demo_purchases($C);
CREATE TABLE bench_features AS
SELECT c.customer_id,
       ARRAY[count(*) - 1, sum(p.amount), avg(p.amount),
             extract(epoch FROM '2026-03-15'::timestamptz - max(p.purchased_at)) / 86400,
             extract(epoch FROM '2026-03-15'::timestamptz - c.signup_at) / 86400,
             count(DISTINCT p.category),
             c.optin_email::int + c.optin_sms::int + c.optin_push::int + c.optin_post::int,
             left(c.age_band, 2)::int]::float8[] AS f
  FROM bench_customers c JOIN bench_purchases p USING (customer_id)
 GROUP BY c.customer_id, c.signup_at, c.optin_email, c.optin_sms, c.optin_push, c.optin_post, c.age_band;
UPDATE bench_features SET f = clientele.standardize(f, s) FROM (SELECT clientele.feature_stats(f) AS s FROM bench_features) q;
CREATE TABLE bench_seed AS SELECT clientele.kmeans_seed(clientele.kmeans_sample(f, 10000, 1), 8, 1) AS m FROM bench_features;
CREATE TABLE bench_paths AS SELECT * FROM clientele.demo_paths($P);
VACUUM ANALYZE bench_msgs;
VACUUM ANALYZE bench_features;
VACUUM ANALYZE bench_paths;
-- the themes of the README demo
INSERT INTO clientele.theme_set (name) VALUES ('bench');
INSERT INTO clientele.theme (theme_set, name, query, parent, priority) VALUES
  ('bench', 'delivery', 'livraison OR colis OR commande OR delivery OR parcel OR order* OR shipping', NULL, 30),
  ('bench', 'late delivery', '(retard OR "toujours pas" OR late OR "still not" OR "where is") -rapide -fast', 'delivery', 40),
  ('bench', 'customer service', '"service client" OR sav OR "customer service" OR support OR rembours* OR refund*', NULL, 35),
  ('bench', 'skin reaction', 'allergie OR boutons OR irritation OR rougeurs OR allergic OR rash OR breakout*', NULL, 50),
  ('bench', 'price', 'prix OR cher OR promo* OR price OR expensive OR "rip off" OR #ripoff', NULL, 20),
  ('bench', 'texture and hold', 'texture OR tenue OR tient OR gras OR collant OR paquets OR greasy OR sticky OR clumps OR lasts', NULL, 25),
  ('bench', 'scent', 'odeur OR parfum OR sent OR smell* OR scent OR perfume', NULL, 10);
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
\o /dev/null
SELECT count(*) FROM bench_msgs;
SELECT count(*) FROM bench_features;
SELECT count(*) FROM bench_paths;
SELECT clientele.sentiment('warm up'), clientele.themes('warm up', 'bench');
\o
SELECT (SELECT count(*) FROM bench_msgs) AS messages, (SELECT count(*) FROM bench_features) AS customers,
       (SELECT count(*) FROM bench_paths) AS paths, $K AS kmeans_passes;

-- k passes of kmeans_step() from the same seeds; EXECUTE, because PL/pgSQL
-- plans only dynamic queries in parallel
CREATE FUNCTION pg_temp.kmeans_passes(passes int) RETURNS clientele.kmeans_model LANGUAGE plpgsql AS \$\$
DECLARE m clientele.kmeans_model := (SELECT m FROM bench_seed); i int;
BEGIN
  FOR i IN 1..passes LOOP
    EXECUTE 'SELECT clientele.kmeans_step(f, \$1) FROM bench_features' INTO m USING m;
  END LOOP;
  RETURN m;
END \$\$;

CREATE TEMP TABLE timings (what text, workers int, ms float8, planned int);
-- best of reps runs of q; planned: the workers of the plan of plan_q (q
-- itself unless q is a driver function)
CREATE FUNCTION pg_temp.timeit(what text, q text, plan_q text, workers int, reps int DEFAULT 3) RETURNS void LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz; best float8 := 'Infinity'; i int; plan json;
BEGIN
  PERFORM set_config('max_parallel_workers_per_gather', workers::text, true);
  PERFORM set_config('parallel_leader_participation', CASE WHEN workers = 0 THEN 'on' ELSE 'off' END, true);
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || coalesce(plan_q, q) INTO plan;
  FOR i IN 1..reps LOOP
    t0 := clock_timestamp();
    EXECUTE q;
    best := least(best, extract(epoch FROM clock_timestamp() - t0) * 1000);
  END LOOP;
  INSERT INTO timings VALUES (what, workers, best,
      coalesce((regexp_match(plan::text, '"Workers Planned": ([0-9]+)'))[1]::int, 0));
END \$\$;
\o /dev/null
SELECT pg_temp.timeit(w.what, w.q, w.plan_q, n.workers)
  FROM (VALUES
    ('sentiment', 'SELECT sum(clientele.sentiment(body)) FROM bench_msgs', NULL),
    ('sentiment_summary(sentiment)', 'SELECT clientele.sentiment_summary(clientele.sentiment(body)) FROM bench_msgs', NULL),
    ('detect_language', 'SELECT count(clientele.detect_language(body)) FROM bench_msgs', NULL),
    ('normal_form', 'SELECT sum(length(clientele.normal_form(body))) FROM bench_msgs', NULL),
    ('keyword filter (body @~> kwquery)',
     \$q\$SELECT count(*) FROM bench_msgs WHERE body OPERATOR(clientele.@~>) '(rosélia OR "eclat celeste" OR "lumière paris") -concours -gratuit'::clientele.kwquery\$q\$, NULL),
    ('matches()',
     \$q\$SELECT count(*) FILTER (WHERE clientele.matches(body, 'livraison NEAR/3 (retard OR lente) OR rembours* OR refund* OR "customer service"~2'::clientele.kwquery)) FROM bench_msgs\$q\$, NULL),
    ('themes() (7 themes)', \$q\$SELECT sum(cardinality(clientele.themes(body, 'bench'))) FROM bench_msgs\$q\$, NULL),
    ('kmeans_step() x $K (k = 8, 8 features)', 'SELECT pg_temp.kmeans_passes($K)',
     'SELECT clientele.kmeans_step(f, (SELECT m FROM bench_seed)) FROM bench_features'),
    ('attribution_models() (8 models)',
     'SELECT clientele.attribution_models(path, touch_times, conversion_time, converted, value) FROM bench_paths', NULL),
    ('attribution_rule_models() (6 models)',
     'SELECT clientele.attribution_rule_models(path, touch_times, conversion_time, converted, value) FROM bench_paths', NULL)
  ) w(what, q, plan_q), (VALUES (0), (1), (2)) n(workers)
 ORDER BY w.what, n.workers;
\o
\echo
\echo Best of 3 runs; leader not participating in the worker runs; planned = workers in the plan of the 2-worker run.
SELECT what,
       round(max(ms) FILTER (WHERE workers = 0)::numeric) AS serial_ms,
       round(max(ms) FILTER (WHERE workers = 1)::numeric) AS one_worker_ms,
       round(max(ms) FILTER (WHERE workers = 2)::numeric) AS two_workers_ms,
       round((max(ms) FILTER (WHERE workers = 1) / max(ms) FILTER (WHERE workers = 2))::numeric, 2) AS speedup_2_vs_1,
       max(planned) FILTER (WHERE workers = 2) AS planned
  FROM timings GROUP BY what ORDER BY what;
DELETE FROM clientele.theme_set WHERE name = 'bench';
SQL
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
