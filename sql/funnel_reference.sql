-- A second reference, written in SQL over clientele.tokens() and nothing of
-- the matcher: units (elision + word, hashtag words, squeezed elongations)
-- are rebuilt from the tokens, and random queries of words, phrases, AND,
-- OR and NOT are evaluated as set operations over message ids.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;
SET search_path = public, clientele;

CREATE TEMP TABLE msgs AS SELECT id, body FROM clientele.demo_messages(1000, 21);

-- tokens with their character offsets, found left to right in the message
CREATE FUNCTION pg_temp.located(msg text) RETURNS TABLE(p int, token text, norm text, kind text, s int, e int)
LANGUAGE plpgsql AS $$
DECLARE cur int := 1; r record; at int;
BEGIN
  FOR r IN SELECT * FROM clientele.tokens(msg) t ORDER BY t.position LOOP
    at := strpos(substr(msg, cur), r.token) + cur - 1;
    p := r.position; token := r.token; norm := r.normalized; kind := r.kind; s := at; e := at + length(r.token);
    cur := e;
    RETURN NEXT;
  END LOOP;
END $$;

-- the units of every message and their keys
CREATE TEMP TABLE toks AS SELECT m.id, l.* FROM msgs m, pg_temp.located(m.body) l WHERE l.kind <> 'punct' AND l.norm <> '';
CREATE TEMP TABLE units AS
WITH t AS (
  SELECT id, p, token, norm, kind, s, e,
         lag(kind) OVER w AS prev_kind, lag(e) OVER w AS prev_e, lag(norm) OVER w AS prev_norm,
         lead(kind) OVER w AS next_kind, lead(s) OVER w AS next_s
    FROM toks WINDOW w AS (PARTITION BY id ORDER BY p)),
u AS (
  SELECT id, p, kind, token, norm,
         kind = 'elision' AND next_kind IN ('word', 'number') AND next_s = e AS glued,
         prev_kind = 'elision' AND kind IN ('word', 'number') AND prev_e = s AS after_elision,
         prev_norm
    FROM t)
SELECT id, row_number() OVER (PARTITION BY id ORDER BY p) AS pos,
       array_remove(ARRAY[
         CASE WHEN after_elision THEN rtrim(prev_norm, '''') || norm ELSE norm END,
         CASE WHEN after_elision THEN norm END,
         CASE WHEN kind IN ('word', 'number') AND token ~ '(.)\1\1'
              THEN nullif(clientele.normal_form(regexp_replace(token, '(.)\1\1+', '\1', 'g')), norm) END,
         CASE WHEN kind = 'hashtag' THEN substr(norm, 2) END], NULL) AS keys
  FROM u WHERE NOT glued;

-- the vocabulary: keys of the units, frequent enough to match something
CREATE TEMP TABLE vocab AS
SELECT row_number() OVER (ORDER BY n DESC, k) AS i, k FROM (
  SELECT k, count(*) AS n FROM units, unnest(keys) k
   WHERE k !~ '[*?"()\\:/~ -]' AND k !~ '^(and|or|not)$' GROUP BY k HAVING count(*) >= 4) x
 ORDER BY n DESC, k LIMIT 250;
ALTER TABLE vocab ADD PRIMARY KEY (i);
CREATE TEMP TABLE unit_keys AS SELECT id, pos, unnest(keys) AS k FROM units;
CREATE INDEX ON unit_keys (k);
ANALYZE vocab, unit_keys, msgs;
SELECT set_config('funnel_test.nv', count(*)::text, false) IS NOT NULL AS ok FROM vocab;

-- a random query as (query text, SQL over units returning the ids that match)
CREATE FUNCTION pg_temp.rnd(INOUT state bigint, n int, OUT pick int) LANGUAGE sql AS
$$ SELECT (state % 2147483648 * 1103515245 + 12345) % 2147483648,
          (((state % 2147483648 * 1103515245 + 12345) % 2147483648) >> 8)::int % n $$;
CREATE FUNCTION pg_temp.gen(seed bigint, depth int, OUT q text, OUT ids text) LANGUAGE plpgsql AS $$
DECLARE s bigint := seed; r record; a record; b record; w1 text; w2 text; nv int := current_setting('funnel_test.nv')::int;
BEGIN
  r := pg_temp.rnd(s, 100); s := r.state;
  IF depth <= 0 OR r.pick < 35 THEN
    r := pg_temp.rnd(s, nv); s := r.state; w1 := (SELECT k FROM vocab WHERE i = r.pick + 1);
    r := pg_temp.rnd(s, 4); s := r.state;
    IF r.pick = 0 THEN
      r := pg_temp.rnd(s, nv); s := r.state; w2 := (SELECT k FROM vocab WHERE i = r.pick + 1);
      q := '"' || w1 || ' ' || w2 || '"';
      ids := format('SELECT a.id FROM unit_keys a JOIN unit_keys b ON b.id = a.id AND b.pos = a.pos + 1 WHERE a.k = %L AND b.k = %L', w1, w2);
    ELSE
      q := w1;
      ids := format('SELECT id FROM unit_keys WHERE k = %L', w1);
    END IF;
    RETURN;
  END IF;
  a := pg_temp.gen(s % 2147483648 * 31 + 1, depth - 1);
  b := pg_temp.gen(s % 2147483648 * 17 + 7, depth - 1);
  CASE r.pick % 4
    WHEN 0 THEN q := '(' || a.q || ' OR ' || b.q || ')'; ids := '(' || a.ids || ') UNION (' || b.ids || ')';
    WHEN 1 THEN q := '(' || a.q || ' ' || b.q || ')'; ids := '(' || a.ids || ') INTERSECT (' || b.ids || ')';
    WHEN 2 THEN q := '(' || a.q || ' -' || b.q || ')'; ids := '(' || a.ids || ') EXCEPT (' || b.ids || ')';
    ELSE q := '(NOT ' || a.q || ' OR ' || b.q || ')'; ids := '(SELECT id FROM msgs EXCEPT (' || a.ids || ')) UNION (' || b.ids || ')';
  END CASE;
END $$;

CREATE TEMP TABLE queries AS SELECT qid, q, q::clientele.kwquery AS kq, ids FROM (SELECT g AS qid, (pg_temp.gen(g * 7919 + 5, 3)).* FROM generate_series(1, 120) g) x;
CREATE FUNCTION pg_temp.ids(sql text) RETURNS SETOF bigint LANGUAGE plpgsql AS $$ BEGIN RETURN QUERY EXECUTE sql; END $$;
CREATE TEMP TABLE expected_ids AS SELECT q.qid, x.id FROM queries q, pg_temp.ids(q.ids) AS x(id);

SELECT count(*) AS queries, (SELECT count(*) FROM units) AS units,
       (SELECT count(*) FROM units WHERE cardinality(keys) > 1) AS units_with_several_keys FROM queries;
-- the matcher against the SQL reference: zero disagreements
SELECT sum(x.n) AS pairs, sum(x.matching) AS matching_pairs, sum(x.disagreements) AS disagreements
  FROM queries q, LATERAL (
    SELECT count(*) AS n,
           count(*) FILTER (WHERE m.body @~> q.kq) AS matching,
           count(*) FILTER (WHERE (m.body @~> q.kq) <> (e.id IS NOT NULL)) AS disagreements
      FROM msgs m LEFT JOIN (SELECT DISTINCT x.id FROM expected_ids x WHERE x.qid = q.qid) e ON e.id = m.id) x;
SELECT q FROM queries WHERE qid <= 5 ORDER BY qid;
