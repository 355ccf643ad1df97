-- Segment portraits: what makes a segment different from the population.
-- See docs/segmentation.md.

CREATE TYPE clientele.portrait_line AS (attribute text, value text,
    segment_count bigint, population_count bigint,
    segment_share float8, population_share float8, lift float8,
    z float8, p_value float8);
COMMENT ON TYPE clientele.portrait_line IS
'One attribute value of a segment portrait: counts and shares in the segment and in the population, lift, and the two-proportion z test of the segment against the rest (z^2 is the chi-square of the 2x2 table) with its two-sided p-value';

-- The aggregate's state: a real type with an exact text form (a JSON object)
-- and a portable binary form, so that Citus can distribute the aggregate.
CREATE TYPE clientele.portrait_state;
CREATE FUNCTION clientele.portrait_state_in(cstring) RETURNS clientele.portrait_state
AS 'MODULE_PATHNAME', 'clientele_portrait_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.portrait_state_out(clientele.portrait_state) RETURNS cstring
AS 'MODULE_PATHNAME', 'clientele_portrait_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.portrait_state_recv(internal) RETURNS clientele.portrait_state
AS 'MODULE_PATHNAME', 'clientele_portrait_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.portrait_state_send(clientele.portrait_state) RETURNS bytea
AS 'MODULE_PATHNAME', 'clientele_portrait_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE clientele.portrait_state (
    INPUT = clientele.portrait_state_in,
    OUTPUT = clientele.portrait_state_out,
    RECEIVE = clientele.portrait_state_recv,
    SEND = clientele.portrait_state_send,
    INTERNALLENGTH = VARIABLE,
    STORAGE = extended
);
COMMENT ON TYPE clientele.portrait_state IS
'Partial state of clientele.portrait: S, N and per (attribute, value) the counts k and n; text form {"version": 1, "segment": S, "population": N, "pairs": [[attribute, value, k, n], ...]}';

CREATE FUNCTION clientele.portrait_trans(clientele.portrait_state, in_segment boolean, attributes jsonb) RETURNS clientele.portrait_state
AS 'MODULE_PATHNAME', 'clientele_portrait_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.portrait_combine(clientele.portrait_state, clientele.portrait_state) RETURNS clientele.portrait_state
AS 'MODULE_PATHNAME', 'clientele_portrait_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.portrait_final(clientele.portrait_state) RETURNS clientele.portrait_line[]
AS 'MODULE_PATHNAME', 'clientele_portrait_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clientele.portrait_trans(clientele.portrait_state, boolean, jsonb) IS
'Transition of portrait: count one customer and their attribute values (aggregate use only)';
COMMENT ON FUNCTION clientele.portrait_combine(clientele.portrait_state, clientele.portrait_state) IS
'Combine function of portrait: add two partial states (aggregate use only)';
COMMENT ON FUNCTION clientele.portrait_final(clientele.portrait_state) IS
'Final function of portrait: the portrait lines of a state (NULL for a state of no customer)';

CREATE AGGREGATE clientele.portrait(in_segment boolean, attributes jsonb) (
    SFUNC = clientele.portrait_trans,
    STYPE = clientele.portrait_state,
    FINALFUNC = clientele.portrait_final,
    COMBINEFUNC = clientele.portrait_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clientele.portrait(boolean, jsonb) IS
'Portrait of a segment over one row per customer (in the segment?, JSON object of attributes): per attribute value, shares in the segment and overall, lift and significance, most over-represented first';
