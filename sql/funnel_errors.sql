-- Keyword queries: bad input, NULLs, huge queries.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;
SET search_path = public, clientele;
\set VERBOSITY default

-- every malformed construct: SQLSTATE, position, what was expected, a hint
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text; hint text;
BEGIN
  PERFORM q::clientele.kwquery;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
  RETURN st || ' | ' || msg || ' | ' || coalesce(det, '') || ' | ' || coalesce(hint, '');
END $$;
SELECT q, pg_temp.try(q) AS error
  FROM (VALUES (''), ('   '), ('nutella AND'), ('OR nutella'), ('a OR OR b'), ('(a OR b'),
               ('a OR b)'), ('()'), ('"unterminated'), ('""'), ('a NEAR/ b'), ('a NEAR b'),
               ('a NEAR/0 b'), ('a NEAR/5000 b'), ('a NEAR/3x b'), ('a ONEAR/3f b'),
               ('NOT a NEAR/3 b'), ('(a AND b) NEAR/3 c'), ('a NEAR/3 lang:fr'), ('"a b"~'),
               ('"a b"~0'), ('lang:de x'), ('*'), ('a*'), ('?*?'), ('raw:'), ('raw: x'),
               ('raw:nut*'), ('!!!'), ('a -'), ('a \*b*'), ('nut\ ella*')) AS t(q);

-- the error as a client sees it
SELECT 'x' @~> 'nutella NEAR/ pain';
SELECT 'x' @~> '(loreal OR nutella';
SELECT clientele.to_kwquery('x', 'de');

-- NULLs: strict functions return NULL
SELECT NULL::text @~> 'a' AS op, clientele.matches('a', NULL) AS fn,
       clientele.highlight(NULL, 'a') AS hl, clientele.to_kwquery(NULL) AS parsed,
       (SELECT count(*) FROM clientele.match_positions(NULL, 'a')) AS positions;
-- empty and white-space messages match nothing positive, and NOT queries
SELECT '' @~> 'a' AS empty, '   ' @~> 'a' AS blank, '' @~> 'NOT a' AS empty_not;

-- a query of 100,000 terms (in bounded memory: one dictionary entry per term)
SELECT length(q) AS query_bytes,
       'le produit w99999 est top' @~> q::clientele.kwquery AS last_term,
       'le produit w100000 est top' @~> q::clientele.kwquery AS absent_term,
       'wa50000 et w50000' @~> q::clientele.kwquery AS middle_term
  FROM (SELECT string_agg('w' || i, ' OR ') AS q FROM generate_series(0, 99999) i) x;
-- a deep query: 2,000 nested parentheses parse, and much deeper ones stop cleanly
SELECT 'a' @~> (repeat('(', 2000) || 'a' || repeat(')', 2000))::clientele.kwquery AS deep;
SELECT pg_temp.try(repeat('(', 1000000) || 'a' || repeat(')', 1000000)) LIKE '54001%' AS too_deep;

-- a long message can be cancelled: the scan checks for interrupts
CREATE TEMP TABLE big AS SELECT repeat('nutella pain ', 3000000) AS body;
SET statement_timeout = '10ms';
SELECT body @~> 'x NEAR/3 y' FROM big;
RESET statement_timeout;
