#!/usr/bin/env bash
# Speed of the keyword matcher (text @~> kwquery) against a regular
# expression, full-text search and the lower(body) floor, on the same demo
# messages, parallel workers off; then 1 against 10,000 terms, and themes()
# with 200 themes.  Run by run.sh inside a throwaway cluster (PG* set).
# The regular expression and to_tsvector are measured on the first
# CLIENTELE_BENCH_SLOW_ROWS rows (they are slow) and compared per message.
set -euo pipefail
N=${CLIENTELE_BENCH_ROWS:-1000000}
SLOW=${CLIENTELE_BENCH_SLOW_ROWS:-100000}
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION IF NOT EXISTS clientele;
SET client_min_messages = warning;
SET search_path = public, clientele;
DROP TABLE IF EXISTS bench_msgs, bench_slow, bench_terms;
CREATE TABLE bench_msgs AS SELECT id, body FROM clientele.demo_messages($N, 7);
CREATE TABLE bench_slow AS SELECT * FROM bench_msgs WHERE id <= $SLOW;
VACUUM ANALYZE bench_msgs, bench_slow;
SET max_parallel_workers_per_gather = 0;
SET jit = off;

-- 1,000 brand and product terms: the 24 brands, product words of the corpus,
-- made-up product names; some phrases and some wildcards
CREATE TABLE bench_terms AS
WITH brands AS (SELECT DISTINCT lower(brand) AS t FROM clientele.demo_messages(20000, 7) WHERE brand IS NOT NULL),
     words AS (SELECT k.normalized AS t FROM clientele.demo_messages(20000, 7) d, clientele.tokens(d.body) k
                WHERE k.kind = 'word' AND length(normalized) >= 6 AND normalized ~ '^[a-z]+\$'
                GROUP BY k.normalized HAVING count(*) BETWEEN 3 AND 40 ORDER BY count(*) DESC, k.normalized LIMIT 300),
     made AS (SELECT CASE WHEN i % 10 = 0 THEN 'zork' || i || ' pro' ELSE 'zork' || i END AS t FROM generate_series(1, 10000) i)
SELECT row_number() OVER () AS i, t, kind FROM (
  SELECT t, CASE WHEN t LIKE '% %' THEN 'phrase' ELSE 'word' END AS kind FROM brands
  UNION ALL SELECT t, 'word' FROM words
  UNION ALL SELECT left(t, 4), 'wildcard' FROM (SELECT t FROM words ORDER BY t LIMIT 40) w
  UNION ALL SELECT t, CASE WHEN t LIKE '% %' THEN 'phrase' ELSE 'word' END FROM made) x;
-- 1 term against 10,000: the same brand, alone or with 9,999 made-up product
-- names (words, phrases, wildcards) that never match, so both match the same
-- messages and the difference is the cost of the terms
CREATE FUNCTION pg_temp.kw_many(n int) RETURNS clientele.kwquery LANGUAGE sql AS \$\$
  SELECT ('roselia' || coalesce(' OR ' || string_agg(CASE WHEN i % 25 = 0 THEN 'zk' || i || '*'
                                                  WHEN i % 10 = 0 THEN '"zork' || i || ' pro"' ELSE 'zork' || i END, ' OR '), ''))::clientele.kwquery
    FROM generate_series(1, n - 1) i \$\$;
CREATE FUNCTION pg_temp.kw(n int) RETURNS clientele.kwquery LANGUAGE sql AS \$\$
  SELECT string_agg(CASE kind WHEN 'phrase' THEN '"' || t || '"' WHEN 'wildcard' THEN t || '*' ELSE t END, ' OR ' ORDER BY i)::clientele.kwquery
    FROM bench_terms WHERE i <= n \$\$;
CREATE FUNCTION pg_temp.re(n int) RETURNS text LANGUAGE sql AS \$\$
  SELECT '\m(' || string_agg(CASE kind WHEN 'wildcard' THEN t || '\w*' ELSE replace(t, ' ', '\s+') END, '|' ORDER BY i) || ')\M'
    FROM bench_terms WHERE i <= n \$\$;
CREATE FUNCTION pg_temp.ts(n int) RETURNS tsquery LANGUAGE sql AS \$\$
  SELECT to_tsquery('simple', string_agg(CASE kind WHEN 'phrase' THEN replace(t, ' ', ' <-> ') WHEN 'wildcard' THEN t || ':*' ELSE t END, ' | ' ORDER BY i))
    FROM bench_terms WHERE i <= n \$\$;

CREATE TEMP TABLE timings (what text, rows bigint, ms float8, matched bigint);
CREATE FUNCTION pg_temp.timeit(what text, tbl text, cond text, reps int DEFAULT 3) RETURNS void LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz; best float8 := 'Infinity'; i int; n bigint; total bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM %s', tbl) INTO total;
  FOR i IN 1..reps LOOP
    t0 := clock_timestamp();
    EXECUTE format('SELECT count(*) FILTER (WHERE %s) FROM %s', cond, tbl) INTO n;
    best := least(best, extract(epoch FROM clock_timestamp() - t0) * 1000);
  END LOOP;
  INSERT INTO timings VALUES (what, total, best, n);
END \$\$;

-- the queries, built once (constants in the timed statements)
SELECT pg_temp.kw(1000)::text AS kw1000, pg_temp.kw_many(1)::text AS kw1, pg_temp.kw_many(10000)::text AS kw10000,
       pg_temp.re(1000) AS re1000, pg_temp.ts(1000)::text AS ts1000 \gset
-- 200 themes of 5 terms each
INSERT INTO clientele.theme_set (name) VALUES ('bench200') ON CONFLICT DO NOTHING;
DELETE FROM clientele.theme WHERE theme_set = 'bench200';
INSERT INTO clientele.theme (theme_set, name, query)
SELECT 'bench200', 'theme ' || g,
       (SELECT string_agg(CASE kind WHEN 'phrase' THEN '"' || t || '"' WHEN 'wildcard' THEN t || '*' ELSE t END, ' OR ')
          FROM bench_terms WHERE i % 200 = g % 200 AND i <= 1000)::clientele.kwquery
  FROM generate_series(0, 199) g;

\o /dev/null
SELECT count(*) FROM bench_msgs;
SELECT clientele.matches('warm up', :'kw1000');
\o
SELECT pg_temp.timeit('floor: length(lower(body))', 'bench_msgs', 'length(lower(body)) > 0');
SELECT pg_temp.timeit('@~> 1 term (a brand)', 'bench_msgs', format('body @~> %L::clientele.kwquery', :'kw1'));
SELECT pg_temp.timeit('@~> 1,000 terms', 'bench_msgs', format('body @~> %L::clientele.kwquery', :'kw1000'));
SELECT pg_temp.timeit('@~> 10,000 terms (the brand + 9,999)', 'bench_msgs', format('body @~> %L::clientele.kwquery', :'kw10000'));
SELECT pg_temp.timeit('themes(), 200 themes', 'bench_msgs', 'cardinality(clientele.themes(body, ''bench200'')) > 0', 1);
SELECT pg_temp.timeit('floor: length(lower(body)), slow subset', 'bench_slow', 'length(lower(body)) > 0');
SELECT pg_temp.timeit('@~> 1,000 terms, slow subset', 'bench_slow', format('body @~> %L::clientele.kwquery', :'kw1000'));
SELECT pg_temp.timeit('body ~* regex of 1,000 terms', 'bench_slow', format('body ~* %L', :'re1000'), 1);
SELECT pg_temp.timeit('to_tsvector(simple) @@ tsquery of 1,000 terms', 'bench_slow', format('to_tsvector(''simple'', body) @@ %L::tsquery', :'ts1000'), 1);

\echo
\echo Messages: $N (regex and to_tsvector on the first $SLOW), one core (parallel workers off); best of 3 runs (themes, regex, tsvector: 1 run).
SELECT what, rows, round(ms::numeric) AS ms, round((rows / (ms / 1000))::numeric) AS messages_per_second, matched
  FROM timings;
\echo
\echo Ratios (per message):
WITH r AS (SELECT what, ms / rows AS per FROM timings)
SELECT 'regex / @~> (1,000 terms): times faster than the regex' AS ratio,
       round(((SELECT per FROM r WHERE what LIKE 'body ~*%') / (SELECT per FROM r WHERE what = '@~> 1,000 terms, slow subset'))::numeric, 1) AS value
UNION ALL SELECT 'tsvector / @~> (1,000 terms): times faster than full-text search',
       round(((SELECT per FROM r WHERE what LIKE 'to_tsvector%') / (SELECT per FROM r WHERE what = '@~> 1,000 terms, slow subset'))::numeric, 1)
UNION ALL SELECT '@~> 1,000 terms / lower() floor (target <= 2)',
       round(((SELECT per FROM r WHERE what = '@~> 1,000 terms') / (SELECT per FROM r WHERE what = 'floor: length(lower(body))'))::numeric, 2)
UNION ALL SELECT '@~> 1 term / lower() floor (every message read to the end)',
       round(((SELECT per FROM r WHERE what LIKE '@~> 1 term%') / (SELECT per FROM r WHERE what = 'floor: length(lower(body))'))::numeric, 2)
UNION ALL SELECT '@~> 10,000 terms / @~> 1 term (target <= 1.5)',
       round(((SELECT per FROM r WHERE what = '@~> 10,000 terms (the brand + 9,999)') / (SELECT per FROM r WHERE what = '@~> 1 term (a brand)'))::numeric, 2)
UNION ALL SELECT 'themes() 200 themes / lower() floor (target <= 2)',
       round(((SELECT per FROM r WHERE what LIKE 'themes()%') / (SELECT per FROM r WHERE what = 'floor: length(lower(body))'))::numeric, 2);
DELETE FROM clientele.theme_set WHERE name = 'bench200';
SQL
