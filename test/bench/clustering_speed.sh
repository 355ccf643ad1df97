#!/usr/bin/env bash
# Speed of k-means and audiences on the demo customers (1,000,000 by default):
# k-means with 8 features, k = 8, 20 iterations, through kmeans_table() (one
# parallel kmeans_step() pass per iteration) against the same algorithm in
# plain SQL from the same seeds; audience intersection (and union and
# difference) of two 500,000-member audiences against INTERSECT (UNION,
# EXCEPT) of the id sets.  Run by run.sh inside a throwaway cluster (PG*
# variables set).  Prints times and ratios, never asserts a time.
#
# CLIENTELE_BENCH_CUSTOMERS   customers (default 1000000)
# CLIENTELE_BENCH_SQL_ITERATIONS  iterations of the plain SQL baseline (default 20;
#                             fewer makes the run shorter, the ratio is then per iteration)
set -euo pipefail
N=${CLIENTELE_BENCH_CUSTOMERS:-1000000}
SQL_ITER=${CLIENTELE_BENCH_SQL_ITERATIONS:-20}
HALF=$((N / 2))
psql -X -q -v ON_ERROR_STOP=1 -P pager=off <<SQL
CREATE EXTENSION IF NOT EXISTS clientele;
SET client_min_messages = warning;
SET jit = off;
SET search_path = public, clientele;
\echo Generating $N demo customers, their purchases and 8 standardised features...
CREATE TABLE bench_customers AS SELECT * FROM clientele.demo_customers($N);
CREATE TABLE bench_purchases AS SELECT customer_id, purchased_at, category, amount FROM clientele.demo_purchases($N);
CREATE TABLE bench_raw AS
SELECT c.customer_id,
       ARRAY[count(*) - 1,                                                        -- repeat purchases
             sum(p.amount), avg(p.amount),                                        -- spend, basket
             extract(epoch FROM '2026-03-15'::timestamptz - max(p.purchased_at)) / 86400,  -- recency, days
             extract(epoch FROM '2026-03-15'::timestamptz - c.signup_at) / 86400,          -- tenure, days
             count(DISTINCT p.category),
             c.optin_email::int + c.optin_sms::int + c.optin_push::int + c.optin_post::int,
             left(c.age_band, 2)::int]::float8[] AS f
  FROM bench_customers c JOIN bench_purchases p USING (customer_id)
 GROUP BY c.customer_id, c.signup_at, c.optin_email, c.optin_sms, c.optin_push, c.optin_post, c.age_band;
CREATE TABLE bench_scaling AS SELECT clientele.feature_stats(f) AS s FROM bench_raw;
CREATE TABLE bench_features AS
SELECT r.customer_id, clientele.standardize(r.f, b.s) AS f FROM bench_raw r, bench_scaling b;
-- the same features as columns, for the plain SQL baseline
CREATE TABLE bench_cols AS
SELECT customer_id, f[1] AS f1, f[2] AS f2, f[3] AS f3, f[4] AS f4, f[5] AS f5, f[6] AS f6, f[7] AS f7, f[8] AS f8
  FROM bench_features;
VACUUM ANALYZE bench_features;
VACUUM ANALYZE bench_cols;

CREATE TEMP TABLE timings (what text, ms float8, baseline text);
CREATE FUNCTION pg_temp.timeit(what text, q text, reps int DEFAULT 3, baseline text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz; best float8 := 'Infinity'; i int;
BEGIN
  FOR i IN 1..reps LOOP
    t0 := clock_timestamp();
    EXECUTE q;
    best := least(best, extract(epoch FROM clock_timestamp() - t0) * 1000);
  END LOOP;
  INSERT INTO timings VALUES (what, best, baseline);
END \$\$;

-- the seeds both k-means implementations start from
CREATE TABLE bench_seed AS
SELECT clientele.kmeans_seed(clientele.kmeans_sample(f, 10000, 1), 8, 1) AS m FROM bench_features;
\o /dev/null
SELECT count(*) FROM bench_features;
SELECT count(*) FROM bench_cols;
\o

-- clientele: 20 passes of kmeans_step() (tolerance 0, so exactly 20)
CREATE FUNCTION pg_temp.clientele_kmeans(iterations int) RETURNS clientele.kmeans_model LANGUAGE plpgsql AS \$\$
DECLARE m clientele.kmeans_model := (SELECT m FROM bench_seed); i int;
BEGIN
  -- EXECUTE, not a static SELECT INTO: PL/pgSQL plans only dynamic queries in parallel here
  FOR i IN 1..iterations LOOP
    EXECUTE 'SELECT clientele.kmeans_step(f, \$1) FROM bench_features' INTO m USING m;
  END LOOP;
  RETURN m;
END \$\$;

-- plain SQL: the same Lloyd iterations on columns, centroids in a table
CREATE UNLOGGED TABLE bench_cent (cluster int, c1 float8, c2 float8, c3 float8, c4 float8, c5 float8, c6 float8, c7 float8, c8 float8);
CREATE FUNCTION pg_temp.sql_kmeans(iterations int) RETURNS void LANGUAGE plpgsql AS \$\$
DECLARE i int;
BEGIN
  TRUNCATE bench_cent;
  INSERT INTO bench_cent SELECT c.cluster, c.centroid[1], c.centroid[2], c.centroid[3], c.centroid[4],
         c.centroid[5], c.centroid[6], c.centroid[7], c.centroid[8]
    FROM bench_seed, clientele.kmeans_clusters(m) c;
  ANALYZE bench_cent;
  FOR i IN 1..iterations LOOP
    CREATE TEMP TABLE bench_next AS
    SELECT a.cluster, avg(a.f1) AS c1, avg(a.f2) AS c2, avg(a.f3) AS c3, avg(a.f4) AS c4,
           avg(a.f5) AS c5, avg(a.f6) AS c6, avg(a.f7) AS c7, avg(a.f8) AS c8
      FROM (SELECT b.*, (SELECT c.cluster FROM bench_cent c
                          ORDER BY (b.f1-c.c1)^2 + (b.f2-c.c2)^2 + (b.f3-c.c3)^2 + (b.f4-c.c4)^2
                                 + (b.f5-c.c5)^2 + (b.f6-c.c6)^2 + (b.f7-c.c7)^2 + (b.f8-c.c8)^2, c.cluster
                          LIMIT 1) AS cluster
              FROM bench_cols b) a
     GROUP BY a.cluster;
    -- a cluster without rows keeps its centroid
    DELETE FROM bench_cent c USING bench_next n WHERE c.cluster = n.cluster;
    INSERT INTO bench_cent SELECT * FROM bench_next;
    DROP TABLE bench_next;
  END LOOP;
END \$\$;

\o /dev/null
SET max_parallel_workers_per_gather = 2;
SELECT pg_temp.timeit('k-means, clientele.kmeans_step() x 20, 2 workers', 'SELECT pg_temp.clientele_kmeans(20)', 2, 'sql2');
SELECT pg_temp.timeit('k-means, clientele.kmeans_table(k => 8, 20 iterations), 2 workers',
       'SELECT clientele.kmeans_table(''bench_features'', ''f'', 8, 20, 0, 1, 10000)', 1, 'sql2');
SELECT pg_temp.timeit('kmeans_sample(f, 10000, 1), 2 workers', 'SELECT clientele.kmeans_sample(f, 10000, 1) FROM bench_features', 3, 'count2');
SELECT pg_temp.timeit('kmeans(f, 8, 20, 0, 1) in memory, 2 workers', 'SELECT clientele.kmeans(f, 8, 20, 0, 1) FROM bench_features', 1, 'count2');
SELECT pg_temp.timeit('count2', 'SELECT count(f) FROM bench_features', 3);
SELECT pg_temp.timeit('k-means, plain SQL x $SQL_ITER, 2 workers', 'SELECT pg_temp.sql_kmeans($SQL_ITER)', 1);
UPDATE timings SET what = 'sql2' WHERE what LIKE 'k-means, plain SQL%2 workers';
SET max_parallel_workers_per_gather = 0;
SELECT pg_temp.timeit('k-means, clientele.kmeans_step() x 20, no worker', 'SELECT pg_temp.clientele_kmeans(20)', 1, 'sql0');
SELECT pg_temp.timeit('k-means, plain SQL x $SQL_ITER, no worker', 'SELECT pg_temp.sql_kmeans($SQL_ITER)', 1);
UPDATE timings SET what = 'sql0' WHERE what LIKE 'k-means, plain SQL%no worker';
SET max_parallel_workers_per_gather = 2;
\o

\echo
\echo Same result: the plain SQL centroids after $SQL_ITER iterations against those of kmeans_step()
CREATE TEMP TABLE bench_check AS SELECT pg_temp.clientele_kmeans($SQL_ITER) AS m;
SELECT max(abs(c.centroid[i] - (ARRAY[s.c1, s.c2, s.c3, s.c4, s.c5, s.c6, s.c7, s.c8])[i])) AS max_centroid_difference,
       (SELECT sum(size) FROM bench_check, clientele.kmeans_clusters(m)) AS rows_clustered,
       (SELECT round(clientele.kmeans_inertia(m)::numeric, 1) FROM bench_check) AS inertia
  FROM bench_check, clientele.kmeans_clusters(m) c
  JOIN bench_cent s USING (cluster), generate_series(1, 8) i;

-- audiences: two random halves of the customers
CREATE TABLE ids_a AS SELECT customer_id AS id FROM bench_customers ORDER BY md5('a' || customer_id) LIMIT $HALF;
CREATE TABLE ids_b AS SELECT customer_id AS id FROM bench_customers ORDER BY md5('b' || customer_id) LIMIT $HALF;
VACUUM ANALYZE ids_a;
VACUUM ANALYZE ids_b;
CREATE TABLE auds AS SELECT 'a' AS name, clientele.audience_agg(id) AS a FROM ids_a
           UNION ALL SELECT 'b', clientele.audience_agg(id) FROM ids_b;
CREATE VIEW ab AS SELECT x.a AS a, y.a AS b FROM auds x, auds y WHERE x.name = 'a' AND y.name = 'b';
\o /dev/null
SELECT pg_temp.timeit('audience a & b (stored audiences)', 'SELECT clientele.cardinality(a & b) FROM ab', 5, 'intersect');
SELECT pg_temp.timeit('audience a | b (stored audiences)', 'SELECT clientele.cardinality(a | b) FROM ab', 5, 'union');
SELECT pg_temp.timeit('audience a - b (stored audiences)', 'SELECT clientele.cardinality(a - b) FROM ab', 5, 'except');
SELECT pg_temp.timeit('audience_agg(a) & audience_agg(b) (built from the id tables)',
       'SELECT clientele.cardinality((SELECT clientele.audience_agg(id) FROM ids_a) & (SELECT clientele.audience_agg(id) FROM ids_b))', 3, 'intersect');
SELECT pg_temp.timeit('intersect', 'SELECT count(*) FROM (SELECT id FROM ids_a INTERSECT SELECT id FROM ids_b) s', 3);
SELECT pg_temp.timeit('union', 'SELECT count(*) FROM (SELECT id FROM ids_a UNION SELECT id FROM ids_b) s', 3);
SELECT pg_temp.timeit('except', 'SELECT count(*) FROM (SELECT id FROM ids_a EXCEPT SELECT id FROM ids_b) s', 3);
\o
\echo
\echo Same result: audience cardinalities against INTERSECT / UNION / EXCEPT counts
SELECT clientele.cardinality(a & b) AS a_and_b, (SELECT count(*) FROM (SELECT id FROM ids_a INTERSECT SELECT id FROM ids_b) s) AS "INTERSECT",
       clientele.cardinality(a | b) AS a_or_b, (SELECT count(*) FROM (SELECT id FROM ids_a UNION SELECT id FROM ids_b) s) AS "UNION",
       clientele.cardinality(a - b) AS a_minus_b, (SELECT count(*) FROM (SELECT id FROM ids_a EXCEPT SELECT id FROM ids_b) s) AS "EXCEPT",
       clientele.audience_storage_bytes(a) AS audience_bytes, pg_column_size(a) AS stored_bytes,
       pg_size_pretty(pg_table_size('ids_a')) AS id_table_size
  FROM ab;

\echo
\echo Customers: $N, features: 8, k: 8; plain SQL baseline: $SQL_ITER iterations (scaled to 20 in the ratio)
SELECT t.what, round(t.ms::numeric, 1) AS ms,
       round((b.ms * CASE WHEN t.what LIKE 'k-means%' THEN 20.0 / $SQL_ITER ELSE 1 END / t.ms)::numeric, 1) AS times_faster_than_plain_sql,
       round((b.ms * CASE WHEN t.what LIKE 'k-means%' THEN 20.0 / $SQL_ITER ELSE 1 END)::numeric) AS plain_sql_ms
  FROM timings t LEFT JOIN timings b ON b.what = t.baseline
 WHERE t.baseline IS NOT NULL AND t.baseline <> 'count2'
 ORDER BY t.what;
\echo
\echo Gathering rows (aggregates whose state is a clientele.kmeans_points), against count(f) over the same rows
SELECT t.what, round(t.ms::numeric, 1) AS ms, round((t.ms / b.ms)::numeric, 1) AS times_the_count
  FROM timings t JOIN timings b ON b.what = t.baseline
 WHERE t.baseline = 'count2'
 ORDER BY t.what;
SQL
