-- Near-duplicates: SimHash fingerprints, Hamming distance, bands.

CREATE FUNCTION clientele.simhash(message text)
RETURNS bigint
AS 'MODULE_PATHNAME', 'clientele_simhash'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.simhash(text) IS
'64-bit SimHash of the message over shingles of three normalised words (case, accents, punctuation ignored)';

CREATE FUNCTION clientele.hamming(a bigint, b bigint)
RETURNS integer
AS 'MODULE_PATHNAME', 'clientele_hamming'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.hamming(bigint, bigint) IS
'Number of bits in which two fingerprints differ (0..64)';

CREATE FUNCTION clientele.simhash_bands(fingerprint bigint, max_distance integer DEFAULT 3)
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'clientele_simhash_bands'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.simhash_bands(bigint, integer) IS
'The fingerprint cut into max_distance + 1 bands, each as band << 56 | bits: fingerprints within max_distance bits share at least one band';

CREATE FUNCTION clientele.significance(hits integer, hashtag_hits integer DEFAULT 0,
    sentiment float8 DEFAULT 0, reach bigint DEFAULT 0, engagement bigint DEFAULT 0,
    duplicate boolean DEFAULT false,
    w_match float8 DEFAULT 0.35, w_sentiment float8 DEFAULT 0.25, w_reach float8 DEFAULT 0.20,
    w_engagement float8 DEFAULT 0.10, w_novelty float8 DEFAULT 0.10, hashtag_bonus float8 DEFAULT 1.0)
RETURNS float8
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    total float8 := coalesce(w_match, 0) + coalesce(w_sentiment, 0) + coalesce(w_reach, 0)
                  + coalesce(w_engagement, 0) + coalesce(w_novelty, 0);
    m float8; s float8; r float8; e float8; n float8;
BEGIN
    IF least(w_match, w_sentiment, w_reach, w_engagement, w_novelty, hashtag_bonus) < 0 OR total <= 0 THEN
        RAISE EXCEPTION 'invalid significance weights'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Weights and hashtag_bonus must be zero or more, and the weights must not all be zero.';
    END IF;
    m := 1 - exp(-(greatest(coalesce(hits, 0), 0) + coalesce(hashtag_bonus, 0) * greatest(coalesce(hashtag_hits, 0), 0)) / 2.0);
    s := least(abs(coalesce(sentiment, 0)), 1);
    r := least(ln(1 + greatest(coalesce(reach, 0), 0)) / ln(1000001), 1);
    e := least(ln(1 + greatest(coalesce(engagement, 0), 0)) / ln(10001), 1);
    n := CASE WHEN coalesce(duplicate, false) THEN 0 ELSE 1 END;
    RETURN (coalesce(w_match, 0) * m + coalesce(w_sentiment, 0) * s + coalesce(w_reach, 0) * r
            + coalesce(w_engagement, 0) * e + coalesce(w_novelty, 0) * n) / total;
END;
$$;
COMMENT ON FUNCTION clientele.significance(integer, integer, float8, bigint, bigint, boolean, float8, float8, float8, float8, float8, float8) IS
'Significance in [0, 1]: weighted mean of match strength 1-exp(-(hits + hashtag_bonus*hashtag_hits)/2), |sentiment|, log reach (1 at 1,000,000), log engagement (1 at 10,000) and novelty (0 for a near-duplicate)';
