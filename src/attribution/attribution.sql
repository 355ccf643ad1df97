-- Attribution: sessionised paths, rule-based and data-driven models, the
-- side-by-side report with ROI.

CREATE TYPE clientele.attribution_credit AS (
    channel text, conversions float8, value float8, share float8);
COMMENT ON TYPE clientele.attribution_credit IS
'One channel''s credit under one attribution model: conversions and value credited, share of the conversions';

CREATE TYPE clientele.attribution_model_credit AS (
    model text, channel text, conversions float8, value float8, share float8);
COMMENT ON TYPE clientele.attribution_model_credit IS
'One channel''s credit under one of the models of attribution_models()';

-- The shared state type: its text form (versioned, labelled fields, doubles
-- in their shortest exact decimal) and its binary form (network byte order)
-- are exact on any machine, so partial states can travel as text (Citus) or
-- in binary COPY, and be merged by hand.
CREATE TYPE clientele.attribution_state;
CREATE FUNCTION clientele.attribution_state_in(cstring) RETURNS clientele.attribution_state
AS 'MODULE_PATHNAME', 'clientele_attribution_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.attribution_state_out(clientele.attribution_state) RETURNS cstring
AS 'MODULE_PATHNAME', 'clientele_attribution_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.attribution_state_recv(internal) RETURNS clientele.attribution_state
AS 'MODULE_PATHNAME', 'clientele_attribution_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clientele.attribution_state_send(clientele.attribution_state) RETURNS bytea
AS 'MODULE_PATHNAME', 'clientele_attribution_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE clientele.attribution_state (
    INPUT = clientele.attribution_state_in, OUTPUT = clientele.attribution_state_out,
    RECEIVE = clientele.attribution_state_recv, SEND = clientele.attribution_state_send,
    INTERNALLENGTH = VARIABLE, STORAGE = extended);
COMMENT ON TYPE clientele.attribution_state IS
'State of the attribution aggregates (mergeable sums per channel, transition and channel-set counts); text form: "v1 models=..." (exact, see docs/attribution.md), binary form: network byte order';

CREATE FUNCTION clientele.attribution_combine(clientele.attribution_state, clientele.attribution_state)
RETURNS clientele.attribution_state
AS 'MODULE_PATHNAME', 'clientele_attr_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clientele.attribution_combine(clientele.attribution_state, clientele.attribution_state) IS
'Merge two attribution states of the same model and parameters';
CREATE FUNCTION clientele.attribution_final(clientele.attribution_state) RETURNS clientele.attribution_credit[]
AS 'MODULE_PATHNAME', 'clientele_attr_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clientele.attribution_final(clientele.attribution_state) IS
'The credits of a one-model attribution state';
CREATE FUNCTION clientele.attribution_models_final(clientele.attribution_state) RETURNS clientele.attribution_model_credit[]
AS 'MODULE_PATHNAME', 'clientele_attr_models_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clientele.attribution_models_final(clientele.attribution_state) IS
'The credits of an all-models attribution state, model by model';

-- Transition functions (not strict: NULL rows are skipped inside).
CREATE FUNCTION clientele.attribution_first_touch_sfunc(clientele.attribution_state, text[], boolean, float8) RETURNS clientele.attribution_state
AS 'MODULE_PATHNAME', 'clientele_attr_first_touch_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.attribution_last_touch_sfunc(clientele.attribution_state, text[], boolean, float8) RETURNS clientele.attribution_state
AS 'MODULE_PATHNAME', 'clientele_attr_last_touch_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.attribution_last_non_direct_sfunc(clientele.attribution_state, text[], boolean, float8) RETURNS clientele.attribution_state
AS 'MODULE_PATHNAME', 'clientele_attr_last_non_direct_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.attribution_last_non_direct_sfunc(clientele.attribution_state, text[], boolean, float8, text) RETURNS clientele.attribution_state
AS 'MODULE_PATHNAME', 'clientele_attr_last_non_direct_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.attribution_linear_sfunc(clientele.attribution_state, text[], boolean, float8) RETURNS clientele.attribution_state
AS 'MODULE_PATHNAME', 'clientele_attr_linear_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.attribution_time_decay_sfunc(clientele.attribution_state, text[], timestamptz[], timestamptz, boolean, float8) RETURNS clientele.attribution_state
AS 'MODULE_PATHNAME', 'clientele_attr_time_decay_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.attribution_time_decay_sfunc(clientele.attribution_state, text[], timestamptz[], timestamptz, boolean, float8, interval) RETURNS clientele.attribution_state
AS 'MODULE_PATHNAME', 'clientele_attr_time_decay_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.attribution_position_based_sfunc(clientele.attribution_state, text[], boolean, float8) RETURNS clientele.attribution_state
AS 'MODULE_PATHNAME', 'clientele_attr_position_based_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.attribution_position_based_sfunc(clientele.attribution_state, text[], boolean, float8, float8, float8) RETURNS clientele.attribution_state
AS 'MODULE_PATHNAME', 'clientele_attr_position_based_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.attribution_custom_sfunc(clientele.attribution_state, text[], boolean, float8, text[], float8[]) RETURNS clientele.attribution_state
AS 'MODULE_PATHNAME', 'clientele_attr_custom_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.attribution_markov_sfunc(clientele.attribution_state, text[], boolean, float8) RETURNS clientele.attribution_state
AS 'MODULE_PATHNAME', 'clientele_attr_markov_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.attribution_markov_sfunc(clientele.attribution_state, text[], boolean, float8, integer) RETURNS clientele.attribution_state
AS 'MODULE_PATHNAME', 'clientele_attr_markov_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.attribution_shapley_sfunc(clientele.attribution_state, text[], boolean, float8) RETURNS clientele.attribution_state
AS 'MODULE_PATHNAME', 'clientele_attr_shapley_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.attribution_models_sfunc(clientele.attribution_state, text[], timestamptz[], timestamptz, boolean, float8) RETURNS clientele.attribution_state
AS 'MODULE_PATHNAME', 'clientele_attr_models_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.attribution_models_sfunc(clientele.attribution_state, text[], timestamptz[], timestamptz, boolean, float8, interval) RETURNS clientele.attribution_state
AS 'MODULE_PATHNAME', 'clientele_attr_models_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE clientele.attribution_first_touch(path text[], converted boolean, value float8) (
    SFUNC = clientele.attribution_first_touch_sfunc, STYPE = clientele.attribution_state,
    FINALFUNC = clientele.attribution_final, COMBINEFUNC = clientele.attribution_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE clientele.attribution_first_touch(text[], boolean, float8) IS
'First-touch attribution: each converted path credits its first channel';

CREATE AGGREGATE clientele.attribution_last_touch(path text[], converted boolean, value float8) (
    SFUNC = clientele.attribution_last_touch_sfunc, STYPE = clientele.attribution_state,
    FINALFUNC = clientele.attribution_final, COMBINEFUNC = clientele.attribution_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE clientele.attribution_last_touch(text[], boolean, float8) IS
'Last-touch attribution: each converted path credits its last channel';

CREATE AGGREGATE clientele.attribution_last_non_direct(path text[], converted boolean, value float8) (
    SFUNC = clientele.attribution_last_non_direct_sfunc, STYPE = clientele.attribution_state,
    FINALFUNC = clientele.attribution_final, COMBINEFUNC = clientele.attribution_combine,
    PARALLEL = SAFE);
CREATE AGGREGATE clientele.attribution_last_non_direct(path text[], converted boolean, value float8, direct_channel text) (
    SFUNC = clientele.attribution_last_non_direct_sfunc, STYPE = clientele.attribution_state,
    FINALFUNC = clientele.attribution_final, COMBINEFUNC = clientele.attribution_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE clientele.attribution_last_non_direct(text[], boolean, float8, text) IS
'Last non-direct attribution: the last channel other than the direct one (default ''direct'')';

CREATE AGGREGATE clientele.attribution_linear(path text[], converted boolean, value float8) (
    SFUNC = clientele.attribution_linear_sfunc, STYPE = clientele.attribution_state,
    FINALFUNC = clientele.attribution_final, COMBINEFUNC = clientele.attribution_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE clientele.attribution_linear(text[], boolean, float8) IS
'Linear attribution: each touch of a converted path gets 1/n';

CREATE AGGREGATE clientele.attribution_time_decay(path text[], touch_times timestamptz[],
    conversion_time timestamptz, converted boolean, value float8) (
    SFUNC = clientele.attribution_time_decay_sfunc, STYPE = clientele.attribution_state,
    FINALFUNC = clientele.attribution_final, COMBINEFUNC = clientele.attribution_combine,
    PARALLEL = SAFE);
CREATE AGGREGATE clientele.attribution_time_decay(path text[], touch_times timestamptz[],
    conversion_time timestamptz, converted boolean, value float8, half_life interval) (
    SFUNC = clientele.attribution_time_decay_sfunc, STYPE = clientele.attribution_state,
    FINALFUNC = clientele.attribution_final, COMBINEFUNC = clientele.attribution_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE clientele.attribution_time_decay(text[], timestamptz[], timestamptz, boolean, float8, interval) IS
'Time-decay attribution: touch weights 2^(-age/half_life) (default half-life 7 days), normalised per path';

CREATE AGGREGATE clientele.attribution_position_based(path text[], converted boolean, value float8) (
    SFUNC = clientele.attribution_position_based_sfunc, STYPE = clientele.attribution_state,
    FINALFUNC = clientele.attribution_final, COMBINEFUNC = clientele.attribution_combine,
    PARALLEL = SAFE);
CREATE AGGREGATE clientele.attribution_position_based(path text[], converted boolean, value float8,
    first_share float8, last_share float8) (
    SFUNC = clientele.attribution_position_based_sfunc, STYPE = clientele.attribution_state,
    FINALFUNC = clientele.attribution_final, COMBINEFUNC = clientele.attribution_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE clientele.attribution_position_based(text[], boolean, float8, float8, float8) IS
'Position-based (U-shaped) attribution: 40% first, 40% last, 20% spread over the middle by default';

CREATE AGGREGATE clientele.attribution_custom(path text[], converted boolean, value float8,
    channels text[], weights float8[]) (
    SFUNC = clientele.attribution_custom_sfunc, STYPE = clientele.attribution_state,
    FINALFUNC = clientele.attribution_final, COMBINEFUNC = clientele.attribution_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE clientele.attribution_custom(text[], boolean, float8, text[], float8[]) IS
'Custom-weight attribution: each touch weighs its channel''s weight (1 when not listed), normalised per path';

CREATE AGGREGATE clientele.attribution_markov(path text[], converted boolean, value float8) (
    SFUNC = clientele.attribution_markov_sfunc, STYPE = clientele.attribution_state,
    FINALFUNC = clientele.attribution_final, COMBINEFUNC = clientele.attribution_combine,
    PARALLEL = SAFE);
CREATE AGGREGATE clientele.attribution_markov(path text[], converted boolean, value float8, markov_order integer) (
    SFUNC = clientele.attribution_markov_sfunc, STYPE = clientele.attribution_state,
    FINALFUNC = clientele.attribution_final, COMBINEFUNC = clientele.attribution_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE clientele.attribution_markov(text[], boolean, float8, integer) IS
'Markov-chain attribution: channels credited in proportion to their removal effect (order 1 to 4)';

CREATE AGGREGATE clientele.attribution_shapley(path text[], converted boolean, value float8) (
    SFUNC = clientele.attribution_shapley_sfunc, STYPE = clientele.attribution_state,
    FINALFUNC = clientele.attribution_final, COMBINEFUNC = clientele.attribution_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE clientele.attribution_shapley(text[], boolean, float8) IS
'Shapley-value attribution of the conversion-rate game over channel sets (exact up to 20 channels, sampled above)';

CREATE AGGREGATE clientele.attribution_models(path text[], touch_times timestamptz[],
    conversion_time timestamptz, converted boolean, value float8) (
    SFUNC = clientele.attribution_models_sfunc, STYPE = clientele.attribution_state,
    FINALFUNC = clientele.attribution_models_final, COMBINEFUNC = clientele.attribution_combine,
    PARALLEL = SAFE);
CREATE AGGREGATE clientele.attribution_models(path text[], touch_times timestamptz[],
    conversion_time timestamptz, converted boolean, value float8, half_life interval) (
    SFUNC = clientele.attribution_models_sfunc, STYPE = clientele.attribution_state,
    FINALFUNC = clientele.attribution_models_final, COMBINEFUNC = clientele.attribution_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE clientele.attribution_models(text[], timestamptz[], timestamptz, boolean, float8, interval) IS
'Every model at once (first touch, last touch, last non-direct, linear, time decay, position based, Markov order 1, Shapley) in one pass';

CREATE FUNCTION clientele.attribution_rule_models_sfunc(clientele.attribution_state, text[], timestamptz[], timestamptz, boolean, float8) RETURNS clientele.attribution_state
AS 'MODULE_PATHNAME', 'clientele_attr_rule_models_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clientele.attribution_rule_models_sfunc(clientele.attribution_state, text[], timestamptz[], timestamptz, boolean, float8, interval) RETURNS clientele.attribution_state
AS 'MODULE_PATHNAME', 'clientele_attr_rule_models_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE clientele.attribution_rule_models(path text[], touch_times timestamptz[],
    conversion_time timestamptz, converted boolean, value float8) (
    SFUNC = clientele.attribution_rule_models_sfunc, STYPE = clientele.attribution_state,
    FINALFUNC = clientele.attribution_models_final, COMBINEFUNC = clientele.attribution_combine,
    PARALLEL = SAFE);
CREATE AGGREGATE clientele.attribution_rule_models(path text[], touch_times timestamptz[],
    conversion_time timestamptz, converted boolean, value float8, half_life interval) (
    SFUNC = clientele.attribution_rule_models_sfunc, STYPE = clientele.attribution_state,
    FINALFUNC = clientele.attribution_models_final, COMBINEFUNC = clientele.attribution_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE clientele.attribution_rule_models(text[], timestamptz[], timestamptz, boolean, float8, interval) IS
'The six rule-based models at once (first touch, last touch, last non-direct, linear, time decay, position based) in one pass';

-- Sessionised paths from a touchpoint table and a conversion table (PARALLEL
-- RESTRICTED, like the report functions: the tables named may be temporary).
CREATE FUNCTION clientele.attribution_paths(touch_table regclass, conversion_table regclass,
    lookback interval DEFAULT '30 days', session_gap interval DEFAULT '7 days')
RETURNS TABLE(customer text, path text[], touch_times timestamptz[],
    conversion_time timestamptz, converted boolean, value float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    missing text;
BEGIN
    IF lookback IS NULL OR lookback <= interval '0' OR session_gap IS NULL OR session_gap <= interval '0' THEN
        RAISE EXCEPTION 'lookback and session_gap must be positive intervals'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'For example lookback => ''30 days'', session_gap => ''7 days''.';
    END IF;
    IF touch_table IS NULL OR conversion_table IS NULL THEN
        RAISE EXCEPTION 'touch_table and conversion_table must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT string_agg(need.tab::text || '.' || need.col, ', ') INTO missing
      FROM (VALUES (touch_table, 'customer'), (touch_table, 'channel'), (touch_table, 'ts'),
                   (conversion_table, 'customer'), (conversion_table, 'ts'), (conversion_table, 'value')) need(tab, col)
     WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid = need.tab AND a.attname = need.col AND a.attnum > 0 AND NOT a.attisdropped);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'missing columns for attribution paths: %', missing
            USING ERRCODE = 'undefined_column',
                  HINT = 'Touchpoints need (customer, channel, ts) and optionally cost; conversions need (customer, ts, value). Use a view to rename columns.';
    END IF;
    RETURN QUERY EXECUTE format($q$
        WITH ev AS (
            SELECT t.customer, t.ts::timestamptz AS ts, t.channel::text AS channel,
                   NULL::float8 AS value, false AS is_conv
              FROM %1$s t WHERE t.customer IS NOT NULL AND t.ts IS NOT NULL AND t.channel IS NOT NULL
            UNION ALL
            SELECT c.customer, c.ts::timestamptz, NULL, coalesce(c.value::float8, 0), true
              FROM %2$s c WHERE c.customer IS NOT NULL AND c.ts IS NOT NULL),
        marked AS (
            SELECT ev.*,
                   CASE WHEN pg_catalog.lag(ev.is_conv) OVER w THEN 1
                        WHEN NOT ev.is_conv AND ev.ts - pg_catalog.max(ev.ts) FILTER (WHERE NOT ev.is_conv)
                             OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) > $2 THEN 1
                        ELSE 0 END AS brk
              FROM ev
            WINDOW w AS (PARTITION BY ev.customer ORDER BY ev.ts, ev.is_conv, ev.channel)),
        segmented AS (
            SELECT m.*, pg_catalog.sum(m.brk) OVER (PARTITION BY m.customer
                        ORDER BY m.ts, m.is_conv, m.channel ROWS UNBOUNDED PRECEDING) AS seg
              FROM marked m),
        with_conv AS (
            SELECT s.*, pg_catalog.max(s.ts) FILTER (WHERE s.is_conv) OVER (PARTITION BY s.customer, s.seg) AS conv_ts,
                        pg_catalog.max(s.value) FILTER (WHERE s.is_conv) OVER (PARTITION BY s.customer, s.seg) AS conv_value
              FROM segmented s)
        SELECT x.customer::text,
               pg_catalog.array_agg(x.channel ORDER BY x.ts, x.channel),
               pg_catalog.array_agg(x.ts ORDER BY x.ts, x.channel),
               x.conv_ts, x.conv_ts IS NOT NULL, x.conv_value
          FROM with_conv x
         WHERE NOT x.is_conv AND (x.conv_ts IS NULL OR x.ts >= x.conv_ts - $1)
         GROUP BY x.customer, x.seg, x.conv_ts, x.conv_value
    $q$, touch_table, conversion_table) USING lookback, session_gap;
END;
$$;
COMMENT ON FUNCTION clientele.attribution_paths(regclass, regclass, interval, interval) IS
'Paths of touches (customer, channel, ts) ending at a conversion (customer, ts, value) within the lookback window, or unconverted when the customer goes quiet for longer than session_gap';

-- Every model side by side, with cost and ROI per channel when the
-- touchpoints carry a cost column.
CREATE FUNCTION clientele.attribution_report(touch_table regclass, conversion_table regclass,
    lookback interval DEFAULT '30 days', session_gap interval DEFAULT '7 days',
    half_life interval DEFAULT '7 days')
RETURNS TABLE(model text, channel text, conversions float8, value float8, share float8,
    cost float8, roi float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    has_cost boolean;
BEGIN
    SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = touch_table AND a.attname = 'cost'
                      AND a.attnum > 0 AND NOT a.attisdropped) INTO has_cost;
    RETURN QUERY EXECUTE format($q$
        WITH credit AS (
            SELECT (pg_catalog.unnest(clientele.attribution_models(p.path, p.touch_times,
                        p.conversion_time, p.converted, p.value, $3))).*
              FROM clientele.attribution_paths($1, $2, $4, $5) p),
        spend AS (%s)
        SELECT c.model, c.channel, c.conversions, c.value, c.share, s.cost,
               CASE WHEN s.cost > 0 THEN (c.value - s.cost) / s.cost END
          FROM credit c LEFT JOIN spend s ON s.channel = c.channel
         ORDER BY pg_catalog.array_position(ARRAY['first_touch', 'last_touch', 'last_non_direct',
                  'linear', 'time_decay', 'position_based', 'markov', 'shapley'], c.model), c.channel
    $q$, CASE WHEN has_cost
              THEN format('SELECT t.channel::text AS channel, pg_catalog.sum(t.cost)::float8 AS cost FROM %s t GROUP BY 1', touch_table)
              ELSE 'SELECT NULL::text AS channel, NULL::float8 AS cost WHERE false' END)
    USING touch_table, conversion_table, half_life, lookback, session_gap;
END;
$$;
COMMENT ON FUNCTION clientele.attribution_report(regclass, regclass, interval, interval, interval) IS
'Every attribution model per channel (long form for BI charts), with cost and ROI = (value - cost) / cost when touchpoints have a cost column';

CREATE FUNCTION clientele.attribution_compare(touch_table regclass, conversion_table regclass,
    lookback interval DEFAULT '30 days', session_gap interval DEFAULT '7 days',
    half_life interval DEFAULT '7 days')
RETURNS TABLE(channel text, cost float8, first_touch float8, last_touch float8,
    last_non_direct float8, linear float8, time_decay float8, position_based float8,
    markov float8, shapley float8)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT r.channel, pg_catalog.max(r.cost),
           pg_catalog.max(r.conversions) FILTER (WHERE r.model = 'first_touch'),
           pg_catalog.max(r.conversions) FILTER (WHERE r.model = 'last_touch'),
           pg_catalog.max(r.conversions) FILTER (WHERE r.model = 'last_non_direct'),
           pg_catalog.max(r.conversions) FILTER (WHERE r.model = 'linear'),
           pg_catalog.max(r.conversions) FILTER (WHERE r.model = 'time_decay'),
           pg_catalog.max(r.conversions) FILTER (WHERE r.model = 'position_based'),
           pg_catalog.max(r.conversions) FILTER (WHERE r.model = 'markov'),
           pg_catalog.max(r.conversions) FILTER (WHERE r.model = 'shapley')
      FROM clientele.attribution_report(touch_table, conversion_table, lookback, session_gap, half_life) r
     GROUP BY r.channel ORDER BY r.channel
$$;
COMMENT ON FUNCTION clientele.attribution_compare(regclass, regclass, interval, interval, interval) IS
'Conversions credited to each channel by every model, one column per model (wide form)';
