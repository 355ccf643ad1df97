-- Attribution models on a small hand-computed case.
-- Six paths (conversion time T = 2026-03-15 12:00 UTC; ages in days before T):
--   p1 search(10d) email(3d) direct(0d)   converted, value 100
--   p2 display(1d)                        converted, value 50   (single touch)
--   p3 email(7d) email(7d) search(0d)     converted, value 30   (repeated channel, tied times)
--   p4 direct(0d)                         converted, value 20   (direct only)
--   p5 display search                     not converted
--   p6 search(14d) direct(7d)             converted, value 40   (n = 2)
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;
CREATE SCHEMA test_attribution_models;
SET search_path = test_attribution_models, public;
SET timezone = 'UTC';
CREATE TABLE paths (id int, path text[], ages float8[], converted boolean, value float8);
INSERT INTO paths VALUES
 (1, '{search,email,direct}', '{10,3,0}', true, 100),
 (2, '{display}', '{1}', true, 50),
 (3, '{email,email,search}', '{7,7,0}', true, 30),
 (4, '{direct}', '{0}', true, 20),
 (5, '{display,search}', '{2,1}', false, NULL),
 (6, '{search,direct}', '{14,7}', true, 40);
CREATE VIEW timed AS
SELECT id, path, converted, value, timestamptz '2026-03-15 12:00' AS conversion_time,
       ARRAY(SELECT timestamptz '2026-03-15 12:00' - a * interval '1 day' FROM unnest(ages) WITH ORDINALITY u(a, i) ORDER BY i) AS touch_times
  FROM paths;

-- Show one model's credits, rounded.
CREATE FUNCTION show(credits clientele.attribution_credit[])
RETURNS TABLE(channel text, conversions numeric, value numeric, share numeric)
LANGUAGE sql AS $$
  SELECT c.channel, round(c.conversions::numeric, 6), round(c.value::numeric, 4), round(c.share::numeric, 6)
    FROM unnest(credits) c
$$;
-- Compare credits with expected (channel, conversions, value); true when all match to 1e-9.
CREATE FUNCTION matches(credits clientele.attribution_credit[], expected text)
RETURNS boolean LANGUAGE sql AS $$
  SELECT count(*) = 0 FROM (
    SELECT c.channel, c.conversions, c.value FROM unnest(credits) c
  ) got FULL JOIN (
    SELECT split_part(e, ':', 1) AS channel, split_part(e, ':', 2)::float8 AS conversions,
           split_part(e, ':', 3)::float8 AS value
      FROM unnest(string_to_array(expected, ' ')) e
  ) want USING (channel)
  WHERE got.channel IS NULL OR want.channel IS NULL
     OR abs(got.conversions - want.conversions) > 1e-9 OR abs(got.value - want.value) > 1e-9
$$;

-- First touch: search p1 p6, display p2, email p3, direct p4.
SELECT * FROM show((SELECT clientele.attribution_first_touch(path, converted, value) FROM paths));
SELECT matches((SELECT clientele.attribution_first_touch(path, converted, value) FROM paths),
               'search:2:140 display:1:50 email:1:30 direct:1:20') AS first_touch_ok;
-- Last touch: direct p1 p4 p6, display p2, search p3; email appears with 0.
SELECT * FROM show((SELECT clientele.attribution_last_touch(path, converted, value) FROM paths));
SELECT matches((SELECT clientele.attribution_last_touch(path, converted, value) FROM paths),
               'direct:3:160 display:1:50 search:1:30 email:0:0') AS last_touch_ok;
-- Last non-direct: email p1, display p2, search p3 p6, direct p4 (only direct touches).
SELECT * FROM show((SELECT clientele.attribution_last_non_direct(path, converted, value) FROM paths));
SELECT matches((SELECT clientele.attribution_last_non_direct(path, converted, value) FROM paths),
               'email:1:100 display:1:50 search:2:70 direct:1:20') AS last_non_direct_ok;
-- ... with another direct channel: 'search' is now the one skipped.
SELECT matches((SELECT clientele.attribution_last_non_direct(path, converted, value, 'search') FROM paths),
               'direct:3:160 display:1:50 email:1:30 search:0:0') AS last_non_search_ok;
-- Linear: search 1/3+1/3+1/2, email 1/3+2/3, direct 1/3+1+1/2, display 1.
SELECT * FROM show((SELECT clientele.attribution_linear(path, converted, value) FROM paths));
SELECT matches((SELECT clientele.attribution_linear(path, converted, value) FROM paths),
               'search:1.1666666666666667:63.333333333333333 email:1:53.333333333333333 direct:1.8333333333333333:73.333333333333333 display:1:50') AS linear_ok;
-- Position based 40/20/40: n = 3 (.4 .2 .4), n = 1 (1), n = 2 (.5 .5).
SELECT * FROM show((SELECT clientele.attribution_position_based(path, converted, value) FROM paths));
SELECT matches((SELECT clientele.attribution_position_based(path, converted, value) FROM paths),
               'search:1.3:72 email:0.8:38 direct:1.9:80 display:1:50') AS position_based_ok;
-- ... 30/30 (middle 40%): n = 2 splits 50/50 whatever the shares.
SELECT matches((SELECT clientele.attribution_position_based(path, converted, value, 0.3, 0.3) FROM paths),
               'search:1.1:59 email:1.1:61 direct:1.8:70 display:1:50') AS position_30_30_ok;
-- Time decay, half-life 7 days: p1 weights 2^(-10/7), 2^(-3/7), 1 normalised;
-- p3 .25 .25 .5 (tied times weigh the same); p6 2^-2, 2^-1 -> 1/3, 2/3.
SELECT * FROM show((SELECT clientele.attribution_time_decay(path, touch_times, conversion_time, converted, value) FROM timed));
SELECT matches((SELECT clientele.attribution_time_decay(path, touch_times, conversion_time, converted, value) FROM timed),
               format('search:%s:%s email:%s:%s direct:%s:%s display:1:50',
                      w1 + 0.5 + 1.0/3, 100 * w1 + 15 + 40.0/3,
                      w2 + 0.5, 100 * w2 + 15,
                      w3 + 1 + 2.0/3, 100 * w3 + 20 + 80.0/3)) AS time_decay_ok
  FROM (SELECT 2^(-10/7.0) / s AS w1, 2^(-3/7.0) / s AS w2, 1 / s AS w3
          FROM (SELECT 2^(-10/7.0) + 2^(-3/7.0) + 1 AS s) x) w;
-- ... half-life 1 day: p6 weights 2^-14, 2^-7.
SELECT round(c.conversions::numeric, 6) AS search_with_half_life_1d
  FROM unnest((SELECT clientele.attribution_time_decay(path, touch_times, conversion_time, converted, value, '1 day')
                 FROM timed WHERE id = 6)) c WHERE c.channel = 'search';
SELECT round((2^(-14) / (2^(-14) + 2^(-7)))::numeric, 6) AS expected;
-- Custom weights search 2, direct 0 (others 1); p4 has only zero weights: linear.
SELECT * FROM show((SELECT clientele.attribution_custom(path, converted, value, '{search,direct}', '{2,0}') FROM paths));
SELECT matches((SELECT clientele.attribution_custom(path, converted, value, '{search,direct}', '{2,0}') FROM paths),
               'search:2.1666666666666667:121.66666666666667 email:0.8333333333333333:48.333333333333333 direct:1:20 display:1:50') AS custom_ok;

-- Markov chain, order 1.  Transitions: start->search 2, ->display 2, ->email 1,
-- ->direct 1; search->email, ->conv, ->null, ->direct 1 each; email->direct,
-- ->email, ->search 1 each; display->conv, ->search 1 each; direct->conv 3.
-- By hand: P = 5/6; without search 5/12 (RE 1/2), email 7/12 (RE 3/10),
-- display 23/42 (RE 12/35), direct 1/3 (RE 3/5); sum RE = 61/35, so the
-- shares are 35/122, 21/122, 24/122, 42/122 of 5 conversions and 240.
SELECT * FROM show((SELECT clientele.attribution_markov(path, converted, value) FROM paths));
SELECT matches((SELECT clientele.attribution_markov(path, converted, value) FROM paths),
               format('search:%s:%s email:%s:%s display:%s:%s direct:%s:%s',
                      5 * 35 / 122.0, 240 * 35 / 122.0, 5 * 21 / 122.0, 240 * 21 / 122.0,
                      5 * 24 / 122.0, 240 * 24 / 122.0, 5 * 42 / 122.0, 240 * 42 / 122.0)) AS markov_ok;

-- Markov checked independently: absorption probabilities by Gauss-Jordan
-- elimination in plpgsql, on transition counts computed in SQL, for any order.
CREATE FUNCTION markov_check(k int) RETURNS TABLE(channel text, share float8)
LANGUAGE plpgsql AS $$
DECLARE
  states text[];
  chans text[];
  n int; c text; i int; j int; r int; f float8;
  a float8[]; b float8[]; p float8; p0 float8; re float8[] := '{}'; total float8 := 0;
BEGIN
  -- steps: (from state, to state) where a state is the last k channels joined by '>'
  CREATE TEMP TABLE steps ON COMMIT DROP AS
  SELECT CASE WHEN g.pos = 1 THEN '^' ELSE array_to_string(path[greatest(1, g.pos - k):g.pos - 1], '>') END AS s,
         CASE WHEN g.pos <= cardinality(path) THEN array_to_string(path[greatest(1, g.pos - k + 1):g.pos], '>')
              WHEN converted THEN '$conv' ELSE '$null' END AS t
    FROM paths, generate_series(1, cardinality(path) + 1) g(pos);
  SELECT array_agg(DISTINCT s ORDER BY s) INTO states FROM steps;
  SELECT array_agg(DISTINCT ch ORDER BY ch) INTO chans FROM paths, unnest(path) ch;
  n := cardinality(states);
  FOR r IN 0 .. cardinality(chans) LOOP
    c := CASE WHEN r = 0 THEN NULL ELSE chans[r] END;
    -- (I - Q) x = b over the states; removed states have x = 0
    a := array_fill(0::float8, ARRAY[n, n]); b := array_fill(0::float8, ARRAY[n]);
    FOR i IN 1 .. n LOOP
      a[i][i] := 1;
      IF c IS NULL OR NOT (c = ANY (string_to_array(states[i], '>'))) THEN
        FOR j IN 1 .. n LOOP
          SELECT coalesce(sum(1), 0)::float8 / (SELECT count(*) FROM steps WHERE s = states[i]) INTO f
            FROM steps WHERE s = states[i] AND t = states[j]
             AND (c IS NULL OR NOT (c = ANY (string_to_array(states[j], '>'))));
          a[i][j] := a[i][j] - f;
        END LOOP;
        SELECT count(*) FILTER (WHERE t = '$conv')::float8 / count(*) INTO f FROM steps WHERE s = states[i];
        b[i] := f;
      END IF;
    END LOOP;
    FOR i IN 1 .. n LOOP                       -- Gauss-Jordan (the matrix is diagonally dominant)
      FOR j IN 1 .. n LOOP
        IF j <> i AND a[j][i] <> 0 THEN
          f := a[j][i] / a[i][i];
          FOR r2 IN 1 .. n LOOP a[j][r2] := a[j][r2] - f * a[i][r2]; END LOOP;
          b[j] := b[j] - f * b[i];
        END IF;
      END LOOP;
    END LOOP;
    p := b[array_position(states, '^')] / a[array_position(states, '^')][array_position(states, '^')];
    IF r = 0 THEN p0 := p; ELSE re := re || (1 - p / p0); total := total + (1 - p / p0); END IF;
  END LOOP;
  DROP TABLE steps;
  RETURN QUERY SELECT chans[g.x], re[g.x] / total FROM generate_series(1, cardinality(chans)) g(x);
END $$;
SELECT k AS markov_order, bool_and(abs(m.share - (SELECT (c).share FROM unnest(x.res) c WHERE (c).channel = m.channel)) < 1e-9) AS matches_gauss_jordan,
       string_agg(m.channel || ' ' || round(m.share::numeric, 6), ', ' ORDER BY m.channel) AS shares
  FROM generate_series(1, 3) k,
       LATERAL (SELECT clientele.attribution_markov(path, converted, value, k) AS res FROM paths) x,
       LATERAL markov_check(k) m
 GROUP BY k ORDER BY k;

-- Shapley values of the conversion-rate game v(S) = conversions / paths among
-- paths whose channels all lie in S.  Checked by brute force: the average
-- marginal contribution over all 4! join orders, enumerated in SQL.
SELECT * FROM show((SELECT clientele.attribution_shapley(path, converted, value) FROM paths));
CREATE FUNCTION worth(members text[], what text) RETURNS float8 LANGUAGE sql AS $$
  SELECT coalesce(sum(CASE WHEN converted THEN CASE WHEN what = 'value' THEN value ELSE 1 END ELSE 0 END)
                  / nullif(count(*), 0), 0)
    FROM paths WHERE path <@ members
$$;
WITH RECURSIVE chans AS (SELECT DISTINCT ch FROM paths, unnest(path) ch),
orders(o) AS (SELECT ARRAY[ch] FROM chans
              UNION ALL SELECT o || ch FROM orders, chans WHERE NOT ch = ANY (o)),
full_orders AS (SELECT o FROM orders WHERE cardinality(o) = (SELECT count(*) FROM chans)),
marginal AS (
  SELECT o[i] AS channel,
         worth(o[1:i], 'conversions') - worth(o[1:i - 1], 'conversions') AS dc,
         worth(o[1:i], 'value') - worth(o[1:i - 1], 'value') AS dv
    FROM full_orders, generate_series(1, cardinality(o)) i),
brute AS (
  SELECT channel, avg(dc) * (SELECT count(*) FROM paths) AS conversions,
         avg(dv) * (SELECT count(*) FROM paths) AS value
    FROM marginal GROUP BY channel)
SELECT b.channel, round(b.conversions::numeric, 6) AS brute_force_conversions,
       round(b.value::numeric, 4) AS brute_force_value,
       abs(b.conversions - c.conversions) < 1e-9 AND abs(b.value - c.value) < 1e-9 AS matches
  FROM brute b JOIN unnest((SELECT clientele.attribution_shapley(path, converted, value) FROM paths)) c USING (channel)
 ORDER BY b.channel;
-- By hand: search -7/24, email 17/24, direct 23/8, display 41/24 (sum 5).
SELECT matches((SELECT clientele.attribution_shapley(path, converted, value) FROM paths),
               format('search:%s:%s email:%s:%s direct:%s:%s display:%s:%s',
                      -7 / 24.0, 40 / 3.0, 17 / 24.0, 130 / 3.0, 23 / 8.0, 70, 41 / 24.0, 340 / 3.0)) AS shapley_ok;

-- Ties: two symmetric channels get the same credit under every model.
SELECT m.model, string_agg(m.channel || ' ' || round(m.conversions::numeric, 6), ', ' ORDER BY m.channel) AS credits
  FROM unnest((SELECT clientele.attribution_models(p, ARRAY[timestamptz '2026-03-01', timestamptz '2026-03-01'],
                                                     timestamptz '2026-03-02', c, 10)
                 FROM (VALUES ('{a,b}'::text[], true), ('{b,a}', true), ('{a,b}', false), ('{b,a}', false)) v(p, c))) m
 GROUP BY m.model ORDER BY min(array_position(ARRAY['first_touch', 'last_touch', 'last_non_direct', 'linear',
                                                     'time_decay', 'position_based', 'markov', 'shapley'], m.model));

-- Every model at once agrees with the one-model aggregates.
SELECT m.model,
       bool_and(abs(m.conversions - o.conversions) < 1e-9 AND abs(m.value - o.value) < 1e-9) AS same_as_own_aggregate
  FROM unnest((SELECT clientele.attribution_models(path, touch_times, conversion_time, converted, value) FROM timed)) m
  JOIN (SELECT 'first_touch' AS model, c.* FROM unnest((SELECT clientele.attribution_first_touch(path, converted, value) FROM paths)) c
        UNION ALL SELECT 'last_touch', c.* FROM unnest((SELECT clientele.attribution_last_touch(path, converted, value) FROM paths)) c
        UNION ALL SELECT 'last_non_direct', c.* FROM unnest((SELECT clientele.attribution_last_non_direct(path, converted, value) FROM paths)) c
        UNION ALL SELECT 'linear', c.* FROM unnest((SELECT clientele.attribution_linear(path, converted, value) FROM paths)) c
        UNION ALL SELECT 'time_decay', c.* FROM unnest((SELECT clientele.attribution_time_decay(path, touch_times, conversion_time, converted, value) FROM timed)) c
        UNION ALL SELECT 'position_based', c.* FROM unnest((SELECT clientele.attribution_position_based(path, converted, value) FROM paths)) c
        UNION ALL SELECT 'markov', c.* FROM unnest((SELECT clientele.attribution_markov(path, converted, value) FROM paths)) c
        UNION ALL SELECT 'shapley', c.* FROM unnest((SELECT clientele.attribution_shapley(path, converted, value) FROM paths)) c) o
    USING (model, channel)
 GROUP BY m.model ORDER BY m.model;

-- The six rule-based models at once give the same credits.
SELECT count(*) AS credits,
       bool_and(abs(r.conversions - m.conversions) < 1e-12 AND abs(r.value - m.value) < 1e-12) AS same_as_attribution_models
  FROM unnest((SELECT clientele.attribution_rule_models(path, touch_times, conversion_time, converted, value) FROM timed)) r
  JOIN unnest((SELECT clientele.attribution_models(path, touch_times, conversion_time, converted, value) FROM timed)) m
 USING (model, channel);

-- ... with a half-life, the same time decay as attribution_time_decay's.
SELECT bool_and(abs(m.conversions - t.conversions) < 1e-12) AS half_life_passed_on
  FROM unnest((SELECT clientele.attribution_models(path, touch_times, conversion_time, converted, value, '1 day') FROM timed)) m
  JOIN unnest((SELECT clientele.attribution_time_decay(path, touch_times, conversion_time, converted, value, '1 day') FROM timed)) t
 USING (channel)
 WHERE m.model = 'time_decay';

-- Edge cases: no rows, only unconverted paths, NULL and empty paths ignored.
SELECT clientele.attribution_linear(path, converted, value) FROM paths WHERE false;
SELECT * FROM show((SELECT clientele.attribution_markov(path, converted, value) FROM paths WHERE NOT converted));
SELECT * FROM show((SELECT clientele.attribution_shapley(p, true, NULL)
                      FROM (VALUES ('{a}'::text[]), (NULL), ('{}')) v(p)));

-- Errors.
SELECT clientele.attribution_linear(p, true, 1) FROM (VALUES (ARRAY['a', NULL])) v(p);
SELECT clientele.attribution_linear(ARRAY[['a', 'b'], ['c', 'd']], true, 1);
SELECT clientele.attribution_linear('{a}', true, 'infinity');
SELECT clientele.attribution_time_decay('{a}', '{2026-03-02}', '2026-03-01', true, 1);
SELECT clientele.attribution_time_decay('{a,b}', '{2026-03-01}', '2026-03-02', true, 1);
SELECT clientele.attribution_time_decay('{a}', NULL, '2026-03-02', true, 1);
SELECT clientele.attribution_time_decay('{a}', '{2026-03-01}', '2026-03-02', true, 1, '-1 day');
SELECT clientele.attribution_position_based('{a}', true, 1, 0.7, 0.5);
SELECT clientele.attribution_markov('{a}', true, 1, 5);
SELECT clientele.attribution_custom('{a}', true, 1, '{a,b}', '{1}');
SELECT clientele.attribution_custom('{a}', true, 1, '{a}', '{-1}');
SELECT clientele.attribution_linear(ARRAY['c' || i], true, 1) FROM generate_series(1, 251) i;
SELECT clientele.attribution_shapley(ARRAY['c' || i], true, 1) FROM generate_series(1, 65) i;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_attribution_models CASCADE;
