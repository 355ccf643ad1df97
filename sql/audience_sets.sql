-- clientele.audience: text form, set algebra against plain SQL, operators,
-- opclasses, aggregates (serial and parallel), errors.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;
SET search_path = clientele, public;

-- text form: sorted, duplicates and overlaps merged, runs of 3+ as lo..hi
SELECT '{}'::audience, '{ 5, 3,3, 1 }'::audience, '{1..4, 3..8, 10, 11, 20..20}'::audience;
SELECT '{-9223372036854775808, 9223372036854775807, -1, 0}'::audience;
SELECT '{-9223372036854775808..-9223372036854775806, 9223372036854775806..9223372036854775807}'::audience;
SELECT cardinality('{1..1000000, 5000000}'::audience), audience_storage_bytes('{1..1000000, 5000000}'::audience);
SELECT audience(ARRAY[7, 3, NULL, 3, 9]::bigint[]), ARRAY[2,1]::bigint[]::audience;
SELECT array_agg(m) FROM audience_members('{-2..1, 10, 12..13}') m;

-- errors
SELECT 'not an audience'::audience;
SELECT '{1,,2}'::audience;
SELECT '{1 2}'::audience;
SELECT '{5..1}'::audience;
SELECT '{1} x'::audience;
SELECT '{9223372036854775808}'::audience;
SELECT '{-9223372036854775809}'::audience;
SELECT '{-9223372036854775808..9223372036854775807}'::audience;

-- operators on small values, checked by hand
SELECT '{1..5, 9}'::audience | '{4..7}'   AS union_,
       '{1..5, 9}'::audience & '{4..7, 9}' AS intersection,
       '{1..5, 9}'::audience - '{2, 4..9}' AS difference,
       '{1..5}'::audience & '{6..9}'      AS disjoint;
SELECT '{1..10, 20..30}'::audience - '{5..25}' AS cut, '{1..10, 20..30}'::audience & '{5..25}' AS overlap_runs,
       '{1..10, 20..30}'::audience | '{5..25}' AS bridged, '{1..3}'::audience | '{4..6}' AS adjacent,
       '{5..25}'::audience - '{1..10, 20..30}' AS middle, '{1..10}'::audience - '{1..10}' AS nothing_left;
SELECT '{1..10}'::audience @> '{2..3, 5..9}'::audience AS runs_inside, '{1..5, 7..10}'::audience @> '{4..8}'::audience AS across_a_gap,
       '{1..5, 7..10}'::audience && '{6}' AS gap_only, '{1..5, 7..10}'::audience && '{0, 6..7}' AS touches;
SELECT '{1..5}'::audience @> '{2,3}'::audience AS contains, '{2,3}'::audience <@ '{1..5}' AS contained,
       '{1..5}'::audience @> '{5,6}'::audience AS not_contains, '{}'::audience <@ '{}' AS empty_contained;
SELECT '{1..5, 100}'::audience @> 3::bigint AS has3, '{1..5, 100}'::audience @> 6::bigint AS has6,
       100::bigint <@ '{1..5, 100}'::audience AS has100, '{}'::audience @> 0::bigint AS empty_has;
SELECT '{1,2}'::audience && '{2,3}' AS overlap, '{1,2}'::audience && '{3,4}' AS no_overlap;
SELECT '{3,1,2}'::audience = '{1..3}' AS eq, '{1,2}'::audience <> '{1..3}' AS ne,
       '{1,2}'::audience < '{1..3}' AS prefix_first, '{1,3}'::audience > '{1,2,9}' AS lexicographic;

-- random data: every operation against the same operation in plain SQL
SELECT setseed(0.42);
CREATE TABLE aud_ids AS
SELECT g, (random() * 20000)::bigint - 5000 AS id
  FROM generate_series(1, 4) g, generate_series(1, 6000) i;
-- make some dense runs and big ids
INSERT INTO aud_ids SELECT 1, i FROM generate_series(100000, 103000) i;
INSERT INTO aud_ids SELECT 2, i FROM generate_series(101500, 104000) i;
INSERT INTO aud_ids SELECT g, (random() * 9e18)::bigint * (CASE WHEN random() < 0.5 THEN -1 ELSE 1 END)
  FROM generate_series(1, 2) g, generate_series(1, 300);
CREATE TABLE aud AS SELECT g, audience_agg(id) AS a FROM aud_ids GROUP BY g;
SELECT g, cardinality(a) = (SELECT count(DISTINCT id) FROM aud_ids i WHERE i.g = aud.g) AS same_count,
       array(SELECT audience_members(a)) = array(SELECT DISTINCT id FROM aud_ids i WHERE i.g = aud.g ORDER BY id) AS same_members,
       a::text::audience = a AS text_round_trip
  FROM aud ORDER BY g;
SELECT x.g, y.g,
       array(SELECT audience_members(x.a | y.a)) =
         array(SELECT id FROM aud_ids WHERE g = x.g UNION SELECT id FROM aud_ids WHERE g = y.g ORDER BY 1) AS union_ok,
       array(SELECT audience_members(x.a & y.a)) =
         array(SELECT id FROM aud_ids WHERE g = x.g INTERSECT SELECT id FROM aud_ids WHERE g = y.g ORDER BY 1) AS intersect_ok,
       array(SELECT audience_members(x.a - y.a)) =
         array(SELECT id FROM aud_ids WHERE g = x.g EXCEPT SELECT id FROM aud_ids WHERE g = y.g ORDER BY 1) AS except_ok,
       (x.a @> y.a) = NOT EXISTS (SELECT id FROM aud_ids WHERE g = y.g EXCEPT SELECT id FROM aud_ids WHERE g = x.g) AS contains_ok,
       (x.a && y.a) = EXISTS (SELECT id FROM aud_ids WHERE g = x.g INTERSECT SELECT id FROM aud_ids WHERE g = y.g) AS overlaps_ok
  FROM aud x, aud y ORDER BY 1, 2;
-- membership of every candidate id, including absent ones
SELECT count(*) AS wrong_memberships
  FROM aud CROSS JOIN generate_series(-5100, 15100) c
  LEFT JOIN (SELECT DISTINCT g, id FROM aud_ids) i ON i.g = aud.g AND i.id = c
 WHERE (a @> c::bigint) <> (i.id IS NOT NULL);
SELECT count(*) AS wrong_big_memberships
  FROM aud JOIN aud_ids i USING (g) WHERE NOT a @> i.id;
-- a big expression in one go
SELECT cardinality((x.a & y.a) - z.a) =
       (SELECT count(*) FROM (SELECT id FROM aud_ids WHERE g = 1 INTERSECT SELECT id FROM aud_ids WHERE g = 2
                              EXCEPT SELECT id FROM aud_ids WHERE g = 3) s) AS expression_ok
  FROM aud x, aud y, aud z WHERE x.g = 1 AND y.g = 2 AND z.g = 3;
-- binary round trip
SELECT g, audience_recv_ok FROM (
  SELECT g, audience_send(a) IS NOT NULL AND
         (SELECT count(*) FROM aud b WHERE b.g = aud.g AND b.a = aud.a) = 1 AS audience_recv_ok FROM aud) s ORDER BY g;
COPY (SELECT a FROM aud ORDER BY g) TO '/tmp/clientele_audience_binary.copy' WITH (FORMAT binary);
CREATE TABLE aud_copy (a audience);
COPY aud_copy FROM '/tmp/clientele_audience_binary.copy' WITH (FORMAT binary);
SELECT count(*) AS copied, count(*) FILTER (WHERE a IN (SELECT a FROM aud)) AS equal_after_binary_copy FROM aud_copy;

-- corrupted binary input is refused: bytes written as bytea, read back as audience
CREATE TABLE aud_bad (b bytea);
INSERT INTO aud_bad VALUES ('\x'), ('\x0102'), (set_byte(audience_send('{1..3, 10}'), 0, 9)),
  (audience_send('{1..3, 10}') || '\x00'::bytea), (set_byte(audience_send('{1..3, 10}'), 8, 7)),
  (set_byte(audience_send('{5, 10}'), length(audience_send('{5, 10}')) - 1, 255));
CREATE TEMP TABLE aud_bad_in (a audience);
CREATE FUNCTION pg_temp.try_recv(b bytea) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('COPY (SELECT %L::bytea) TO %L WITH (FORMAT binary)', b, '/tmp/clientele_audience_bad.copy');
  EXECUTE format('COPY aud_bad_in FROM %L WITH (FORMAT binary)', '/tmp/clientele_audience_bad.copy');
  RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
SELECT encode(b, 'hex') AS bytes, pg_temp.try_recv(b) AS result FROM aud_bad;
SELECT pg_temp.try_recv(audience_send('{1..3, 10}')) AS valid_bytes;

-- union aggregate
SELECT (SELECT audience_union_agg(a) FROM aud) = (SELECT audience_agg(id) FROM aud_ids) AS union_agg_ok;
SELECT audience_agg(x) AS no_rows, audience_union_agg(NULL::audience) AS null_input FROM (SELECT 1::bigint WHERE false) s(x);
SELECT audience_agg(x) FROM (VALUES (NULL::bigint), (4), (NULL)) v(x);

-- btree and hash opclasses
CREATE TABLE aud_small AS SELECT g, audience(array(SELECT id FROM aud_ids i WHERE i.g = x.g ORDER BY id LIMIT 50)) AS a
  FROM generate_series(1, 4) x(g);
INSERT INTO aud_small SELECT 5, a FROM aud_small WHERE g = 2;
CREATE INDEX aud_small_a ON aud_small (a);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT g FROM aud_small WHERE a = (SELECT a FROM aud_small WHERE g = 2);
SELECT g FROM aud_small WHERE a = (SELECT a FROM aud_small WHERE g = 2) ORDER BY g;
SELECT array_agg(g ORDER BY a, g) AS btree_order,
       array_agg(g ORDER BY a, g) = array_agg(g ORDER BY array(SELECT audience_members(a)), g) AS same_as_member_arrays
  FROM aud_small;
RESET enable_seqscan;
CREATE INDEX aud_small_h ON aud_small USING hash (a);
SELECT count(*) AS hash_index_matches FROM aud_small WHERE a = (SELECT a FROM aud_small WHERE g = 2);
SELECT count(DISTINCT a) AS distinct_audiences FROM (SELECT a FROM aud UNION ALL SELECT a FROM aud) s;
SET enable_sort = off;
SELECT a = (SELECT a FROM aud WHERE g = 3) AS found FROM aud WHERE a = (SELECT a FROM aud WHERE g = 3);
RESET enable_sort;
SELECT array_agg(g ORDER BY a) = array_agg(g ORDER BY array(SELECT audience_members(a))::text::bigint[]) AS order_consistent FROM aud;
SELECT x.g, count(*) FROM aud x JOIN aud y ON x.a = y.a GROUP BY x.g ORDER BY 1;
SET enable_mergejoin = off; SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT * FROM aud x JOIN aud y ON x.a = y.a;
SELECT count(*) AS hash_join_matches FROM aud x JOIN aud y ON x.a = y.a;
RESET enable_mergejoin; RESET enable_nestloop;

-- parallel: Partial Aggregate in workers gives the serial result
CREATE TABLE aud_big AS SELECT (i * 7919) % 1000003 AS id FROM generate_series(1, 200000) i;
ANALYZE aud_big;
CREATE TEMP TABLE serial_aud AS SELECT audience_agg(id) AS a FROM aud_big;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF) SELECT audience_agg(id) FROM aud_big;
SELECT audience_agg(id) = (SELECT a FROM serial_aud) AS parallel_equals_serial,
       cardinality(audience_agg(id)) AS members FROM aud_big;
CREATE TABLE aud_parts AS SELECT id % 50 AS g, audience_agg(id) AS a FROM aud_big GROUP BY 1;
SELECT count(*) AS parts, sum(cardinality(a)) AS members FROM aud_parts;
EXPLAIN (COSTS OFF) SELECT audience_union_agg(a) FROM aud_parts;
SELECT audience_union_agg(a) = (SELECT a FROM serial_aud) AS union_parallel_equals_serial FROM aud_parts;
RESET ALL;
SET search_path = clientele, public;


DROP TABLE aud_ids, aud, aud_copy, aud_big, aud_parts, aud_small, aud_bad;

-- printing walks runs, not members: a run of 10^11 ids, and one of 2^63 - 1 ids (the most an audience holds), print at once
SELECT '{1..100000000000}'::clientele.audience::text AS long_run,
       '{-9223372036854775808..-2}'::clientele.audience::text AS most_ids,
       '{1..5, 6..9, 11, 13..14}'::clientele.audience::text AS adjacent_runs_merged;
