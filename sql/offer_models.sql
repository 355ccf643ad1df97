-- Next-best-offer models: seeded draws, haversine, naive Bayes, logistic regression.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;
SET extra_float_digits = 0;

-- Haversine: Paris (Notre-Dame) to London (Charing Cross) is 343.8 km on the sphere (published: 343 to 344 km);
-- one degree of latitude on the mean sphere is 2πR/360 = 111,195.08 m.
SELECT round(clientele.haversine_m(48.8530, 2.3499, 51.5080, -0.1247)::numeric / 1000, 1) AS paris_london_km;
SELECT round(clientele.haversine_m(0, 0, 1, 0)::numeric, 2) AS one_degree_m,
       round((2 * pi() * 6371008.8 / 360)::numeric, 2) AS expected;
SELECT clientele.haversine_m(10, 20, 10, 20) AS same_point;
SELECT clientele.haversine_m(91, 0, 0, 0);
SELECT clientele.haversine_m('NaN', 0, 0, 0);

-- Seeded draws are reproducible and depend on every key.
SELECT clientele.beta_sample(2, 5, 42, 1, 7) = clientele.beta_sample(2, 5, 42, 1, 7) AS same_draw,
       clientele.beta_sample(2, 5, 42, 1, 7) <> clientele.beta_sample(2, 5, 43, 1, 7) AS seed_matters,
       clientele.beta_sample(2, 5, 42, 1, 7) <> clientele.beta_sample(2, 5, 42, 2, 7) AS key_matters;
-- Moments of 20,000 draws of Beta(2, 5): mean 2/7 = 0.2857, variance 10/392 = 0.02551;
-- of Beta(0.5, 0.5): mean 0.5, variance 1/8; of uniforms: mean 0.5, variance 1/12.
SELECT abs(avg(b) - 2.0 / 7) < 0.005 AS mean_ok, abs(var_samp(b) - 10.0 / 392) < 0.002 AS variance_ok,
       min(b) > 0 AND max(b) < 1 AS inside
  FROM (SELECT clientele.beta_sample(2, 5, 1, i) AS b FROM generate_series(1, 20000) i) d;
SELECT abs(avg(b) - 0.5) < 0.01 AS mean_ok, abs(var_samp(b) - 0.125) < 0.005 AS variance_ok
  FROM (SELECT clientele.beta_sample(0.5, 0.5, 2, i) AS b FROM generate_series(1, 20000) i) d;
SELECT abs(avg(u) - 0.5) < 0.01 AS mean_ok, abs(var_samp(u) - 1.0 / 12) < 0.003 AS variance_ok
  FROM (SELECT clientele.seeded_uniform(3, i) AS u FROM generate_series(1, 20000) i) d;
SELECT clientele.beta_sample(0, 1, 1);
SELECT clientele.beta_sample(1, 'NaN', 1);
SELECT clientele.beta_sample(1, 'Infinity', 1);

-- Thompson sampling on a simulated bandit: three offers with true response
-- rates 4%, 8% and 16%; each round draws from each posterior, plays the best
-- draw and observes a seeded Bernoulli outcome.  It must converge on the best.
CREATE FUNCTION pg_temp.bandit(seed bigint, rounds integer) RETURNS TABLE(arm integer, pulls integer, late_pulls integer)
LANGUAGE plpgsql AS $$
DECLARE
    rate float8[] := ARRAY[0.04, 0.08, 0.16];
    s float8[] := ARRAY[0, 0, 0]; n float8[] := ARRAY[0, 0, 0];
    late integer[] := ARRAY[0, 0, 0];
    t integer; a integer; best integer; bestdraw float8; d float8;
BEGIN
    FOR t IN 1..rounds LOOP
        bestdraw := -1;
        FOR a IN 1..3 LOOP
            d := clientele.beta_sample(1 + s[a], 1 + n[a] - s[a], seed, t, a);
            IF d > bestdraw THEN bestdraw := d; best := a; END IF;
        END LOOP;
        n[best] := n[best] + 1;
        IF clientele.seeded_uniform(seed + 1000, t, best) < rate[best] THEN s[best] := s[best] + 1; END IF;
        IF t > rounds / 2 THEN late[best] := late[best] + 1; END IF;
    END LOOP;
    FOR a IN 1..3 LOOP arm := a; pulls := n[a]; late_pulls := late[a]; RETURN NEXT; END LOOP;
END $$;
SELECT (SELECT array_agg(pulls ORDER BY arm) FROM pg_temp.bandit(7, 3000)) =
       (SELECT array_agg(pulls ORDER BY arm) FROM pg_temp.bandit(7, 3000)) AS reproducible;
SELECT arm, late_pulls > 0.8 * 1500 AS mostly_best_late
  FROM pg_temp.bandit(7, 3000) WHERE arm = 3;
SELECT count(*) FILTER (WHERE late_share > 0.8) AS seeds_converged
  FROM (SELECT seed, (SELECT late_pulls / 1500.0 FROM pg_temp.bandit(seed, 3000) WHERE arm = 3) AS late_share
          FROM generate_series(1, 5) seed) r;

-- Naive Bayes by hand: one feature of two bins, examples (0, yes), (0, no),
-- (1, no), (1, no).  P(yes) = 2/6, P(bin0 | yes) = 2/3, P(no) = 4/6,
-- P(bin0 | no) = 2/5, so P(yes | bin0) = (2/9) / (2/9 + 4/15) = 5/11.
CREATE TABLE nb_ex (bins int[], y boolean);
INSERT INTO nb_ex VALUES ('{0}', true), ('{0}', false), ('{1}', false), ('{1}', false);
SELECT clientele.nb_train(bins, y, 2) AS model FROM nb_ex;
SELECT abs(clientele.nb_propensity(clientele.nb_train(bins, y, 2), '{0}') - 5.0 / 11) < 1e-12 AS bin0_is_5_11,
       abs(clientele.nb_propensity(clientele.nb_train(bins, y, 2), '{1}') - (2.0 / 6 * 1.0 / 3) / (2.0 / 6 * 1.0 / 3 + 4.0 / 6 * 3.0 / 5)) < 1e-12 AS bin1_ok,
       abs(clientele.nb_propensity(clientele.nb_train(bins, y, 2), '{NULL}') - 2.0 / 6) < 1e-12 AS missing_is_prior
  FROM nb_ex;
-- incremental updates equal training; retracting a negative and adding a positive moves one example
SELECT clientele.nb_update(clientele.nb_update(clientele.nb_update(clientele.nb_update(
           clientele.nb_model(1, 2), '{0}', true), '{0}', false), '{1}', false), '{1}', false)
       = (SELECT clientele.nb_train(bins, y, 2) FROM nb_ex) AS updates_equal_training;
SELECT clientele.nb_update(clientele.nb_update(clientele.nb_model(1, 2), '{1}', false), '{1}', false, -1)
       = clientele.nb_model(1, 2) AS retract_undoes;
SELECT clientele.nb_merge(a, b) = (SELECT clientele.nb_train(bins, y, 2) FROM nb_ex) AS merge_adds
  FROM (SELECT clientele.nb_train(bins, y, 2) FILTER (WHERE y) AS a,
               clientele.nb_train(bins, y, 2) FILTER (WHERE NOT y) AS b FROM nb_ex) m;
-- the text form is lossless
SELECT (clientele.nb_train(bins, y, 2)::text)::float8[] = clientele.nb_train(bins, y, 2) AS lossless FROM nb_ex;
-- bad models and bins
SELECT clientele.nb_propensity('{1,2,3}', '{0}');
SELECT clientele.nb_propensity(clientele.nb_model(1, 2), '{2}');
SELECT clientele.nb_propensity(clientele.nb_model(1, 2), '{0,1}');
SELECT clientele.nb_merge(clientele.nb_model(1, 2), clientele.nb_model(2, 2));
SELECT clientele.nb_update(clientele.nb_model(1, 2), '{0}', true, -1);
SELECT clientele.nb_update(clientele.nb_model(1, 2), '{0}', true, 'NaN');
SELECT clientele.nb_model(0, 3);

-- Naive Bayes training in parallel equals the serial result.
CREATE TABLE nb_big AS
SELECT ARRAY[i % 5, (i / 7) % 3] AS bins, (i % 11 < 3) AS y FROM generate_series(1, 60000) i;
ANALYZE nb_big;
CREATE TABLE serial_nb AS SELECT clientele.nb_train(bins, y, 5) AS m FROM nb_big;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET force_parallel_mode = on;
EXPLAIN (COSTS OFF) SELECT clientele.nb_train(bins, y, 5) FROM nb_big;
SELECT clientele.nb_train(bins, y, 5) = (SELECT m FROM serial_nb) AS parallel_equals_serial FROM nb_big;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET force_parallel_mode;

-- Logistic regression against the closed form.  With one binary regressor the
-- MLE reproduces the two observed rates: with 30/100 responses at x = 0 and
-- 60/100 at x = 1, intercept = log(30/70), slope = log(60/40) - log(30/70),
-- se(intercept) = sqrt(1/30 + 1/70), se(slope) = sqrt(1/30 + 1/70 + 1/60 + 1/40).
CREATE TABLE lr2 AS
SELECT ARRAY[1, x]::float8[] AS x, y::float8 AS y
  FROM (SELECT 0 AS x, (i <= 30)::int AS y FROM generate_series(1, 100) i
        UNION ALL SELECT 1, (i <= 60)::int FROM generate_series(1, 100) i) d;
SELECT abs(coefficients[1] - ln(30.0 / 70)) < 1e-9 AS intercept_ok,
       abs(coefficients[2] - (ln(60.0 / 40) - ln(30.0 / 70))) < 1e-9 AS slope_ok,
       abs(std_errors[1] - sqrt(1.0 / 30 + 1.0 / 70)) < 1e-9 AS se_intercept_ok,
       abs(std_errors[2] - sqrt(1.0 / 30 + 1.0 / 70 + 1.0 / 60 + 1.0 / 40)) < 1e-9 AS se_slope_ok,
       abs(log_likelihood - (30 * ln(0.3) + 70 * ln(0.7) + 60 * ln(0.6) + 40 * ln(0.4))) < 1e-9 AS loglik_ok,
       rows, converged
  FROM clientele.logistic_regression('SELECT x, y FROM public.lr2');
SELECT round(coefficients[1]::numeric, 6) AS b0, round(coefficients[2]::numeric, 6) AS b1,
       round(std_errors[1]::numeric, 6) AS se0, round(std_errors[2]::numeric, 6) AS se1
  FROM clientele.logistic_regression('SELECT x, y FROM public.lr2');

-- A continuous design: at the MLE the score X'(y - p) vanishes (checked in
-- plain SQL), and the coefficients recover the generating ones roughly.
CREATE TABLE lr3 AS
SELECT ARRAY[1, a, b]::float8[] AS x,
       (clientele.seeded_uniform(11, i) < 1 / (1 + exp(-(-1 + 0.8 * a - 0.5 * b))))::int::float8 AS y
  FROM (SELECT i, (clientele.seeded_uniform(5, i) * 4 - 2) AS a, (clientele.seeded_uniform(6, i) * 4 - 2) AS b
          FROM generate_series(1, 20000) i) g;
CREATE TABLE lr3_fit AS SELECT * FROM clientele.logistic_regression('SELECT x, y FROM public.lr3');
SELECT max(abs(g)) < 1e-6 AS score_is_zero
  FROM (SELECT sum(x[j] * (y - clientele.logit_predict(f.coefficients, x))) AS g
          FROM lr3, lr3_fit f, generate_series(1, 3) j GROUP BY j) s;
SELECT abs(coefficients[1] + 1) < 4 * std_errors[1] AND abs(coefficients[2] - 0.8) < 4 * std_errors[2]
       AND abs(coefficients[3] + 0.5) < 4 * std_errors[3] AS recovers_truth, converged
  FROM lr3_fit;
-- the step aggregate in parallel equals the serial step
ANALYZE lr3;
CREATE TABLE serial_step AS SELECT clientele.logit_step(x, y, '{0.1,0.2,0.3}') AS s FROM lr3;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET force_parallel_mode = on;
EXPLAIN (COSTS OFF) SELECT clientele.logit_step(x, y, '{0.1,0.2,0.3}') FROM lr3;
SELECT max(abs(a - b)) < 1e-9 AS parallel_equals_serial
  FROM (SELECT clientele.logit_step(x, y, '{0.1,0.2,0.3}') AS p FROM lr3) q, serial_step,
       unnest(q.p, serial_step.s) u(a, b);
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET force_parallel_mode;
-- errors
SELECT clientele.logistic_regression('SELECT ARRAY[1, 1]::float8[], 1::float8 FROM generate_series(1, 5)');
SELECT clientele.logistic_regression('SELECT ARRAY[1]::float8[], 1::float8 WHERE false');
-- the query runs under the function's pinned search_path: unqualified tables are not found
SELECT clientele.logistic_regression('SELECT x, y FROM lr2');
SELECT clientele.logit_step(x, 2, '{0,0}') FROM lr2;
SELECT clientele.logit_step(x, y, '{0}') FROM lr2;
SELECT clientele.logit_step(ARRAY[1, 'NaN'::float8], 1, '{0,0}');
SELECT clientele.logit_predict('{1,2}', '{1}');
DROP TABLE nb_ex, nb_big, serial_nb, lr2, lr3, lr3_fit, serial_step;
