-- Segment portraits: what makes a segment different from the population.
-- See docs/segmentation.md.

CREATE TYPE clientele.portrait_line AS (attribute text, value text,
    segment_count bigint, population_count bigint,
    segment_share float8, population_share float8, lift float8,
    z float8, p_value float8);
COMMENT ON TYPE clientele.portrait_line IS
'One attribute value of a segment portrait: counts and shares in the segment and in the population, lift, and the two-proportion z test of the segment against the rest (z^2 is the chi-square of the 2x2 table) with its two-sided p-value';

CREATE FUNCTION clientele.portrait_trans(internal, in_segment boolean, attributes jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'clientele_portrait_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.portrait_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'clientele_portrait_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.portrait_serialize(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'clientele_portrait_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.portrait_deserialize(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'clientele_portrait_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.portrait_final(internal) RETURNS clientele.portrait_line[]
AS 'MODULE_PATHNAME', 'clientele_portrait_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE clientele.portrait(in_segment boolean, attributes jsonb) (
    SFUNC = clientele.portrait_trans,
    STYPE = internal,
    FINALFUNC = clientele.portrait_final,
    COMBINEFUNC = clientele.portrait_combine,
    SERIALFUNC = clientele.portrait_serialize,
    DESERIALFUNC = clientele.portrait_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clientele.portrait(boolean, jsonb) IS
'Portrait of a segment over one row per customer (in the segment?, JSON object of attributes): per attribute value, shares in the segment and overall, lift and significance, most over-represented first';
