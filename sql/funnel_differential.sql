-- Differential test: random keyword queries, the matcher against the
-- brute-force reference evaluator, over demo messages.  Zero disagreements.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;
SET search_path = public, clientele;

CREATE TEMP TABLE msgs AS SELECT id, body FROM clientele.demo_messages(1500, 3);
-- the vocabulary: frequent normal forms of the corpus, plus some hashtags and emoji
CREATE TEMP TABLE vocab AS
SELECT row_number() OVER (ORDER BY count(*) DESC, normalized) AS i, normalized AS w
  FROM msgs, clientele.tokens(body)
 WHERE kind IN ('word', 'hashtag', 'emoji', 'mention') AND normalized !~ '[*?"()\\:/~-]'
 GROUP BY normalized HAVING count(*) >= 3
 ORDER BY count(*) DESC, normalized LIMIT 300;

-- a deterministic pseudo-random query generator (an LCG, so results do not
-- depend on the server's random())
CREATE FUNCTION pg_temp.rnd(INOUT state bigint, n int, OUT pick int) LANGUAGE sql AS
$$ SELECT (state % 2147483648 * 1103515245 + 12345) % 2147483648,
          (((state % 2147483648 * 1103515245 + 12345) % 2147483648) >> 8)::int % n $$;

CREATE FUNCTION pg_temp.gen(seed bigint, depth int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE s bigint := seed; k int; a text; b text; r record; nv int := (SELECT count(*) FROM vocab);
BEGIN
  r := pg_temp.rnd(s, 100); s := r.state; k := r.pick;
  IF depth <= 0 OR k < 30 THEN
    r := pg_temp.rnd(s, nv); s := r.state;
    a := (SELECT w FROM vocab WHERE i = r.pick + 1);
    r := pg_temp.rnd(s, 10); s := r.state;
    IF r.pick = 0 AND length(a) >= 4 THEN a := left(a, 3) || '*'; END IF;
    IF r.pick = 1 AND length(a) >= 4 THEN a := left(a, 1) || '?' || substr(a, 3); END IF;
    IF r.pick = 2 THEN
      r := pg_temp.rnd(s, nv); s := r.state;
      a := '"' || a || ' ' || (SELECT w FROM vocab WHERE i = r.pick + 1) || '"';
    END IF;
    RETURN a;
  END IF;
  a := pg_temp.gen(s % 2147483648 * 31 + 1, depth - 1);
  b := pg_temp.gen(s % 2147483648 * 17 + 7, depth - 1);
  RETURN CASE k % 8
    WHEN 0 THEN '(' || a || ' OR ' || b || ')'
    WHEN 1 THEN '(' || a || ' OR ' || b || ')'
    WHEN 2 THEN '(' || a || ' ' || b || ')'
    WHEN 3 THEN '(' || a || ' AND NOT ' || b || ')'
    WHEN 4 THEN '(-' || a || ' OR ' || b || ')'
    WHEN 5 THEN CASE WHEN a !~ '[ ()-]' AND b !~ '[ ()-]' THEN '(' || a || ' NEAR/' || (1 + k % 4) || ' ' || b || ')' ELSE a END
    WHEN 6 THEN CASE WHEN a !~ '[ ()-]' AND b !~ '[ ()-]' THEN '(' || a || ' NEAR/' || (1 + k % 3) || 'f ' || b || ')' ELSE b END
    ELSE '(' || a || ' OR lang:' || CASE WHEN k % 2 = 0 THEN 'fr' ELSE 'en' END || ')' END;
END $$;

CREATE TEMP TABLE queries AS
SELECT g AS qid, pg_temp.gen(g * 7919 + 13, 3)::clientele.kwquery AS q FROM generate_series(1, 150) g;

SELECT count(*) AS queries, count(DISTINCT q::text) AS distinct_queries FROM queries;
-- the two evaluators agree on every (message, query) pair
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE m.body @~> q.q) AS matching_pairs,
       count(*) FILTER (WHERE (m.body @~> q.q) <> clientele.matches_reference(m.body, q.q)) AS disagreements
  FROM msgs m, queries q;
-- queries that match between 1 and 1,499 messages exercise both answers
SELECT count(*) FILTER (WHERE n > 0 AND n < 1500) AS queries_with_both_answers
  FROM (SELECT q.qid, count(*) FILTER (WHERE m.body @~> q.q) AS n FROM msgs m, queries q GROUP BY q.qid) x;
-- the index plan never rejects a matching message, and an exact plan never accepts another
SELECT count(*) FILTER (WHERE clientele.kwquery_check(m.body, q.q::text) <> (m.body @~> q.q)) AS plan_failures
  FROM msgs m, (SELECT * FROM queries WHERE qid <= 40) q;
-- wildcard plans, exact when a key cut to 255 bytes cannot change the answer, over every message
SELECT count(*) AS wildcard_pairs,
       count(*) FILTER (WHERE clientele.kwquery_check(m.body, w.q) <> (m.body @~> w.q::clientele.kwquery)) AS plan_failures
  FROM msgs m, (VALUES ('nut*'), ('*ella'), ('n?tella'), ('NOT nut*'), ('-co*'), ('*fr'), ('?en'),
                       ('li*on'), ('NOT ?ien'), ('liv* -rapide')) w(q);
-- the canonical form parses back to the same query
SELECT count(*) FILTER (WHERE q::text::clientele.kwquery::text <> q::text) AS round_trip_failures FROM queries;
SELECT q FROM queries WHERE qid <= 8 ORDER BY qid;
