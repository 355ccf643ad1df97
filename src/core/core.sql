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
