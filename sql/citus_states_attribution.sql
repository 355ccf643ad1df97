-- attribution_state's text and binary forms: exact round trips for every
-- kind of state, strict input, and the way Citus runs the aggregates
-- (partial states on the shards, shipped as text, combined, finalised).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;
CREATE SCHEMA test_citus_attribution;
SET search_path = test_citus_attribution, public;
SET timezone = 'UTC';
SET extra_float_digits = 0;

-- Two paths: {email, search} converted with value 10, {search} not.  Linear
-- credit: 1/2 conversion and 5 of value to each channel of the first path.
CREATE AGGREGATE linear_state(text[], boolean, float8) (
    SFUNC = clientele.attribution_linear_sfunc, STYPE = clientele.attribution_state);
SELECT linear_state(p, c, v) AS linear_text
  FROM (VALUES ('{email,search}'::text[], true, 10::float8), ('{search}', false, 0)) s(p, c, v);
-- Markov order 2 over the same paths: from start to email and to search,
-- email to search, the state (email, search) to conversion, search to null.
CREATE AGGREGATE markov_state(text[], boolean, float8, integer) (
    SFUNC = clientele.attribution_markov_sfunc, STYPE = clientele.attribution_state);
SELECT markov_state(p, c, v, 2) AS markov_text
  FROM (VALUES ('{email,search}'::text[], true, 10::float8), ('{search}', false, 0)) s(p, c, v);
-- Shapley: the sets {email, search} (1 path, converted, 10) and {search}.
CREATE AGGREGATE shapley_state(text[], boolean, float8) (
    SFUNC = clientele.attribution_shapley_sfunc, STYPE = clientele.attribution_state);
SELECT shapley_state(p, c, v) AS shapley_text
  FROM (VALUES ('{email,search}'::text[], true, 10::float8), ('{search}', false, 0)) s(p, c, v);
-- Parameters travel with the state: custom weights, the direct channel,
-- names that need quoting.
CREATE AGGREGATE custom_state(text[], boolean, float8, text[], float8[]) (
    SFUNC = clientele.attribution_custom_sfunc, STYPE = clientele.attribution_state);
SELECT custom_state(p, true, 3, '{"e\"mail",back\\slash}', '{2,0.1}') AS custom_text
  FROM (VALUES ('{"e\"mail","back\\slash"}'::text[])) s(p);
CREATE AGGREGATE lnd_state(text[], boolean, float8, text) (
    SFUNC = clientele.attribution_last_non_direct_sfunc, STYPE = clientele.attribution_state);
SELECT lnd_state('{search,direct}', true, 1, 'direct') AS last_non_direct_text;

-- 3,000 deterministic paths: 1 to 5 touches over 7 channels (one with a
-- space, one with a quote), a third converted, values with many digits.
CREATE TABLE cpaths AS
SELECT i, p.path,
       ARRAY(SELECT timestamptz '2026-03-15' - (cardinality(p.path) - j) * interval '19 hours'
               FROM generate_series(1, cardinality(p.path)) j ORDER BY j) AS touch_times,
       timestamptz '2026-03-15' AS conversion_time,
       abs(hashint4(i * 5)) % 3 = 0 AS converted, abs(hashint4(i * 11)) / 1e7::float8 / 3 AS value
  FROM generate_series(1, 3000) i,
       LATERAL (SELECT ARRAY(SELECT (ARRAY['direct', 'search', 'e-mail', 'paid social', 'video', 'it''s "tv"', 'sms'])
                                      [1 + abs(hashint4(i * 16 + j)) % 7]
                               FROM generate_series(1, 1 + abs(hashint4(i)) % 5) j ORDER BY j) AS path) p;

-- One state of every kind the aggregates make, over all the paths.
CREATE AGGREGATE models_state(text[], timestamptz[], timestamptz, boolean, float8) (
    SFUNC = clientele.attribution_models_sfunc, STYPE = clientele.attribution_state);
CREATE AGGREGATE rule_models_state(text[], timestamptz[], timestamptz, boolean, float8, interval) (
    SFUNC = clientele.attribution_rule_models_sfunc, STYPE = clientele.attribution_state);
CREATE AGGREGATE first_state(text[], boolean, float8) (
    SFUNC = clientele.attribution_first_touch_sfunc, STYPE = clientele.attribution_state);
CREATE AGGREGATE last_state(text[], boolean, float8) (
    SFUNC = clientele.attribution_last_touch_sfunc, STYPE = clientele.attribution_state);
CREATE AGGREGATE decay_state(text[], timestamptz[], timestamptz, boolean, float8, interval) (
    SFUNC = clientele.attribution_time_decay_sfunc, STYPE = clientele.attribution_state);
CREATE AGGREGATE position_state(text[], boolean, float8, float8, float8) (
    SFUNC = clientele.attribution_position_based_sfunc, STYPE = clientele.attribution_state);
CREATE TABLE states AS
SELECT 'models' AS kind, models_state(path, touch_times, conversion_time, converted, value) AS s FROM cpaths
UNION ALL SELECT 'rule_models', rule_models_state(path, touch_times, conversion_time, converted, value, '3 days') FROM cpaths
UNION ALL SELECT 'first_touch', first_state(path, converted, value) FROM cpaths
UNION ALL SELECT 'last_touch', last_state(path, converted, value) FROM cpaths
UNION ALL SELECT 'last_non_direct', lnd_state(path, converted, value, 'direct') FROM cpaths
UNION ALL SELECT 'linear', linear_state(path, converted, value) FROM cpaths
UNION ALL SELECT 'time_decay', decay_state(path, touch_times, conversion_time, converted, value, '1 day 3 hours') FROM cpaths
UNION ALL SELECT 'position_based', position_state(path, converted, value, 0.3, 0.5) FROM cpaths
UNION ALL SELECT 'custom', custom_state(path, converted, value, '{sms,e-mail}', '{0.25,3}') FROM cpaths
UNION ALL SELECT 'markov', markov_state(path, converted, value, 1) FROM cpaths
UNION ALL SELECT 'markov4', markov_state(path, converted, value, 4) FROM cpaths
UNION ALL SELECT 'shapley', shapley_state(path, converted, value) FROM cpaths;

-- Text round trip: the text reads back to a state that prints the same
-- text and sends the same bytes; credits unchanged to the last bit.
SELECT kind,
       s::text::clientele.attribution_state::text = s::text AS text_round_trip,
       clientele.attribution_state_send(s::text::clientele.attribution_state) =
         clientele.attribution_state_send(s) AS same_binary,
       CASE WHEN kind IN ('models', 'rule_models')
            THEN clientele.attribution_models_final(s::text::clientele.attribution_state)::text =
                 clientele.attribution_models_final(s)::text
            ELSE clientele.attribution_final(s::text::clientele.attribution_state)::text =
                 clientele.attribution_final(s)::text END AS same_credits
  FROM states ORDER BY kind;

-- Binary round trip through COPY (FORMAT binary): send, then receive (the
-- files go to the throwaway cluster's data directory).
SELECT current_setting('data_directory') || '/clientele_attribution_states.bin' AS states_file,
       current_setting('data_directory') || '/clientele_attribution_shards.bin' AS shards_file,
       current_setting('data_directory') || '/clientele_attribution_bad.bin' AS bad_file \gset
COPY states TO :'states_file' (FORMAT binary);
CREATE TABLE states_back (kind text, s clientele.attribution_state);
COPY states_back FROM :'states_file' (FORMAT binary);
SELECT a.kind, a.s::text = b.s::text AS binary_round_trip,
       clientele.attribution_state_send(a.s) = clientele.attribution_state_send(b.s) AS same_bytes
  FROM states a JOIN states_back b USING (kind) ORDER BY kind;
-- the network form is big-endian: the magic "ATT1", then the model mask
-- (linear = bit 3), the order 1, the half-life's IEEE bits
SELECT substr(clientele.attribution_state_send(linear_state(p, c, v)), 1, 20) AS network_head
  FROM (VALUES ('{email}'::text[], true, 1::float8)) s(p, c, v);

-- Citus: partial aggregates (the same SFUNC and STYPE, no final function)
-- over 3 shards, the states shipped as text, combined by an aggregate
-- whose SFUNC is the combine function, then finalised: equal to the serial
-- aggregate.
CREATE AGGREGATE combine_states(clientele.attribution_state) (
    SFUNC = clientele.attribution_combine, STYPE = clientele.attribution_state);
CREATE TABLE shard_models AS
SELECT i % 3 AS shard, models_state(path, touch_times, conversion_time, converted, value)::text AS state
  FROM cpaths GROUP BY 1;
CREATE TABLE shard_markov AS
SELECT i % 3 AS shard, markov_state(path, converted, value, 2)::text AS state
  FROM cpaths GROUP BY 1;
SELECT (SELECT count(*) FROM shard_models) AS model_shards, (SELECT count(*) FROM shard_markov) AS markov_shards,
       (SELECT bool_and(state LIKE 'v1 models=first_touch,last_touch,last_non_direct,linear,time_decay,position_based,markov,shapley %')
          FROM shard_models) AS models_text,
       (SELECT bool_and(state LIKE 'v1 models=markov order=2 %') FROM shard_markov) AS markov_text;
CREATE TABLE serial_models AS
SELECT m.model, m.channel, m.conversions, m.value
  FROM unnest((SELECT clientele.attribution_models(path, touch_times, conversion_time, converted, value) FROM cpaths)) m;
CREATE TABLE citus_models AS
SELECT m.model, m.channel, m.conversions, m.value
  FROM unnest((SELECT clientele.attribution_models_final(combine_states(state::clientele.attribution_state))
                 FROM shard_models)) m;
SELECT count(*) AS credits,
       count(*) FILTER (WHERE abs(c.conversions - s.conversions) <= 1e-9 * greatest(1, abs(s.conversions))
                          AND abs(c.value - s.value) <= 1e-9 * greatest(1, abs(s.value))) AS equal,
       (SELECT count(*) FROM serial_models) AS serial_credits
  FROM serial_models s JOIN citus_models c USING (model, channel);
CREATE TABLE serial_markov AS
SELECT m.channel, m.conversions, m.value, m.share
  FROM unnest((SELECT clientele.attribution_markov(path, converted, value, 2) FROM cpaths)) m;
CREATE TABLE citus_markov AS
SELECT m.channel, m.conversions, m.value, m.share
  FROM unnest((SELECT clientele.attribution_final(combine_states(state::clientele.attribution_state))
                 FROM shard_markov)) m;
SELECT count(*) AS channels,
       count(*) FILTER (WHERE abs(c.share - s.share) <= 1e-12 AND abs(c.conversions - s.conversions) <= 1e-9
                          AND abs(c.value - s.value) <= 1e-9 * greatest(1, abs(s.value))) AS equal,
       round(sum(s.share)::numeric, 12) AS shares_sum
  FROM serial_markov s JOIN citus_markov c USING (channel);
-- the same through the binary form: shard states sent, received by COPY
CREATE TABLE shard_markov_bytes AS
SELECT shard, clientele.attribution_state_send(state::clientele.attribution_state) AS state FROM shard_markov;
COPY shard_markov_bytes TO :'shards_file' (FORMAT binary);
CREATE TABLE shard_markov_received (shard int, state clientele.attribution_state);
COPY shard_markov_received FROM :'shards_file' (FORMAT binary);
SELECT (SELECT clientele.attribution_final(combine_states(state)) FROM shard_markov_received)::text =
       (SELECT clientele.attribution_final(combine_states(state::clientele.attribution_state)) FROM shard_markov)::text
       AS binary_shards_equal_text_shards;

-- Strict text input: every error names what was expected and where.
SELECT ''::clientele.attribution_state;
SELECT 'v2 models=linear'::clientele.attribution_state;
SELECT '3154544108000000'::clientele.attribution_state;
SELECT 'v1 models=linear,first_touch order=1'::clientele.attribution_state;
SELECT 'v1 models=linear,linear order=1'::clientele.attribution_state;
SELECT 'v1 models=lineal order=1'::clientele.attribution_state;
SELECT 'v1 models=linear order=5'::clientele.attribution_state;
SELECT 'v1 models=linear order=01'::clientele.attribution_state;
SELECT 'v1 models=linear order=1 half_life_us=0 first_share=0.4 last_share=0.4 direct=- custom=0 paths=0 conversions=0 value=0 channels=0 transitions=0 sets=0'::clientele.attribution_state;
SELECT 'v1 models=linear order=1 half_life_us=1 first_share=0.7 last_share=0.4 direct=- custom=0 paths=0 conversions=0 value=0 channels=0 transitions=0 sets=0'::clientele.attribution_state;
SELECT 'v1 models=linear order=1 half_life_us=1 first_share=0.4 last_share=0.4 direct=- custom=0 paths=1 conversions=2 value=0 channels=0 transitions=0 sets=0'::clientele.attribution_state;
SELECT 'v1 models=linear order=1 half_life_us=1 first_share=0.4 last_share=0.4 direct=- custom=0 paths=1 conversions=0x1p0 value=0 channels=0 transitions=0 sets=0'::clientele.attribution_state;
SELECT 'v1 models=linear order=1 half_life_us=1 first_share=0.4 last_share=0.4 direct=- custom=0 paths=1e999 conversions=0 value=0 channels=0 transitions=0 sets=0'::clientele.attribution_state;
SELECT 'v1 models=linear order=1 half_life_us=1 first_share=0.4 last_share=0.4 direct=- custom=0 paths=2 conversions=1 value=10 channels=2 "a"=1,10 "a"=0,0 transitions=0 sets=0'::clientele.attribution_state;
-- positions count characters, not bytes
SELECT 'v1 models=linear order=1 half_life_us=1 first_share=0.4 last_share=0.4 direct=- custom=0 paths=2 conversions=1 value=10 channels=2 "café"=1,10 "café"=0,0 transitions=0 sets=0'::clientele.attribution_state;
SELECT 'v1 models=linear order=1 half_life_us=1 first_share=0.4 last_share=0.4 direct=- custom=0 paths=2 conversions=1 value=10 channels=1 "a\b"=1,10 transitions=0 sets=0'::clientele.attribution_state;
SELECT 'v1 models=linear order=1 half_life_us=1 first_share=0.4 last_share=0.4 direct=- custom=0 paths=2 conversions=1 value=10 channels=1 "a"=1,10 transitions=1 start>0=1 sets=0'::clientele.attribution_state;
SELECT 'v1 models=markov order=1 half_life_us=1 first_share=0.4 last_share=0.4 direct=- custom=0 paths=1 conversions=1 value=1 channels=1 "a" transitions=2 0>conv=1 start>1=1 sets=0'::clientele.attribution_state;
SELECT 'v1 models=markov order=1 half_life_us=1 first_share=0.4 last_share=0.4 direct=- custom=0 paths=1 conversions=1 value=1 channels=1 "a" transitions=2 0.0>conv=1 start>0=1 sets=0'::clientele.attribution_state;
SELECT 'v1 models=markov order=1 half_life_us=1 first_share=0.4 last_share=0.4 direct=- custom=0 paths=1 conversions=1 value=1 channels=1 "a" transitions=2 start>0=1 start>0=1 sets=0'::clientele.attribution_state;
SELECT 'v1 models=markov order=1 half_life_us=1 first_share=0.4 last_share=0.4 direct=- custom=0 paths=1 conversions=1 value=1 channels=1 "a" transitions=2 0>conv=-1 start>0=1 sets=0'::clientele.attribution_state;
SELECT 'v1 models=shapley order=1 half_life_us=1 first_share=0.4 last_share=0.4 direct=- custom=0 paths=1 conversions=1 value=1 channels=2 "a" "b" transitions=0 sets=2 1=1,1,1 0=1,0,0'::clientele.attribution_state;
SELECT 'v1 models=shapley order=1 half_life_us=1 first_share=0.4 last_share=0.4 direct=- custom=0 paths=1 conversions=1 value=1 channels=2 "a" "b" transitions=0 sets=1 0.2=1,1,1'::clientele.attribution_state;
SELECT 'v1 models=shapley order=1 half_life_us=1 first_share=0.4 last_share=0.4 direct=- custom=0 paths=1 conversions=1 value=1 channels=2 "a" "b" transitions=0 sets=1 0.1=1,1,1 '::clientele.attribution_state;
SELECT 'v1 models=shapley order=1 half_life_us=1 first_share=0.4 last_share=0.4 direct=- custom=0 paths=1 conversions=1 value=1 channels=2 "a" "b" transitions=0 sets=1 0.1=1,1,1'::clientele.attribution_state::text AS hand_written_state_accepted;
SELECT left(state, 200)::clientele.attribution_state FROM shard_markov WHERE shard = 0;

-- 3,000 random one-character edits, deletions and truncations of a state
-- with every kind of field: each is read back or refused with 22P02; what
-- is read back prints text that reads back to itself, and finalises.
SELECT setseed(0.25);
CREATE TABLE mutations AS
WITH base AS (SELECT models_state(path, touch_times, conversion_time, converted, value)::text AS t
                FROM cpaths WHERE i <= 12)
SELECT k, CASE k % 3
            WHEN 0 THEN overlay(t PLACING substr(' "\0917.-e=,>x', 1 + floor(random() * 14)::int, 1)
                                FROM 1 + floor(random() * length(t))::int FOR 1)
            WHEN 1 THEN overlay(t PLACING '' FROM 1 + floor(random() * length(t))::int FOR 1)
            ELSE left(t, floor(random() * length(t))::int) END AS t
  FROM base, generate_series(1, 3000) k;
CREATE FUNCTION try_state(t text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    s clientele.attribution_state;
BEGIN
    s := t::clientele.attribution_state;
    IF s::text::clientele.attribution_state::text <> s::text THEN
        RETURN 'unstable';
    END IF;
    PERFORM clientele.attribution_models_final(s);
    RETURN 'read and finalised';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;
SELECT try_state(t) AS outcome, count(*) FROM mutations GROUP BY 1 ORDER BY 1;

-- Strict binary input: a truncated state and a wrong magic number, received by COPY.
CREATE TABLE bad_bytes (state bytea);
INSERT INTO bad_bytes
SELECT substr(clientele.attribution_state_send(linear_state(p, c, v)), 1, 30)
  FROM (VALUES ('{email}'::text[], true, 1::float8)) s(p, c, v);
COPY bad_bytes TO :'bad_file' (FORMAT binary);
CREATE TABLE bad_received (state clientele.attribution_state);
COPY bad_received FROM :'bad_file' (FORMAT binary);
TRUNCATE bad_bytes;
INSERT INTO bad_bytes
SELECT '\x41545400'::bytea || substr(clientele.attribution_state_send(linear_state(p, c, v)), 5)
  FROM (VALUES ('{email}'::text[], true, 1::float8)) s(p, c, v);
COPY bad_bytes TO :'bad_file' (FORMAT binary);
COPY bad_received FROM :'bad_file' (FORMAT binary);
-- a transition to a channel the dictionary does not have (byte 0x05 of 1 channel)
TRUNCATE bad_bytes;
INSERT INTO bad_bytes
SELECT overlay(b PLACING '\x05'::bytea FROM length(b) - 12 FOR 1)
  FROM (SELECT clientele.attribution_state_send(markov_state(p, c, v, 1)) AS b
          FROM (VALUES ('{email}'::text[], true, 1::float8)) s(p, c, v)) x;
COPY bad_bytes TO :'bad_file' (FORMAT binary);
COPY bad_received FROM :'bad_file' (FORMAT binary);

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_citus_attribution CASCADE;
