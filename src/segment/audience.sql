-- Audiences: compressed sets of bigint customer ids, their set algebra,
-- aggregates and operator classes.

CREATE TYPE clientele.audience;

CREATE FUNCTION clientele.audience_in(cstring) RETURNS clientele.audience
AS 'MODULE_PATHNAME', 'clientele_audience_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.audience_out(clientele.audience) RETURNS cstring
AS 'MODULE_PATHNAME', 'clientele_audience_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.audience_recv(internal) RETURNS clientele.audience
AS 'MODULE_PATHNAME', 'clientele_audience_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.audience_send(clientele.audience) RETURNS bytea
AS 'MODULE_PATHNAME', 'clientele_audience_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE clientele.audience (
    INPUT = clientele.audience_in,
    OUTPUT = clientele.audience_out,
    RECEIVE = clientele.audience_recv,
    SEND = clientele.audience_send,
    INTERNALLENGTH = VARIABLE,
    STORAGE = extended
);
COMMENT ON TYPE clientele.audience IS
'A set of bigint customer ids, compressed (sorted runs and varbyte gaps); text form ''{1,5,10..20}''';

CREATE FUNCTION clientele.audience(ids bigint[]) RETURNS clientele.audience
AS 'MODULE_PATHNAME', 'clientele_audience_from_array' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.audience(bigint[]) IS
'The audience of the array''s ids (NULL elements and duplicates ignored)';
CREATE CAST (bigint[] AS clientele.audience) WITH FUNCTION clientele.audience(bigint[]);

CREATE FUNCTION clientele.cardinality(clientele.audience) RETURNS bigint
AS 'MODULE_PATHNAME', 'clientele_audience_cardinality' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.cardinality(clientele.audience) IS 'Number of members of an audience';

CREATE FUNCTION clientele.audience_storage_bytes(clientele.audience) RETURNS integer
AS 'MODULE_PATHNAME', 'clientele_audience_storage_bytes' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.audience_storage_bytes(clientele.audience) IS
'Bytes of the encoded audience, before TOAST compression';

CREATE FUNCTION clientele.audience_members(clientele.audience) RETURNS SETOF bigint
AS 'MODULE_PATHNAME', 'clientele_audience_members' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION clientele.audience_members(clientele.audience) IS
'The member ids of an audience as rows, in increasing order';

-- set algebra
CREATE FUNCTION clientele.audience_union(clientele.audience, clientele.audience) RETURNS clientele.audience
AS 'MODULE_PATHNAME', 'clientele_audience_union' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.audience_intersect(clientele.audience, clientele.audience) RETURNS clientele.audience
AS 'MODULE_PATHNAME', 'clientele_audience_intersect' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.audience_except(clientele.audience, clientele.audience) RETURNS clientele.audience
AS 'MODULE_PATHNAME', 'clientele_audience_except' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.audience_contains(clientele.audience, clientele.audience) RETURNS boolean
AS 'MODULE_PATHNAME', 'clientele_audience_contains' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.audience_contained(clientele.audience, clientele.audience) RETURNS boolean
AS 'MODULE_PATHNAME', 'clientele_audience_contained' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.audience_contains(clientele.audience, bigint) RETURNS boolean
AS 'MODULE_PATHNAME', 'clientele_audience_contains_id' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.audience_contained(bigint, clientele.audience) RETURNS boolean
AS 'MODULE_PATHNAME', 'clientele_audience_id_contained' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.audience_overlaps(clientele.audience, clientele.audience) RETURNS boolean
AS 'MODULE_PATHNAME', 'clientele_audience_overlaps' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.audience_union(clientele.audience, clientele.audience) IS 'Members of either audience (operator |)';
COMMENT ON FUNCTION clientele.audience_intersect(clientele.audience, clientele.audience) IS 'Members of both audiences (operator &)';
COMMENT ON FUNCTION clientele.audience_except(clientele.audience, clientele.audience) IS 'Members of the first audience not in the second (operator -)';
COMMENT ON FUNCTION clientele.audience_contains(clientele.audience, clientele.audience) IS 'Is every member of the second a member of the first? (operator @>)';
COMMENT ON FUNCTION clientele.audience_contains(clientele.audience, bigint) IS 'Is the id a member? (operator @>)';
COMMENT ON FUNCTION clientele.audience_overlaps(clientele.audience, clientele.audience) IS 'Do the audiences share a member? (operator &&)';

CREATE OPERATOR clientele.| (
    LEFTARG = clientele.audience, RIGHTARG = clientele.audience,
    FUNCTION = clientele.audience_union, COMMUTATOR = OPERATOR(clientele.|));
CREATE OPERATOR clientele.& (
    LEFTARG = clientele.audience, RIGHTARG = clientele.audience,
    FUNCTION = clientele.audience_intersect, COMMUTATOR = OPERATOR(clientele.&));
CREATE OPERATOR clientele.- (
    LEFTARG = clientele.audience, RIGHTARG = clientele.audience,
    FUNCTION = clientele.audience_except);
CREATE OPERATOR clientele.@> (
    LEFTARG = clientele.audience, RIGHTARG = clientele.audience,
    FUNCTION = clientele.audience_contains, COMMUTATOR = OPERATOR(clientele.<@),
    RESTRICT = contsel, JOIN = contjoinsel);
CREATE OPERATOR clientele.<@ (
    LEFTARG = clientele.audience, RIGHTARG = clientele.audience,
    FUNCTION = clientele.audience_contained, COMMUTATOR = OPERATOR(clientele.@>),
    RESTRICT = contsel, JOIN = contjoinsel);
CREATE OPERATOR clientele.@> (
    LEFTARG = clientele.audience, RIGHTARG = bigint,
    FUNCTION = clientele.audience_contains, COMMUTATOR = OPERATOR(clientele.<@),
    RESTRICT = contsel, JOIN = contjoinsel);
CREATE OPERATOR clientele.<@ (
    LEFTARG = bigint, RIGHTARG = clientele.audience,
    FUNCTION = clientele.audience_contained, COMMUTATOR = OPERATOR(clientele.@>),
    RESTRICT = contsel, JOIN = contjoinsel);
CREATE OPERATOR clientele.&& (
    LEFTARG = clientele.audience, RIGHTARG = clientele.audience,
    FUNCTION = clientele.audience_overlaps, COMMUTATOR = OPERATOR(clientele.&&),
    RESTRICT = areasel, JOIN = areajoinsel);

-- comparison: equality of sets; order of the sorted member sequences
CREATE FUNCTION clientele.audience_cmp(clientele.audience, clientele.audience) RETURNS integer
AS 'MODULE_PATHNAME', 'clientele_audience_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.audience_eq(clientele.audience, clientele.audience) RETURNS boolean
AS 'MODULE_PATHNAME', 'clientele_audience_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.audience_ne(clientele.audience, clientele.audience) RETURNS boolean
AS 'MODULE_PATHNAME', 'clientele_audience_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.audience_lt(clientele.audience, clientele.audience) RETURNS boolean
AS 'MODULE_PATHNAME', 'clientele_audience_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.audience_le(clientele.audience, clientele.audience) RETURNS boolean
AS 'MODULE_PATHNAME', 'clientele_audience_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.audience_gt(clientele.audience, clientele.audience) RETURNS boolean
AS 'MODULE_PATHNAME', 'clientele_audience_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.audience_ge(clientele.audience, clientele.audience) RETURNS boolean
AS 'MODULE_PATHNAME', 'clientele_audience_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.audience_hash(clientele.audience) RETURNS integer
AS 'MODULE_PATHNAME', 'clientele_audience_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.audience_hash_extended(clientele.audience, bigint) RETURNS bigint
AS 'MODULE_PATHNAME', 'clientele_audience_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR clientele.= (
    LEFTARG = clientele.audience, RIGHTARG = clientele.audience, FUNCTION = clientele.audience_eq,
    COMMUTATOR = OPERATOR(clientele.=), NEGATOR = OPERATOR(clientele.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR clientele.<> (
    LEFTARG = clientele.audience, RIGHTARG = clientele.audience, FUNCTION = clientele.audience_ne,
    COMMUTATOR = OPERATOR(clientele.<>), NEGATOR = OPERATOR(clientele.=),
    RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR clientele.< (
    LEFTARG = clientele.audience, RIGHTARG = clientele.audience, FUNCTION = clientele.audience_lt,
    COMMUTATOR = OPERATOR(clientele.>), NEGATOR = OPERATOR(clientele.>=),
    RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR clientele.<= (
    LEFTARG = clientele.audience, RIGHTARG = clientele.audience, FUNCTION = clientele.audience_le,
    COMMUTATOR = OPERATOR(clientele.>=), NEGATOR = OPERATOR(clientele.>),
    RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR clientele.> (
    LEFTARG = clientele.audience, RIGHTARG = clientele.audience, FUNCTION = clientele.audience_gt,
    COMMUTATOR = OPERATOR(clientele.<), NEGATOR = OPERATOR(clientele.<=),
    RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR clientele.>= (
    LEFTARG = clientele.audience, RIGHTARG = clientele.audience, FUNCTION = clientele.audience_ge,
    COMMUTATOR = OPERATOR(clientele.<=), NEGATOR = OPERATOR(clientele.<),
    RESTRICT = scalargesel, JOIN = scalargejoinsel);

CREATE OPERATOR CLASS clientele.audience_ops DEFAULT FOR TYPE clientele.audience USING btree AS
    OPERATOR 1 clientele.< ,
    OPERATOR 2 clientele.<= ,
    OPERATOR 3 clientele.= ,
    OPERATOR 4 clientele.>= ,
    OPERATOR 5 clientele.> ,
    FUNCTION 1 clientele.audience_cmp(clientele.audience, clientele.audience);

CREATE OPERATOR CLASS clientele.audience_hash_ops DEFAULT FOR TYPE clientele.audience USING hash AS
    OPERATOR 1 clientele.= ,
    FUNCTION 1 clientele.audience_hash(clientele.audience),
    FUNCTION 2 clientele.audience_hash_extended(clientele.audience, bigint);

-- aggregates: the state is an audience (a Judy1 set in memory, as a read-write
-- expanded object), so partial states have the audience text form and Citus
-- can distribute the aggregates
CREATE FUNCTION clientele.audience_agg_trans(clientele.audience, bigint) RETURNS clientele.audience
AS 'MODULE_PATHNAME', 'clientele_audience_agg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.audience_union_trans(clientele.audience, clientele.audience) RETURNS clientele.audience
AS 'MODULE_PATHNAME', 'clientele_audience_union_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.audience_agg_combine(clientele.audience, clientele.audience) RETURNS clientele.audience
AS 'MODULE_PATHNAME', 'clientele_audience_agg_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.audience_agg_final(clientele.audience) RETURNS clientele.audience
AS 'MODULE_PATHNAME', 'clientele_audience_agg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clientele.audience_agg_trans(clientele.audience, bigint) IS
'Transition of audience_agg: add one id to the state (aggregate use only)';
COMMENT ON FUNCTION clientele.audience_union_trans(clientele.audience, clientele.audience) IS
'Transition of audience_union_agg: add every member of an audience to the state (aggregate use only)';
COMMENT ON FUNCTION clientele.audience_agg_combine(clientele.audience, clientele.audience) IS
'Combine function of the audience aggregates: the union of two partial states (aggregate use only)';
COMMENT ON FUNCTION clientele.audience_agg_final(clientele.audience) IS
'Final function of the audience aggregates: the state as an audience, empty for a NULL state';

CREATE AGGREGATE clientele.audience_agg(bigint) (
    SFUNC = clientele.audience_agg_trans,
    STYPE = clientele.audience,
    FINALFUNC = clientele.audience_agg_final,
    COMBINEFUNC = clientele.audience_agg_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clientele.audience_agg(bigint) IS
'The audience of the aggregated ids (NULLs skipped; empty audience, not NULL, over no rows)';

CREATE AGGREGATE clientele.audience_union_agg(clientele.audience) (
    SFUNC = clientele.audience_union_trans,
    STYPE = clientele.audience,
    FINALFUNC = clientele.audience_agg_final,
    COMBINEFUNC = clientele.audience_agg_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clientele.audience_union_agg(clientele.audience) IS
'The union of the aggregated audiences (NULLs skipped; empty audience over no rows)';
