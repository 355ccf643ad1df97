-- Keyword queries whose pieces normalise to little or nothing: lone combining
-- marks, sigils without a body, wildcards whose letters vanish or turn into
-- metacharacters, escapes at the end.  Each either gives a clean 42601/22P02
-- error or a query whose canonical form parses back to itself.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;
SET search_path = public, clientele;

-- the SQLSTATE and detail of an input, or its canonical form and whether that
-- form parses back to itself
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; det text; canon text;
BEGIN
  BEGIN
    canon := q::clientele.kwquery::text;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
    RETURN st || ' | ' || coalesce(det, '');
  END;
  BEGIN
    RETURN 'ok: ' || canon || CASE WHEN canon::clientele.kwquery::text = canon THEN ''
                                   ELSE ' (PRINTS BACK DIFFERENTLY)' END;
  EXCEPTION WHEN OTHERS THEN
    RETURN 'ok: ' || canon || ' (DOES NOT PARSE BACK)';
  END;
END $$;

SELECT n, pg_temp.try(q) AS result
  FROM (VALUES
    -- a lone combining acute accent (U+0301), alone and in every position
    (1, U&'\0301'), (2, U&'\0301\0301\0301'), (3, U&'"\0301"'), (4, U&'raw:\0301'),
    (5, U&'-\0301'), (6, U&'a \0301'), (7, U&'"a \0301 b"'), (8, U&'\\\0301'),
    (9, U&'a\0301b'), (10, U&'\0301a'), (11, U&'l''\0301 x'),
    -- a sigil whose body is only a combining mark: no hashtag, mention or cashtag
    (12, U&'#\0301'), (13, U&'@\0301'), (14, U&'$\0301'), (15, U&'#\0301 nutella'),
    (16, U&'#a\0301'), (17, '#'),
    -- wildcards: the two-letter minimum counts letters after normalisation
    (18, U&'\0301*a'), (19, U&'a\0301*'), (20, U&'\0301*ab'), (21, U&'ab*\0301*'),
    (22, U&'\00DF*'),
    -- wildcards whose letters normalise to *, ? or a space
    (23, U&'ab\FF0Acd*'), (24, U&'ab\FF1Fcd*'), (25, U&'ab\037Acd*'),
    -- letters that normalise to a quote or a backslash inside a wildcard
    (26, U&'ab\FF02cd*'), (27, U&'ab\FF3Ccd*'),
    -- escapes at the very end, and escaped quotes
    (28, 'nutella\'), (29, '"nutella\"'), (30, '"a \" b"'), (31, 'raw:"a\\b"'),
    -- an enclosing mark alone is kept as written
    (32, U&'\20DD')) AS t(n, q)
 ORDER BY n;

-- the message side agrees: a sigil-only hashtag is no unit, so it takes no
-- position and "x a" is a phrase across it
SELECT clientele.matches(U&'x #\0301 a', '"x a"') AS phrase_across_empty_tag,
       clientele.matches(U&'x #\0301 a', 'x NEAR/1f a') AS adjacent,
       clientele.matches(U&'x \0301 a', '"x a"') AS across_lone_accent;
-- a word with a combining accent matches its folded form, and highlights whole
SELECT clientele.matches(U&'cre\0300me', 'creme') AS decomposed_accent,
       clientele.highlight(U&'la cre\0300me #\0301 ici', 'creme OR ici') AS highlighted;

-- keys that normalising leaves in a form the tokenizer reads differently are
-- settled: the query word becomes the words of its key, so the canonical
-- form parses back to itself (and is what the stored query means)
SELECT n, pg_temp.try(q) AS result
  FROM (VALUES
    -- a joiner stranded at the start, the end or doubled by a vanished mark
    (1, U&'\0301`abcd'), (2, U&'\0301-abcd'), (3, U&'c\035El`\0353'),
    (4, U&'a`\0353`b'), (5, U&'"x c\035El`\0353 y"')) AS t(n, q)
 ORDER BY n;
-- a compatibility letter that expands to a letter and punctuation (U+0140):
-- whatever its normal form, the canonical form is stable
SELECT pg_temp.try(U&'\0140u') NOT LIKE '%BACK%' AS stable,
       pg_temp.try(U&',\0140,*n') NOT LIKE '%BACK%' AS stable_wildcard;
-- the message side reads the same keys: a stranded joiner is not part of the word
SELECT clientele.matches(U&'\0301`abcd', 'abcd') AS leading_joiner,
       clientele.matches(U&'je vois c\035El`\0353 ici', '"vois cl ici"') AS trailing_joiner;

-- the text of an error is cut at whole UTF-8 characters in any database
-- encoding (it was cut at 40 bytes of the database encoding, mid-character
-- in LATIN1, which turned a syntax error into an invalid byte sequence)
SET client_min_messages = warning;
DROP DATABASE IF EXISTS clientele_funnel_normalised_latin1;
CREATE DATABASE clientele_funnel_normalised_latin1 TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C';
RESET client_min_messages;
\c clientele_funnel_normalised_latin1
SET client_encoding = 'UTF8';
SET client_min_messages = warning;
CREATE EXTENSION clientele;
RESET client_min_messages;
SELECT ('raw:a' || repeat('é', 30) || '*')::clientele.kwquery;
SELECT ('"a' || repeat('é', 30))::clientele.kwquery;
SELECT ('a NEAR/3' || repeat('é', 3))::clientele.kwquery;
\c contrib_regression
DROP DATABASE clientele_funnel_normalised_latin1;
