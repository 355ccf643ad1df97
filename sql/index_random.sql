-- Differential test: random queries over random texts, through the keyword
-- index versus a sequential scan, with zero differences expected; repeated
-- with rows in the insert buffer and after deletes and VACUUM.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;
SET search_path = public, clientele;
SELECT setseed(0.4242);

CREATE TEMP TABLE vocab (i serial, w text);
INSERT INTO vocab (w) VALUES ('livraison'), ('rapide'), ('colis'), ('parfum'), ('rouge'), ('lèvres'),
  ('Crème'), ('génial'), ('nul'), ('déçue'), ('service'), ('client'), ('delivery'), ('fast'),
  ('broken'), ('love'), ('hate'), ('price'), ('prix'), ('cher'), ('L''Oréal'), ('l''oreal'),
  ('j''adore'), ('#promo'), ('#fail'), ('#Boycott'), ('@marque'), ('@Support'), ('$TSLA'),
  ('😍'), ('😡'), ('🔥'), ('GÉNIAAAL'), ('sooo'), ('good'), ('bad'), ('très'), ('vraiment'),
  ('pas'), ('not'), ('Nutella'), ('nutrio'), ('nuance'), ('nordvik'), ('encore'), ('jamais');

CREATE FUNCTION pg_temp.word() RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  k int := 1 + floor(random() * 46)::int;
  r text;
BEGIN
  SELECT w INTO STRICT r FROM vocab WHERE i = k;
  RETURN r;
END $$;

CREATE TABLE kwrand (id int PRIMARY KEY, body text);
INSERT INTO kwrand
SELECT g, (SELECT string_agg(pg_temp.word(), CASE WHEN random() < 0.1 THEN ', ' ELSE ' ' END)
             FROM generate_series(1, 2 + (g * 7 + floor(random() * 12)::int) % 14))
  FROM generate_series(1, 2500) g;
CREATE INDEX kwrand_kw ON kwrand USING kwindex (body);

-- a random query of the given depth
CREATE FUNCTION pg_temp.query(depth int) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  r float8 := random();
  w text := pg_temp.word();
  plain text := regexp_replace(w, '^[#@$]|''', '', 'g');
BEGIN
  IF depth <= 0 OR r < 0.35 THEN
    r := random();
    IF r < 0.35 THEN RETURN w;
    ELSIF r < 0.45 AND length(plain) >= 4 THEN RETURN left(plain, 3) || '*';
    ELSIF r < 0.52 AND length(plain) >= 4 THEN RETURN left(plain, 1) || '?' || substr(plain, 3);
    ELSIF r < 0.62 THEN RETURN '"' || w || ' ' || pg_temp.word() || '"';
    ELSIF r < 0.72 THEN RETURN w || ' NEAR/' || (1 + floor(random() * 4))::int || ' ' || pg_temp.word();
    ELSIF r < 0.77 THEN RETURN w || ' ONEAR/' || (1 + floor(random() * 4))::int || ' ' || pg_temp.word();
    ELSIF r < 0.82 THEN RETURN '"' || w || ' ' || pg_temp.word() || '"~' || (1 + floor(random() * 4))::int;
    ELSIF r < 0.87 AND plain ~ '^[[:alpha:]]+$' THEN RETURN 'raw:' || plain;
    ELSIF r < 0.92 THEN RETURN 'lang:' || (ARRAY['fr', 'en'])[1 + floor(random() * 2)::int] || ' ' || w;
    ELSIF r < 0.94 AND length(plain) >= 4 THEN RETURN '*' || right(plain, 3);
    ELSIF r < 0.96 AND length(plain) >= 4 THEN RETURN left(plain, 1) || '*' || right(plain, 2);
    ELSIF r < 0.98 AND length(plain) >= 4 THEN RETURN left(plain, 2) || '?*';
    ELSE RETURN w;
    END IF;
  END IF;
  r := random();
  IF r < 0.35 THEN RETURN '(' || pg_temp.query(depth - 1) || ') AND (' || pg_temp.query(depth - 1) || ')';
  ELSIF r < 0.7 THEN RETURN '(' || pg_temp.query(depth - 1) || ') OR (' || pg_temp.query(depth - 1) || ')';
  ELSIF r < 0.8 THEN RETURN pg_temp.query(depth - 1) || ' -(' || pg_temp.query(depth - 1) || ')';
  ELSIF r < 0.9 THEN RETURN 'NOT (' || pg_temp.query(depth - 1) || ')';
  ELSE RETURN pg_temp.query(depth - 1) || ' ' || pg_temp.query(depth - 1);
  END IF;
END $$;

-- rows of one query by sequential scan and by the index
CREATE FUNCTION pg_temp.compare(q text, OUT seq_rows int, OUT same boolean)
LANGUAGE plpgsql AS $$
DECLARE
  a int[];
  b int[];
BEGIN
  PERFORM set_config('enable_seqscan', 'on', true);
  PERFORM set_config('enable_bitmapscan', 'off', true);
  PERFORM set_config('enable_indexscan', 'off', true);
  EXECUTE 'SELECT array_agg(id ORDER BY id) FROM kwrand WHERE body @~> $1' INTO a USING q::clientele.kwquery;
  PERFORM set_config('enable_seqscan', 'off', true);
  PERFORM set_config('enable_bitmapscan', 'on', true);
  EXECUTE 'SELECT array_agg(id ORDER BY id) FROM kwrand WHERE body @~> $1' INTO b USING q::clientele.kwquery;
  PERFORM set_config('enable_seqscan', 'on', true);
  PERFORM set_config('enable_indexscan', 'on', true);
  seq_rows := coalesce(cardinality(a), 0);
  same := a IS NOT DISTINCT FROM b;
END $$;

CREATE TEMP TABLE queries AS SELECT g, pg_temp.query(1 + g % 3) AS q FROM generate_series(1, 400) g;
CREATE TEMP TABLE results (round int, q text, seq_rows int, same boolean);

INSERT INTO results SELECT 1, q, (pg_temp.compare(q)).* FROM queries;

-- round 2: a third more rows, in the insert buffer
INSERT INTO kwrand
SELECT g, (SELECT string_agg(pg_temp.word(), ' ') FROM generate_series(1, 2 + (g * 5 + floor(random() * 9)::int) % 12))
  FROM generate_series(2501, 3300) g;
INSERT INTO results SELECT 2, q, (pg_temp.compare(q)).* FROM queries;

-- round 3: deletes, updates, VACUUM (merged segment)
DELETE FROM kwrand WHERE id % 5 = 0;
UPDATE kwrand SET body = body || ' ' || pg_temp.word() WHERE id % 7 = 0;
VACUUM kwrand;
INSERT INTO results SELECT 3, q, (pg_temp.compare(q)).* FROM queries;

SELECT round, count(*) AS queries, count(*) FILTER (WHERE NOT same) AS differences,
       count(*) FILTER (WHERE seq_rows > 0) AS with_rows,
       count(*) FILTER (WHERE seq_rows BETWEEN 1 AND 300) AS selective
  FROM results GROUP BY round ORDER BY round;
-- any difference, for diagnosis
SELECT round, q, seq_rows FROM results WHERE NOT same ORDER BY round, q LIMIT 10;
SELECT count(*) = 46 AS vocabulary FROM vocab;
SELECT heap_rows = (SELECT count(*) FROM kwrand WHERE body IS NOT NULL) AS all_rows_checked FROM clientele.kw_index_check('kwrand_kw');

-- wildcards, whose plans are exact (no recheck) when a key cut to 255 bytes
-- cannot change the answer: rows with words longer than the cut, a word of
-- exactly 255 bytes (10003) equal to another row's cut key (10004), and French/English texts (the language pseudo-keys
-- "\x01fr"/"\x01en" must never match "*fr" or "?en")
INSERT INTO kwrand VALUES
  (10001, 'un ' || repeat('nut', 100) || ' long'),
  (10002, repeat('nutx', 64) || 'la fin'),
  (10003, repeat('ab', 127) || 'c tout pile'),
  (10004, repeat('ab', 127) || 'cla presque'),
  (10005, 'le colis est arrivé et je suis très contente du service'),
  (10006, 'the parcel arrived and the service was great');
CREATE TEMP TABLE wild (q text);
INSERT INTO wild VALUES ('nut*'), ('nutnut*'), ('*la'), ('n*la'), ('nu?'), ('?ut*'), ('nut*la'),
  ('?en'), ('*en'), ('*fr'), ('?fr'), ('-nut*'), ('NOT nu*'), ('nu* -nutella'), ('*ella'), ('b*la'),
  ('bb*'), ('*ice'), ('servic?'), ('NOT servic?'), ('s?rvice OR colis'), ('lang:fr -co*'),
  (left(repeat('nut', 100), 250) || '*'), (left(repeat('nut', 100), 254) || '*'),
  (left(repeat('nut', 100), 260) || '*'), ('-' || left(repeat('nutx', 64), 250) || '*'),
  (repeat('ab', 125) || '?????'), ('NOT ' || repeat('ab', 125) || '?????'),
  (left(repeat('ab', 127), 250) || '?'), ('NOT ' || left(repeat('ab', 127), 250) || '?'),
  (left(repeat('ab', 127), 200) || '*'), ('NOT ' || left(repeat('ab', 127), 200) || '*'),
  (repeat('ab', 127) || 'c*'), (repeat('ab', 127) || 'cla*'), ('*cla'), ('NOT *cla');
-- is every node of the plan exact (marked =)?
CREATE FUNCTION pg_temp.exact(q text) RETURNS boolean LANGUAGE sql AS $$
  SELECT clientele.kwquery_plan(q::clientele.kwquery) !~ '(KEY|PREFIX|PATTERN|AND|OR|NOT|ALL)($|[^=])' $$;
SELECT q, pg_temp.exact(q) AS exact_plan, (pg_temp.compare(q)).*
  FROM wild WHERE length(q) < 20 ORDER BY q COLLATE "C";
SELECT left(q, 8) AS starts, length(q), pg_temp.exact(q) AS exact_plan, (pg_temp.compare(q)).*
  FROM wild WHERE length(q) >= 20 ORDER BY q COLLATE "C";
SELECT array_agg(id ORDER BY id) AS rows_of_nut_prefix_250 FROM kwrand
 WHERE id > 10000 AND body @~> (left(repeat('nut', 100), 250) || '*')::clientele.kwquery;
DROP TABLE kwrand;
