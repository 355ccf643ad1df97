#!/usr/bin/env bash
# The keyword index (kwindex) against GIN on to_tsvector('simple', body) and
# GIN with gin_trgm_ops on the same demo messages (default 5,000,000; set
# CLIENTELE_BENCH_ROWS): build time, size, and the median latency of five
# query kinds through each index (sequential scans disabled, parallel workers
# off).  Run by run.sh inside a throwaway cluster (PG* variables set).
set -euo pipefail
N=${CLIENTELE_BENCH_ROWS:-5000000}
REPS=${CLIENTELE_BENCH_REPS:-7}
psql -X -q -v ON_ERROR_STOP=1 <<SQL
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
SET search_path = public, clientele;
DROP TABLE IF EXISTS bench_posts;
CREATE TABLE bench_posts AS SELECT id, body FROM clientele.demo_messages($N, 11);
VACUUM ANALYZE bench_posts;
SET max_parallel_workers_per_gather = 0;
SET max_parallel_maintenance_workers = 0;
SET maintenance_work_mem = '256MB';
SET jit = off;

-- the query terms, chosen from a sample of the corpus (plain ASCII words, so
-- that the 'simple' text search configuration and the matcher agree)
CREATE TEMP TABLE words AS
SELECT normalized AS w, count(*) AS n, row_number() OVER (ORDER BY count(*) DESC, normalized) AS rank
  FROM (SELECT body FROM bench_posts ORDER BY id LIMIT 50000) s, clientele.tokens(s.body) t
 WHERE t.kind = 'word' AND t.normalized ~ '^[a-z]{5,}$'
 GROUP BY normalized HAVING bool_and(t.token = t.normalized);
SELECT (SELECT w FROM words WHERE n BETWEEN 2 AND 5 ORDER BY n, w LIMIT 1) AS rare \gset
SELECT string_agg(w, ' OR ' ORDER BY rank) AS or_kw, string_agg(w, ' | ' ORDER BY rank) AS or_ts,
       '(' || string_agg(w, '|' ORDER BY rank) || ')' AS or_re
  FROM words WHERE rank BETWEEN 201 AND 300 \gset

CREATE TEMP TABLE queries (kind text, method text, q text);
INSERT INTO queries VALUES
  ('a rare term', 'kwindex', \$\$body @~> ':rare'\$\$),
  ('a rare term', 'gin tsvector', \$\$to_tsvector('simple', body) @@ to_tsquery('simple', ':rare')\$\$),
  ('a rare term', 'gin trgm', \$\$body ~* '\\m:rare\\M'\$\$),
  ('OR of 100 terms', 'kwindex', \$\$body @~> ':or_kw'\$\$),
  ('OR of 100 terms', 'gin tsvector', \$\$to_tsvector('simple', body) @@ to_tsquery('simple', ':or_ts')\$\$),
  ('OR of 100 terms', 'gin trgm', \$\$body ~* '\\m:or_re\\M'\$\$),
  ('phrase', 'kwindex', \$\$body @~> '"biscuiterie morel"'\$\$),
  ('phrase', 'gin tsvector', \$\$to_tsvector('simple', body) @@ to_tsquery('simple', 'biscuiterie <-> morel')\$\$),
  ('phrase', 'gin trgm', \$\$body ILIKE '%biscuiterie morel%'\$\$),
  ('prefix wildcard', 'kwindex', \$\$body @~> 'biscu*'\$\$),
  ('prefix wildcard', 'gin tsvector', \$\$to_tsvector('simple', body) @@ to_tsquery('simple', 'biscu:*')\$\$),
  ('prefix wildcard', 'gin trgm', \$\$body ~* '\\mbiscu'\$\$),
  ('NEAR/5', 'kwindex', \$\$body @~> 'nordvik NEAR/5 slow'\$\$),
  ('NEAR/5', 'gin tsvector', \$\$to_tsvector('simple', body) @@ to_tsquery('simple',
     '(nordvik <1> slow) | (nordvik <2> slow) | (nordvik <3> slow) | (nordvik <4> slow) | (nordvik <5> slow) | '
     '(slow <1> nordvik) | (slow <2> nordvik) | (slow <3> nordvik) | (slow <4> nordvik) | (slow <5> nordvik)')\$\$);
UPDATE queries SET q = replace(replace(replace(q, ':rare', :'rare'), ':or_kw', :'or_kw'), ':or_ts', :'or_ts');
UPDATE queries SET q = replace(q, ':or_re', :'or_re');

CREATE TEMP TABLE builds (method text, seconds float8, mb float8);
CREATE TEMP TABLE latencies (kind text, method text, rows bigint, ms float8);

CREATE FUNCTION pg_temp.build(method text, ddl text, idx text) RETURNS void LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
  EXECUTE ddl;
  INSERT INTO builds VALUES (method, extract(epoch FROM clock_timestamp() - t0),
                             pg_relation_size(idx) / 1048576.0);
END \$\$;

-- median latency of each query through the index of its method; the runs of
-- all methods are interleaved (one run of every query per round), so that a
-- change in the load of a shared machine affects every method alike
CREATE FUNCTION pg_temp.measure(reps int) RETURNS void LANGUAGE plpgsql AS \$\$
DECLARE r record; t0 timestamptz; n bigint; i int;
BEGIN
  PERFORM set_config('enable_seqscan', 'off', true);
  CREATE TEMP TABLE samples (kind text, method text, rows bigint, ms float8);
  FOR i IN 0..reps LOOP
    FOR r IN SELECT * FROM queries ORDER BY kind, method LOOP
      t0 := clock_timestamp();
      EXECUTE 'SELECT count(*) FROM bench_posts WHERE ' || r.q INTO n;
      IF i > 0 THEN   -- the first round warms the cache
        INSERT INTO samples VALUES (r.kind, r.method, n, extract(epoch FROM clock_timestamp() - t0) * 1000);
      END IF;
    END LOOP;
  END LOOP;
  INSERT INTO latencies SELECT kind, method, max(rows), percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)
    FROM samples GROUP BY kind, method;
END \$\$;

\o /dev/null
SELECT count(*) FROM bench_posts;
SELECT pg_temp.build('kwindex', 'CREATE INDEX bench_kw ON bench_posts USING kwindex (body)', 'bench_kw');
SELECT pg_temp.build('gin tsvector', 'CREATE INDEX bench_ts ON bench_posts USING gin (to_tsvector(''simple'', body))', 'bench_ts');
SELECT pg_temp.build('gin trgm', 'CREATE INDEX bench_trgm ON bench_posts USING gin (body gin_trgm_ops)', 'bench_trgm');
-- each query can use only the index of its method (its operator or expression)
SELECT pg_temp.measure($REPS);
DROP INDEX bench_kw, bench_ts, bench_trgm;
\o

\echo
\echo Messages: $N; maintenance_work_mem 256MB, parallel workers off; latency: median of $REPS interleaved rounds after one warm-up round.
\echo Rare term: :rare   OR of 100 terms: words ranked 201-300 by frequency in a 50,000-message sample.
SELECT method, round(seconds::numeric, 1) AS build_s,
       round((seconds / (SELECT seconds FROM builds WHERE method = 'gin tsvector'))::numeric, 2) AS build_vs_tsvector,
       round(mb::numeric, 1) AS size_mb,
       round((mb / (SELECT mb FROM builds WHERE method = 'gin tsvector'))::numeric, 2) AS size_vs_tsvector
  FROM builds ORDER BY method DESC;
SELECT l.kind, l.method, l.rows, round(l.ms::numeric, 2) AS median_ms,
       round((l.ms / t.ms)::numeric, 2) AS vs_tsvector
  FROM latencies l LEFT JOIN latencies t ON t.kind = l.kind AND t.method = 'gin tsvector'
 ORDER BY l.kind, l.method DESC;
DROP TABLE bench_posts;
SQL
