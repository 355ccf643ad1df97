#!/usr/bin/env bash
# Cost of the version cache (src/core/version_cache.c) for themes(): one call
# per statement (the version look-up every statement pays) and one statement
# over many rows, for a user the cache serves and for a user a row-level
# security policy filters (compiled for each statement).  Run by run.sh inside
# a throwaway cluster (PG* variables set).
set -euo pipefail
STATEMENTS=${CLIENTELE_BENCH_STATEMENTS:-2000}
ROWS=${CLIENTELE_BENCH_ROWS:-50000}
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION IF NOT EXISTS clientele;
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
SET jit = off;
INSERT INTO clientele.theme_set (name) VALUES ('bench');
INSERT INTO clientele.theme (theme_set, name, query)
SELECT 'bench', 'theme ' || i,
       (SELECT string_agg(w, ' OR ') FROM unnest(ARRAY['livraison', 'prix', 'colis', 'retard', 'love', 'top', 'nul',
               'cher', 'rapide', 'service', 'produit', 'quality', 'delivery', 'price', 'bad', 'good'])
                 WITH ORDINALITY AS u(w, k) WHERE k % 5 = i % 5 OR k % 7 = i % 7)::clientele.kwquery
  FROM generate_series(1, 100) i;
CREATE TABLE bench_msgs AS SELECT body FROM clientele.demo_messages($ROWS, 7);
CREATE ROLE bench_rls;
GRANT SELECT ON bench_msgs TO bench_rls;
CREATE TEMP TABLE timings (what text, us_per_unit float8);
GRANT ALL ON timings TO bench_rls;

-- one themes() call per statement (each EXECUTE is a new statement)
CREATE FUNCTION pg_temp.per_statement(n int) RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz; r text[];
BEGIN
  EXECUTE 'SELECT clientele.themes(''warm up'', ''bench'')' INTO r;
  t0 := clock_timestamp();
  FOR i IN 1..n LOOP
    EXECUTE 'SELECT clientele.themes(''livraison en retard, prix top'', ''bench'')' INTO r;
  END LOOP;
  RETURN extract(epoch FROM clock_timestamp() - t0) * 1e6 / n;
END \$\$;
-- one statement over every message
CREATE FUNCTION pg_temp.per_row() RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz; n bigint; c bigint;
BEGIN
  SELECT count(*) INTO n FROM bench_msgs;
  t0 := clock_timestamp();
  SELECT count(*) FILTER (WHERE cardinality(clientele.themes(body, 'bench')) > 0) INTO c FROM bench_msgs;
  RETURN extract(epoch FROM clock_timestamp() - t0) * 1e6 / n;
END \$\$;
GRANT EXECUTE ON FUNCTION pg_temp.per_statement(int), pg_temp.per_row() TO bench_rls;

INSERT INTO timings VALUES ('per statement, cached', pg_temp.per_statement($STATEMENTS));
INSERT INTO timings VALUES ('per row, cached', pg_temp.per_row());
ALTER TABLE clientele.theme ENABLE ROW LEVEL SECURITY;
CREATE POLICY bench_all ON clientele.theme FOR SELECT TO bench_rls USING (true);
SET ROLE bench_rls;
INSERT INTO timings VALUES ('per statement, RLS (compiled each statement)', pg_temp.per_statement($STATEMENTS));
INSERT INTO timings VALUES ('per row, RLS (compiled each statement)', pg_temp.per_row());
RESET ROLE;
DROP POLICY bench_all ON clientele.theme;
ALTER TABLE clientele.theme DISABLE ROW LEVEL SECURITY;

SELECT what, round(us_per_unit::numeric, 2) AS us_per_call,
       round((us_per_unit / (SELECT us_per_unit FROM timings WHERE what = 'per statement, cached'))::numeric, 2)
         AS ratio_to_cached_statement
  FROM timings;
DROP TABLE bench_msgs;
DROP OWNED BY bench_rls;
DROP ROLE bench_rls;
SQL
