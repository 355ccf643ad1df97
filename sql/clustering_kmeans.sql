-- k-means: the model type, the step aggregate checked by hand and against
-- plain SQL, the in-memory aggregate, the table driver, errors.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;
SET search_path = clientele, public;

-- two squares of four points: means (1,1) and (11,11), each point at squared distance 2
CREATE TABLE km_squares (id int, f float8[]);
INSERT INTO km_squares VALUES
  (1, '{0,0}'), (2, '{0,2}'), (3, '{2,0}'), (4, '{2,2}'),
  (5, '{10,10}'), (6, '{10,12}'), (7, '{12,10}'), (8, '{12,12}');

-- one Lloyd step from hand-picked centroids (0,0) and (12,12):
-- sizes 4 and 4, centroids (1,1) and (11,11), shift sqrt(2), inertia 8 * 2 = 16
SELECT kmeans_step(f, 'k=2 dim=2 iterations=0 inertia=NaN shift=NaN sizes={0,0} centroids={{0,0},{12,12}}') FROM km_squares;
-- a second step does not move: shift 0
SELECT kmeans_step(f, (SELECT kmeans_step(f, 'k=2 dim=2 iterations=0 inertia=NaN shift=NaN sizes={0,0} centroids={{0,0},{12,12}}') FROM km_squares))
  FROM km_squares;
-- a cluster that gets no row keeps its centroid and size 0
SELECT kmeans_step(f, 'k=3 dim=2 iterations=7 inertia=NaN shift=NaN sizes={0,0,0} centroids={{0,0},{12,12},{100,100}}') FROM km_squares;
-- the in-memory aggregate finds the same two clusters
SELECT kmeans_k(m) AS k, kmeans_inertia(m) AS inertia, kmeans_shift(m) AS shift,
       (SELECT array_agg(c.centroid::text || ':' || c.size ORDER BY c.centroid) FROM kmeans_clusters(m) c) AS clusters
  FROM (SELECT kmeans(f, 2) AS m FROM km_squares) s;
-- assignment and distances
CREATE TEMP TABLE km_m AS SELECT 'k=2 dim=2 iterations=1 inertia=16 shift=0 sizes={4,4} centroids={{1,1},{11,11}}'::kmeans_model AS m;
SELECT kmeans_assign(m, '{4,5}') AS a1, kmeans_assign(m, '{7,7}') AS a2, kmeans_assign(m, '{6,6}') AS tie_lowest,
       kmeans_distance(m, '{4,5}') AS d_nearest, kmeans_distance(m, '{4,5}', 2) AS d_to_2
  FROM km_m;
SELECT kmeans_k(m), kmeans_dim(m), kmeans_iterations(m), kmeans_sizes(m), kmeans_centroids(m) FROM km_m;

-- the text form is exact for any double, whatever extra_float_digits says
CREATE TEMP TABLE km_odd AS SELECT format('k=1 dim=6 iterations=3 inertia=%s shift=0.1 sizes={5} centroids={{%s,%s,%s,%s,%s,%s}}',
       (1.0/3)::float8, (2.0/3)::float8, 0.1::float8 + 0.2::float8, '1e-300', '5e-324', '-0', '1.7976931348623157e308')::kmeans_model AS m;
SET extra_float_digits = 0;
SELECT m FROM km_odd;
SELECT m::text::kmeans_model::text = m::text AS text_round_trip,
       kmeans_centroids(m::text::kmeans_model) = kmeans_centroids(m) AS exact_centroids,
       (kmeans_centroids(m))[1][2] = 0.1::float8 + 0.2::float8 AS exact_sum
  FROM km_odd;
RESET extra_float_digits;
COPY (SELECT m FROM km_odd UNION ALL SELECT m FROM km_m) TO '/tmp/clientele_kmeans_binary.copy' WITH (FORMAT binary);
CREATE TEMP TABLE km_copy (m kmeans_model);
COPY km_copy FROM '/tmp/clientele_kmeans_binary.copy' WITH (FORMAT binary);
SELECT count(*) AS binary_copies_equal FROM km_copy c WHERE c.m::text IN (SELECT m::text FROM km_odd UNION SELECT m::text FROM km_m);

-- a partial kmeans_step() state has an exact text form too
SELECT 'k=1 dim=2 iterations=0 inertia=NaN shift=NaN sizes={3} centroids={{1,2}} partial sums={{3.5,6.25}} sse={0.1}'::kmeans_model;
-- binary input is checked like the text form
CREATE TEMP TABLE km_bad_in (m kmeans_model);
CREATE FUNCTION pg_temp.try_recv(b bytea) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('COPY (SELECT %L::bytea) TO %L WITH (FORMAT binary)', b, '/tmp/clientele_kmeans_bad.copy');
  EXECUTE format('COPY km_bad_in FROM %L WITH (FORMAT binary)', '/tmp/clientele_kmeans_bad.copy');
  RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
SELECT what, pg_temp.try_recv(b) AS result
  FROM km_m, LATERAL (VALUES ('valid', kmeans_model_send(m)),
                             ('truncated', substring(kmeans_model_send(m) from 1 for 30)),
                             ('trailing byte', kmeans_model_send(m) || '\x00'::bytea),
                             ('k = 0', set_byte(kmeans_model_send(m), 3, 0)),
                             ('unknown flags', set_byte(kmeans_model_send(m), 15, 4))) v(what, b);
-- a value must be all there before it is allocated: 16 bytes announcing
-- 10000 x 1600 centroids, or a text as short, are refused at once
SELECT pg_temp.try_recv('\x00002710000006400000000000000001'::bytea) AS huge_header;
SELECT 'k=10000 dim=1600 iterations=0 inertia=0 shift=0 sizes={1}'::kmeans_model;
-- one NaN: a NaN with a payload (binary) or a sign (text) reads as the NaN
-- the output writes, so the value has the same bytes after a round trip
TRUNCATE km_bad_in;
SELECT pg_temp.try_recv(overlay(kmeans_model_send(m) placing '\x7ff80000deadbeef'::bytea from 17 for 8)) FROM km_m;
SELECT m::text LIKE '% inertia=NaN %' AS nan_inertia, kmeans_model_send(m) = kmeans_model_send(m::text::kmeans_model) AS same_bytes FROM km_bad_in;
SELECT kmeans_model_send('k=1 dim=1 iterations=0 inertia=-NaN shift=NaN sizes={0} centroids={{1}}') =
       kmeans_model_send('k=1 dim=1 iterations=0 inertia=NaN shift=NaN sizes={0} centroids={{1}}') AS minus_nan_is_nan;

-- bad input
SELECT kmeans_assign(m, '{1,2,3}') FROM km_m;
SELECT kmeans_step(f, m) FROM (VALUES ('{1,2}'::float8[]), ('{1,2,3}')) v(f), km_m;
SELECT kmeans_assign(m, '{1,NaN}') FROM km_m;
SELECT kmeans_assign(m, '{Infinity,1}') FROM km_m;
SELECT kmeans_assign(m, '{1,NULL}') FROM km_m;
SELECT kmeans_assign(m, '{{1,2}}') FROM km_m;
SELECT kmeans_assign(m, '{}') FROM km_m;
SELECT kmeans_distance(m, '{1,2}', 3) FROM km_m;
SELECT kmeans(f, 0) FROM km_squares;
SELECT kmeans(f, 9) FROM km_squares;
SELECT kmeans(f, 2, 0, 1e-4, 0) FROM km_squares;
SELECT kmeans(f, 2, 10, -1, 0) FROM km_squares;
SELECT kmeans(f, 2) AS empty_input FROM km_squares WHERE false;
SELECT kmeans_step(f, m) AS empty_input FROM km_squares, km_m WHERE false;
SELECT kmeans(f, 2) FROM (VALUES ('{1,2}'::float8[]), ('{1}')) v(f);
SELECT kmeans_assign((SELECT kmeans_step_accum(NULL, '{1,2}', m) FROM km_m), '{1,2}');
SELECT kmeans_assign('k=1 dim=2 iterations=0 inertia=0 shift=0 sizes={1} centroids={{1,2}} partial sums={{1,2}} sse={0}', '{1,2}');
SELECT 'k=0 dim=2 iterations=0 inertia=0 shift=0 sizes={1} centroids={{1,2}}'::kmeans_model;
SELECT 'k=1 dim=2 iterations=0 inertia=0 shift=0 sizes={1} centroids={{1,2,3}}'::kmeans_model;
SELECT 'k=1 dim=2 iterations=0 inertia=0 shift=0 sizes={-1} centroids={{1,2}}'::kmeans_model;
SELECT 'k=1 dim=2 iterations=0 inertia=0 shift=0 sizes={1} centroids={{1,NaN}}'::kmeans_model;
SELECT 'k=1 dim=2 iterations=0 inertia=0 shift=0 sizes={1} centroids={{1,2}} extra'::kmeans_model;

-- random integer data: kmeans_step equals one Lloyd step written in plain SQL
SELECT setseed(0.17);
CREATE TABLE km_rand AS
SELECT i AS id, ARRAY[(random() * 50)::int + 40 * (i % 3), (random() * 50)::int, (random() * 20)::int - 30 * (i % 3)]::float8[] AS f
  FROM generate_series(1, 30000) i;
ANALYZE km_rand;
CREATE TEMP TABLE km_seed AS SELECT kmeans_seed(kmeans_sample(f, 1000, 7), 4, 7) AS m FROM km_rand;
SELECT kmeans_iterations(m), kmeans_inertia(m) IS NULL AS no_inertia, kmeans_sizes(m) FROM km_seed;
CREATE TEMP TABLE km_sql AS
WITH c AS (SELECT c.cluster, c.centroid FROM km_seed, kmeans_clusters(m) c),
     a AS (SELECT r.f, (SELECT c.cluster FROM c ORDER BY (r.f[1]-c.centroid[1])^2 + (r.f[2]-c.centroid[2])^2 + (r.f[3]-c.centroid[3])^2, c.cluster LIMIT 1) AS cluster
             FROM km_rand r)
SELECT cluster, count(*) AS size, ARRAY[avg(f[1]), avg(f[2]), avg(f[3])]::float8[] AS centroid FROM a GROUP BY cluster;
CREATE TEMP TABLE km_one AS SELECT kmeans_step(f, (SELECT m FROM km_seed)) AS m FROM km_rand;
SELECT count(*) AS clusters_equal_to_plain_sql
  FROM km_one, kmeans_clusters(m) c JOIN km_sql s USING (cluster)
 WHERE c.size = s.size AND abs(c.centroid[1] - s.centroid[1]) < 1e-9 AND abs(c.centroid[2] - s.centroid[2]) < 1e-9
   AND abs(c.centroid[3] - s.centroid[3]) < 1e-9;
-- inertia of the step's assignment around the new centroids, recomputed directly
SELECT abs(kmeans_inertia(m) - (SELECT sum((r.f[1]-s.centroid[1])^2 + (r.f[2]-s.centroid[2])^2 + (r.f[3]-s.centroid[3])^2)
             FROM km_rand r JOIN km_sql s ON s.cluster = (SELECT c.cluster FROM km_seed, kmeans_clusters(km_seed.m) c
                                                          ORDER BY (r.f[1]-c.centroid[1])^2 + (r.f[2]-c.centroid[2])^2 + (r.f[3]-c.centroid[3])^2, c.cluster LIMIT 1)))
       / kmeans_inertia(m) < 1e-9 AS inertia_ok
  FROM km_one;

-- the driver on a table equals the in-memory aggregate (same seeds, same steps)
CREATE TEMP TABLE km_tab AS SELECT kmeans_table('km_rand', 'f', 3, 50, 0, 5, 100000) AS m;
CREATE TEMP TABLE km_agg AS SELECT kmeans(f, 3, 50, 0, 5) AS m FROM km_rand;
SELECT kmeans_sizes(t.m) = kmeans_sizes(a.m) AS same_sizes, kmeans_centroids(t.m) = kmeans_centroids(a.m) AS same_centroids,
       kmeans_iterations(t.m) = kmeans_iterations(a.m) AS same_iterations, kmeans_shift(t.m) AS shift,
       abs(kmeans_inertia(t.m) - kmeans_inertia(a.m)) < 1e-6 * kmeans_inertia(a.m) AS same_inertia
  FROM km_tab t, km_agg a;
-- the three overlapping groups of 10000 rows, recovered approximately
SELECT c.size, round(c.centroid[1]) AS x, round(c.centroid[2]) AS y, round(c.centroid[3]) AS z
  FROM km_agg, kmeans_clusters(m) c ORDER BY 2;
SELECT kmeans_table('km_rand', 'f', 0);
SELECT kmeans_table('km_rand', 'f', 3, sample_size => 2);
SELECT kmeans_table('km_rand', 'f', 3, 10, 'NaN');
CREATE TEMP TABLE km_empty (f float8[]);
SELECT kmeans_table('km_empty', 'f', 2);
INSERT INTO km_empty VALUES ('{1}'), ('{2}');
SELECT kmeans_table('km_empty', 'f', 3);
SELECT kmeans_table('km_empty', 'no_such_column', 1);

-- silhouette against the same measure written in plain SQL
CREATE TEMP TABLE km_sample AS SELECT kmeans_sample(f, 300, 3) AS s FROM km_rand;
SELECT array_length(s, 1) AS rows, array_length(s, 2) AS dims FROM km_sample;
CREATE TEMP TABLE km_pts AS
SELECT i, ARRAY[s[i][1], s[i][2], s[i][3]] AS f, kmeans_assign((SELECT m FROM km_agg), ARRAY[s[i][1], s[i][2], s[i][3]]) AS c
  FROM km_sample, generate_series(1, 300) i;
WITH d AS (SELECT p.i, p.c, q.c AS qc, sqrt((p.f[1]-q.f[1])^2 + (p.f[2]-q.f[2])^2 + (p.f[3]-q.f[3])^2) AS dist
             FROM km_pts p JOIN km_pts q ON p.i <> q.i),
     m AS (SELECT i, c, qc, avg(dist) AS mean FROM d GROUP BY i, c, qc),
     s AS (SELECT i, max(mean) FILTER (WHERE qc = c) AS a, min(mean) FILTER (WHERE qc <> c) AS b FROM m GROUP BY i)
SELECT abs(avg(coalesce((b - a) / greatest(a, b), 0)) - (SELECT kmeans_silhouette((SELECT m FROM km_agg), s) FROM km_sample)) < 1e-12 AS silhouette_ok
  FROM s;
SELECT k, iterations > 0 AS iterated, round(silhouette::numeric, 3) AS silhouette, silhouette = max(silhouette) OVER () AS best
  FROM km_sample, kmeans_choose_k(s, 1, 5, 3) ORDER BY k;
-- four well-separated blobs: the silhouette peaks at k = 4, the inertia stops falling fast there
CREATE TEMP TABLE km_blobs AS
SELECT kmeans_sample(ARRAY[random() * 10 + 100 * (i % 2), random() * 10 + 100 * (i / 2 % 2)], 400, 1) AS s
  FROM generate_series(1, 4000) i;
SELECT k, round(silhouette::numeric, 2) AS silhouette, silhouette = max(silhouette) OVER () AS best,
       round((inertia / lag(inertia) OVER (ORDER BY k))::numeric, 2) AS inertia_ratio
  FROM km_blobs, kmeans_choose_k(s, 2, 6) ORDER BY k;
SELECT bool_and(inertia <= lag_inertia) AS inertia_decreases
  FROM (SELECT inertia, lag(inertia) OVER (ORDER BY k) AS lag_inertia FROM km_sample, kmeans_choose_k(s, 1, 5, 3)) x
 WHERE lag_inertia IS NOT NULL;
SELECT kmeans_silhouette(kmeans_fit(s, 1), s) AS one_cluster FROM km_sample;
SELECT kmeans_fit('{{1,2},{3,4}}', 3);
SELECT kmeans_seed('{1,2,3}', 1);
SELECT kmeans_choose_k(s, 3, 2) FROM km_sample;
SELECT kmeans_silhouette((SELECT m FROM km_m), s) FROM km_sample;

-- parallel: Partial Aggregate in workers gives the serial result
CREATE TEMP TABLE km_serial AS
SELECT (SELECT kmeans_step(f, (SELECT m FROM km_seed)) FROM km_rand)::text AS step,
       (SELECT kmeans_sample(f, 500, 11) FROM km_rand)::text AS sample,
       (SELECT kmeans(f, 3, 20, 0, 9) FROM km_rand)::text AS model;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF) SELECT kmeans_step(f, (SELECT m FROM km_seed)) FROM km_rand;
EXPLAIN (COSTS OFF) SELECT kmeans_sample(f, 500, 11) FROM km_rand;
EXPLAIN (COSTS OFF) SELECT kmeans(f, 3, 20, 0, 9) FROM km_rand;
-- the driver under the same parallel settings gives the in-memory model
SELECT kmeans_centroids(kmeans_table('km_rand', 'f', 3, 50, 0, 5, 100000)) = kmeans_centroids(m) AS driver_parallel_same
  FROM km_agg;
SELECT (SELECT kmeans_step(f, (SELECT m FROM km_seed)) FROM km_rand)::text = step AS step_same,
       (SELECT kmeans_sample(f, 500, 11) FROM km_rand)::text = sample AS sample_same,
       (SELECT kmeans(f, 3, 20, 0, 9) FROM km_rand)::text = model AS model_same
  FROM km_serial;
RESET ALL;
SET search_path = clientele, public;

-- standardisation: mean and population stddev per feature, as avg() and stddev_pop() say
SELECT (feature_stats(f)).* FROM (VALUES ('{1,10,5}'::float8[]), ('{2,20,5}'), ('{3,30,5}'), ('{4,40,5}'), (NULL)) v(f);
SELECT standardize('{1,10,5}', feature_stats(f)) AS z, standardize('{1,10,5}', '{2.5,25,5}', '{1.118033988749895,11.180339887498949,0}') AS z_explicit
  FROM (VALUES ('{1,10,5}'::float8[]), ('{2,20,5}'), ('{3,30,5}'), ('{4,40,5}')) v(f);
CREATE TEMP TABLE km_stats_serial AS SELECT feature_stats(f) AS st FROM km_rand;
SELECT (st).n, abs((st).mean[1] - avg(f[1])) < 1e-9 AND abs((st).mean[3] - avg(f[3])) < 1e-9 AS mean_ok,
       abs((st).stddev[1] - stddev_pop(f[1])) < 1e-9 AND abs((st).stddev[2] - stddev_pop(f[2])) < 1e-9 AS stddev_ok
  FROM km_rand, km_stats_serial GROUP BY st;
SELECT max(abs(u[1] - f[1]) + abs(u[2] - f[2]) + abs(u[3] - f[3])) < 1e-9 AS unstandardize_inverts
  FROM (SELECT f, unstandardize(standardize(f, st), st) AS u FROM km_rand, km_stats_serial) x;
SELECT (feature_stats(f)).* FROM km_rand WHERE false;
SELECT standardize('{1,2}', '{1}', '{1}');
SELECT standardize('{1,2}', (feature_stats(f))) FROM km_rand WHERE false;
SELECT feature_stats(f) FROM (VALUES ('{1,2}'::float8[]), ('{1,2,3}')) v(f);
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF) SELECT feature_stats(f) FROM km_rand;
SELECT abs((p).mean[1] - (st).mean[1]) < 1e-9 AND abs((p).stddev[3] - (st).stddev[3]) < 1e-9 AND (p).n = (st).n AS parallel_stats_ok
  FROM (SELECT feature_stats(f) AS p FROM km_rand) x, km_stats_serial;
RESET ALL;
SET search_path = clientele, public;

-- a user without any privilege but SELECT on the table
CREATE ROLE regress_clientele_km_user;
GRANT SELECT ON km_squares TO regress_clientele_km_user;
SET ROLE regress_clientele_km_user;
SELECT kmeans_sizes(kmeans_table('km_squares', 'f', 2, 10, 0, 1, 100)) AS sizes,
       kmeans_inertia(kmeans(f, 2)) AS inertia, (feature_stats(f)).n,
       array_length(kmeans_sample(f, 3, 1), 1) AS sampled,
       audience_agg(id) - '{2..3}' AS audience
  FROM km_squares;
RESET ROLE;
DROP OWNED BY regress_clientele_km_user;
DROP ROLE regress_clientele_km_user;

DROP TABLE km_squares, km_rand;
