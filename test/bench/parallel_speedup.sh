#!/usr/bin/env bash
# Parallel speed-up of the extension's per-row functions and aggregate: the
# same query with 0 (leader alone), 1 and 2 parallel workers on the same
# demo messages; the leader does not scan (parallel_leader_participation
# off) in the worker runs, so "1 worker" is one process doing the work and
# "2 workers" two.  Run by run.sh inside a throwaway cluster (PG* set).
# Prints times and the ratio 1 worker / 2 workers; on a machine shared with
# other work the ratio is below what two idle cores give.
set -euo pipefail
N=${CLIENTELE_BENCH_ROWS:-300000}
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION IF NOT EXISTS clientele;
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_msgs;
CREATE TABLE bench_msgs AS SELECT id, lang, body FROM clientele.demo_messages($N, 7);
VACUUM ANALYZE bench_msgs;
SET jit = off;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
\o /dev/null
SELECT count(*) FROM bench_msgs;
SELECT clientele.sentiment('warm up');
\o
CREATE TEMP TABLE timings (what text, workers int, ms float8);
CREATE FUNCTION pg_temp.timeit(what text, q text, workers int, reps int DEFAULT 3) RETURNS void LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz; best float8 := 'Infinity'; i int;
BEGIN
  PERFORM set_config('max_parallel_workers_per_gather', workers::text, true);
  PERFORM set_config('parallel_leader_participation', CASE WHEN workers = 0 THEN 'on' ELSE 'off' END, true);
  FOR i IN 1..reps LOOP
    t0 := clock_timestamp();
    EXECUTE q;
    best := least(best, extract(epoch FROM clock_timestamp() - t0) * 1000);
  END LOOP;
  INSERT INTO timings VALUES (what, workers, best);
END \$\$;
\o /dev/null
SELECT pg_temp.timeit(w.what, w.q, n.workers)
  FROM (VALUES
    ('sentiment', 'SELECT sum(clientele.sentiment(body)) FROM bench_msgs'),
    ('sentiment_summary(sentiment)', 'SELECT clientele.sentiment_summary(clientele.sentiment(body)) FROM bench_msgs'),
    ('detect_language', 'SELECT count(clientele.detect_language(body)) FROM bench_msgs'),
    ('normal_form', 'SELECT sum(length(clientele.normal_form(body))) FROM bench_msgs')
  ) w(what, q), (VALUES (0), (1), (2)) n(workers)
 ORDER BY w.what, n.workers;
\o
\echo
\echo Messages: $N; best of 3 runs; leader not participating in the worker runs.
SELECT what,
       round(max(ms) FILTER (WHERE workers = 0)::numeric) AS serial_ms,
       round(max(ms) FILTER (WHERE workers = 1)::numeric) AS one_worker_ms,
       round(max(ms) FILTER (WHERE workers = 2)::numeric) AS two_workers_ms,
       round((max(ms) FILTER (WHERE workers = 1) / max(ms) FILTER (WHERE workers = 2))::numeric, 2) AS speedup_2_vs_1
  FROM timings GROUP BY what ORDER BY what;
SQL
