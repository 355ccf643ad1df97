#!/usr/bin/env bash
# Speed of clientele.sentiment() against to_tsvector('french', ...) on the
# same 1,000,000 demo messages, parallel workers off.  Run by run.sh inside a
# throwaway cluster (PG* variables set).
set -euo pipefail
N=${CLIENTELE_BENCH_ROWS:-1000000}
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION IF NOT EXISTS clientele;
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_msgs;
CREATE TABLE bench_msgs AS SELECT body FROM clientele.demo_messages($N, 7);
VACUUM ANALYZE bench_msgs;
SET max_parallel_workers_per_gather = 0;
SET jit = off;
-- warm the cache and the lexicon
\o /dev/null
SELECT count(*) FROM bench_msgs;
SELECT clientele.sentiment('warm up');
\o

CREATE TEMP TABLE timings (what text, ms float8);
CREATE FUNCTION pg_temp.timeit(what text, q text, reps int DEFAULT 3) RETURNS void LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz; best float8 := 'Infinity'; i int;
BEGIN
  FOR i IN 1..reps LOOP
    t0 := clock_timestamp();
    EXECUTE q;
    best := least(best, extract(epoch FROM clock_timestamp() - t0) * 1000);
  END LOOP;
  INSERT INTO timings VALUES (what, best);
END \$\$;
\o /dev/null
SELECT pg_temp.timeit('floor: sum(length(lower(body)))', 'SELECT sum(length(lower(body))) FROM bench_msgs');
SELECT pg_temp.timeit('clientele.sentiment(body)', 'SELECT sum(clientele.sentiment(body)) FROM bench_msgs');
SELECT pg_temp.timeit('clientele.sentiment(body, ''fr'')', 'SELECT sum(clientele.sentiment(body, ''fr'')) FROM bench_msgs');
SELECT pg_temp.timeit('clientele.detect_language(body)', 'SELECT count(clientele.detect_language(body)) FROM bench_msgs');
SELECT pg_temp.timeit('to_tsvector(''french'', body)', 'SELECT sum(length(to_tsvector(''french'', body))) FROM bench_msgs', 1);
\o
\echo
\echo Messages: $N, one core (parallel workers off); best of 3 runs (to_tsvector: 1 run).
SELECT what, round(ms::numeric) AS ms,
       round(($N / (ms / 1000))::numeric) AS messages_per_second,
       round(((SELECT ms FROM timings WHERE what LIKE 'to_tsvector%') / ms)::numeric, 1) AS times_faster_than_to_tsvector
  FROM timings;
SQL
