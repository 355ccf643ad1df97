#!/usr/bin/env bash
# Speed of the attribution aggregates on 1,000,000 demo conversion paths
# (mean 4 touches, 8 channels): the six rule-based models as aggregates
# against the same six models in plain SQL (one query, unnest + weights +
# GROUP BY), every model in one call, and Markov + Shapley for 12 channels.
# One core (parallel workers off).  Run by run.sh inside a throwaway cluster.
set -euo pipefail
N=${CLIENTELE_BENCH_PATHS:-1000000}
# demo_paths() yields about 1.30 paths per customer
CUSTOMERS=$(( N * 100 / 128 ))
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION IF NOT EXISTS clientele;
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
SET jit = off;
DROP TABLE IF EXISTS bench_paths, bench_paths12;
CREATE TABLE bench_paths AS
  SELECT row_number() OVER () AS id, * FROM clientele.demo_paths($CUSTOMERS, 42, 8) LIMIT $N;
CREATE TABLE bench_paths12 AS
  SELECT * FROM clientele.demo_paths($CUSTOMERS, 42, 12) LIMIT $N;
VACUUM ANALYZE bench_paths;
VACUUM ANALYZE bench_paths12;
\o /dev/null
SELECT count(*) FROM bench_paths;
SELECT count(*) FROM bench_paths12;
\o

CREATE TEMP TABLE timings (what text, ms float8);
CREATE FUNCTION pg_temp.timeit(what text, q text, reps int DEFAULT 2) RETURNS void LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz; best float8 := 'Infinity'; i int;
BEGIN
  FOR i IN 1..reps LOOP
    t0 := clock_timestamp();
    EXECUTE q;
    best := least(best, extract(epoch FROM clock_timestamp() - t0) * 1000);
  END LOOP;
  INSERT INTO timings VALUES (what, best);
END \$\$;

-- The six rule-based models in plain SQL, conversions and value credited.
CREATE VIEW rules_sql AS
WITH touch AS (
  SELECT u.ch, u.i, cardinality(p.path) AS n, p.value, agg.lnd,
         power(2::float8, -extract(epoch FROM p.conversion_time - u.t)::float8 / (7 * 86400)) / agg.td_sum AS td,
         CASE WHEN cardinality(p.path) = 1 THEN 1.0 WHEN cardinality(p.path) = 2 THEN 0.5
              WHEN u.i = 1 OR u.i = cardinality(p.path) THEN 0.4 ELSE 0.2 / (cardinality(p.path) - 2) END AS pb
    FROM bench_paths p
         CROSS JOIN LATERAL (   -- per path: the last non-direct position, the time-decay normaliser
           SELECT coalesce(max(k) FILTER (WHERE c <> 'direct'), max(k)) AS lnd,
                  sum(power(2::float8, -extract(epoch FROM p.conversion_time - t)::float8 / (7 * 86400))) AS td_sum
             FROM unnest(p.path, p.touch_times) WITH ORDINALITY v(c, t, k)) agg
         CROSS JOIN LATERAL unnest(p.path, p.touch_times) WITH ORDINALITY u(ch, t, i)
   WHERE p.converted)
SELECT ch AS channel,
       count(*) FILTER (WHERE i = 1) AS first_touch, sum(value) FILTER (WHERE i = 1) AS first_touch_value,
       count(*) FILTER (WHERE i = n) AS last_touch, sum(value) FILTER (WHERE i = n) AS last_touch_value,
       count(*) FILTER (WHERE i = lnd) AS last_non_direct, sum(value) FILTER (WHERE i = lnd) AS last_non_direct_value,
       sum(1.0 / n) AS linear, sum(value / n) AS linear_value,
       sum(td) AS time_decay, sum(td * value) AS time_decay_value,
       sum(pb) AS position_based, sum(pb * value) AS position_based_value
  FROM touch GROUP BY ch;

CREATE VIEW rules_c AS
SELECT clientele.attribution_first_touch(path, converted, value) AS f,
       clientele.attribution_last_touch(path, converted, value) AS l,
       clientele.attribution_last_non_direct(path, converted, value) AS lnd,
       clientele.attribution_linear(path, converted, value) AS li,
       clientele.attribution_time_decay(path, touch_times, conversion_time, converted, value) AS td,
       clientele.attribution_position_based(path, converted, value) AS pb
  FROM bench_paths;

\o /dev/null
SELECT pg_temp.timeit('rule-based x6, plain SQL (one query)', 'SELECT * FROM rules_sql');
SELECT pg_temp.timeit('rule-based x6, clientele.attribution_rule_models (one call)',
  'SELECT clientele.attribution_rule_models(path, touch_times, conversion_time, converted, value) FROM bench_paths');
SELECT pg_temp.timeit('rule-based x6, six clientele aggregates (one scan)', 'SELECT * FROM rules_c');
SELECT pg_temp.timeit('first_touch, plain SQL (path[1], GROUP BY)',
  'SELECT path[1], count(*), sum(value) FROM bench_paths WHERE converted GROUP BY 1');
SELECT pg_temp.timeit('first_touch, clientele', 'SELECT clientele.attribution_first_touch(path, converted, value) FROM bench_paths');
SELECT pg_temp.timeit('linear, plain SQL (unnest, GROUP BY)',
  'SELECT ch, sum(1.0 / cardinality(path)), sum(value / cardinality(path)) FROM bench_paths, unnest(path) ch WHERE converted GROUP BY 1');
SELECT pg_temp.timeit('linear, clientele', 'SELECT clientele.attribution_linear(path, converted, value) FROM bench_paths');
SELECT pg_temp.timeit('all 8 models, clientele.attribution_models (8 channels)',
  'SELECT clientele.attribution_models(path, touch_times, conversion_time, converted, value) FROM bench_paths');
SELECT pg_temp.timeit('markov (order 1), 12 channels', 'SELECT clientele.attribution_markov(path, converted, value) FROM bench_paths12');
SELECT pg_temp.timeit('shapley (exact), 12 channels', 'SELECT clientele.attribution_shapley(path, converted, value) FROM bench_paths12');
SELECT pg_temp.timeit('markov + shapley, 12 channels (one scan)',
  'SELECT clientele.attribution_markov(path, converted, value), clientele.attribution_shapley(path, converted, value) FROM bench_paths12');
SELECT pg_temp.timeit('markov order 3, 12 channels', 'SELECT clientele.attribution_markov(path, converted, value, 3) FROM bench_paths12', 1);
\o

\echo
\echo Paths: $N (mean touches, converted share below), one core (parallel workers off); best of 2 runs (Markov order 3: 1 run).
SELECT count(*) AS paths, round(avg(cardinality(path)), 2) AS mean_touches, round(avg(converted::int), 3) AS converted
  FROM bench_paths;
SELECT what, round(ms::numeric) AS ms, round(($N / (ms / 1000))::numeric) AS paths_per_second
  FROM timings;
SELECT round(((SELECT ms FROM timings WHERE what LIKE 'rule-based x6, plain%') /
              (SELECT ms FROM timings WHERE what LIKE 'rule-based x6, clientele.attribution_rule_models%'))::numeric, 1) AS rule_based_times_faster_than_sql,
       round(((SELECT ms FROM timings WHERE what LIKE 'rule-based x6, plain%') /
              (SELECT ms FROM timings WHERE what LIKE 'rule-based x6, six%'))::numeric, 1) AS six_aggregates_ratio,
       round(((SELECT ms FROM timings WHERE what LIKE 'first_touch, plain%') /
              (SELECT ms FROM timings WHERE what = 'first_touch, clientele'))::numeric, 1) AS first_touch_ratio,
       round(((SELECT ms FROM timings WHERE what LIKE 'linear, plain%') /
              (SELECT ms FROM timings WHERE what = 'linear, clientele'))::numeric, 1) AS linear_ratio,
       round(((SELECT ms FROM timings WHERE what LIKE 'markov + shapley%') / 1000)::numeric, 2) AS markov_shapley_12ch_seconds;

\echo Same answers: largest difference between the SQL and the aggregates, over all channels and models.
WITH c AS (SELECT * FROM rules_c), s AS (SELECT * FROM rules_sql)
SELECT max(greatest(abs(s.first_touch - f.conversions), abs(s.last_touch - l.conversions),
                    abs(s.last_non_direct - d.conversions), abs(s.linear - li.conversions),
                    abs(s.time_decay - td.conversions), abs(s.position_based - pb.conversions),
                    abs(s.linear_value - li.value), abs(s.time_decay_value - td.value))) AS max_abs_difference
  FROM s, c, unnest(c.f) f, unnest(c.l) l, unnest(c.lnd) d, unnest(c.li) li, unnest(c.td) td, unnest(c.pb) pb
 WHERE f.channel = s.channel AND l.channel = s.channel AND d.channel = s.channel AND li.channel = s.channel
   AND td.channel = s.channel AND pb.channel = s.channel;
SQL
