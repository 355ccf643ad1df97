-- Buzz: net sentiment, robust spike detection, the buzz timeline, and
-- lead/lag correlation between a buzz series and a business series.

-- net_sentiment(score): share of positive minus share of negative scores
-- (the thresholds of sentiment_summary), on sentiment_summary's state.
CREATE FUNCTION clientele.net_sentiment_final(float8[])
RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN $1[1] > 0 THEN ($1[3] - $1[4]) / $1[1] END $$;

CREATE AGGREGATE clientele.net_sentiment(float8) (
    SFUNC = clientele.sentiment_summary_accum,
    STYPE = float8[],
    FINALFUNC = clientele.net_sentiment_final,
    COMBINEFUNC = clientele.sentiment_summary_combine,
    INITCOND = '{0,0,0,0,0}',
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clientele.net_sentiment(float8) IS
'Net sentiment of scores in [-1, 1]: share positive - share negative (NULL scores skipped); usable as a window function';

-- Robust baseline of a window of values: median, MAD, mean absolute deviation.
CREATE TYPE clientele.robust_baseline AS (median float8, mad float8, mean_deviation float8, n integer);

CREATE FUNCTION clientele.robust_baseline_final(float8[])
RETURNS clientele.robust_baseline
AS 'MODULE_PATHNAME', 'clientele_robust_baseline_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- array_append itself as the transition: it appends in place to an expanded
-- array inside an aggregate (NULLs are appended too; the final skips them).
CREATE AGGREGATE clientele.robust_baseline(float8) (
    SFUNC = pg_catalog.array_append,
    STYPE = float8[],
    FINALFUNC = clientele.robust_baseline_final,
    COMBINEFUNC = pg_catalog.array_cat,
    INITCOND = '{}',
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clientele.robust_baseline(float8) IS
'Median, median absolute deviation and mean absolute deviation of the values (NULLs skipped); use over a trailing window, e.g. ROWS BETWEEN 28 PRECEDING AND 1 PRECEDING';

CREATE FUNCTION clientele.robust_zscore(x float8, baseline clientele.robust_baseline)
RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN x IS NULL OR (baseline).n IS NULL OR (baseline).n < 3 THEN NULL
                WHEN (baseline).mad > 0 THEN (x - (baseline).median) / (1.4826 * (baseline).mad)
                WHEN (baseline).mean_deviation > 0 THEN (x - (baseline).median) / (1.2533 * (baseline).mean_deviation)
           END
$$;
COMMENT ON FUNCTION clientele.robust_zscore(float8, clientele.robust_baseline) IS
'Robust z-score (x - median) / (1.4826 MAD) against a baseline (1.2533 x mean absolute deviation when MAD = 0; NULL with fewer than 3 values or no spread)';

CREATE FUNCTION clientele.anomaly_flag(z float8, threshold float8 DEFAULT 3.5)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN z > threshold THEN 'spike' WHEN z < -threshold THEN 'dip' END $$;
COMMENT ON FUNCTION clientele.anomaly_flag(float8, float8) IS
'''spike'' when the robust z-score exceeds threshold (default 3.5), ''dip'' below -threshold, else NULL';

-- The buzz timeline of a message table, per bucket and brand (PARALLEL
-- RESTRICTED: the table named may be temporary).
CREATE FUNCTION clientele.buzz_timeline(messages regclass,
    bucket interval DEFAULT '1 day',
    baseline_buckets integer DEFAULT 28,
    moving_average_buckets integer DEFAULT 7,
    threshold float8 DEFAULT 3.5,
    time_column name DEFAULT 'created_at',
    brand_column name DEFAULT 'brand',
    text_column name DEFAULT 'body',
    reach_column name DEFAULT 'reach',
    sentiment_column name DEFAULT NULL,
    origin timestamptz DEFAULT '2000-01-03 00:00+00')
RETURNS TABLE(bucket_start timestamptz, brand text, volume bigint, reach float8,
    share_of_voice float8, net_sentiment float8, net_sentiment_ma float8,
    volume_baseline float8, volume_z float8, anomaly text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    missing text;
    span interval;
BEGIN
    IF origin IS NULL THEN
        RAISE EXCEPTION 'origin must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF bucket IS NULL OR bucket <= interval '0' OR EXTRACT(month FROM bucket) <> 0 OR EXTRACT(year FROM bucket) <> 0 THEN
        RAISE EXCEPTION 'bucket must be a positive interval of days, hours or less'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'For weeks use ''7 days''.';
    END IF;
    IF baseline_buckets IS NULL OR baseline_buckets < 3 OR moving_average_buckets IS NULL OR moving_average_buckets < 1 THEN
        RAISE EXCEPTION 'baseline_buckets must be at least 3 and moving_average_buckets at least 1'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF messages IS NULL THEN
        RAISE EXCEPTION 'messages must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT string_agg(c, ', ') INTO missing
      FROM unnest(ARRAY[time_column, brand_column, reach_column,
                        coalesce(sentiment_column, text_column)]) c
     WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid = messages AND a.attname = c AND a.attnum > 0 AND NOT a.attisdropped);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'column(s) % not found in %', missing, messages
            USING ERRCODE = 'undefined_column',
                  HINT = 'Name the columns with time_column, brand_column, reach_column and text_column (or sentiment_column).';
    END IF;
    -- the timeline has a row per bucket between the first and the last
    -- message: refuse a bucket so small that it would have millions
    EXECUTE format('SELECT pg_catalog.max(t.%1$I::timestamptz) - pg_catalog.min(t.%1$I::timestamptz) FROM %2$s t',
                   time_column, messages) INTO span;
    IF EXTRACT(epoch FROM span) / EXTRACT(epoch FROM bucket) > 1000000 THEN
        RAISE EXCEPTION 'bucket % gives more than 1,000,000 buckets over the % between the first and the last message',
                        bucket, span
            USING ERRCODE = 'program_limit_exceeded', HINT = 'Use a longer bucket, or filter the messages with a view.';
    END IF;
    RETURN QUERY EXECUTE format($q$
        WITH m AS (
            SELECT pg_catalog.date_bin($1, t.%1$I::timestamptz, $3) AS b,
                   t.%2$I::text AS brand, t.%3$I::float8 AS reach, %4$s AS sentiment
              FROM %5$s t WHERE t.%1$I IS NOT NULL AND t.%2$I IS NOT NULL),
        per AS (
            SELECT m.b, m.brand, pg_catalog.count(*) AS volume, pg_catalog.sum(m.reach) AS reach,
                   clientele.net_sentiment(m.sentiment) AS net
              FROM m GROUP BY m.b, m.brand),
        grid AS (   -- every bucket of the range for every brand, so that silence counts
            SELECT g.b, br.brand
              FROM (SELECT pg_catalog.min(per.b) AS lo, pg_catalog.max(per.b) AS hi FROM per) r,
                   pg_catalog.generate_series(r.lo, r.hi, $1) g(b),
                   (SELECT DISTINCT per.brand FROM per) br),
        filled AS (
            SELECT grid.b, grid.brand, coalesce(per.volume, 0) AS volume, coalesce(per.reach, 0) AS reach, per.net
              FROM grid LEFT JOIN per USING (b, brand)),
        win AS (
            SELECT f.*,
                   f.volume::float8 / nullif(pg_catalog.sum(f.volume) OVER (PARTITION BY f.b), 0) AS sov,
                   pg_catalog.avg(f.net) OVER (PARTITION BY f.brand ORDER BY f.b
                        ROWS BETWEEN %6$s PRECEDING AND CURRENT ROW) AS net_ma,
                   clientele.robust_baseline(f.volume::float8) OVER (PARTITION BY f.brand ORDER BY f.b
                        ROWS BETWEEN %7$s PRECEDING AND 1 PRECEDING) AS base
              FROM filled f)
        SELECT w.b, w.brand, w.volume, w.reach, w.sov, w.net, w.net_ma, (w.base).median,
               clientele.robust_zscore(w.volume, w.base),
               clientele.anomaly_flag(clientele.robust_zscore(w.volume, w.base), $2)
          FROM win w ORDER BY w.b, w.brand
    $q$, time_column, brand_column, reach_column,
         CASE WHEN sentiment_column IS NOT NULL THEN format('t.%I::float8', sentiment_column)
              ELSE format('clientele.sentiment(t.%I::text)', text_column) END,
         messages, moving_average_buckets - 1, baseline_buckets)
    USING bucket, threshold, origin;
END;
$$;
COMMENT ON FUNCTION clientele.buzz_timeline(regclass, interval, integer, integer, float8, name, name, name, name, name, timestamptz) IS
'Per bucket and brand: volume, reach, share of voice, net sentiment and its moving average, the volume''s trailing median, robust z-score and anomaly flag';

-- Lead/lag correlation between two series over the same buckets.
CREATE TYPE clientele.lag_correlation AS (
    lag integer, correlation float8, ci_low float8, ci_high float8, n integer);

CREATE FUNCTION clientele.lag_correlations(buzz float8[], business float8[],
    min_lag integer DEFAULT 0, max_lag integer DEFAULT 30, confidence float8 DEFAULT 0.95)
RETURNS SETOF clientele.lag_correlation
AS 'MODULE_PATHNAME', 'clientele_lag_correlations'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 31;
COMMENT ON FUNCTION clientele.lag_correlations(float8[], float8[], integer, integer, float8) IS
'Pearson correlation of buzz[t] with business[t + lag] for each lag, with its Fisher-z confidence interval';

CREATE FUNCTION clientele.lead_lag(buzz float8[], business float8[],
    min_lag integer DEFAULT 0, max_lag integer DEFAULT 30, confidence float8 DEFAULT 0.95)
RETURNS clientele.lag_correlation
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT c FROM clientele.lag_correlations(buzz, business, min_lag, max_lag, confidence) c
     WHERE c.correlation IS NOT NULL
     ORDER BY pg_catalog.abs(c.correlation) DESC, pg_catalog.abs(c.lag), c.lag LIMIT 1
$$;
COMMENT ON FUNCTION clientele.lead_lag(float8[], float8[], integer, integer, float8) IS
'The lag with the strongest correlation (largest |r|, then the smallest |lag|), with its confidence interval';
