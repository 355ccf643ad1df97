-- clientele 0.1.0 install script, assembled from: src/core/core.sql src/sentiment/sentiment.sql src/demo/demo.sql
\echo Use "CREATE EXTENSION clientele" to load this file. \quit

-- ==== src/core/core.sql ====
-- Text core: tokenizer, normal forms, language detection.

CREATE FUNCTION clientele.tokens(message text, fold_accents boolean DEFAULT true,
    OUT "position" integer, OUT token text, OUT normalized text, OUT kind text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'clientele_tokens'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION clientele.tokens(text, boolean) IS
'One row per token of the message: its position, original form, normal form and kind (word, elision, number, hashtag, mention, cashtag, url, email, emoji, emoticon, punct)';

CREATE FUNCTION clientele.normal_form(message text, fold_accents boolean DEFAULT true)
RETURNS text
AS 'MODULE_PATHNAME', 'clientele_normal_form'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.normal_form(text, boolean) IS
'The normal forms of the message''s tokens joined by single spaces (NFKC, case folding, apostrophes, elongations, optional accent folding)';

CREATE FUNCTION clientele.detect_language(message text)
RETURNS text
AS 'MODULE_PATHNAME', 'clientele_detect_language'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.detect_language(text) IS
'''fr'' or ''en'', or NULL when the message gives too little evidence either way';

-- Anyone may use the extension's functions once it is installed.
GRANT USAGE ON SCHEMA clientele TO PUBLIC;

-- ==== src/sentiment/sentiment.sql ====
-- Sentiment: scoring functions, the summary aggregate, custom lexicons.

CREATE FUNCTION clientele.sentiment(message text)
RETURNS float8
AS 'MODULE_PATHNAME', 'clientele_sentiment'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.sentiment(text) IS
'Sentiment of a French or English message in [-1, 1] (language detected)';

CREATE FUNCTION clientele.sentiment(message text, lang text)
RETURNS float8
AS 'MODULE_PATHNAME', 'clientele_sentiment'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.sentiment(text, text) IS
'Sentiment of a message in [-1, 1]; lang is ''en'', ''fr'' or ''auto''';

CREATE FUNCTION clientele.sentiment_detail(message text,
    OUT compound float8, OUT positive float8, OUT negative float8, OUT neutral float8,
    OUT label text, OUT language text, OUT evidence jsonb)
RETURNS record
AS 'MODULE_PATHNAME', 'clientele_sentiment_detail'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION clientele.sentiment_detail(message text, lang text,
    OUT compound float8, OUT positive float8, OUT negative float8, OUT neutral float8,
    OUT label text, OUT language text, OUT evidence jsonb)
RETURNS record
AS 'MODULE_PATHNAME', 'clientele_sentiment_detail'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.sentiment_detail(text, text) IS
'Compound score, positive/negative/neutral shares, label, language and the evidence (each word, phrase or emoji that counted, with its adjusted valence and the rules applied)';

-- The summary aggregate: state {count, sum, positives, negatives, neutrals}.
CREATE TYPE clientele.sentiment_stats AS (
    count bigint, mean float8, positive float8, negative float8, neutral float8, net float8);

CREATE FUNCTION clientele.sentiment_summary_accum(float8[], float8)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'clientele_sentiment_summary_accum'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION clientele.sentiment_summary_combine(float8[], float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'clientele_sentiment_summary_combine'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION clientele.sentiment_summary_final(float8[])
RETURNS clientele.sentiment_stats
AS 'MODULE_PATHNAME', 'clientele_sentiment_summary_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE clientele.sentiment_summary(float8) (
    SFUNC = clientele.sentiment_summary_accum,
    STYPE = float8[],
    FINALFUNC = clientele.sentiment_summary_final,
    COMBINEFUNC = clientele.sentiment_summary_combine,
    INITCOND = '{0,0,0,0,0}',
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clientele.sentiment_summary(float8) IS
'Count, mean, shares of positive/negative/neutral scores and net sentiment (share positive - share negative)';

CREATE FUNCTION clientele.builtin_lexicon(lang text,
    OUT term text, OUT valence float8, OUT kind text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'clientele_builtin_lexicon'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 6000;
COMMENT ON FUNCTION clientele.builtin_lexicon(text) IS
'The built-in lexicon of ''en'', ''fr'' or ''emoji'': valence entries, then grammar words (negator, booster...)';

-- Custom lexicons.  Versions come from a sequence so that they never repeat;
-- backends recompile a lexicon when its version changes.
CREATE SEQUENCE clientele.lexicon_version_seq;

CREATE TABLE clientele.lexicon (
    name        text PRIMARY KEY CHECK (name <> ''),
    description text,
    version     bigint NOT NULL DEFAULT nextval('clientele.lexicon_version_seq')
);
COMMENT ON TABLE clientele.lexicon IS 'Named custom lexicons that extend or override the built-in one';

CREATE TABLE clientele.lexicon_entry (
    lexicon text NOT NULL REFERENCES clientele.lexicon (name) ON DELETE CASCADE ON UPDATE CASCADE,
    term    text NOT NULL CHECK (btrim(term) <> ''),
    valence float8 NOT NULL CHECK (valence BETWEEN -4 AND 4),
    PRIMARY KEY (lexicon, term)
);
COMMENT ON TABLE clientele.lexicon_entry IS 'Terms (words or phrases) of custom lexicons with their valence in [-4, 4]';

SELECT pg_catalog.pg_extension_config_dump('clientele.lexicon', '');
SELECT pg_catalog.pg_extension_config_dump('clientele.lexicon_entry', '');
SELECT pg_catalog.pg_extension_config_dump('clientele.lexicon_version_seq', '');
GRANT SELECT ON clientele.lexicon, clientele.lexicon_entry TO PUBLIC;

CREATE FUNCTION clientele.lexicon_entry_changed()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE clientele.lexicon l SET version = nextval('clientele.lexicon_version_seq')
         WHERE l.name IN (SELECT n.lexicon FROM new_rows n);
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE clientele.lexicon l SET version = nextval('clientele.lexicon_version_seq')
         WHERE l.name IN (SELECT n.lexicon FROM new_rows n UNION SELECT o.lexicon FROM old_rows o);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE clientele.lexicon l SET version = nextval('clientele.lexicon_version_seq')
         WHERE l.name IN (SELECT o.lexicon FROM old_rows o);
    ELSE
        UPDATE clientele.lexicon l SET version = nextval('clientele.lexicon_version_seq');
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER lexicon_entry_insert AFTER INSERT ON clientele.lexicon_entry
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION clientele.lexicon_entry_changed();
CREATE TRIGGER lexicon_entry_update AFTER UPDATE ON clientele.lexicon_entry
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION clientele.lexicon_entry_changed();
CREATE TRIGGER lexicon_entry_delete AFTER DELETE ON clientele.lexicon_entry
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION clientele.lexicon_entry_changed();
CREATE TRIGGER lexicon_entry_truncate AFTER TRUNCATE ON clientele.lexicon_entry
    FOR EACH STATEMENT EXECUTE FUNCTION clientele.lexicon_entry_changed();

CREATE FUNCTION clientele.lexicon_load(lexicon text, data text, replace boolean DEFAULT false)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    line   text;
    lineno bigint;
    parts  text[];
    v      float8;
    terms  text[] := '{}';
    vals   float8[] := '{}';
BEGIN
    IF lexicon IS NULL OR btrim(lexicon) = '' THEN
        RAISE EXCEPTION 'lexicon name must not be empty'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF data IS NULL THEN
        RAISE EXCEPTION 'lexicon data must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the contents of a term<TAB>valence file, e.g. with psql''s \set content `cat file.tsv`.';
    END IF;
    FOR line, lineno IN SELECT * FROM regexp_split_to_table(data, E'\r?\n') WITH ORDINALITY
    LOOP
        CONTINUE WHEN line ~ '^\s*$' OR line ~ '^#(\s|$)';   -- "#fail<TAB>-2" is a hashtag term
        parts := string_to_array(line, E'\t');
        IF cardinality(parts) <> 2 OR btrim(parts[1]) = '' THEN
            RAISE EXCEPTION 'invalid lexicon line %: expected term<TAB>valence', lineno
                USING ERRCODE = 'invalid_text_representation',
                      DETAIL = format('Line %s is %s.', lineno, quote_literal(left(line, 80))),
                      HINT = 'Separate the term and its valence with one tab; comment lines start with "# ".';
        END IF;
        BEGIN
            v := btrim(parts[2])::float8;
        EXCEPTION WHEN invalid_text_representation THEN
            RAISE EXCEPTION 'invalid lexicon line %: valence % is not a number', lineno, quote_literal(parts[2])
                USING ERRCODE = 'invalid_text_representation',
                      HINT = 'Valences are decimals between -4 and 4, such as 1.5 or -2.';
        END;
        IF v IS NULL OR v = 'NaN'::float8 OR v < -4 OR v > 4 THEN
            RAISE EXCEPTION 'invalid lexicon line %: valence % is outside [-4, 4]', lineno, parts[2]
                USING ERRCODE = 'numeric_value_out_of_range',
                      HINT = 'Valences are decimals between -4 (very negative) and 4 (very positive).';
        END IF;
        terms := terms || btrim(parts[1]);
        vals := vals || v;
    END LOOP;

    INSERT INTO clientele.lexicon (name) VALUES (lexicon) ON CONFLICT (name) DO NOTHING;
    IF replace THEN
        DELETE FROM clientele.lexicon_entry e WHERE e.lexicon = lexicon_load.lexicon;
    END IF;
    INSERT INTO clientele.lexicon_entry (lexicon, term, valence)
    SELECT DISTINCT ON (t.term) lexicon_load.lexicon, t.term, t.valence
      FROM unnest(terms, vals) WITH ORDINALITY AS t(term, valence, ord)
     ORDER BY t.term, t.ord DESC
    ON CONFLICT ON CONSTRAINT lexicon_entry_pkey DO UPDATE SET valence = excluded.valence;
    RETURN cardinality(terms);
END;
$$;
COMMENT ON FUNCTION clientele.lexicon_load(text, text, boolean) IS
'Load term<TAB>valence lines into a custom lexicon (created if needed); replace => true drops its previous entries';

CREATE FUNCTION clientele.sentiment(message text, lang text, lexicon text)
RETURNS float8
AS 'MODULE_PATHNAME', 'clientele_sentiment'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.sentiment(text, text, text) IS
'Sentiment in [-1, 1] with a custom lexicon consulted before the built-in one';

CREATE FUNCTION clientele.sentiment_detail(message text, lang text, lexicon text,
    OUT compound float8, OUT positive float8, OUT negative float8, OUT neutral float8,
    OUT label text, OUT language text, OUT evidence jsonb)
RETURNS record
AS 'MODULE_PATHNAME', 'clientele_sentiment_detail'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

-- ==== src/demo/demo.sql ====
-- Demo corpus: deterministic fake social-listening messages.

CREATE FUNCTION clientele.demo_messages(n integer DEFAULT 250000,
    seed integer DEFAULT 42, day date DEFAULT '2026-03-15')
RETURNS TABLE(id bigint, created_at timestamptz, channel text, author text,
    brand text, sector text, lang text, body text, reach integer,
    likes integer, kind text, dup_of bigint, intent text)
AS 'MODULE_PATHNAME', 'clientele_demo_messages'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 250000;
COMMENT ON FUNCTION clientele.demo_messages(integer, integer, date) IS
'A deterministic demo corpus of n social-listening messages (French and English, 24 fictional brands in cosmetics, food and cars) posted on the given UTC day, with planted near-duplicates (dup_of) and the sentiment each message was written with (intent)';
