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
