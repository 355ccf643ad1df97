-- Citus-distributable states: bgnbd_fit(), gammagamma_fit() (state
-- clientele.clv_rows), kmeans_sample() and kmeans() (state
-- clientele.kmeans_points).  Citus runs an aggregate's transition function
-- on every shard, prints the state with its type's output function, reads
-- it back on the coordinator with the input function, combines the states
-- with the combine function and applies the final function.  This test does
-- the same with three groups of rows standing for three shards, and checks
-- the result against the serial aggregate over all rows.  Every comparison
-- is exact (no tolerance): the final functions put the rows in a canonical
-- order before they fit (the lifetime-value fits sort and merge the
-- customers, kmeans() and kmeans_sample() sort by key), so the optimiser
-- and Lloyd's iterations take exactly the same path whatever the split.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;

CREATE TABLE cs AS
SELECT customer_id, customer_id % 3 AS shard, (count(*) - 1)::float8 AS x,
       extract(epoch FROM max(purchased_at) - min(purchased_at)) / 604800 AS t_x,
       extract(epoch FROM '2026-03-15 00:00+00' - min(purchased_at)) / 604800 AS t_cal,
       count(*)::float8 AS n, avg(amount)::float8 AS m
  FROM clientele.demo_purchases(3000, 5) GROUP BY customer_id;
ALTER TABLE cs ADD COLUMN f float8[];
UPDATE cs SET f = ARRAY[x, ln(m), t_cal / 10];
-- rows with NULLs are skipped (and counted) by the fits
INSERT INTO cs (customer_id, shard, x, t_x, t_cal, n, m) VALUES (-1, 0, NULL, 1, 2, NULL, 5), (-2, 1, 1, 1, NULL, 2, NULL);
ANALYZE cs;

-- what a worker runs: the transition function without the final function
CREATE AGGREGATE pg_temp.bgnbd_partial(float8, float8, float8)
  (SFUNC = clientele.bgnbd_trans, STYPE = clientele.clv_rows);
CREATE AGGREGATE pg_temp.gammagamma_partial(float8, float8)
  (SFUNC = clientele.gammagamma_trans, STYPE = clientele.clv_rows);
CREATE AGGREGATE pg_temp.sample_partial(float8[], integer, bigint)
  (SFUNC = clientele.kmeans_sample_trans, STYPE = clientele.kmeans_points);
CREATE AGGREGATE pg_temp.kmeans_partial(float8[], integer, integer, float8, bigint)
  (SFUNC = clientele.kmeans_trans, STYPE = clientele.kmeans_points);
CREATE AGGREGATE pg_temp.kmeans_default_partial(float8[], integer)
  (SFUNC = clientele.kmeans_trans, STYPE = clientele.kmeans_points);
-- what the coordinator runs: the combine function as a transition
CREATE AGGREGATE pg_temp.clv_combine(clientele.clv_rows)
  (SFUNC = clientele.clv_rows_combine, STYPE = clientele.clv_rows);
CREATE AGGREGATE pg_temp.points_combine(clientele.kmeans_points)
  (SFUNC = clientele.kmeans_points_combine, STYPE = clientele.kmeans_points);

-- the text forms, on rows small enough to check by hand: identical
-- customers merge into one row with a weight, NULL rows are counted
SELECT pg_temp.bgnbd_partial(x, t_x, t_cal)
  FROM (VALUES (3, 7, 30), (0, 0, 30), (2, 8.5, 30), (0, 0, 30), (3, 7, 30), (NULL, 1, 2), (0, 0, 29.5)) v(x, t_x, t_cal);
SELECT pg_temp.gammagamma_partial(x, m_x)
  FROM (VALUES (2, 12.5), (0, 3), (3, 8), (2, 12.5), (2, 12.5)) v(x, m_x);
SELECT pg_temp.sample_partial(f, 2, 0)
  FROM (VALUES ('{1,2}'::float8[]), ('{0.1,-3}'), ('{1e-300,5}'), (NULL)) v(f);
SELECT pg_temp.kmeans_partial(f, 2, 10, 'Infinity', 7)
  FROM (VALUES ('{1,2}'::float8[]), ('{0.5,-3}')) v(f);
SELECT pg_temp.kmeans_default_partial(f, 3) FROM (VALUES (NULL::float8[])) v(f);
-- the keys are 64-bit hashes of the features' bytes and the seed (so they
-- depend on the byte order of the machine that saw the row, which is why
-- the text carries them): for one feature, what PostgreSQL's own
-- hashfloat8extended() gives
WITH st AS (SELECT pg_temp.sample_partial(ARRAY[v], 3, 42)::text AS s FROM (VALUES (1.5::float8), (2), (-7)) t(v))
SELECT (SELECT array_agg(m[1] ORDER BY m[1]) FROM st, regexp_matches(s, '([0-9a-f]{16}):', 'g') m)
     = (SELECT array_agg(lpad(to_hex(hashfloat8extended(v, 42)), 16, '0') ORDER BY lpad(to_hex(hashfloat8extended(v, 42)), 16, '0'))
          FROM (VALUES (1.5::float8), (2), (-7)) t(v)) AS keys_are_hashes;

-- workers: one state per shard, as text
CREATE TEMP TABLE worker_states AS
SELECT shard,
       pg_temp.bgnbd_partial(x, t_x, t_cal)::text AS bg,
       pg_temp.bgnbd_partial(x, ceil(t_x), ceil(t_cal))::text AS bg_weeks,
       pg_temp.gammagamma_partial(n, m)::text AS gg,
       pg_temp.sample_partial(f, 300, 7)::text AS sample,
       pg_temp.kmeans_partial(f, 4, 50, 1e-9, 3)::text AS km,
       pg_temp.kmeans_default_partial(f, 3)::text AS km_default
  FROM cs GROUP BY shard;
-- one row per distinct customer: weekly times merge some (rows < 1,000)
SELECT shard, substring(bg FROM 'rows=\d+ skipped=\d+') AS bg, substring(bg_weeks FROM 'rows=\d+ skipped=\d+') AS bg_weeks,
       substring(gg FROM 'rows=\d+ skipped=\d+') AS gg, substring(sample FROM 'seen=\d+ rows=\d+') AS sample,
       substring(km FROM 'seen=\d+ rows=\d+') AS km
  FROM worker_states ORDER BY shard;

-- coordinator: parse, combine, finish; against the serial aggregates
CREATE TEMP TABLE coordinator AS
SELECT clientele.bgnbd_final(pg_temp.clv_combine(bg::clientele.clv_rows)) AS bg,
       clientele.bgnbd_final(pg_temp.clv_combine(bg_weeks::clientele.clv_rows)) AS bg_weeks,
       clientele.gammagamma_final(pg_temp.clv_combine(gg::clientele.clv_rows)) AS gg,
       clientele.kmeans_sample_final(pg_temp.points_combine(sample::clientele.kmeans_points)) AS sample,
       clientele.kmeans_final(pg_temp.points_combine(km::clientele.kmeans_points)) AS km,
       clientele.kmeans_final(pg_temp.points_combine(km_default::clientele.kmeans_points)) AS km_default,
       pg_temp.clv_combine(bg::clientele.clv_rows)::text AS bg_state
  FROM worker_states;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial AS
SELECT (SELECT clientele.bgnbd_fit(x, t_x, t_cal) FROM cs) AS bg,
       (SELECT clientele.bgnbd_fit(x, ceil(t_x), ceil(t_cal)) FROM cs) AS bg_weeks,
       (SELECT clientele.gammagamma_fit(n, m) FROM cs) AS gg,
       (SELECT clientele.kmeans_sample(f, 300, 7) FROM cs) AS sample,
       (SELECT clientele.kmeans(f, 4, 50, 1e-9, 3) FROM cs) AS km,
       (SELECT clientele.kmeans(f, 3) FROM cs) AS km_default,
       (SELECT pg_temp.bgnbd_partial(x, t_x, t_cal) FROM cs)::text AS bg_state;
RESET max_parallel_workers_per_gather;
SELECT c.bg = s.bg AS bgnbd_equal, c.bg_weeks = s.bg_weeks AS bgnbd_weekly_equal, c.gg = s.gg AS gammagamma_equal,
       c.sample = s.sample AS sample_equal, c.km::text = s.km::text AS kmeans_equal,
       c.km_default::text = s.km_default::text AS kmeans_default_equal,
       c.bg_state = s.bg_state AS combined_state_is_the_serial_state
  FROM coordinator c, serial s;
-- the values themselves (the fits converged on 3,000 customers)
SELECT round((bg).r::numeric, 4) AS r, round((bg).alpha::numeric, 4) AS alpha, round((bg).a::numeric, 4) AS a,
       round((bg).b::numeric, 4) AS b, (bg).customers, (bg).converged,
       (gg).customers AS gg_customers, (gg).converged AS gg_converged,
       array_length(sample, 1) AS sample_rows, array_length(sample, 2) AS sample_dim,
       clientele.kmeans_k(km) AS k, (SELECT sum(v) FROM unnest(clientele.kmeans_sizes(km)) v) AS clustered
  FROM coordinator;
-- the sample is a subset of the rows (each sampled row is a customer's features)
SELECT count(*) AS sampled_rows_found
  FROM coordinator, generate_series(1, 300) i
 WHERE EXISTS (SELECT 1 FROM cs WHERE cs.f = ARRAY[sample[i][1], sample[i][2], sample[i][3]]);

-- text round trip: exact, whatever extra_float_digits says
SET extra_float_digits = 0;
SELECT bool_and(bg::clientele.clv_rows::text = bg) AS bg_text, bool_and(bg_weeks::clientele.clv_rows::text = bg_weeks) AS bg_weeks_text,
       bool_and(gg::clientele.clv_rows::text = gg) AS gg_text,
       bool_and(sample::clientele.kmeans_points::text = sample) AS sample_text,
       bool_and(km::clientele.kmeans_points::text = km) AS km_text
  FROM worker_states;
SELECT 'bgnbd/1 rows=2 skipped=0 (1,1e-300,0.30000000000000004) (2,5e-324,1.7976931348623157e308)'::clientele.clv_rows AS extreme_doubles,
       'sample/1 size=5 seed=-9223372036854775808 dim=1 seen=1 rows=1 ffffffffffffffff:-0'::clientele.kmeans_points AS extreme_points;
RESET extra_float_digits;

-- binary round trip (send, then receive through COPY ... FORMAT binary)
CREATE TEMP TABLE bin_in (bg clientele.clv_rows, gg clientele.clv_rows, sample clientele.kmeans_points, km clientele.kmeans_points);
COPY (SELECT bg::clientele.clv_rows, gg::clientele.clv_rows, sample::clientele.kmeans_points, km::clientele.kmeans_points
        FROM worker_states ORDER BY shard) TO '/tmp/clientele_citus_states.copy' WITH (FORMAT binary);
COPY bin_in FROM '/tmp/clientele_citus_states.copy' WITH (FORMAT binary);
SELECT count(*) AS states, count(*) FILTER (WHERE w.bg = b.bg::text AND w.gg = b.gg::text AND w.sample = b.sample::text
                                           AND w.km = b.km::text) AS equal_after_binary_copy
  FROM (SELECT row_number() OVER () AS i, * FROM bin_in) b
  JOIN (SELECT row_number() OVER (ORDER BY shard) AS i, * FROM worker_states) w USING (i);
-- the binary form is byte-order independent: the counts lead in network order
SELECT encode(clientele.clv_rows_send('gammagamma/1 rows=1 skipped=3 (2,12.5)*3'), 'hex') AS clv_rows_bytes;
SELECT encode(clientele.kmeans_points_send('sample/1 size=2 seed=1 dim=1 seen=1 rows=1 0123456789abcdef:2'), 'hex') AS kmeans_points_bytes;

-- corrupted binary input is refused
CREATE TEMP TABLE bad_bytes (what text, type text, b bytea);
INSERT INTO bad_bytes VALUES
  ('empty', 'clv_rows', '\x'),
  ('short', 'clv_rows', '\x0102'),
  ('version 9', 'clv_rows', set_byte(clientele.clv_rows_send('gammagamma/1 rows=1 skipped=3 (2,12.5)*3'), 0, 9)),
  ('kind 7', 'clv_rows', set_byte(clientele.clv_rows_send('gammagamma/1 rows=1 skipped=3 (2,12.5)*3'), 1, 7)),
  ('a byte too many', 'clv_rows', clientele.clv_rows_send('gammagamma/1 rows=1 skipped=3 (2,12.5)*3') || '\x00'::bytea),
  ('a row short', 'clv_rows', substring(clientele.clv_rows_send('gammagamma/1 rows=1 skipped=3 (2,12.5)*3') FROM 1 FOR 18)),
  ('huge row count', 'clv_rows', set_byte(clientele.clv_rows_send('gammagamma/1 rows=1 skipped=3 (2,12.5)*3'), 2, 127)),
  ('weight 0', 'clv_rows', set_byte(clientele.clv_rows_send('gammagamma/1 rows=1 skipped=3 (2,12.5)*3'), 25, 0)),
  ('negative skipped', 'clv_rows', set_byte(clientele.clv_rows_send('gammagamma/1 rows=1 skipped=3 (2,12.5)*3'), 10, 255)),
  ('NaN amount', 'clv_rows', overlay(clientele.clv_rows_send('gammagamma/1 rows=1 skipped=3 (2,12.5)*3')
                                     PLACING '\x7ff8000000000000'::bytea FROM 27)),
  ('short', 'kmeans_points', '\x00000001'),
  ('version 2', 'kmeans_points', set_byte(clientele.kmeans_points_send('sample/1 size=2 seed=1 dim=1 seen=1 rows=1 0123456789abcdef:2'), 3, 2)),
  ('size 0', 'kmeans_points', set_byte(clientele.kmeans_points_send('sample/1 size=2 seed=1 dim=1 seen=1 rows=1 0123456789abcdef:2'), 11, 0)),
  ('a feature short', 'kmeans_points', substring(clientele.kmeans_points_send('sample/1 size=2 seed=1 dim=1 seen=1 rows=1 0123456789abcdef:2') FROM 1 FOR 60)),
  ('infinite feature', 'kmeans_points', overlay(clientele.kmeans_points_send('sample/1 size=2 seed=1 dim=1 seen=1 rows=1 0123456789abcdef:2')
                                                PLACING '\x7ff0000000000000'::bytea FROM 65));
CREATE TEMP TABLE bad_clv (s clientele.clv_rows);
CREATE TEMP TABLE bad_points (s clientele.kmeans_points);
CREATE FUNCTION pg_temp.try_recv(type text, b bytea) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('COPY (SELECT %L::bytea) TO %L WITH (FORMAT binary)', b, '/tmp/clientele_citus_states_bad.copy');
  EXECUTE format('COPY %I FROM %L WITH (FORMAT binary)', CASE type WHEN 'clv_rows' THEN 'bad_clv' ELSE 'bad_points' END,
                 '/tmp/clientele_citus_states_bad.copy');
  RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
SELECT type, what, pg_temp.try_recv(type, b) AS result FROM bad_bytes;
SELECT pg_temp.try_recv('clv_rows', clientele.clv_rows_send('gammagamma/1 rows=1 skipped=3 (2,12.5)*3')) AS valid_clv_rows,
       pg_temp.try_recv('kmeans_points', clientele.kmeans_points_send('sample/1 size=2 seed=1 dim=1 seen=1 rows=1 0123456789abcdef:2')) AS valid_kmeans_points;
SELECT s AS accepted_clv_rows FROM bad_clv;
SELECT s AS accepted_kmeans_points FROM bad_points;

-- text input errors
CREATE FUNCTION pg_temp.try_in(type text, t text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SELECT %L::clientele.%I', t, type);
  RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
SELECT type, t AS input, pg_temp.try_in(type, t) AS result
  FROM (VALUES ('clv_rows', ''),
               ('clv_rows', 'kmeans/1 rows=0 skipped=0'),
               ('clv_rows', 'bgnbd/2 rows=0 skipped=0'),
               ('clv_rows', 'bgnbd/1 rows=0'),
               ('clv_rows', 'bgnbd/1 rows=2 skipped=0 (0,0,30)'),
               ('clv_rows', 'bgnbd/1 rows=99999999999999 skipped=0'),
               ('clv_rows', 'bgnbd/1 rows=1 skipped=0 (0,0,30) (1,2,3)'),
               ('clv_rows', 'bgnbd/1 rows=1 skipped=0 (0,0,30) trailing'),
               ('clv_rows', 'bgnbd/1 rows=-1 skipped=0'),
               ('clv_rows', 'bgnbd/1 rows=1 skipped=-4 (0,0,30)'),
               ('clv_rows', 'bgnbd/1 rows=1 skipped=0 (-1,0,30)'),
               ('clv_rows', 'bgnbd/1 rows=1 skipped=0 (1.5,1,30)'),
               ('clv_rows', 'bgnbd/1 rows=1 skipped=0 (1,NaN,30)'),
               ('clv_rows', 'bgnbd/1 rows=1 skipped=0 (1,2,Infinity)'),
               ('clv_rows', 'bgnbd/1 rows=1 skipped=0 (1,40,30)'),
               ('clv_rows', 'bgnbd/1 rows=1 skipped=0 (1,0,30)'),
               ('clv_rows', 'bgnbd/1 rows=1 skipped=0 (0,2,30)'),
               ('clv_rows', 'bgnbd/1 rows=1 skipped=0 (0,0,30)*0'),
               ('clv_rows', 'bgnbd/1 rows=1 skipped=0 (0,0,30)*-2'),
               ('clv_rows', 'bgnbd/1 rows=1 skipped=0 (0,0,30)*3000000000'),
               ('clv_rows', 'bgnbd/1 rows=1 skipped=0 (0,0,1e400)'),
               ('clv_rows', 'bgnbd/1 rows=1 skipped=0 (0,0)'),
               ('clv_rows', 'gammagamma/1 rows=1 skipped=0 (2,5,7)'),
               ('clv_rows', 'gammagamma/1 rows=1 skipped=0 (0,5)'),
               ('clv_rows', 'gammagamma/1 rows=1 skipped=0 (2,-5)'),
               ('clv_rows', 'gammagamma/1 rows=1 skipped=0 (2,-Infinity)'),
               ('clv_rows', '  gammagamma/1   rows=1  skipped=0   (2,5)*2  '),
               ('kmeans_points', 'bgnbd/1 rows=0 skipped=0'),
               ('kmeans_points', 'sample/3 size=1 seed=0 dim=0 seen=0 rows=0'),
               ('kmeans_points', 'sample/1 size=0 seed=0 dim=0 seen=0 rows=0'),
               ('kmeans_points', 'sample/1 size=10 seed=0 dim=0 seen=1 rows=0'),
               ('kmeans_points', 'sample/1 size=10 seed=0 dim=20000 seen=0 rows=0'),
               ('kmeans_points', 'sample/1 size=10 seed=0 dim=1 seen=-1 rows=0'),
               ('kmeans_points', 'sample/1 size=1 seed=0 dim=1 seen=3 rows=2 0000000000000001:1 0000000000000002:2'),
               ('kmeans_points', 'sample/1 size=5 seed=0 dim=1 seen=2 rows=2 0000000000000001:1'),
               ('kmeans_points', 'sample/1 size=5 seed=0 dim=2 seen=1 rows=1 0000000000000001:1'),
               ('kmeans_points', 'sample/1 size=5 seed=0 dim=2 seen=1 rows=1 0000000000000001:1.5'),
               ('kmeans_points', 'sample/1 size=5 seed=0 dim=1 seen=1 rows=1 00000000000001:1.5'),
               ('kmeans_points', 'sample/1 size=5 seed=0 dim=1 seen=1 rows=1 000000000000000g:1'),
               ('kmeans_points', 'sample/1 size=5 seed=0 dim=1 seen=1 rows=1 0000000000000001:NaN'),
               ('kmeans_points', 'sample/1 size=5 seed=0 dim=1 seen=1 rows=1 0000000000000001:1,2'),
               ('kmeans_points', 'sample/1 size=5 seed=99999999999999999999 dim=0 seen=0 rows=0'),
               ('kmeans_points', 'kmeans/1 k=0 max_iterations=10 tolerance=0 seed=0 dim=0 seen=0 rows=0'),
               ('kmeans_points', 'kmeans/1 k=20000 max_iterations=10 tolerance=0 seed=0 dim=0 seen=0 rows=0'),
               ('kmeans_points', 'kmeans/1 k=2 max_iterations=0 tolerance=0 seed=0 dim=0 seen=0 rows=0'),
               ('kmeans_points', 'kmeans/1 k=2 max_iterations=10 tolerance=NaN seed=0 dim=0 seen=0 rows=0'),
               ('kmeans_points', 'kmeans/1 k=2 max_iterations=10 tolerance=-1 seed=0 dim=0 seen=0 rows=0'),
               ('kmeans_points', 'kmeans/1 k=2 max_iterations=10 tolerance=0 seed=0 dim=1 seen=2 rows=1 0000000000000001:1'),
               ('kmeans_points', 'kmeans/1 k=2 max_iterations=10 tolerance=0 seed=0 dim=1 seen=1 rows=1 0000000000000001:1')) v(type, t);

-- states of the wrong kind, or of different parameters, do not mix
SELECT pg_temp.clv_combine(s) FROM (VALUES ('bgnbd/1 rows=0 skipped=1'::clientele.clv_rows), ('gammagamma/1 rows=0 skipped=1')) v(s);
SELECT clientele.bgnbd_final('gammagamma/1 rows=1 skipped=0 (2,5)');
SELECT pg_temp.points_combine(s)
  FROM (VALUES ('sample/1 size=5 seed=0 dim=0 seen=0 rows=0'::clientele.kmeans_points), ('sample/1 size=5 seed=1 dim=0 seen=0 rows=0')) v(s);
SELECT pg_temp.points_combine(s)
  FROM (VALUES ('sample/1 size=5 seed=0 dim=1 seen=1 rows=1 0000000000000001:1'::clientele.kmeans_points),
               ('sample/1 size=5 seed=0 dim=2 seen=1 rows=1 0000000000000001:1,2')) v(s);
SELECT clientele.kmeans_final('sample/1 size=5 seed=0 dim=0 seen=0 rows=0');
SELECT clientele.kmeans_sample_final('kmeans/1 k=2 max_iterations=10 tolerance=0 seed=0 dim=0 seen=0 rows=0');
-- the final functions work on a state value outside an aggregate; NULL without rows
SELECT clientele.bgnbd_final('bgnbd/1 rows=0 skipped=3') IS NULL AS bgnbd_empty,
       clientele.kmeans_final('kmeans/1 k=2 max_iterations=10 tolerance=0 seed=0 dim=0 seen=0 rows=0') IS NULL AS kmeans_empty,
       clientele.kmeans_sample_final('sample/1 size=3 seed=0 dim=2 seen=4 rows=3 0000000000000003:5,6 0000000000000001:1,2 0000000000000002:3,4') AS sample_in_key_order,
       clientele.kmeans_centroids(clientele.kmeans_final('kmeans/1 k=1 max_iterations=10 tolerance=0 seed=0 dim=1 seen=2 rows=2 0000000000000001:1 0000000000000002:4')) AS one_centroid;
-- the transition and combine functions need an aggregate
SELECT clientele.bgnbd_trans(NULL, 1, 2, 3);
SELECT clientele.kmeans_points_combine(NULL, NULL);

-- a combined sample keeps the smallest keys: (1 of a, 2 of b) out of 1, 2, 3, 4
SELECT pg_temp.points_combine(s)
  FROM (VALUES ('sample/1 size=2 seed=0 dim=1 seen=2 rows=2 0000000000000004:40 0000000000000001:10'::clientele.kmeans_points),
               ('sample/1 size=2 seed=0 dim=1 seen=5 rows=2 0000000000000002:20 0000000000000003:30')) v(s);

-- the final function may run on a state that keeps growing (a window
-- aggregate): it compacts the expanded state in place, which must not change
-- later results; hashed and sorted grouping give the same fits
SELECT count(*) AS running_fits,
       (array_agg(bg ORDER BY customer_id DESC))[1]
         = (SELECT clientele.bgnbd_fit(x, ceil(t_x), ceil(t_cal)) FROM cs WHERE customer_id BETWEEN 1 AND 150) AS last_equals_fit,
       (array_agg(gg ORDER BY customer_id DESC))[1]
         = (SELECT clientele.gammagamma_fit(n, m) FROM cs WHERE customer_id BETWEEN 1 AND 150) AS last_gg_equals_fit,
       (array_agg((bg).customers ORDER BY customer_id))[1:4] AS first_customers
  FROM (SELECT customer_id, clientele.bgnbd_fit(x, ceil(t_x), ceil(t_cal)) OVER (ORDER BY customer_id) AS bg,
               clientele.gammagamma_fit(n, m) OVER (ORDER BY customer_id) AS gg
          FROM cs WHERE customer_id BETWEEN 1 AND 150) w;
SET enable_hashagg = off;
CREATE TEMP TABLE sorted_groups AS
SELECT customer_id % 40 AS g, clientele.bgnbd_fit(x, t_x, t_cal) AS bg, clientele.kmeans_sample(f, 5, 1) AS s
  FROM cs WHERE customer_id > 0 GROUP BY 1;
RESET enable_hashagg;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT customer_id % 40 AS g, clientele.bgnbd_fit(x, t_x, t_cal) FROM cs WHERE customer_id > 0 GROUP BY 1;
SELECT count(*) AS groups, count(*) FILTER (WHERE h.bg = s.bg AND h.s = s.s) AS same
  FROM (SELECT customer_id % 40 AS g, clientele.bgnbd_fit(x, t_x, t_cal) AS bg, clientele.kmeans_sample(f, 5, 1) AS s
          FROM cs WHERE customer_id > 0 GROUP BY 1) h JOIN sorted_groups s USING (g);
RESET enable_sort;

-- the real aggregates under forced parallel plans (states through the
-- Partial and Finalize Aggregate nodes) equal the serial ones too
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT clientele.kmeans_sample(f, 300, 7) FROM cs;
SELECT (SELECT clientele.bgnbd_fit(x, t_x, t_cal) FROM cs) = bg AS bgnbd_parallel,
       (SELECT clientele.gammagamma_fit(n, m) FROM cs) = gg AS gammagamma_parallel,
       (SELECT clientele.kmeans_sample(f, 300, 7) FROM cs) = sample AS sample_parallel,
       (SELECT clientele.kmeans(f, 4, 50, 1e-9, 3) FROM cs)::text = km::text AS kmeans_parallel
  FROM serial;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE cs;
