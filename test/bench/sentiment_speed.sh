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

CREATE TEMP TABLE timings (what text, ms float8, cpu_ms float8);
-- CPU time of this backend in ms (user + system, from /proc, in clock ticks
-- of 1/100 s), or NULL where /proc is not readable.  On a machine shared with
-- other work the wall-clock times include waiting for a CPU; the CPU times
-- do not, so both are printed.
CREATE FUNCTION pg_temp.cpu_ms() RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE s text;
BEGIN
  s := pg_read_file('/proc/self/stat');
  s := substr(s, strpos(s, ') ') + 2);		-- fields after "(postgres)"
  RETURN (split_part(s, ' ', 12)::float8 + split_part(s, ' ', 13)::float8) * 10;
EXCEPTION WHEN OTHERS THEN
  RETURN NULL;
END \$\$;
CREATE FUNCTION pg_temp.timeit(what text, q text, reps int DEFAULT 3) RETURNS void LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz; c0 float8; best float8 := 'Infinity'; best_cpu float8 := 'Infinity'; i int;
BEGIN
  FOR i IN 1..reps LOOP
    t0 := clock_timestamp();
    c0 := pg_temp.cpu_ms();
    EXECUTE q;
    best_cpu := least(best_cpu, pg_temp.cpu_ms() - c0);
    best := least(best, extract(epoch FROM clock_timestamp() - t0) * 1000);
  END LOOP;
  INSERT INTO timings VALUES (what, best, best_cpu);
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
\echo Wall-clock columns include time spent waiting for a CPU on a shared machine; cpu_ columns
\echo count the own CPU time of the backend (user + system), in 10 ms ticks.
SELECT what, round(ms::numeric) AS ms,
       round(($N / (ms / 1000))::numeric) AS messages_per_second,
       round(((SELECT ms FROM timings WHERE what LIKE 'to_tsvector%') / ms)::numeric, 1) AS times_faster_than_to_tsvector,
       round(cpu_ms::numeric) AS cpu_ms,
       round(($N / (nullif(cpu_ms, 0) / 1000))::numeric) AS cpu_messages_per_second,
       round(((SELECT cpu_ms FROM timings WHERE what LIKE 'to_tsvector%') / nullif(cpu_ms, 0))::numeric, 1) AS cpu_times_faster
  FROM timings;
SQL
