-- Keyword queries: the kwquery type, the match operator @~>, highlighting.

CREATE TYPE clientele.kwquery;

CREATE FUNCTION clientele.kwquery_in(cstring) RETURNS clientele.kwquery
AS 'MODULE_PATHNAME', 'clientele_kwquery_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.kwquery_out(clientele.kwquery) RETURNS cstring
AS 'MODULE_PATHNAME', 'clientele_kwquery_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.kwquery_recv(internal) RETURNS clientele.kwquery
AS 'MODULE_PATHNAME', 'clientele_kwquery_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.kwquery_send(clientele.kwquery) RETURNS bytea
AS 'MODULE_PATHNAME', 'clientele_kwquery_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE clientele.kwquery (
    INPUT = clientele.kwquery_in,
    OUTPUT = clientele.kwquery_out,
    RECEIVE = clientele.kwquery_recv,
    SEND = clientele.kwquery_send,
    INTERNALLENGTH = VARIABLE,
    STORAGE = extended
);
COMMENT ON TYPE clientele.kwquery IS
'A social-listening keyword query: words, "phrases", AND/OR/NOT/-, parentheses, wildcards * and ?, NEAR/n, NEAR/nf, ONEAR/n, "a b"~n, #hashtags, @mentions, $cashtags, emoji, raw:, lang:fr/lang:en; prints in canonical form';

CREATE FUNCTION clientele.to_kwquery(query text, default_lang text DEFAULT 'auto')
RETURNS clientele.kwquery
AS 'MODULE_PATHNAME', 'clientele_to_kwquery'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.to_kwquery(text, text) IS
'Parse a keyword query; default_lang ''fr'' or ''en'' scopes it to messages detected in that language unless it has a lang: of its own (''auto'': no scope)';

CREATE FUNCTION clientele.matches(message text, query clientele.kwquery)
RETURNS boolean
AS 'MODULE_PATHNAME', 'clientele_kw_matches'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.matches(text, clientele.kwquery) IS
'Does the message match the keyword query?  Same as message @~> query';

-- The planner's estimate of body @~> query: from the row counts of a keyword
-- index on body when there is one (cheap), else the generic matchingsel.
CREATE FUNCTION clientele.kwquery_match_sel(internal, oid, internal, integer)
RETURNS float8
AS 'MODULE_PATHNAME', 'clientele_kwquery_match_sel' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.kwquery_match_sel(internal, oid, internal, integer) IS
'Restriction selectivity of @~> (text, kwquery): from a keyword index on the column, else matchingsel';

-- The match operator.  No core type or common extension uses @~>, so
-- body @~> 'loreal OR nutella' resolves the untyped literal to kwquery.
CREATE OPERATOR clientele.@~> (
    LEFTARG = text,
    RIGHTARG = clientele.kwquery,
    FUNCTION = clientele.matches,
    RESTRICT = clientele.kwquery_match_sel,
    JOIN = matchingjoinsel
);
COMMENT ON OPERATOR clientele.@~> (text, clientele.kwquery) IS
'message matches keyword query';

CREATE FUNCTION clientele.highlight(message text, query clientele.kwquery,
    start_tag text DEFAULT '<b>', stop_tag text DEFAULT '</b>')
RETURNS text
AS 'MODULE_PATHNAME', 'clientele_highlight'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.highlight(text, clientele.kwquery, text, text) IS
'The message with every hit of a query term (not under NOT) between start_tag and stop_tag; overlapping hits merged';

CREATE FUNCTION clientele.match_positions(message text, query clientele.kwquery,
    OUT term text, OUT matched text, OUT first_word integer, OUT last_word integer,
    OUT start integer, OUT length integer)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'clientele_match_positions'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 4;
COMMENT ON FUNCTION clientele.match_positions(text, clientele.kwquery) IS
'One row per hit of a query term (not under NOT): the term, the text it matched, its first and last word positions, and its start (1-based character) and length in characters';

CREATE FUNCTION clientele.matches_reference(message text, query clientele.kwquery)
RETURNS boolean
AS 'MODULE_PATHNAME', 'clientele_kw_matches_reference'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.matches_reference(text, clientele.kwquery) IS
'A slow, brute-force evaluator of keyword queries written apart from the matcher; for testing';

CREATE FUNCTION clientele.kwquery_check(message text, query text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'clientele_kwquery_check'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.kwquery_check(text, text) IS
'Self-check used by tests and fuzzing: parses, checks the canonical form parses back to itself, matches, and checks the index plan against the message''s index keys; returns the match result or raises an error';

CREATE FUNCTION clientele.kwquery_plan(query clientele.kwquery)
RETURNS text
AS 'MODULE_PATHNAME', 'clientele_kwquery_plan'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.kwquery_plan(clientele.kwquery) IS
'The condition on index keys that the keyword index uses for the query, in readable form (= marks a node equivalent to its part of the query)';
