#!/usr/bin/env bash
# Speed of the aggregates whose states are distributable (audience_agg,
# audience_union_agg, portrait) and of the audience set operators, serial and
# with 2 parallel workers, against plain SQL doing the same work in the same
# run: count(DISTINCT id) for audience_agg, UNION of the ids for
# audience_union_agg, a GROUP BY over jsonb_each_text for portrait.  Run by
# run.sh inside a throwaway cluster (PG* variables set).  Prints times and
# ratios, never asserts a time.
#
# CLIENTELE_BENCH_IDS   ids aggregated by audience_agg (default 1000000)
# CLIENTELE_BENCH_PORTRAIT_ROWS  customers in the portrait (default 200000)
set -euo pipefail
N=${CLIENTELE_BENCH_IDS:-1000000}
P=${CLIENTELE_BENCH_PORTRAIT_ROWS:-200000}
psql -X -q -v ON_ERROR_STOP=1 -P pager=off <<SQL
CREATE EXTENSION IF NOT EXISTS clientele;
SET client_min_messages = warning;
SET jit = off;
\echo Generating $N ids in random order, 100 audiences of 10,000 ids and $P customers with 4 attributes...
CREATE TABLE ids AS SELECT (i * 7)::bigint AS id FROM generate_series(1, $N) i ORDER BY md5(i::text);
CREATE TABLE parts AS
SELECT g, clientele.audience_agg(id) AS a
  FROM (SELECT g, (g * 3000 + i * 2)::bigint AS id FROM generate_series(1, 100) g, generate_series(1, 10000) i) s
 GROUP BY g;
CREATE TABLE parts_ids AS SELECT g, clientele.audience_members(a) AS id FROM parts;
CREATE TABLE people AS
SELECT i % 3 = 0 AS seg,
       jsonb_build_object('city', 'c' || (i % 50), 'age', (i % 7) * 10, 'vip', i % 11 = 0, 'band', 'b' || (i % 20)) AS attrs
  FROM generate_series(1, $P) i;
CREATE TABLE halves AS
SELECT (SELECT clientele.audience_agg(id) FROM ids WHERE md5(id::text) < '8') AS a,
       (SELECT clientele.audience_agg(id) FROM ids WHERE md5('b' || id) < '8') AS b;
VACUUM ANALYZE ids;
VACUUM ANALYZE parts;
VACUUM ANALYZE parts_ids;
VACUUM ANALYZE people;

CREATE TEMP TABLE timings (what text, workers int, ms float8, baseline text);
CREATE FUNCTION pg_temp.timeit(what text, q text, reps int, baseline text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz; best float8 := 'Infinity'; i int;
BEGIN
  FOR i IN 1..reps LOOP
    t0 := clock_timestamp();
    EXECUTE q;
    best := least(best, extract(epoch FROM clock_timestamp() - t0) * 1000);
  END LOOP;
  INSERT INTO timings VALUES (what, current_setting('max_parallel_workers_per_gather')::int, best, baseline);
END \$\$;

\o /dev/null
SELECT count(*) FROM ids;
SELECT count(*) FROM people;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 0;
SELECT pg_temp.timeit('audience_agg(id)', 'SELECT clientele.cardinality(clientele.audience_agg(id)) FROM ids', 3, 'count(DISTINCT id)');
SELECT pg_temp.timeit('count(DISTINCT id)', 'SELECT count(DISTINCT id) FROM ids', 3);
SELECT pg_temp.timeit('audience_union_agg(a), 100 x 10,000', 'SELECT clientele.cardinality(clientele.audience_union_agg(a)) FROM parts', 3, 'UNION of the ids');
SELECT pg_temp.timeit('UNION of the ids', 'SELECT count(*) FROM (SELECT DISTINCT id FROM parts_ids) s', 3);
SELECT pg_temp.timeit('portrait(seg, attrs)', 'SELECT cardinality(clientele.portrait(seg, attrs)) FROM people', 3, 'GROUP BY jsonb_each_text');
SELECT pg_temp.timeit('GROUP BY jsonb_each_text', 'SELECT count(*) FROM (SELECT e.key, e.value, count(*) FILTER (WHERE seg), count(*) FROM people, jsonb_each_text(attrs) e GROUP BY 1, 2) s', 3);
SELECT pg_temp.timeit('a & b', 'SELECT clientele.cardinality(a OPERATOR(clientele.&) b) FROM halves', 5);
SELECT pg_temp.timeit('a | b', 'SELECT clientele.cardinality(a OPERATOR(clientele.|) b) FROM halves', 5);
SELECT pg_temp.timeit('a - b', 'SELECT clientele.cardinality(a OPERATOR(clientele.-) b) FROM halves', 5);
SET max_parallel_workers_per_gather = 2;
SELECT pg_temp.timeit('audience_agg(id)', 'SELECT clientele.cardinality(clientele.audience_agg(id)) FROM ids', 3, 'count(DISTINCT id)');
SELECT pg_temp.timeit('count(DISTINCT id)', 'SELECT count(DISTINCT id) FROM ids', 3);
SELECT pg_temp.timeit('audience_union_agg(a), 100 x 10,000', 'SELECT clientele.cardinality(clientele.audience_union_agg(a)) FROM parts', 3, 'UNION of the ids');
SELECT pg_temp.timeit('UNION of the ids', 'SELECT count(*) FROM (SELECT DISTINCT id FROM parts_ids) s', 3);
SELECT pg_temp.timeit('portrait(seg, attrs)', 'SELECT cardinality(clientele.portrait(seg, attrs)) FROM people', 3, 'GROUP BY jsonb_each_text');
SELECT pg_temp.timeit('GROUP BY jsonb_each_text', 'SELECT count(*) FROM (SELECT e.key, e.value, count(*) FILTER (WHERE seg), count(*) FROM people, jsonb_each_text(attrs) e GROUP BY 1, 2) s', 3);
\o
\echo
\echo Same result: audience_agg against count(DISTINCT), union against DISTINCT, portrait lines against GROUP BY
SELECT (SELECT clientele.cardinality(clientele.audience_agg(id)) FROM ids) AS audience_members,
       (SELECT count(DISTINCT id) FROM ids) AS distinct_ids,
       (SELECT clientele.cardinality(clientele.audience_union_agg(a)) FROM parts) AS union_members,
       (SELECT count(DISTINCT id) FROM parts_ids) AS union_distinct,
       (SELECT cardinality(clientele.portrait(seg, attrs)) FROM people) AS portrait_lines,
       (SELECT count(*) FROM (SELECT DISTINCT e.key, e.value FROM people, jsonb_each_text(attrs) e) s) AS attribute_values;
\echo
\echo ids: $N, portrait customers: $P; best of 3 (5 for the operators); load: $(cut -d' ' -f1-3 /proc/loadavg)
SELECT t.what, t.workers, round(t.ms::numeric, 1) AS ms,
       round((b.ms / t.ms)::numeric, 2) AS times_faster_than_plain_sql
  FROM timings t LEFT JOIN timings b ON b.what = t.baseline AND b.workers = t.workers
 WHERE t.what NOT IN (SELECT baseline FROM timings WHERE baseline IS NOT NULL)
 ORDER BY t.what, t.workers;
SQL
