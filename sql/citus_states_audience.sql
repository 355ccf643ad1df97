-- Distributable aggregate states (audience_agg, audience_union_agg, portrait):
-- the states are real types with exact text and binary forms.  This test does
-- what Citus does with them: a partial aggregate (same SFUNC and STYPE, no
-- FINALFUNC) over each of 3 shards, each state printed as text and read back,
-- a combine aggregate (SFUNC = the COMBINEFUNC) over the states, then the
-- final function; the result must equal the serial aggregate over all rows.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;
SET search_path = public, clientele;

-- the SQLSTATE, message and detail of a statement's error
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE detail text;
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || SQLERRM || coalesce(nullif(' (' || detail || ')', ' ()'), '');
END $$;

-- the aggregates Citus would run: partial on the shards, combine on the coordinator
CREATE AGGREGATE public.cs_audience_partial(bigint) (
    SFUNC = clientele.audience_agg_trans, STYPE = clientele.audience);
CREATE AGGREGATE public.cs_union_partial(clientele.audience) (
    SFUNC = clientele.audience_union_trans, STYPE = clientele.audience);
CREATE AGGREGATE public.cs_audience_combine(clientele.audience) (
    SFUNC = clientele.audience_agg_combine, STYPE = clientele.audience,
    FINALFUNC = clientele.audience_agg_final);
CREATE AGGREGATE public.cs_portrait_partial(boolean, jsonb) (
    SFUNC = clientele.portrait_trans, STYPE = clientele.portrait_state);
CREATE AGGREGATE public.cs_portrait_combine(clientele.portrait_state) (
    SFUNC = clientele.portrait_combine, STYPE = clientele.portrait_state,
    FINALFUNC = clientele.portrait_final);

-- the aggregates' states are the real types
SELECT a.aggfnoid::regprocedure AS aggregate, a.aggtranstype::regtype AS state_type,
       a.aggcombinefn::regproc AS combine, a.aggserialfn::regproc AS serialize
  FROM pg_aggregate a
 WHERE a.aggfnoid IN ('clientele.audience_agg(bigint)'::regprocedure,
                      'clientele.audience_union_agg(clientele.audience)'::regprocedure,
                      'clientele.portrait(boolean, jsonb)'::regprocedure)
 ORDER BY 1::text;

-- audience_agg: ids 0..29 with NULLs, in 3 shards by i % 3
CREATE TABLE cs_small AS
SELECT i % 3 AS shard, CASE WHEN i % 7 = 6 THEN NULL ELSE (i * i) % 17 END::bigint AS id
  FROM generate_series(0, 29) i;
-- each shard's partial state as text (by hand: shard 0 has i = 0,3,...,27
-- without 6 and 27 (i % 7 = 6): squares mod 17 of 0,3,9,12,15,18,21,24 = 0,9,13,8,4,1,16,15)
SELECT shard, cs_audience_partial(id)::text AS state FROM cs_small GROUP BY shard ORDER BY shard;
-- text back to audience, combine (a NULL state, from an empty shard, too), final
CREATE TEMP TABLE cs_small_states AS
SELECT shard, cs_audience_partial(id)::text AS state FROM cs_small GROUP BY shard
UNION ALL SELECT 3, NULL;
SELECT cs_audience_combine(state::clientele.audience) AS combined,
       cs_audience_combine(state::clientele.audience) = (SELECT clientele.audience_agg(id) FROM cs_small) AS equals_serial,
       (SELECT array_agg(DISTINCT id ORDER BY id) FILTER (WHERE id IS NOT NULL) FROM cs_small) AS distinct_ids
  FROM cs_small_states;
-- over no rows, and over NULL states only, the final function gives the empty audience
SELECT cs_audience_combine(s) AS no_rows FROM (SELECT NULL::clientele.audience AS s WHERE false) t;
SELECT cs_audience_combine(s) AS only_nulls FROM (VALUES (NULL::clientele.audience), (NULL)) t(s);

-- bigger: 60,000 ids with runs, gaps and repeats, both extremes of bigint
CREATE TABLE cs_ids AS
SELECT i % 3 AS shard,
       CASE WHEN i % 11 = 0 THEN NULL
            WHEN i % 13 = 0 THEN -9223372036854775808
            WHEN i % 17 = 0 THEN 9223372036854775807
            WHEN i % 2 = 0 THEN (i / 2)::bigint
            ELSE ((i::bigint * 7919) % 1000003) - 500000 END AS id
  FROM generate_series(1, 60000) i;
CREATE TEMP TABLE cs_states AS
SELECT shard, cs_audience_partial(id)::text AS state FROM cs_ids GROUP BY shard;
SELECT cs_audience_combine(state::clientele.audience) = (SELECT clientele.audience_agg(id) FROM cs_ids) AS equals_serial,
       clientele.cardinality(cs_audience_combine(state::clientele.audience)) AS members,
       (SELECT count(DISTINCT id) FROM cs_ids) AS distinct_ids,
       (SELECT array_agg(m ORDER BY m) FROM clientele.audience_members(cs_audience_combine(state::clientele.audience)) m)
         = (SELECT array_agg(DISTINCT id ORDER BY id) FILTER (WHERE id IS NOT NULL) FROM cs_ids) AS same_members
  FROM cs_states;
-- states combined in another order give the same audience
SELECT (SELECT cs_audience_combine(state::clientele.audience ORDER BY shard DESC) FROM cs_states)
     = (SELECT cs_audience_combine(state::clientele.audience ORDER BY shard) FROM cs_states) AS order_free;
-- a partial and a final aggregate sharing one transition state in a query
SELECT clientele.audience_agg(id) = cs_audience_partial(id) AS shared_state_same FROM cs_ids;

-- audience_union_agg: audiences of 1 to 3 members and NULLs
CREATE TABLE cs_auds AS
SELECT i % 3 AS shard,
       CASE WHEN i % 10 = 9 THEN NULL
            ELSE clientele.audience(ARRAY[i, i + 1, (i * 31) % 500]::bigint[]) END AS a
  FROM generate_series(1, 3000) i;
CREATE TEMP TABLE cs_union_states AS
SELECT shard, cs_union_partial(a)::text AS state FROM cs_auds GROUP BY shard;
SELECT cs_audience_combine(state::clientele.audience) = (SELECT clientele.audience_union_agg(a) FROM cs_auds) AS equals_serial,
       cs_audience_combine(state::clientele.audience) AS combined,
       (SELECT count(DISTINCT m) FROM cs_auds, clientele.audience_members(a) m) AS distinct_members
  FROM cs_union_states;
SELECT shard, length(state) AS text_length, left(state, 40) AS text_start FROM cs_union_states ORDER BY shard;

-- portrait: the ten customers of segment_portrait (segment 1-4), shards by id % 3
CREATE TABLE cs_people(id int, city text, age int, vip boolean, tags jsonb);
INSERT INTO cs_people VALUES
  (1, 'Paris', 30, true, '["a"]'), (2, 'Paris', 30, true, NULL), (3, 'Paris', 40, false, NULL),
  (4, 'Lyon', 30, true, NULL), (5, 'Lyon', 40, false, NULL), (6, 'Paris', 50, false, NULL),
  (7, 'Lyon', 50, false, NULL), (8, 'Lyon', 40, false, NULL), (9, 'Lyon', NULL, false, NULL),
  (10, 'Lyon', 50, false, NULL);
-- by hand, shard 0 = customers 3, 6, 9, of whom 3 is in the segment (S = 1, N = 3):
-- Paris 3 and 6 (k = 1, n = 2), Lyon 9, ages 40 (3), 50 and null, vip false and tags null 3 times
SELECT id % 3 AS shard, cs_portrait_partial(id <= 4, to_jsonb(p) - 'id')::text AS state
  FROM cs_people p GROUP BY 1 ORDER BY 1;
CREATE TEMP TABLE cs_portrait_states AS
SELECT id % 3 AS shard, cs_portrait_partial(id <= 4, to_jsonb(p) - 'id')::text AS state
  FROM cs_people p GROUP BY 1;
SELECT cs_portrait_combine(state::clientele.portrait_state)
       = (SELECT clientele.portrait(id <= 4, to_jsonb(p) - 'id') FROM cs_people p) AS equals_serial
  FROM cs_portrait_states;
-- the combined state, as text, by hand: S = 4, N = 10, Paris 3 of 4, Lyon 1 of 6
CREATE AGGREGATE public.cs_portrait_merge(clientele.portrait_state) (
    SFUNC = clientele.portrait_combine, STYPE = clientele.portrait_state);
SELECT cs_portrait_merge(state::clientele.portrait_state) AS merged FROM cs_portrait_states;

-- portrait of 5,000 demo customers with awkward strings (quotes, commas,
-- backslashes, non-ASCII, JSON null, nested values), 3 shards
CREATE TABLE cs_customers AS
SELECT c.customer_id, c.optin_push AS seg,
       jsonb_build_object('city', c.city, 'age', c.age_band,
                          'odd', CASE c.customer_id % 5 WHEN 0 THEN 'quote " comma , back \ slash'
                                                        WHEN 1 THEN 'é ü 東京' WHEN 2 THEN NULL
                                                        WHEN 3 THEN '' ELSE '{}' END,
                          'nested', CASE WHEN c.customer_id % 4 = 0 THEN jsonb_build_array(1, 'x') END,
                          'n', c.customer_id % 3 - 1) AS attrs
  FROM clientele.demo_customers(5000, 11) c;
CREATE TEMP TABLE cs_customer_states AS
SELECT customer_id % 3 AS shard, cs_portrait_partial(seg, attrs)::text AS state FROM cs_customers GROUP BY 1;
SELECT cs_portrait_combine(state::clientele.portrait_state) = (SELECT clientele.portrait(seg, attrs) FROM cs_customers) AS equals_serial,
       cardinality(cs_portrait_combine(state::clientele.portrait_state)) AS lines,
       (SELECT count(DISTINCT (e.key, e.value)) FROM cs_customers, jsonb_each(attrs) e) AS attribute_values
  FROM cs_customer_states;
-- text forms read back print the same text
SELECT bool_and(state::clientele.portrait_state::text = state) AS portrait_text_round_trip FROM cs_customer_states;
SELECT bool_and(state::clientele.audience::text = state) AS audience_text_round_trip FROM cs_states;

-- binary round trip (send, then receive through COPY BINARY) of the same states
CREATE TABLE cs_bin (a clientele.audience, p clientele.portrait_state);
INSERT INTO cs_bin SELECT s.state::clientele.audience, c.state::clientele.portrait_state
  FROM cs_states s JOIN cs_customer_states c USING (shard);
-- (server-side files in the throwaway data directory)
SELECT current_setting('data_directory') || '/clientele_citus_states.bin' AS bin_file \gset
COPY cs_bin TO :'bin_file' (FORMAT binary);
CREATE TABLE cs_bin_back (LIKE cs_bin);
COPY cs_bin_back FROM :'bin_file' (FORMAT binary);
SELECT count(*) AS states,
       bool_and(b.a = o.a AND b.a::text = o.a::text) AS audience_binary_round_trip,
       bool_and(b.p::text = o.p::text) AS portrait_binary_round_trip,
       bool_and(clientele.portrait_state_send(b.p) = clientele.portrait_state_send(o.p)) AS same_send_bytes
  FROM cs_bin_back b JOIN cs_bin o ON o.a::text = b.a::text;
-- the binary forms byte by byte: the audience {5} is version 1, three zero bytes,
-- one block (little-endian uint32), one member (little-endian int64), the block's
-- first key (5 with the sign bit flipped, little-endian), offset 0, one token, token 0
SELECT clientele.audience_send('{5}');
-- the portrait state: version 1, S = 1, N = 1, one pair (big-endian int64s), then
-- attribute "c" (int32 length 1), value flag 1, value "x" (length 1), k = 1, n = 1
SELECT clientele.portrait_state_send('{"version": 1, "segment": 1, "population": 1, "pairs": [["c", "x", 1, 1]]}');

-- bad binary input: each is received through COPY BINARY of crafted bytes
CREATE TABLE cs_raw (b bytea);
CREATE TABLE cs_aud_in (a clientele.audience);
CREATE TABLE cs_pt_in (p clientele.portrait_state);
CREATE FUNCTION pg_temp.recv_error(target text, bytes bytea) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE cs_raw;
  INSERT INTO cs_raw VALUES (bytes);
  EXECUTE format('COPY cs_raw TO %L (FORMAT binary)', current_setting('data_directory') || '/clientele_citus_raw.bin');
  RETURN pg_temp.err(format('COPY %I FROM %L (FORMAT binary)', target,
                            current_setting('data_directory') || '/clientele_citus_raw.bin'));
END $$;
SELECT pg_temp.recv_error('cs_aud_in', clientele.audience_send('{5}')) AS good_audience;
SELECT pg_temp.recv_error('cs_aud_in', '\x0100000001') AS audience_short;
SELECT pg_temp.recv_error('cs_aud_in', '\x02000000000000000000000000000000') AS audience_version;
SELECT pg_temp.recv_error('cs_aud_in', '\x010000000100000002000000000000000500000000000080000000000100000000') AS audience_count;
SELECT pg_temp.recv_error('cs_aud_in', '\x0100000002000000020000000000000005000000000000800000000001000000050000000000008001000000010000000000') AS audience_repeat;
SELECT pg_temp.recv_error('cs_aud_in', '\x010000000100000001000000000000000500000000000080000000000100000000ff') AS audience_trailing;
SELECT pg_temp.recv_error('cs_pt_in', clientele.portrait_state_send('{"version": 1, "segment": 1, "population": 1, "pairs": [["c", "x", 1, 1]]}')) AS good_portrait;
SELECT pg_temp.recv_error('cs_pt_in', '\x02') AS portrait_version;
SELECT pg_temp.recv_error('cs_pt_in', '\x010000000000000001000000000000000100000000000000010000000163') AS portrait_truncated;
SELECT pg_temp.recv_error('cs_pt_in', '\x01000000000000000200000000000000010000000000000000') AS portrait_counts;
SELECT pg_temp.recv_error('cs_pt_in', '\x01000000000000000100000000000000010000000000000001000000016301000000017800000000000000020000000000000001') AS portrait_pair_counts;
SELECT pg_temp.recv_error('cs_pt_in', '\x0100000000000000010000000000000001000000000000000100000001630100000001ff00000000000000010000000000000001') AS portrait_encoding;

-- bad text input
SELECT pg_temp.err($$SELECT '{1,,2}'::clientele.audience$$) AS audience_syntax;
SELECT pg_temp.err($$SELECT '{5..1}'::clientele.audience$$) AS audience_empty_range;
SELECT pg_temp.err($$SELECT '{9223372036854775808}'::clientele.audience$$) AS audience_range;
SELECT pg_temp.err($$SELECT 'not json'::clientele.portrait_state$$) AS portrait_not_json;
SELECT pg_temp.err($$SELECT '[1]'::clientele.portrait_state$$) AS portrait_not_object;
SELECT pg_temp.err($$SELECT '{"version": 2, "segment": 0, "population": 0, "pairs": []}'::clientele.portrait_state$$) AS portrait_version;
SELECT pg_temp.err($$SELECT '{"version": 1, "segment": 0, "population": 0}'::clientele.portrait_state$$) AS portrait_missing_key;
SELECT pg_temp.err($$SELECT '{"version": 1, "segment": 0.5, "population": 1, "pairs": []}'::clientele.portrait_state$$) AS portrait_fraction;
SELECT pg_temp.err($$SELECT '{"version": 1, "segment": 1e30, "population": 1, "pairs": []}'::clientele.portrait_state$$) AS portrait_overflow;
SELECT pg_temp.err($$SELECT '{"version": 1, "segment": "NaN", "population": 1, "pairs": []}'::clientele.portrait_state$$) AS portrait_nan;
SELECT pg_temp.err($$SELECT '{"version": 1, "segment": 2, "population": 1, "pairs": []}'::clientele.portrait_state$$) AS portrait_segment_above_population;
SELECT pg_temp.err($$SELECT '{"version": 1, "segment": 1, "population": 2, "pairs": [["c", "x", 2, 2]]}'::clientele.portrait_state$$) AS portrait_k_above_segment;
SELECT pg_temp.err($$SELECT '{"version": 1, "segment": 1, "population": 2, "pairs": [["c", "x", 0, 0]]}'::clientele.portrait_state$$) AS portrait_empty_pair;
SELECT pg_temp.err($$SELECT '{"version": 1, "segment": 1, "population": 2, "pairs": [["c", "y", 0, 1], ["c", "x", 0, 1]]}'::clientele.portrait_state$$) AS portrait_order;
SELECT pg_temp.err($$SELECT '{"version": 1, "segment": 1, "population": 2, "pairs": [["c", "x", 0, 1], ["c", "x", 0, 1]]}'::clientele.portrait_state$$) AS portrait_repeat;
SELECT pg_temp.err($$SELECT '{"version": 1, "segment": 1, "population": 2, "pairs": [["c", 5, 0, 1]]}'::clientele.portrait_state$$) AS portrait_value_type;
SELECT pg_temp.err($$SELECT '{"version": 1, "segment": 1, "population": 2, "pairs": [["c", "x", 0]]}'::clientele.portrait_state$$) AS portrait_pair_shape;
-- null values sort first; an accepted state prints the same text
SELECT '{"version": 1, "segment": 1, "population": 2, "pairs": [["c", null, 1, 1], ["c", "", 0, 1]]}'::clientele.portrait_state AS accepted;
-- the transition, combine and final functions work only inside aggregates
SELECT pg_temp.err($$SELECT clientele.audience_agg_trans(NULL, 1)$$) AS outside_aggregate;
SELECT pg_temp.err($$SELECT clientele.portrait_combine(NULL, NULL)$$) AS outside_aggregate;

-- parallel plans: Partial Aggregate in the workers, equal to the serial result
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE cs_serial AS
SELECT (SELECT clientele.audience_agg(id) FROM cs_ids) AS a,
       (SELECT clientele.audience_union_agg(a) FROM cs_auds) AS u,
       (SELECT clientele.portrait(seg, attrs) FROM cs_customers) AS p;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET force_parallel_mode = on;
EXPLAIN (COSTS OFF) SELECT clientele.audience_agg(id) FROM cs_ids;
EXPLAIN (COSTS OFF) SELECT clientele.audience_union_agg(a) FROM cs_auds;
EXPLAIN (COSTS OFF) SELECT clientele.portrait(seg, attrs) FROM cs_customers;
SELECT (SELECT clientele.audience_agg(id) FROM cs_ids) = a AS audience_agg_same,
       (SELECT clientele.audience_union_agg(a) FROM cs_auds) = u AS audience_union_agg_same,
       (SELECT clientele.portrait(seg, attrs) FROM cs_customers) = p AS portrait_same
  FROM cs_serial;
CREATE FUNCTION pg_temp.workers_launched(q text) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE line text; n integer := 0;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
    IF line ~ 'Workers Launched' THEN n := substring(line FROM 'Workers Launched: (\d+)')::integer; END IF;
  END LOOP;
  RETURN n;
END $$;
SELECT pg_temp.workers_launched('SELECT clientele.audience_agg(id) FROM cs_ids') > 0 AS audience_workers_ran,
       pg_temp.workers_launched('SELECT clientele.portrait(seg, attrs) FROM cs_customers') > 0 AS portrait_workers_ran;
-- grouped, in parallel: one audience and one portrait per shard, equal to the serial ones
CREATE TEMP TABLE cs_par_grouped AS
SELECT shard, clientele.audience_agg(id) AS a FROM cs_ids GROUP BY shard;
CREATE TEMP TABLE cs_par_portraits AS
SELECT customer_id % 3 AS shard, clientele.portrait(seg, attrs) AS p FROM cs_customers GROUP BY 1;
RESET force_parallel_mode;
SET max_parallel_workers_per_gather = 0;
SELECT g.shard, g.a = s.a AS audience_same, clientele.cardinality(g.a) AS members
  FROM cs_par_grouped g JOIN (SELECT shard, clientele.audience_agg(id) AS a FROM cs_ids GROUP BY shard) s USING (shard)
 ORDER BY shard;
SELECT g.shard, g.p = s.p AS portrait_same
  FROM cs_par_portraits g JOIN (SELECT customer_id % 3 AS shard, clientele.portrait(seg, attrs) AS p
                                  FROM cs_customers GROUP BY 1) s USING (shard)
 ORDER BY shard;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

DROP AGGREGATE public.cs_audience_partial(bigint);
DROP AGGREGATE public.cs_union_partial(clientele.audience);
DROP AGGREGATE public.cs_audience_combine(clientele.audience);
DROP AGGREGATE public.cs_portrait_partial(boolean, jsonb);
DROP AGGREGATE public.cs_portrait_combine(clientele.portrait_state);
DROP AGGREGATE public.cs_portrait_merge(clientele.portrait_state);
DROP TABLE cs_small, cs_ids, cs_auds, cs_people, cs_customers, cs_bin, cs_bin_back, cs_raw, cs_aud_in, cs_pt_in;
