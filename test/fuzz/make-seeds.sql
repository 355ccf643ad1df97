-- Seeds of fuzz_typeio, written by a real server (make-seeds.sh runs this in a
-- throwaway cluster).  Each row: entry name (typeio_table.h), seed name, and
-- the seed's bytes in hexadecimal: a type's text form or its binary form
-- (the send function's output).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
SET search_path = clientele, pg_catalog;
SET extra_float_digits = 3;

CREATE TEMP TABLE seeds (entry text, name text, bytes bytea);

-- kwquery: queries as written (text input), their canonical forms, binary forms
CREATE TEMP TABLE q (name text, src text);
INSERT INTO q VALUES
  ('or', 'parfum OR perfume'), ('lang', 'parfum lang:en'), ('near-phrase', '"livraison rapide"~4'),
  ('near-groups', '(a OR b) NEAR/3 (c OR d)'), ('not', '-spam promo'),
  ('tags', '#nutella @marque $TSLA 😍'), ('accents', '"rouge à lèvres"'),
  ('wildcards', '*stick ?clat nut*'), ('not-not', 'NOT NOT a'), ('nested-near', '(a NEAR/1 b) NEAR/2 c'),
  ('and-or', 'livraison AND (retard OR lent) AND NOT gratuit'), ('elongation', 'Soooo cooool!!');
INSERT INTO seeds SELECT 'kwquery.text', 'written-' || name, convert_to(src, 'UTF8') FROM q;
INSERT INTO seeds SELECT 'kwquery.text', 'canonical-' || name, convert_to(src::kwquery::text, 'UTF8') FROM q;
INSERT INTO seeds SELECT 'kwquery.binary', name, kwquery_send(src::kwquery) FROM q;

-- audience: small, dense, sparse, extreme ids
CREATE TEMP TABLE a (name text, v audience);
INSERT INTO a VALUES
  ('empty', '{}'), ('one', '{42}'), ('mixed', '{1,2,5..9,-3}'),
  ('extremes', '{-9223372036854775808,0,9223372036854775807}'),
  ('extreme-runs', '{-9223372036854775808..-9223372036854775000,9223372036854775000..9223372036854775807}'),
  ('pair', '{7,8}');
INSERT INTO a SELECT 'dense', audience_agg(g) FROM generate_series(1, 100000) g;
INSERT INTO a SELECT 'every-third', audience_agg(g) FROM generate_series(1, 2000, 3) g;
-- more tokens than one block holds, so the block directory has several entries
INSERT INTO a SELECT 'blocks', audience_agg(g * 2) FROM generate_series(1, 700) g;
INSERT INTO a SELECT 'random', audience_agg((hashint8(g) & 1048575)::bigint) FROM generate_series(1, 300) g;
INSERT INTO seeds SELECT 'audience.text', name, convert_to(v::text, 'UTF8') FROM a;
INSERT INTO seeds SELECT 'audience.binary', name, audience_send(v) FROM a;

-- kmeans_model: fitted models, a step's partial state, NaN statistics
CREATE TEMP TABLE pts (f float8[]);
INSERT INTO pts VALUES ('{0,0}'), ('{0,1}'), ('{1,0}'), ('{10,10}'), ('{10,11}'), ('{11,10}'), ('{5,5.5}');
CREATE TEMP TABLE m (name text, v kmeans_model);
INSERT INTO m SELECT 'fitted-k2', kmeans(f, 2) FROM pts;
INSERT INTO m SELECT 'fitted-k3', kmeans(f, 3) FROM pts;
INSERT INTO m SELECT 'fitted-1d', kmeans(ARRAY[g * 0.1]::float8[], 4) FROM generate_series(1, 50) g;
INSERT INTO m VALUES ('written', 'k=2 dim=2 iterations=4 inertia=1.5 shift=0 sizes={3,2} centroids={{0,0.5},{10,10}}'),
  ('not-measured', 'k=1 dim=3 iterations=0 inertia=NaN shift=NaN sizes={0} centroids={{1e-300,-2.5e300,0.1}}');
CREATE AGGREGATE pg_temp.step_partial(float8[], kmeans_model) (
  SFUNC = clientele.kmeans_step_accum, STYPE = clientele.kmeans_model);
INSERT INTO m SELECT 'partial-step', pg_temp.step_partial(f, (SELECT v FROM m WHERE name = 'written')) FROM pts;
INSERT INTO m SELECT 'stepped', kmeans_step(f, (SELECT v FROM m WHERE name = 'written')) FROM pts;
INSERT INTO seeds SELECT 'kmeans_model.text', name, convert_to(v::text, 'UTF8') FROM m;
INSERT INTO seeds SELECT 'kmeans_model.binary', name, kmeans_model_send(v) FROM m;

-- attribution_state: the states of several models, as their text (hexadecimal)
CREATE TEMP TABLE paths (path text[], converted boolean, value float8);
INSERT INTO paths VALUES
  ('{search,email,direct}', true, 120), ('{social,search}', true, 80), ('{email}', false, NULL),
  ('{direct}', true, 20), ('{social,social,email,search}', false, 0), ('{}', true, 5);
CREATE AGGREGATE pg_temp.st_linear(text[], boolean, float8) (
  SFUNC = clientele.attribution_linear_sfunc, STYPE = clientele.attribution_state);
CREATE AGGREGATE pg_temp.st_markov(text[], boolean, float8, integer) (
  SFUNC = clientele.attribution_markov_sfunc, STYPE = clientele.attribution_state);
CREATE AGGREGATE pg_temp.st_shapley(text[], boolean, float8) (
  SFUNC = clientele.attribution_shapley_sfunc, STYPE = clientele.attribution_state);
CREATE AGGREGATE pg_temp.st_custom(text[], boolean, float8, text[], float8[]) (
  SFUNC = clientele.attribution_custom_sfunc, STYPE = clientele.attribution_state);
CREATE AGGREGATE pg_temp.st_nondirect(text[], boolean, float8, text) (
  SFUNC = clientele.attribution_last_non_direct_sfunc, STYPE = clientele.attribution_state);
CREATE AGGREGATE pg_temp.st_models(text[], timestamptz[], timestamptz, boolean, float8) (
  SFUNC = clientele.attribution_models_sfunc, STYPE = clientele.attribution_state);
INSERT INTO seeds SELECT 'attribution_state.text', 'linear', convert_to(pg_temp.st_linear(path, converted, value)::text, 'UTF8') FROM paths;
INSERT INTO seeds SELECT 'attribution_state.text', 'markov-1', convert_to(pg_temp.st_markov(path, converted, value, 1)::text, 'UTF8') FROM paths;
INSERT INTO seeds SELECT 'attribution_state.text', 'markov-2', convert_to(pg_temp.st_markov(path, converted, value, 2)::text, 'UTF8') FROM paths;
INSERT INTO seeds SELECT 'attribution_state.text', 'shapley', convert_to(pg_temp.st_shapley(path, converted, value)::text, 'UTF8') FROM paths;
INSERT INTO seeds SELECT 'attribution_state.text', 'custom', convert_to(pg_temp.st_custom(path, converted, value, '{search,email}', '{2,1}')::text, 'UTF8') FROM paths;
INSERT INTO seeds SELECT 'attribution_state.text', 'last-non-direct', convert_to(pg_temp.st_nondirect(path, converted, value, 'direct')::text, 'UTF8') FROM paths;
INSERT INTO seeds SELECT 'attribution_state.text', 'all-models',
  convert_to(pg_temp.st_models(path, array_fill(timestamptz '2026-03-01', ARRAY[cardinality(path)]),
                               timestamptz '2026-03-02', converted, value)::text, 'UTF8') FROM paths;

-- aggregate states (real types since 0.2.0): partial aggregates without a
-- final function give the state; its text form and its binary form are seeds
CREATE AGGREGATE pg_temp.st_bgnbd(float8, float8, float8) (
  SFUNC = clientele.bgnbd_trans, STYPE = clientele.clv_rows);
CREATE AGGREGATE pg_temp.st_gammagamma(float8, float8) (
  SFUNC = clientele.gammagamma_trans, STYPE = clientele.clv_rows);
CREATE TEMP TABLE cr (name text, v clientele.clv_rows);
INSERT INTO cr SELECT 'bgnbd', pg_temp.st_bgnbd(x, t_x, t_cal)
  FROM (VALUES (0, 0, 30), (2, 10.5, 30), (5, 29, 30), (1, 3, 7), (NULL, 1, 2), (0, 0, 30)) v(x, t_x, t_cal);
INSERT INTO cr SELECT 'gammagamma', pg_temp.st_gammagamma(x, m_x)
  FROM (VALUES (0, 0), (3, 25.5), (1, 9.99), (10, 120), (3, 25.5)) v(x, m_x);
INSERT INTO seeds SELECT 'clv_rows.text', name, convert_to(v::text, 'UTF8') FROM cr;
INSERT INTO seeds SELECT 'clv_rows.binary', name, clientele.clv_rows_send(v) FROM cr;

CREATE AGGREGATE pg_temp.st_sample(float8[], integer, bigint) (
  SFUNC = clientele.kmeans_sample_trans, STYPE = clientele.kmeans_points);
CREATE AGGREGATE pg_temp.st_kmeans(float8[], integer) (
  SFUNC = clientele.kmeans_trans, STYPE = clientele.kmeans_points);
CREATE TEMP TABLE kp (name text, v clientele.kmeans_points);
INSERT INTO kp SELECT 'sample', pg_temp.st_sample(f, 4, 7) FROM pts;
INSERT INTO kp SELECT 'all', pg_temp.st_kmeans(f, 2) FROM pts;
INSERT INTO kp SELECT 'one-dimension', pg_temp.st_kmeans(ARRAY[g]::float8[], 3) FROM generate_series(1, 20) g;
INSERT INTO seeds SELECT 'kmeans_points.text', name, convert_to(v::text, 'UTF8') FROM kp;
INSERT INTO seeds SELECT 'kmeans_points.binary', name, clientele.kmeans_points_send(v) FROM kp;

-- portrait_state (binary only: its text form is JSON, which the shim cannot read)
CREATE AGGREGATE pg_temp.st_portrait(boolean, jsonb) (
  SFUNC = clientele.portrait_trans, STYPE = clientele.portrait_state);
INSERT INTO seeds SELECT 'portrait_state.binary', 'small', clientele.portrait_state_send(pg_temp.st_portrait(s, a))
  FROM (VALUES (true, '{"city": "Paris", "tier": "gold"}'::jsonb), (false, '{"city": "Lyon"}'),
               (true, '{"city": "Paris", "n": null}'), (false, '{"tier": 3, "ok": true}')) v(s, a);
INSERT INTO seeds SELECT 'portrait_state.binary', 'accents', clientele.portrait_state_send(pg_temp.st_portrait(g % 3 = 0, jsonb_build_object('ville', (ARRAY['Orléans','Besançon','Zürich'])[1 + g % 3], 'âge', g % 7)))
  FROM generate_series(1, 40) g;

-- attribution_state in binary form too
INSERT INTO seeds SELECT 'attribution_state.binary', name, clientele.attribution_state_send(convert_from(bytes, 'UTF8')::clientele.attribution_state)
  FROM seeds WHERE entry = 'attribution_state.text';

\pset format unaligned
\pset tuples_only on
\pset fieldsep ' '
SELECT entry, name, encode(bytes, 'hex') FROM seeds WHERE bytes IS NOT NULL ORDER BY entry, name;
