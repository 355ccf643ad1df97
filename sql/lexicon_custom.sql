-- Custom lexicons: loading, overriding, phrases, refresh, errors.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;

SELECT clientele.lexicon_load('cosmetics', E'# skin care words\ngras\t-1.5\ncollant\t-1.8\nwaterproof\t1.5\ntient toute la journée\t2.5\n\nne tient pas\t-2.2\ngood\t-1.0\n#\n#nomakeup\t1.0');
SELECT name, description FROM clientele.lexicon ORDER BY name;
SELECT lexicon, term, valence FROM clientele.lexicon_entry ORDER BY term;

SELECT m,
       round(clientele.sentiment(m, 'auto')::numeric, 3) AS builtin,
       round(clientele.sentiment(m, 'auto', 'cosmetics')::numeric, 3) AS custom
  FROM (VALUES ('ce mascara est waterproof'),
               ('fini gras et collant'),
               ('enfin #nomakeup'),
               ('ce rouge tient toute la journée'),
               ('good product')) AS v(m);
SELECT label, evidence FROM clientele.sentiment_detail('Mascara waterproof, tient toute la journée', 'fr', 'cosmetics');

-- refresh: a change is seen by the next statement
UPDATE clientele.lexicon_entry SET valence = 3 WHERE lexicon = 'cosmetics' AND term = 'waterproof';
SELECT round(clientele.sentiment('waterproof', 'en', 'cosmetics')::numeric, 3) AS after_update;
DELETE FROM clientele.lexicon_entry WHERE lexicon = 'cosmetics' AND term = 'waterproof';
SELECT round(clientele.sentiment('waterproof', 'en', 'cosmetics')::numeric, 3) AS after_delete;
SELECT clientele.lexicon_load('cosmetics', E'waterproof\t-1', replace => true);
SELECT count(*) AS entries_after_replace FROM clientele.lexicon_entry WHERE lexicon = 'cosmetics';
BEGIN;
TRUNCATE clientele.lexicon_entry;
SELECT clientele.sentiment('waterproof', 'en', 'cosmetics') = clientele.sentiment('waterproof', 'en') AS emptied_lexicon_falls_back;
ROLLBACK;
SELECT clientele.sentiment('waterproof', 'en', 'cosmetics') < 0 AS restored_after_rollback;

-- the version changes with every change of entries
SELECT version AS v1 FROM clientele.lexicon WHERE name = 'cosmetics' \gset
INSERT INTO clientele.lexicon_entry VALUES ('cosmetics', 'brillant', 1.2);
SELECT version > :v1 AS version_bumped FROM clientele.lexicon WHERE name = 'cosmetics';

-- from files, as psql users load them
\set content `cat test/data/lexicon-cosmetics.tsv`
SELECT clientele.lexicon_load('from_file', :'content');
SELECT term, valence FROM clientele.lexicon_entry WHERE lexicon = 'from_file' ORDER BY term;
\set content `cat test/data/lexicon-malformed.tsv`
SELECT clientele.lexicon_load('malformed', :'content');

-- valence 0 neutralises a brand name that contains a sentiment word
SELECT clientele.lexicon_load('brands', E'Belle Nature\t0');
SELECT clientele.sentiment('Belle Nature', 'fr') > 0 AS builtin_reads_belle,
       clientele.sentiment('Belle Nature', 'fr', 'brands') = 0 AS brand_neutralised,
       clientele.sentiment('Belle Nature, belle couleur', 'fr', 'brands') > 0 AS other_words_still_count;

-- errors
SELECT clientele.sentiment('x', 'fr', 'nope');
SELECT clientele.lexicon_load('bad', E'ok\t1\nmissing valence');
SELECT clientele.lexicon_load('bad', E'ok\t1\n# comment\nterm\tabc');
SELECT clientele.lexicon_load('bad', E'term\t7');
SELECT clientele.lexicon_load('bad', E'term\tNaN');
SELECT clientele.lexicon_load('bad', E'a\tb\tc');
SELECT clientele.lexicon_load('', E'a\t1');
SELECT clientele.lexicon_load('bad', NULL);
SELECT count(*) AS nothing_loaded FROM clientele.lexicon WHERE name = 'bad';
INSERT INTO clientele.lexicon_entry VALUES ('cosmetics', 'x', 5);
INSERT INTO clientele.lexicon_entry VALUES ('nope', 'x', 1);

-- a non-superuser can score with a lexicon
CREATE ROLE clientele_analyst;
SET ROLE clientele_analyst;
SELECT clientele.sentiment('waterproof', 'en', 'cosmetics') < 0 AS analyst_can_score;
SELECT clientele.lexicon_load('mine', E'a\t1');
RESET ROLE;
DROP ROLE clientele_analyst;

-- a look-alike "=" in public does not take the place of pg_catalog's in the
-- look-ups: an unknown lexicon is still unknown (42704)
CREATE FUNCTION public.always_equal(text, text) RETURNS boolean
    LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.always_equal);
SET search_path = public, pg_catalog;
SELECT 'a'::text = 'b'::text AS hijacked_here;
SELECT clientele.sentiment('waterproof', 'en', 'no_such_lexicon');
SELECT clientele.sentiment('waterproof', 'en', 'cosmetics') < 0 AS still_the_right_lexicon;
RESET search_path;
DROP OPERATOR public.= (text, text);
DROP FUNCTION public.always_equal(text, text);

-- row-level security: a role never sees the entries it cannot read, even
-- when another role compiled the same lexicon earlier in this backend
SELECT clientele.lexicon_load('guarded', E'zorblax\t-3\nwaterproof\t3');
CREATE ROLE clientele_reader_all;
CREATE ROLE clientele_reader_some;
ALTER TABLE clientele.lexicon_entry ENABLE ROW LEVEL SECURITY;
CREATE POLICY hide_zorblax ON clientele.lexicon_entry FOR SELECT
    USING (term <> 'zorblax' OR current_user = 'clientele_reader_all');
SELECT clientele.sentiment('zorblax', 'en', 'guarded') < 0 AS owner_sees_all;
SET ROLE clientele_reader_all;
SELECT clientele.sentiment('zorblax', 'en', 'guarded') < 0 AS reader_all_sees_zorblax;
SET ROLE clientele_reader_some;
SELECT clientele.sentiment('zorblax', 'en', 'guarded') AS reader_some_score_zorblax,
       clientele.sentiment('waterproof', 'en', 'guarded') > 0 AS reader_some_sees_waterproof;
SET ROLE clientele_reader_all;
SELECT clientele.sentiment('zorblax', 'en', 'guarded') < 0 AS reader_all_still_sees_zorblax;
RESET ROLE;
DROP POLICY hide_zorblax ON clientele.lexicon_entry;
ALTER TABLE clientele.lexicon_entry DISABLE ROW LEVEL SECURITY;
DROP ROLE clientele_reader_all;
DROP ROLE clientele_reader_some;
DELETE FROM clientele.lexicon;
