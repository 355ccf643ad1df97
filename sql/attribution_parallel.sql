-- Attribution aggregates under parallel plans equal the serial result.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;
CREATE SCHEMA test_attribution_parallel;
SET search_path = test_attribution_parallel, public;
SET timezone = 'UTC';
-- 30,000 deterministic paths: 1 to 6 touches over 8 channels, a quarter converted.
CREATE TABLE ppaths AS
SELECT i, p.path,
       ARRAY(SELECT timestamptz '2026-03-15' - (cardinality(p.path) - j) * interval '1 day'
               FROM generate_series(1, cardinality(p.path)) j ORDER BY j) AS touch_times,
       timestamptz '2026-03-15' AS conversion_time,
       (hashint4(i * 7) & 3) = 0 AS converted, (abs(hashint4(i * 3)) % 100)::float8 AS value
  FROM generate_series(1, 30000) i,
       LATERAL (SELECT ARRAY(SELECT (ARRAY['direct', 'search', 'email', 'social', 'display', 'video', 'affiliate', 'sms'])
                                      [1 + (hashint4(i * 16 + j) & 7)]
                               FROM generate_series(1, 1 + abs(hashint4(i)) % 6) j ORDER BY j) AS path) p;
ANALYZE ppaths;

CREATE FUNCTION run_all() RETURNS TABLE(model text, channel text, conversions numeric, value numeric)
LANGUAGE sql AS $$
  SELECT m.model, m.channel, round(m.conversions::numeric, 9), round(m.value::numeric, 6)
    FROM (SELECT clientele.attribution_models(path, touch_times, conversion_time, converted, value) AS a,
                 clientele.attribution_markov(path, converted, value, 2) AS m2,
                 clientele.attribution_custom(path, converted, value, '{email,sms}', '{3,0.5}') AS cu,
                 clientele.attribution_last_non_direct(path, converted, value, 'email') AS lnd
            FROM ppaths) x,
         LATERAL (SELECT * FROM unnest(x.a)
                  UNION ALL SELECT 'markov2', * FROM unnest(x.m2)
                  UNION ALL SELECT 'custom', * FROM unnest(x.cu)
                  UNION ALL SELECT 'last_non_email', * FROM unnest(x.lnd)) m
$$;

SET max_parallel_workers_per_gather = 0;
CREATE TABLE serial AS SELECT * FROM run_all();

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT clientele.attribution_models(path, touch_times, conversion_time, converted, value) FROM ppaths;
EXPLAIN (COSTS OFF)
SELECT clientele.attribution_shapley(path, converted, value) FROM ppaths;
CREATE TABLE parallel AS SELECT * FROM run_all();

SELECT count(*) AS rows_compared,
       (SELECT count(*) FROM (SELECT * FROM serial EXCEPT SELECT * FROM parallel) d) AS serial_not_parallel,
       (SELECT count(*) FROM (SELECT * FROM parallel EXCEPT SELECT * FROM serial) d) AS parallel_not_serial
  FROM serial;
-- and by GROUP BY, a state per group
SELECT cardinality(path) AS touches, count(*) AS paths,
       (SELECT string_agg(c.channel || ' ' || round(c.share::numeric, 3), ', ' ORDER BY c.channel)
          FROM unnest(clientele.attribution_markov(path, converted, value)) c) AS markov_shares
  FROM ppaths WHERE cardinality(path) <= 2 GROUP BY 1 ORDER BY 1;
RESET ALL;
SET search_path = test_attribution_parallel, public;

-- The state type has an exact text form: partial states made apart, sent
-- as text and merged (what Citus does) give the credits of the whole.
CREATE AGGREGATE models_state(text[], timestamptz[], timestamptz, boolean, float8) (
    SFUNC = clientele.attribution_models_sfunc, STYPE = clientele.attribution_state,
    COMBINEFUNC = clientele.attribution_combine, PARALLEL = SAFE);
CREATE AGGREGATE merge_states(clientele.attribution_state) (
    SFUNC = clientele.attribution_combine, STYPE = clientele.attribution_state);
CREATE TABLE partials AS
SELECT i % 3 AS part, models_state(path, touch_times, conversion_time, converted, value)::text AS state
  FROM ppaths GROUP BY 1;
SELECT part, left(state, 8) AS text_form_starts, length(state) > 1000 AS long FROM partials ORDER BY part;
SELECT count(*) AS credits, count(*) FILTER (WHERE round(m.conversions::numeric, 9) = w.conversions
                                              AND round(m.value::numeric, 6) = w.value) AS equal
  FROM unnest((SELECT clientele.attribution_models_final(merge_states(state::clientele.attribution_state)) FROM partials)) m
  JOIN serial w USING (model, channel);
-- A state read back from its text form prints the same text; two states
-- merged by hand equal the state of their union.
SELECT (SELECT state FROM partials WHERE part = 0)::clientele.attribution_state::text = (SELECT state FROM partials WHERE part = 0) AS text_round_trip;
SELECT count(*) AS credits,
       count(*) FILTER (WHERE round(m.conversions::numeric, 9) = round(u.conversions::numeric, 9)
                          AND round(m.value::numeric, 6) = round(u.value::numeric, 6)) AS manual_merge_equal
  FROM unnest((SELECT clientele.attribution_models_final(clientele.attribution_combine(a.state::clientele.attribution_state,
                                                                                     b.state::clientele.attribution_state))
                 FROM partials a, partials b WHERE a.part = 0 AND b.part = 1)) m
  JOIN unnest((SELECT clientele.attribution_models_final(models_state(path, touch_times, conversion_time, converted, value))
                 FROM ppaths WHERE i % 3 IN (0, 1))) u USING (model, channel);
-- Merging with NULL keeps the state; damaged or mismatched states are errors.
SELECT 'abc'::clientele.attribution_state;
SELECT 'v1 models='::clientele.attribution_state;
SELECT 'v1 models=markov order=9'::clientele.attribution_state;
SELECT left(state, 60)::clientele.attribution_state FROM partials WHERE part = 0;
SELECT clientele.attribution_combine(
         (SELECT models_state(path, touch_times, conversion_time, converted, value) FROM ppaths WHERE i < 10), NULL)::text =
       (SELECT models_state(path, touch_times, conversion_time, converted, value) FROM ppaths WHERE i < 10)::text AS null_keeps_left;
CREATE AGGREGATE linear_state(text[], boolean, float8) (
    SFUNC = clientele.attribution_linear_sfunc, STYPE = clientele.attribution_state);
SELECT clientele.attribution_combine(
         (SELECT models_state(path, touch_times, conversion_time, converted, value) FROM ppaths WHERE i < 10),
         (SELECT linear_state(path, converted, value) FROM ppaths WHERE i < 10));

-- Above 20 channels Shapley values are sampled (1,024 orders): the credits
-- still sum to the conversions, and 24 symmetric channels (every path one
-- channel, the same conversion rate) each get 1/24 of them: rotation
-- sampling lets every channel join first equally often.
SELECT count(*) AS channels, round(sum(c.conversions)::numeric, 9) AS credited,
       round(min(c.conversions)::numeric, 9) AS min_credit,
       round(max(c.conversions)::numeric, 9) AS max_credit
  FROM unnest((SELECT clientele.attribution_shapley(ARRAY['ch' || (i % 24)], (i / 24) % 4 = 0, 1)
                 FROM generate_series(1, 9600) i)) c;
-- A less regular game over 22 channels: sampled values sum to the
-- conversions and are reproducible.
CREATE TABLE wide AS
SELECT ARRAY(SELECT 'ch' || (abs(hashint4(i * 8 + j)) % 22) FROM generate_series(1, 1 + i % 3) j) AS path,
       abs(hashint4(i)) % 3 = 0 AS converted
  FROM generate_series(1, 3000) i;
SELECT count(*) AS channels, round(sum(c.conversions)::numeric, 9) AS credited,
       (SELECT count(*) FROM wide WHERE converted) AS conversions
  FROM unnest((SELECT clientele.attribution_shapley(path, converted, 1) FROM wide)) c;
SELECT (SELECT clientele.attribution_shapley(path, converted, 1) FROM wide)::text =
       (SELECT clientele.attribution_shapley(path, converted, 1) FROM wide)::text AS reproducible;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_attribution_parallel CASCADE;
