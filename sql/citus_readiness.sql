-- Citus readiness, from the catalogue: every aggregate of the extension is
-- checked, and run, the way Citus distributes a custom aggregate.
--
-- What Citus does (citus/src/backend/distributed/utils/aggregate_utils.c):
-- when an aggregate has a COMBINEFUNC and its STYPE is not a pseudo-type
-- (internal), each worker runs worker_partial_agg(): the aggregate's SFUNC
-- from its INITCOND over the shard's rows, no FINALFUNC, and the state
-- printed by the STYPE's output function; the coordinator runs
-- coord_combine_agg(): it starts from the INITCOND, reads each shard's text
-- with the STYPE's input function, folds it in with the COMBINEFUNC (a NULL
-- state is skipped when the COMBINEFUNC is strict), then applies the
-- FINALFUNC (extra arguments NULL when FINALFUNC_EXTRA).  An aggregate that
-- does not qualify is not distributed: Citus ships every row to the
-- coordinator instead (or refuses, with coordinator_aggregation_strategy
-- 'disabled').  Citus is not installable on the test machines, so this file
-- does the same thing with plain aggregates:
--   partial_<name>   same argument types, SFUNC, STYPE and INITCOND, no FINALFUNC
--   combine_<name>   SFUNC = the COMBINEFUNC over the STYPE, same INITCOND
--                    (suffix _<nargs> when the name is overloaded)
-- built for every aggregate whose STYPE is not internal, then for each:
--   states of three "shards" (the groups of the sample rows) and of an empty
--   shard, printed as text; each text read back must print the same; the
--   final function of the combined parsed states must equal the aggregate
--   over all the rows on one node.
-- The sample rows come from the demo generators; every aggregate of the
-- catalogue needs a row in citus_sample (listed as "no sample" otherwise).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;
-- the serial results are computed by one process
SET max_parallel_workers_per_gather = 0;
SET timezone = 'UTC';

-- the aggregates of schema clientele, and of citus_selftest (aggregates
-- built below to check the emulation itself)
CREATE TEMP VIEW ext_aggregates AS
SELECT n.nspname::text AS nsp, p.oid, p.oid::regprocedure AS aggregate, p.proname::text AS name, p.pronargs, p.proparallel,
       a.aggkind, a.aggnumdirectargs, a.aggtransfn, a.aggfinalfn, a.aggfinalextra, a.aggcombinefn,
       a.aggtranstype, a.agginitval, t.typtype, t.typinput, t.typoutput
  FROM pg_aggregate a
  JOIN pg_proc p ON p.oid = a.aggfnoid
  JOIN pg_type t ON t.oid = a.aggtranstype
  JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname IN ('clientele', 'citus_selftest');

-- 1. Declarations.  Aggregates Citus cannot distribute, or that parallel
-- workers cannot run, with the reasons (expect no rows once every state has
-- a type of its own; until then, the aggregates with internal states).
SELECT aggregate,
       concat_ws('; ',
           CASE WHEN aggcombinefn = 0 THEN 'no combine function' END,
           CASE WHEN proparallel <> 's' THEN 'not parallel safe' END,
           CASE WHEN typtype = 'p' THEN 'state type ' || aggtranstype::regtype::text || ' (pseudo-type: no text form)' END,
           CASE WHEN typtype <> 'p' AND (typinput = 0 OR typoutput = 0) THEN 'state type without input/output functions' END,
           CASE WHEN aggkind <> 'n' THEN 'ordered-set or hypothetical-set aggregate' END) AS problems
  FROM ext_aggregates
 WHERE nsp = 'clientele'
   AND (aggcombinefn = 0 OR proparallel <> 's' OR typtype = 'p' OR typinput = 0 OR typoutput = 0 OR aggkind <> 'n')
 ORDER BY aggregate::text;
-- the catalogue is read, not guessed: more than 30 aggregates, several state types
SELECT count(*) > 30 AS many_aggregates, count(DISTINCT aggtranstype) >= 3 AS state_types,
       count(*) FILTER (WHERE aggfinalextra OR aggnumdirectargs > 0) AS with_extra_or_direct_arguments
  FROM ext_aggregates WHERE nsp = 'clientele';

-- 2. Sample rows, from the demo generators.
--    demo messages and their sentiment scores
CREATE TEMP TABLE cr_messages AS
SELECT id, brand, lang, body, reach, clientele.sentiment(body) AS score
  FROM clientele.demo_messages(1500, 7);
--    demo customers, their purchases, lifetime-value summaries and 8
--    standardised features (the k-means features of docs/clustering.md)
CREATE TEMP TABLE cr_customers AS
SELECT c.customer_id, c.age_band, c.gender, c.city, c.lang, c.preferred_channel,
       c.optin_email, c.optin_sms,
       (count(*) - 1)::float8 AS x,
       extract(epoch FROM max(p.purchased_at) - min(p.purchased_at)) / 604800 AS t_x,
       extract(epoch FROM '2026-03-15 00:00+00' - min(p.purchased_at)) / 604800 AS t_cal,
       count(*)::float8 AS n, avg(p.amount)::float8 AS m,
       ARRAY[count(*) - 1, sum(p.amount), avg(p.amount),
             extract(epoch FROM '2026-03-15'::timestamptz - max(p.purchased_at)) / 86400,
             extract(epoch FROM '2026-03-15'::timestamptz - c.signup_at) / 86400,
             count(DISTINCT p.category),
             c.optin_email::int + c.optin_sms::int + c.optin_push::int + c.optin_post::int,
             left(c.age_band, 2)::int]::float8[] AS raw
  FROM clientele.demo_customers(600, 42) c
  JOIN clientele.demo_purchases(600, 42) p USING (customer_id)
 GROUP BY c.customer_id, c.age_band, c.gender, c.city, c.lang, c.preferred_channel, c.signup_at,
          c.optin_email, c.optin_sms, c.optin_push, c.optin_post;
ALTER TABLE cr_customers ADD COLUMN f float8[];
UPDATE cr_customers SET f = clientele.standardize(raw, s)
  FROM (SELECT clientele.feature_stats(raw) AS s FROM cr_customers) q;
--    the model one k-means pass starts from, the same on every shard
CREATE TEMP TABLE cr_model AS
SELECT clientele.kmeans_seed(clientele.kmeans_sample(f, 300, 1), 4, 1) AS model FROM cr_customers;
--    demo conversion paths over 8 channels
CREATE TEMP TABLE cr_paths AS SELECT * FROM clientele.demo_paths(800, 42, 8);
SELECT (SELECT count(*) FROM cr_messages) AS messages, (SELECT count(*) FROM cr_customers) AS customers,
       (SELECT count(*) FROM cr_paths) AS paths, (SELECT count(*) FILTER (WHERE converted) FROM cr_paths) AS converted;

-- One row per aggregate: a query whose columns are shard (0, 1, 2: the
-- shard a row lives on) and a1 .. an, the aggregate's arguments.
-- tolerance NULL: the combined result must equal the serial one exactly
-- (as text).  Otherwise every number of the two results must agree to that
-- relative tolerance, because the state holds floating-point sums of
-- non-integers and the three shards add their rows in another order than one
-- node does (addition of doubles is not associative; the last bits differ):
--   sentiment_summary  sum of the scores (the mean)
--   feature_stats      sums and sums of squares of the raw features
--   logit_step         X'WX and X'(y - mu) sums, then a Cholesky solve
--   kmeans_step        per-cluster sums of standardised features and distances
--   attribution_*      per-channel credited values (euros, fractions of a
--                      conversion: 1/n, time-decay and position weights)
--   bgnbd_fit,         maximum-likelihood fits: the log-likelihood is a sum
--   gammagamma_fit     over customers, and the optimiser's path (hence the last
--                      digits of the optimum) follows it; 1e-6
-- Counts and sets are exact: net_sentiment (counts of positive and negative
-- scores), robust_baseline (the median of all values), nb_train (counts),
-- audiences, portrait (counts per attribute value), kmeans and kmeans_sample
-- (documented bit-for-bit whatever the scan order).
CREATE TEMP TABLE citus_sample (aggregate text PRIMARY KEY, input text NOT NULL, tolerance float8);
INSERT INTO citus_sample VALUES
    ('clientele.sentiment_summary(float8)',
     'SELECT id % 3 AS shard, score AS a1 FROM cr_messages', 1e-12),
    ('clientele.net_sentiment(float8)',
     'SELECT id % 3 AS shard, score AS a1 FROM cr_messages', NULL),
    ('clientele.robust_baseline(float8)',
     'SELECT id % 3 AS shard, reach::float8 AS a1 FROM cr_messages', NULL),
    ('clientele.feature_stats(float8[])',
     'SELECT customer_id % 3 AS shard, raw AS a1 FROM cr_customers', 1e-12),
    ('clientele.kmeans_step(float8[], clientele.kmeans_model)',
     'SELECT customer_id % 3 AS shard, f AS a1, model AS a2 FROM cr_customers, cr_model', 1e-12),
    ('clientele.kmeans(float8[], integer)',
     'SELECT customer_id % 3 AS shard, f AS a1, 4 AS a2 FROM cr_customers', NULL),
    ('clientele.kmeans(float8[], integer, integer, float8, bigint)',
     'SELECT customer_id % 3 AS shard, f AS a1, 3 AS a2, 30 AS a3, 1e-6::float8 AS a4, 5::bigint AS a5 FROM cr_customers', NULL),
    ('clientele.kmeans_sample(float8[], integer, bigint)',
     'SELECT customer_id % 3 AS shard, f AS a1, 50 AS a2, 3::bigint AS a3 FROM cr_customers', NULL),
    ('clientele.bgnbd_fit(float8, float8, float8)',
     'SELECT customer_id % 3 AS shard, x AS a1, t_x AS a2, t_cal AS a3 FROM cr_customers', 1e-6),
    ('clientele.gammagamma_fit(float8, float8)',
     'SELECT customer_id % 3 AS shard, n AS a1, m AS a2 FROM cr_customers', 1e-6),
    ('clientele.portrait(boolean, jsonb)',
     $$SELECT customer_id % 3 AS shard, optin_email AS a1,
              jsonb_build_object('age_band', age_band, 'gender', gender, 'lang', lang, 'channel', preferred_channel) AS a2
         FROM cr_customers$$, NULL),
    ('clientele.audience_agg(bigint)',
     'SELECT customer_id % 3 AS shard, customer_id AS a1 FROM cr_customers WHERE optin_sms', NULL),
    -- one audience per city and shard, united
    ('clientele.audience_union_agg(clientele.audience)',
     'SELECT shard, clientele.audience(array_agg(customer_id)) AS a1
        FROM (SELECT customer_id % 3 AS shard, city, customer_id FROM cr_customers) c GROUP BY shard, city', NULL),
    ('clientele.nb_train(integer[], boolean, integer)',
     $$SELECT customer_id % 3 AS shard,
              ARRAY[left(age_band, 1)::int % 6, CASE gender WHEN 'F' THEN 0 ELSE 1 END, length(preferred_channel) % 6] AS a1,
              optin_email AS a2, 6 AS a3
         FROM cr_customers$$, NULL),
    ('clientele.logit_step(float8[], float8, float8[])',
     $$SELECT customer_id % 3 AS shard, ARRAY[1, f[1], f[2], f[4]] AS a1, optin_email::int::float8 AS a2,
              '{0.1,0.2,-0.1,0.05}'::float8[] AS a3
         FROM cr_customers$$, 1e-12),
    ('clientele.attribution_first_touch(text[], boolean, float8)',
     'SELECT customer % 3 AS shard, path AS a1, converted AS a2, value AS a3 FROM cr_paths', 1e-12),
    ('clientele.attribution_last_touch(text[], boolean, float8)',
     'SELECT customer % 3 AS shard, path AS a1, converted AS a2, value AS a3 FROM cr_paths', 1e-12),
    ('clientele.attribution_last_non_direct(text[], boolean, float8)',
     'SELECT customer % 3 AS shard, path AS a1, converted AS a2, value AS a3 FROM cr_paths', 1e-12),
    ('clientele.attribution_last_non_direct(text[], boolean, float8, text)',
     $$SELECT customer % 3 AS shard, path AS a1, converted AS a2, value AS a3, 'email' AS a4 FROM cr_paths$$, 1e-12),
    ('clientele.attribution_linear(text[], boolean, float8)',
     'SELECT customer % 3 AS shard, path AS a1, converted AS a2, value AS a3 FROM cr_paths', 1e-12),
    ('clientele.attribution_time_decay(text[], timestamptz[], timestamptz, boolean, float8)',
     'SELECT customer % 3 AS shard, path AS a1, touch_times AS a2, conversion_time AS a3, converted AS a4, value AS a5 FROM cr_paths', 1e-12),
    ('clientele.attribution_time_decay(text[], timestamptz[], timestamptz, boolean, float8, interval)',
     $$SELECT customer % 3 AS shard, path AS a1, touch_times AS a2, conversion_time AS a3, converted AS a4, value AS a5,
              interval '3 days' AS a6 FROM cr_paths$$, 1e-12),
    ('clientele.attribution_position_based(text[], boolean, float8)',
     'SELECT customer % 3 AS shard, path AS a1, converted AS a2, value AS a3 FROM cr_paths', 1e-12),
    ('clientele.attribution_position_based(text[], boolean, float8, float8, float8)',
     'SELECT customer % 3 AS shard, path AS a1, converted AS a2, value AS a3, 0.3::float8 AS a4, 0.5::float8 AS a5 FROM cr_paths', 1e-12),
    ('clientele.attribution_custom(text[], boolean, float8, text[], float8[])',
     $$SELECT customer % 3 AS shard, path AS a1, converted AS a2, value AS a3,
              '{email,paid_search,display}'::text[] AS a4, '{3,2,0.5}'::float8[] AS a5 FROM cr_paths$$, 1e-12),
    ('clientele.attribution_markov(text[], boolean, float8)',
     'SELECT customer % 3 AS shard, path AS a1, converted AS a2, value AS a3 FROM cr_paths', 1e-12),
    ('clientele.attribution_markov(text[], boolean, float8, integer)',
     'SELECT customer % 3 AS shard, path AS a1, converted AS a2, value AS a3, 2 AS a4 FROM cr_paths', 1e-12),
    ('clientele.attribution_shapley(text[], boolean, float8)',
     'SELECT customer % 3 AS shard, path AS a1, converted AS a2, value AS a3 FROM cr_paths', 1e-12),
    ('clientele.attribution_models(text[], timestamptz[], timestamptz, boolean, float8)',
     'SELECT customer % 3 AS shard, path AS a1, touch_times AS a2, conversion_time AS a3, converted AS a4, value AS a5 FROM cr_paths', 1e-12),
    ('clientele.attribution_models(text[], timestamptz[], timestamptz, boolean, float8, interval)',
     $$SELECT customer % 3 AS shard, path AS a1, touch_times AS a2, conversion_time AS a3, converted AS a4, value AS a5,
              interval '14 days' AS a6 FROM cr_paths$$, 1e-12),
    ('clientele.attribution_rule_models(text[], timestamptz[], timestamptz, boolean, float8)',
     'SELECT customer % 3 AS shard, path AS a1, touch_times AS a2, conversion_time AS a3, converted AS a4, value AS a5 FROM cr_paths', 1e-12),
    ('clientele.attribution_rule_models(text[], timestamptz[], timestamptz, boolean, float8, interval)',
     $$SELECT customer % 3 AS shard, path AS a1, touch_times AS a2, conversion_time AS a3, converted AS a4, value AS a5,
              interval '2 days' AS a6 FROM cr_paths$$, 1e-12);
-- sample rows whose aggregate does not exist (a renamed or re-signed
-- aggregate; expect no rows)
SELECT aggregate FROM citus_sample WHERE to_regprocedure(aggregate) IS NULL;

-- Two results are equal within a relative tolerance when they are the same
-- text once every number is replaced by #, and their numbers pairwise agree
-- to tol * max(|a|, |b|, 1).
CREATE FUNCTION pg_temp.numbers_agree(a text, b text, tol float8) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
SELECT a IS NOT DISTINCT FROM b
    OR (regexp_replace(a, '-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?', '#', 'g')
          = regexp_replace(b, '-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?', '#', 'g')
        AND (SELECT bool_and(abs(x.m[1]::float8 - y.m[1]::float8)
                             <= tol * greatest(abs(x.m[1]::float8), abs(y.m[1]::float8), 1))
               FROM regexp_matches(a, '(-?[0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?)', 'g') WITH ORDINALITY x(m, i)
               JOIN regexp_matches(b, '(-?[0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?)', 'g') WITH ORDINALITY y(m, i)
                 USING (i))) $$;
SELECT pg_temp.numbers_agree('{1,2.5,x}', '{1,2.5,x}', NULL) AS same_text,
       pg_temp.numbers_agree('(0.30000000000000004,7)', '(0.3,7)', 1e-12) AS within,
       pg_temp.numbers_agree('(0.3001,7)', '(0.3,7)', 1e-12) AS outside,
       pg_temp.numbers_agree('(0.3,7)', '(0.3,7,1)', 1e-12) AS other_shape,
       pg_temp.numbers_agree('(0.3,a)', '(0.3,b)', 1e-12) AS other_words;

-- Aggregates that check the emulation itself (section 5).
CREATE SCHEMA citus_selftest;
CREATE FUNCTION citus_selftest.mean_final(state float8[], value float8) RETURNS float8
LANGUAGE sql IMMUTABLE AS 'SELECT CASE WHEN value IS NULL THEN state[2] / nullif(state[1], 0) END';
CREATE AGGREGATE citus_selftest.mean_extra(float8) (SFUNC = float8_accum, STYPE = float8[], INITCOND = '{0,0,0}',
    FINALFUNC = citus_selftest.mean_final, FINALFUNC_EXTRA, COMBINEFUNC = float8_combine, PARALLEL = SAFE);
CREATE AGGREGATE citus_selftest.bad_combine(float8) (SFUNC = float8pl, STYPE = float8, COMBINEFUNC = float8larger,
    PARALLEL = SAFE);
INSERT INTO citus_sample VALUES
    ('citus_selftest.mean_extra(float8)', 'SELECT id % 3 AS shard, score AS a1 FROM cr_messages', 1e-12),
    ('citus_selftest.bad_combine(float8)', 'SELECT id % 3 AS shard, reach::float8 AS a1 FROM cr_messages', NULL);

-- 3. The emulation aggregates, generated from the catalogue for every
-- aggregate whose state has a text form.
CREATE SCHEMA citus_emulation;
CREATE TEMP TABLE emulated AS
SELECT e.*, 'partial_' || e.name AS partial_name,
       'combine_' || e.name || CASE WHEN count(*) OVER (PARTITION BY e.name, e.aggtranstype) > 1
                                    THEN '_' || e.pronargs ELSE '' END AS combine_name
  FROM ext_aggregates e
 WHERE e.typtype <> 'p' AND e.aggkind = 'n' AND e.aggcombinefn <> 0;
DO $$
DECLARE
    e record;
BEGIN
    FOR e IN SELECT * FROM emulated ORDER BY aggregate::text LOOP
        -- worker_partial_agg: the transition alone
        EXECUTE format('CREATE AGGREGATE citus_emulation.%I(%s) (SFUNC = %s, STYPE = %s%s)',
                       e.partial_name, pg_get_function_identity_arguments(e.oid), e.aggtransfn::regprocedure::regproc,
                       e.aggtranstype::regtype,
                       CASE WHEN e.agginitval IS NOT NULL THEN ', INITCOND = ' || quote_literal(e.agginitval) ELSE '' END);
        -- coord_combine_agg: the combine function folds the parsed states,
        -- from the same initial value
        IF to_regprocedure(format('citus_emulation.%I(%s)', e.combine_name, e.aggtranstype::regtype)) IS NULL THEN
            EXECUTE format('CREATE AGGREGATE citus_emulation.%I(%s) (SFUNC = %s, STYPE = %s%s)',
                           e.combine_name, e.aggtranstype::regtype, e.aggcombinefn::regprocedure::regproc,
                           e.aggtranstype::regtype,
                           CASE WHEN e.agginitval IS NOT NULL THEN ', INITCOND = ' || quote_literal(e.agginitval) ELSE '' END);
        END IF;
    END LOOP;
END $$;
-- each generated aggregate is what it should be (expect no rows): the
-- partial one has the original's transition, state, initial value and no
-- final function; the combine one has the combine function as transition
SELECT e.aggregate, p.oid::regprocedure AS partial_aggregate, c.oid::regprocedure AS combine_aggregate
  FROM emulated e
  LEFT JOIN (pg_proc p JOIN pg_aggregate pa ON pa.aggfnoid = p.oid)
         ON p.pronamespace = 'citus_emulation'::regnamespace AND p.proname = e.partial_name
        AND p.proargtypes = (SELECT proargtypes FROM pg_proc WHERE oid = e.oid)
        AND pa.aggtransfn = e.aggtransfn AND pa.aggtranstype = e.aggtranstype
        AND pa.agginitval IS NOT DISTINCT FROM e.agginitval AND pa.aggfinalfn = 0
  LEFT JOIN (pg_proc c JOIN pg_aggregate ca ON ca.aggfnoid = c.oid)
         ON c.pronamespace = 'citus_emulation'::regnamespace AND c.proname = e.combine_name
        AND c.proargtypes = ARRAY[e.aggtranstype]::oidvector
        AND ca.aggtransfn = e.aggcombinefn AND ca.aggtranstype = e.aggtranstype
        AND ca.agginitval IS NOT DISTINCT FROM e.agginitval AND ca.aggfinalfn = 0
 WHERE p.oid IS NULL OR c.oid IS NULL;
SELECT count(*) AS partial_aggregates FROM pg_proc WHERE pronamespace = 'citus_emulation'::regnamespace AND proname LIKE 'partial\_%';

-- 4. Run it.  For each aggregate of the catalogue: the states of the three
-- shards and of an empty shard, printed as text (Citus's worker), each
-- read back and printed again (must be the same text), then combined from
-- their texts in the order empty, 2, 0, 1 and finalised (Citus's
-- coordinator), against the aggregate over every row on one node.
-- exact_at_digits_0: the shards' state texts printed with
-- extra_float_digits = 0 still read back to the same states (false for
-- states whose text is float8 output: they are exact only at the default
-- extra_float_digits = 1 or above, which a Citus worker session has unless
-- someone lowers it).
CREATE FUNCTION pg_temp.emulate_citus(schema_name text)
RETURNS TABLE(aggregate regprocedure, state_type regtype, shards integer, round_trip boolean,
              exact_at_digits_0 boolean, result text)
LANGUAGE plpgsql AS $$
DECLARE
    e record;
    input text;
    tol float8;
    args text;
    extra text;
    shard_states text[];
    digits0_states text[];
    empty_state text;
    via_text text;
    serial text;
    code text;
    message text;
    s text;
    digits text := current_setting('extra_float_digits');
BEGIN
    FOR e IN
        SELECT x.*, m.partial_name, m.combine_name, m.oid IS NOT NULL AS emulable
          FROM ext_aggregates x LEFT JOIN emulated m ON m.oid = x.oid
         WHERE x.nsp = schema_name
         ORDER BY x.aggregate::text
    LOOP
        aggregate := e.aggregate;
        state_type := e.aggtranstype::regtype;
        shards := NULL; round_trip := NULL; exact_at_digits_0 := NULL;
        SELECT cs.input, cs.tolerance INTO input, tol FROM citus_sample cs WHERE to_regprocedure(cs.aggregate) = e.oid;
        IF NOT FOUND THEN
            result := 'no sample';
            RETURN NEXT;
            CONTINUE;
        END IF;
        SELECT string_agg('a' || i, ', ' ORDER BY i) INTO args FROM generate_series(1, e.pronargs) i;
        IF NOT e.emulable THEN
            -- the sample still runs, ready for the day the state gets a type
            BEGIN
                EXECUTE format('SELECT %s(%s)::text FROM (%s) q', e.oid::regproc, args, input) INTO serial;
                result := 'not distributable (see 1.)';
            EXCEPTION WHEN OTHERS THEN
                GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
                result := 'error ' || code || ': ' || message;
            END;
            RETURN NEXT;
            CONTINUE;
        END IF;
        -- FINALFUNC_EXTRA: Citus passes NULLs of the argument types
        SELECT string_agg(', NULL::' || t::regtype::text, '' ORDER BY o) INTO extra
          FROM pg_proc p, unnest(p.proargtypes) WITH ORDINALITY u(t, o)
         WHERE p.oid = e.oid AND e.aggfinalextra;
        BEGIN
            EXECUTE format('SELECT array_agg(s ORDER BY shard), count(*) FROM (SELECT shard, citus_emulation.%I(%s)::text AS s'
                           ' FROM (%s) q GROUP BY shard) g', e.partial_name, args, input)
               INTO shard_states, shards;
            EXECUTE format('SELECT citus_emulation.%I(%s)::text FROM (%s) q WHERE false', e.partial_name, args, input)
               INTO empty_state;
            round_trip := true;
            FOREACH s IN ARRAY shard_states || empty_state LOOP
                IF s IS NOT NULL THEN
                    EXECUTE format('SELECT %L::%s::text = %L', s, state_type, s) INTO STRICT message;
                    round_trip := round_trip AND message::boolean;
                END IF;
            END LOOP;
            PERFORM set_config('extra_float_digits', '0', true);
            EXECUTE format('SELECT array_agg(s ORDER BY shard) FROM (SELECT shard, citus_emulation.%I(%s)::text AS s'
                           ' FROM (%s) q GROUP BY shard) g', e.partial_name, args, input)
               INTO digits0_states;
            PERFORM set_config('extra_float_digits', digits, true);
            EXECUTE format('SELECT bool_and(d::%1$s::text IS NOT DISTINCT FROM s) FROM unnest(%2$L::text[], %3$L::text[]) u(d, s)',
                           state_type, digits0_states, shard_states)
               INTO exact_at_digits_0;
            EXECUTE format('SELECT (%s)::text FROM (SELECT citus_emulation.%I(s::%s ORDER BY o) AS st'
                           ' FROM unnest(%L::text[]) WITH ORDINALITY u(s, o)) c',
                           CASE WHEN e.aggfinalfn = 0 THEN 'st'
                                ELSE format('%s(st%s)', e.aggfinalfn::regprocedure::regproc, coalesce(extra, '')) END,
                           e.combine_name, state_type,
                           ARRAY[empty_state, shard_states[3], shard_states[1], shard_states[2]])
               INTO via_text;
            EXECUTE format('SELECT %s(%s)::text FROM (%s) q', e.oid::regproc, args, input) INTO serial;
            result := CASE WHEN via_text IS NOT DISTINCT FROM serial THEN 'equal'
                           WHEN tol IS NOT NULL AND pg_temp.numbers_agree(via_text, serial, tol) THEN 'equal within ' || tol
                           ELSE 'DIFFERENT: ' || left(coalesce(via_text, 'NULL'), 80) || ' <> ' || left(coalesce(serial, 'NULL'), 80) END;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
            PERFORM set_config('extra_float_digits', digits, true);
            result := 'error ' || code || ': ' || message;
        END;
        RETURN NEXT;
    END LOOP;
END $$;
CREATE TEMP TABLE citus_run AS SELECT * FROM pg_temp.emulate_citus('clientele');
SELECT * FROM citus_run ORDER BY aggregate::text;
-- in short: every aggregate with a text-form state distributes, none lacks a sample
SELECT count(*) FILTER (WHERE result LIKE 'equal%') AS distributed_equal,
       count(*) FILTER (WHERE result = 'not distributable (see 1.)') AS not_distributable,
       count(*) FILTER (WHERE result = 'no sample') AS no_sample,
       count(*) FILTER (WHERE result LIKE 'DIFFERENT%' OR result LIKE 'error%' OR NOT round_trip) AS failures
  FROM citus_run;


-- 5. The emulation itself: an aggregate with FINALFUNC_EXTRA (its final
-- function must get NULLs for the arguments, as from Citus) distributes and
-- equals the serial result; an aggregate whose combine function is wrong
-- (the larger of two partial sums instead of their sum) is caught.
SELECT aggregate, state_type, shards, round_trip, result
  FROM pg_temp.emulate_citus('citus_selftest') ORDER BY aggregate::text;

SET client_min_messages = warning;
DROP SCHEMA citus_emulation, citus_selftest CASCADE;
RESET client_min_messages;
DROP FUNCTION pg_temp.emulate_citus(text);
