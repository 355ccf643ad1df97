#!/usr/bin/env bash
# Speed of the lifetime-value fits: clientele.bgnbd_fit() on 100,000 demo
# customers (the issue's target: under 1 second), gammagamma_fit(), and
# scoring every customer with p_alive() and a 12-month clv(), against a
# baseline measured in the same run: one pass of avg() over the same rows.
# Parallel workers off.  Run by run.sh inside a throwaway cluster (PG* set).
set -euo pipefail
N=${CLIENTELE_BENCH_CUSTOMERS:-100000}
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION IF NOT EXISTS clientele;
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_summary;
CREATE TABLE bench_summary AS
SELECT customer_id, (count(*) - 1)::float8 AS x,
       extract(epoch FROM max(purchased_at) - min(purchased_at)) / 604800 AS t_x,
       extract(epoch FROM '2026-03-15 00:00+00' - min(purchased_at)) / 604800 AS t_cal,
       count(*)::float8 AS n, avg(amount)::float8 AS m
  FROM clientele.demo_purchases($N) GROUP BY customer_id;
VACUUM ANALYZE bench_summary;
SET max_parallel_workers_per_gather = 0;
SET jit = off;
\o /dev/null
SELECT count(*) FROM bench_summary;
\o
CREATE TEMP TABLE models AS
SELECT (SELECT clientele.bgnbd_fit(x, t_x, t_cal) FROM bench_summary) AS bg,
       (SELECT clientele.gammagamma_fit(n, m) FROM bench_summary) AS gg;

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
SELECT pg_temp.timeit('baseline: avg(x), avg(t_x), avg(t_cal)', 'SELECT avg(x), avg(t_x), avg(t_cal) FROM bench_summary');
SELECT pg_temp.timeit('bgnbd_fit(x, t_x, t_cal)', 'SELECT clientele.bgnbd_fit(x, t_x, t_cal) FROM bench_summary');
SELECT pg_temp.timeit('gammagamma_fit(n, m)', 'SELECT clientele.gammagamma_fit(n, m) FROM bench_summary');
SELECT pg_temp.timeit('p_alive() for every customer', 'SELECT sum(clientele.p_alive(bg, x, t_x, t_cal)) FROM bench_summary, models');
SELECT pg_temp.timeit('clv() 12 months for every customer', 'SELECT sum(clientele.clv(bg, gg, x, t_x, t_cal, m)) FROM bench_summary, models', 1);
\o
\echo
\echo Customers: $N, one core (parallel workers off); best of 3 runs (clv: 1 run).
SELECT (bg).r, (bg).alpha, (bg).a, (bg).b, (bg).iterations, (bg).converged FROM models;
SELECT what, round(ms::numeric, 1) AS ms,
       round(($N / (ms / 1000))::numeric) AS customers_per_second,
       round((ms / (SELECT ms FROM timings WHERE what LIKE 'baseline%'))::numeric, 1) AS times_the_baseline
  FROM timings;
DROP TABLE bench_summary;
SQL
