-- k-means clustering on float8[] features: the model type, one Lloyd step
-- as a parallel aggregate and its driver, in-memory fitting, seeding,
-- quality measures and feature standardisation.

CREATE TYPE clientele.kmeans_model;

CREATE FUNCTION clientele.kmeans_model_in(cstring) RETURNS clientele.kmeans_model
AS 'MODULE_PATHNAME', 'clientele_kmeans_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.kmeans_model_out(clientele.kmeans_model) RETURNS cstring
AS 'MODULE_PATHNAME', 'clientele_kmeans_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.kmeans_model_recv(internal) RETURNS clientele.kmeans_model
AS 'MODULE_PATHNAME', 'clientele_kmeans_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.kmeans_model_send(clientele.kmeans_model) RETURNS bytea
AS 'MODULE_PATHNAME', 'clientele_kmeans_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE clientele.kmeans_model (
    INPUT = clientele.kmeans_model_in,
    OUTPUT = clientele.kmeans_model_out,
    RECEIVE = clientele.kmeans_model_recv,
    SEND = clientele.kmeans_model_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE clientele.kmeans_model IS
'A k-means model (k, dimensions, iterations, inertia, last shift, cluster sizes, centroids) with an exact text form';

-- accessors
CREATE FUNCTION clientele.kmeans_k(clientele.kmeans_model) RETURNS integer
AS 'MODULE_PATHNAME', 'clientele_kmeans_k' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.kmeans_dim(clientele.kmeans_model) RETURNS integer
AS 'MODULE_PATHNAME', 'clientele_kmeans_dim' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.kmeans_iterations(clientele.kmeans_model) RETURNS integer
AS 'MODULE_PATHNAME', 'clientele_kmeans_iterations' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.kmeans_inertia(clientele.kmeans_model) RETURNS float8
AS 'MODULE_PATHNAME', 'clientele_kmeans_inertia' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.kmeans_shift(clientele.kmeans_model) RETURNS float8
AS 'MODULE_PATHNAME', 'clientele_kmeans_shift' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.kmeans_sizes(clientele.kmeans_model) RETURNS bigint[]
AS 'MODULE_PATHNAME', 'clientele_kmeans_sizes' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.kmeans_centroids(clientele.kmeans_model) RETURNS float8[]
AS 'MODULE_PATHNAME', 'clientele_kmeans_centroids' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.kmeans_clusters(model clientele.kmeans_model,
    OUT cluster integer, OUT size bigint, OUT centroid float8[])
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'clientele_kmeans_clusters' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION clientele.kmeans_inertia(clientele.kmeans_model) IS
'Within-cluster sum of squared distances of the last assignment (NULL for a seed model)';
COMMENT ON FUNCTION clientele.kmeans_shift(clientele.kmeans_model) IS
'Largest centroid move (Euclidean) of the last Lloyd update (NULL for a seed model)';
COMMENT ON FUNCTION clientele.kmeans_centroids(clientele.kmeans_model) IS 'Centroids as float8[k][dim]';
COMMENT ON FUNCTION clientele.kmeans_clusters(clientele.kmeans_model) IS
'One row per cluster (numbered from 1): its size and centroid';

-- using a model on rows
CREATE FUNCTION clientele.kmeans_assign(model clientele.kmeans_model, features float8[]) RETURNS integer
AS 'MODULE_PATHNAME', 'clientele_kmeans_assign' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.kmeans_assign(clientele.kmeans_model, float8[]) IS
'The cluster (1..k) whose centroid is nearest to the features (lowest number on ties)';
CREATE FUNCTION clientele.kmeans_distance(model clientele.kmeans_model, features float8[]) RETURNS float8
AS 'MODULE_PATHNAME', 'clientele_kmeans_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.kmeans_distance(clientele.kmeans_model, float8[]) IS
'Euclidean distance from the features to the nearest centroid';
CREATE FUNCTION clientele.kmeans_distance(model clientele.kmeans_model, features float8[], cluster integer) RETURNS float8
AS 'MODULE_PATHNAME', 'clientele_kmeans_distance_to' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.kmeans_distance(clientele.kmeans_model, float8[], integer) IS
'Euclidean distance from the features to the centroid of the given cluster';

-- one Lloyd step over a table: a parallel aggregate whose state is a partial model
CREATE FUNCTION clientele.kmeans_step_accum(clientele.kmeans_model, float8[], clientele.kmeans_model)
RETURNS clientele.kmeans_model
AS 'MODULE_PATHNAME', 'clientele_kmeans_step_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.kmeans_step_combine(clientele.kmeans_model, clientele.kmeans_model)
RETURNS clientele.kmeans_model
AS 'MODULE_PATHNAME', 'clientele_kmeans_step_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.kmeans_step_final(clientele.kmeans_model) RETURNS clientele.kmeans_model
AS 'MODULE_PATHNAME', 'clientele_kmeans_step_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE clientele.kmeans_step(features float8[], model clientele.kmeans_model) (
    SFUNC = clientele.kmeans_step_accum,
    STYPE = clientele.kmeans_model,
    FINALFUNC = clientele.kmeans_step_final,
    COMBINEFUNC = clientele.kmeans_step_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clientele.kmeans_step(float8[], clientele.kmeans_model) IS
'One Lloyd iteration: assign every row to the model''s nearest centroid, return the model with the centroids moved to the means';

-- gathering rows: a seeded, order-independent sample, and k-means in memory;
-- their state has an exact text form (so that Citus can distribute them)
CREATE TYPE clientele.kmeans_points;
CREATE FUNCTION clientele.kmeans_points_in(cstring) RETURNS clientele.kmeans_points
AS 'MODULE_PATHNAME', 'clientele_kmeans_points_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.kmeans_points_out(clientele.kmeans_points) RETURNS cstring
AS 'MODULE_PATHNAME', 'clientele_kmeans_points_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.kmeans_points_recv(internal) RETURNS clientele.kmeans_points
AS 'MODULE_PATHNAME', 'clientele_kmeans_points_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.kmeans_points_send(clientele.kmeans_points) RETURNS bytea
AS 'MODULE_PATHNAME', 'clientele_kmeans_points_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE clientele.kmeans_points (
    INPUT = clientele.kmeans_points_in,
    OUTPUT = clientele.kmeans_points_out,
    RECEIVE = clientele.kmeans_points_recv,
    SEND = clientele.kmeans_points_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE clientele.kmeans_points IS
'State of kmeans_sample() and kmeans(): the parameters, the rows kept and their hash keys, with an exact text form (sample/1 size=10 seed=0 dim=2 seen=1 rows=1 00c0ffee00c0ffee:1.5,2)';

CREATE FUNCTION clientele.kmeans_sample_trans(clientele.kmeans_points, float8[], integer, bigint) RETURNS clientele.kmeans_points
AS 'MODULE_PATHNAME', 'clientele_kmeans_sample_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.kmeans_trans(clientele.kmeans_points, float8[], integer) RETURNS clientele.kmeans_points
AS 'MODULE_PATHNAME', 'clientele_kmeans_all_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.kmeans_trans(clientele.kmeans_points, float8[], integer, integer, float8, bigint) RETURNS clientele.kmeans_points
AS 'MODULE_PATHNAME', 'clientele_kmeans_all_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.kmeans_points_combine(clientele.kmeans_points, clientele.kmeans_points) RETURNS clientele.kmeans_points
AS 'MODULE_PATHNAME', 'clientele_kmeans_points_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.kmeans_sample_final(clientele.kmeans_points) RETURNS float8[]
AS 'MODULE_PATHNAME', 'clientele_kmeans_sample_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.kmeans_final(clientele.kmeans_points) RETURNS clientele.kmeans_model
AS 'MODULE_PATHNAME', 'clientele_kmeans_all_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE clientele.kmeans_sample(features float8[], size integer, seed bigint) (
    SFUNC = clientele.kmeans_sample_trans,
    STYPE = clientele.kmeans_points,
    FINALFUNC = clientele.kmeans_sample_final,
    COMBINEFUNC = clientele.kmeans_points_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clientele.kmeans_sample(float8[], integer, bigint) IS
'A seeded uniform sample of at most size rows as float8[n][dim], the same whatever the scan order or parallelism';

CREATE AGGREGATE clientele.kmeans(features float8[], k integer) (
    SFUNC = clientele.kmeans_trans,
    STYPE = clientele.kmeans_points,
    FINALFUNC = clientele.kmeans_final,
    COMBINEFUNC = clientele.kmeans_points_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE clientele.kmeans(features float8[], k integer, max_iterations integer,
                                  tolerance float8, seed bigint) (
    SFUNC = clientele.kmeans_trans,
    STYPE = clientele.kmeans_points,
    FINALFUNC = clientele.kmeans_final,
    COMBINEFUNC = clientele.kmeans_points_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clientele.kmeans(float8[], integer) IS
'k-means of the rows in memory (k-means++ seed 0, at most 100 iterations, tolerance 1e-4)';
COMMENT ON AGGREGATE clientele.kmeans(float8[], integer, integer, float8, bigint) IS
'k-means of the rows in memory with k-means++ seeding, Lloyd iterations until the largest centroid move is <= tolerance';

-- seeding, fitting and quality on a sample (float8[n][dim])
CREATE FUNCTION clientele.kmeans_seed(sample float8[], k integer, seed bigint DEFAULT 0)
RETURNS clientele.kmeans_model
AS 'MODULE_PATHNAME', 'clientele_kmeans_seed' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.kmeans_seed(float8[], integer, bigint) IS
'k-means++ centroids drawn from the sample''s rows (a model with 0 iterations)';
CREATE FUNCTION clientele.kmeans_fit(sample float8[], k integer, max_iterations integer DEFAULT 100,
                                     tolerance float8 DEFAULT 1e-4, seed bigint DEFAULT 0)
RETURNS clientele.kmeans_model
AS 'MODULE_PATHNAME', 'clientele_kmeans_fit' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.kmeans_fit(float8[], integer, integer, float8, bigint) IS
'k-means of the rows of a float8[n][dim] array';
CREATE FUNCTION clientele.kmeans_silhouette(model clientele.kmeans_model, sample float8[]) RETURNS float8
AS 'MODULE_PATHNAME', 'clientele_kmeans_silhouette' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.kmeans_silhouette(clientele.kmeans_model, float8[]) IS
'Mean silhouette in [-1, 1] of the sample''s rows under the model''s assignment (NULL with fewer than 2 clusters present)';
CREATE FUNCTION clientele.kmeans_choose_k(sample float8[], k_min integer, k_max integer, seed bigint DEFAULT 0,
                                          max_iterations integer DEFAULT 100, tolerance float8 DEFAULT 1e-4,
    OUT k integer, OUT inertia float8, OUT iterations integer, OUT silhouette float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'clientele_kmeans_choose_k' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION clientele.kmeans_choose_k(float8[], integer, integer, bigint, integer, float8) IS
'For each k in [k_min, k_max]: inertia (for the elbow) and silhouette of k-means on the sample';

-- the driver for large tables: seeds on a sample, then one parallel pass per iteration
CREATE FUNCTION clientele.kmeans_table(relation regclass, features text, k integer,
                                       max_iterations integer DEFAULT 50, tolerance float8 DEFAULT 1e-4,
                                       seed bigint DEFAULT 0, sample_size integer DEFAULT 10000)
RETURNS clientele.kmeans_model
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    sample float8[];
    model  clientele.kmeans_model;
    rows   bigint;
    i      integer;
BEGIN
    IF k IS NULL OR k < 1 THEN
        RAISE EXCEPTION 'k must be at least 1, not %', coalesce(k::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF max_iterations IS NULL OR max_iterations < 1 THEN
        RAISE EXCEPTION 'max_iterations must be at least 1'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF tolerance IS NULL OR tolerance = 'NaN'::float8 OR tolerance < 0 THEN
        RAISE EXCEPTION 'tolerance must be a number >= 0'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF sample_size IS NULL OR sample_size < k THEN
        RAISE EXCEPTION 'sample_size (%) must be at least k (%)', sample_size, k
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF relation IS NULL OR features IS NULL THEN
        RAISE EXCEPTION 'relation and features must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- a regclass can hold the OID of no relation (0, or a dropped table):
    -- its text is then a number, which would not parse as a table name
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = relation) THEN
        RAISE EXCEPTION 'relation with OID % does not exist', relation::oid
            USING ERRCODE = 'undefined_table';
    END IF;
    EXECUTE format('SELECT clientele.kmeans_sample(%s, $1, $2) FROM %s', features, relation)
       INTO sample USING sample_size, seed;
    IF sample IS NULL THEN
        RAISE EXCEPTION 'no rows to cluster in %', relation
            USING ERRCODE = 'data_exception',
                  HINT = 'kmeans_table() needs at least k rows whose features are not NULL.';
    END IF;
    rows := array_length(sample, 1);
    IF rows < k THEN
        RAISE EXCEPTION 'k (%) is greater than the number of rows (%)', k, rows
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Ask for at most as many clusters as there are rows.';
    END IF;
    model := clientele.kmeans_seed(sample, k, seed);
    FOR i IN 1 .. max_iterations LOOP
        EXECUTE format('SELECT clientele.kmeans_step(%s, $1) FROM %s', features, relation)
           INTO model USING model;
        EXIT WHEN clientele.kmeans_shift(model) <= tolerance;
    END LOOP;
    RETURN model;
END;
$$;
COMMENT ON FUNCTION clientele.kmeans_table(regclass, text, integer, integer, float8, bigint, integer) IS
'k-means of a table''s rows: k-means++ on a seeded sample, then one parallel kmeans_step() pass per iteration (memory independent of the rows); features is an SQL expression of the table''s columns';

-- feature standardisation
CREATE TYPE clientele.feature_scaling AS (n bigint, mean float8[], stddev float8[]);
COMMENT ON TYPE clientele.feature_scaling IS
'Row count, mean and population standard deviation of each feature (from clientele.feature_stats())';

CREATE FUNCTION clientele.feature_stats_accum(float8[], float8[]) RETURNS float8[]
AS 'MODULE_PATHNAME', 'clientele_feature_stats_accum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.feature_stats_combine(float8[], float8[]) RETURNS float8[]
AS 'MODULE_PATHNAME', 'clientele_feature_stats_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.feature_stats_final(float8[]) RETURNS clientele.feature_scaling
AS 'MODULE_PATHNAME', 'clientele_feature_stats_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE clientele.feature_stats(features float8[]) (
    SFUNC = clientele.feature_stats_accum,
    STYPE = float8[],
    FINALFUNC = clientele.feature_stats_final,
    COMBINEFUNC = clientele.feature_stats_combine,
    INITCOND = '{0}',
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clientele.feature_stats(float8[]) IS
'Count, mean and population standard deviation of every feature, for clientele.standardize()';

CREATE FUNCTION clientele.standardize(features float8[], mean float8[], stddev float8[]) RETURNS float8[]
AS 'MODULE_PATHNAME', 'clientele_standardize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.standardize(features float8[], scaling clientele.feature_scaling) RETURNS float8[]
AS 'MODULE_PATHNAME', 'clientele_standardize_scaling' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.unstandardize(features float8[], scaling clientele.feature_scaling) RETURNS float8[]
AS 'MODULE_PATHNAME', 'clientele_unstandardize_scaling' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.standardize(float8[], float8[], float8[]) IS
'z-scores (x - mean) / stddev per feature; 0 where stddev is 0';
COMMENT ON FUNCTION clientele.standardize(float8[], clientele.feature_scaling) IS
'z-scores with the scaling of clientele.feature_stats()';
COMMENT ON FUNCTION clientele.unstandardize(float8[], clientele.feature_scaling) IS
'Back from z-scores to the original units: x * stddev + mean (for centroids)';
