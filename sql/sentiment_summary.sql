-- The sentiment_summary aggregate: values, NULLs, errors, parallel plans.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;

SELECT (clientele.sentiment_summary(s)).*
  FROM (VALUES (0.5), (-0.5), (0.0), (0.9), (NULL)) AS v(s);
SELECT (clientele.sentiment_summary(s)).* FROM (VALUES (NULL::float8)) AS v(s);
SELECT (clientele.sentiment_summary(s)).* FROM (SELECT 1.0::float8 WHERE false) AS v(s);

-- errors
SELECT clientele.sentiment_summary(x) FROM (VALUES (1.5::float8)) v(x);
SELECT clientele.sentiment_summary(x) FROM (VALUES ('NaN'::float8)) v(x);
SELECT clientele.sentiment_summary_final('{1,2}');

-- the state is a plain float8[] with an exact text form
SELECT clientele.sentiment_summary_accum('{0,0,0,0,0}', 0.25);
SELECT clientele.sentiment_summary_combine('{1,0.25,1,0,0}', '{2,-0.5,0,1,1}');

-- parallel: a partial aggregate in workers gives the serial result
CREATE TABLE summary_src AS
SELECT i, clientele.sentiment(CASE i % 3 WHEN 0 THEN 'great product' WHEN 1 THEN 'awful delivery' ELSE 'a box' END) AS s
  FROM generate_series(1, 30000) i;
ANALYZE summary_src;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial AS SELECT (clientele.sentiment_summary(s)).* FROM summary_src;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF) SELECT clientele.sentiment_summary(s) FROM summary_src;
CREATE TEMP TABLE parallel AS SELECT (clientele.sentiment_summary(s)).* FROM summary_src;
SELECT p.count = s.count AS same_count, abs(p.mean - s.mean) < 1e-12 AS same_mean,
       p.positive = s.positive AND p.negative = s.negative AND p.neutral = s.neutral AND p.net = s.net AS same_shares
  FROM parallel p, serial s;
-- sentiment() itself runs in parallel workers
EXPLAIN (COSTS OFF) SELECT sum(clientele.sentiment('great product ' || i)) FROM summary_src;
SELECT round(sum(clientele.sentiment('great product ' || i))::numeric, 6) =
       (SELECT round(sum(clientele.sentiment('great product ' || i))::numeric, 6) FROM summary_src) AS same_sum
  FROM summary_src;
RESET ALL;
DROP TABLE summary_src;
