-- Next-best-offer, part 2: seeded draws, distances, propensity models.

CREATE FUNCTION clientele.beta_sample(alpha float8, beta float8, seed bigint,
    key1 bigint DEFAULT 0, key2 bigint DEFAULT 0) RETURNS float8
AS 'MODULE_PATHNAME', 'clientele_beta_sample'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.beta_sample(float8, float8, bigint, bigint, bigint) IS
'A reproducible draw from Beta(alpha, beta): the same (seed, key1, key2) always gives the same draw';

CREATE FUNCTION clientele.seeded_uniform(seed bigint, key1 bigint DEFAULT 0, key2 bigint DEFAULT 0)
RETURNS float8
AS 'MODULE_PATHNAME', 'clientele_seeded_uniform'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.seeded_uniform(bigint, bigint, bigint) IS
'A reproducible uniform draw in [0, 1) from (seed, key1, key2)';

CREATE FUNCTION clientele.haversine_m(lat1 float8, lon1 float8, lat2 float8, lon2 float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'clientele_haversine_m'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.haversine_m(float8, float8, float8, float8) IS
'Great-circle distance in metres between two WGS84 points in decimal degrees (haversine, mean Earth radius)';

-- Stores within radius_m metres of a point (bounding box, then haversine).
CREATE FUNCTION clientele.stores_within(lat float8, lon float8, radius_m float8)
RETURNS TABLE(store_id integer, name text, distance_m float8)
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT s.id, s.name, d.m
      FROM clientele.store s,
           LATERAL (SELECT clientele.haversine_m(stores_within.lat, stores_within.lon, s.lat, s.lon) AS m) d
     WHERE s.lat BETWEEN stores_within.lat - radius_m / 111000.0 AND stores_within.lat + radius_m / 111000.0
       AND d.m <= radius_m
     ORDER BY d.m, s.id
$$;
COMMENT ON FUNCTION clientele.stores_within(float8, float8, float8) IS
'Stores within radius_m metres of a point, nearest first';

-- Stores near a point with an active promotion of an offer (the geofence test).
CREATE FUNCTION clientele.promotions_near(lat float8, lon float8, radius_m float8, at timestamptz DEFAULT now())
RETURNS TABLE(offer_id integer, store_id integer, distance_m float8)
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT p.offer_id, w.store_id, w.distance_m
      FROM clientele.stores_within(lat, lon, radius_m) w
      JOIN clientele.store_promotion p ON p.store_id = w.store_id AND p.valid @> at
     ORDER BY w.distance_m, p.offer_id
$$;
COMMENT ON FUNCTION clientele.promotions_near(float8, float8, float8, timestamptz) IS
'Offers promoted at a store within radius_m metres of a point at the given time';

-- Naive Bayes models (float8[]; see offer_nb.c for the layout).
CREATE FUNCTION clientele.nb_model(features integer, bins integer) RETURNS float8[]
AS 'MODULE_PATHNAME', 'clientele_nb_model'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.nb_model(integer, integer) IS 'An empty naive Bayes model of the given shape';

CREATE FUNCTION clientele.nb_update(model float8[], bins integer[], outcome boolean, weight float8 DEFAULT 1)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'clientele_nb_update'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.nb_update(float8[], integer[], boolean, float8) IS
'The naive Bayes model with one example added (weight -1 retracts one)';

CREATE FUNCTION clientele.nb_merge(a float8[], b float8[]) RETURNS float8[]
AS 'MODULE_PATHNAME', 'clientele_nb_merge'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clientele.nb_merge(float8[], float8[]) IS
'The naive Bayes model holding the examples of both models (NULL is the empty model)';

CREATE FUNCTION clientele.nb_train_accum(float8[], integer[], boolean, integer) RETURNS float8[]
AS 'MODULE_PATHNAME', 'clientele_nb_train_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE clientele.nb_train(bins integer[], outcome boolean, nbins integer) (
    SFUNC = clientele.nb_train_accum,
    STYPE = float8[],
    COMBINEFUNC = clientele.nb_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clientele.nb_train(integer[], boolean, integer) IS
'Train a naive Bayes model from (bins, outcome) rows; bins are 0 .. nbins - 1';

CREATE FUNCTION clientele.nb_propensity(model float8[], bins integer[]) RETURNS float8
AS 'MODULE_PATHNAME', 'clientele_nb_propensity'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.nb_propensity(float8[], integer[]) IS
'P(response | bins) under the naive Bayes model, Laplace-smoothed';

-- The bins of a customer's attributes for the features of offer_feature.
CREATE FUNCTION clientele.feature_bins(attributes jsonb) RETURNS integer[]
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT array_agg(CASE WHEN jsonb_typeof(attributes -> f.name) = 'number'
                          THEN width_bucket((attributes ->> f.name)::float8, f.edges) END
                     ORDER BY f.position)
      FROM clientele.offer_feature f
$$;
COMMENT ON FUNCTION clientele.feature_bins(jsonb) IS
'Bins of the attributes named in offer_feature, in position order (NULL where the attribute is missing or not a number)';

-- The number of bins of the naive Bayes features.
CREATE FUNCTION clientele.feature_bin_count() RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT max(cardinality(edges)) + 1 FROM clientele.offer_feature $$;
COMMENT ON FUNCTION clientele.feature_bin_count() IS 'Bins per naive Bayes feature (the longest edge list plus one)';

-- Logistic regression: one Newton (IRLS) step as an aggregate.
CREATE FUNCTION clientele.logit_step_accum(float8[], float8[], float8, float8[]) RETURNS float8[]
AS 'MODULE_PATHNAME', 'clientele_logit_step_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.logit_step_combine(float8[], float8[]) RETURNS float8[]
AS 'MODULE_PATHNAME', 'clientele_logit_step_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.logit_step_final(float8[]) RETURNS float8[]
AS 'MODULE_PATHNAME', 'clientele_logit_step_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE clientele.logit_step(x float8[], y float8, beta float8[]) (
    SFUNC = clientele.logit_step_accum,
    STYPE = float8[],
    FINALFUNC = clientele.logit_step_final,
    COMBINEFUNC = clientele.logit_step_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clientele.logit_step(float8[], float8, float8[]) IS
'One Newton-Raphson (IRLS) step of logistic regression from coefficients beta: returns [new beta (p), standard errors at beta (p), log-likelihood at beta, rows, largest coefficient change]';

CREATE FUNCTION clientele.logit_predict(coefficients float8[], x float8[]) RETURNS float8
AS 'MODULE_PATHNAME', 'clientele_logit_predict'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.logit_predict(float8[], float8[]) IS
'1 / (1 + exp(-x''beta)); x includes the intercept column';

-- The driver: iterate logit_step over a query's (x, y) rows until convergence.
CREATE FUNCTION clientele.logistic_regression(query text, max_iterations integer DEFAULT 25,
    tolerance float8 DEFAULT 1e-10)
RETURNS TABLE(coefficients float8[], std_errors float8[], log_likelihood float8, rows bigint,
    iterations integer, converged boolean)
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
-- The query runs under this pinned search_path too (a caller's search_path
-- must not redirect the function's own names): it names its tables with
-- their schema (temporary tables resolve through pg_temp).
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    beta float8[];
    step float8[];
    p integer;
    i integer := 0;
BEGIN
    IF max_iterations < 1 OR NOT (tolerance > 0) THEN
        RAISE EXCEPTION 'max_iterations must be positive and tolerance a positive number'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE pg_catalog.format('SELECT pg_catalog.cardinality(x) FROM (%s) q(x, y) LIMIT 1', query) INTO p;
    IF p IS NULL THEN
        RAISE EXCEPTION 'logistic_regression query returned no rows'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The query returns rows (x float8[], y float8), x including the intercept column.';
    END IF;
    beta := pg_catalog.array_fill(0::float8, ARRAY[p]);
    LOOP
        i := i + 1;
        EXECUTE pg_catalog.format('SELECT clientele.logit_step(x, y, $1) FROM (%s) q(x, y)', query) INTO step USING beta;
        converged := step[2 * p + 3] <= tolerance;
        IF converged OR i >= max_iterations THEN
            coefficients := step[1:p];
            std_errors := step[p + 1:2 * p];
            log_likelihood := step[2 * p + 1];
            rows := step[2 * p + 2]::bigint;
            iterations := i;
            RETURN NEXT;
            RETURN;
        END IF;
        beta := step[1:p];
    END LOOP;
END $$;
COMMENT ON FUNCTION clientele.logistic_regression(text, integer, float8) IS
'Fit a logistic regression to the rows (x float8[], y float8) of a query by Newton-Raphson (IRLS) steps of the logit_step aggregate; standard errors from the information matrix at the final coefficients';

-- Train an offer's logistic model from its contact history.
CREATE FUNCTION clientele.train_offer_model(offer integer, features text[])
RETURNS clientele.offer_model
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    m clientele.offer_model;
BEGIN
    IF NOT EXISTS (SELECT FROM clientele.offer o WHERE o.id = offer) THEN
        RAISE EXCEPTION 'offer % does not exist', offer USING ERRCODE = 'undefined_object';
    END IF;
    SELECT * INTO r FROM clientele.logistic_regression(format(
        'SELECT ARRAY[1::float8] || ARRAY(SELECT (c.attributes ->> f)::float8 FROM unnest(%L::text[]) f),
                h.responded::int::float8
           FROM clientele.contact_history h JOIN clientele.offer_customer c USING (customer_id)
          WHERE h.offer_id = %s', features, offer));
    INSERT INTO clientele.offer_model (offer_id, features, coefficients, std_errors, trained_at)
    VALUES (offer, features, r.coefficients, r.std_errors, now())
    ON CONFLICT (offer_id) DO UPDATE
       SET features = EXCLUDED.features, coefficients = EXCLUDED.coefficients,
           std_errors = EXCLUDED.std_errors, trained_at = EXCLUDED.trained_at
    RETURNING * INTO m;
    RETURN m;
END $$;
COMMENT ON FUNCTION clientele.train_offer_model(integer, text[]) IS
'Fit the offer''s logistic regression on its contact history (responded or not) over the named numeric attributes and store it in offer_model';
