-- Sessionised paths and the side-by-side report.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;
CREATE SCHEMA test_attribution_paths;
SET search_path = test_attribution_paths, public;
SET timezone = 'UTC';
CREATE TABLE touches (customer int, channel text, ts timestamptz, cost numeric);
CREATE TABLE sales (customer int, ts timestamptz, value numeric);
INSERT INTO touches VALUES
 -- 1: a path to a first purchase, then a second purchase after one more touch
 (1, 'email',   '2026-03-01 10:00', 1), (1, 'search', '2026-03-03 10:00', 2),
 (1, 'direct',  '2026-03-05 10:00', 0), (1, 'display', '2026-03-06 09:00', 3),
 -- 2: an old touch, 37 days of silence (more than the session gap), then a path
 (2, 'display', '2026-02-01 10:00', 3), (2, 'search', '2026-03-10 10:00', 2),
 -- 3: repeated channel, never converts
 (3, 'social',  '2026-03-01 10:00', 1), (3, 'social', '2026-03-02 10:00', 1),
 -- 5: one journey (gaps of 5 and 4 days) longer than the 30-day lookback
 (5, 'video',   '2026-02-20 10:00', 4), (5, 'email', '2026-02-25 10:00', 1),
 (5, 'search',  '2026-03-01 10:00', 2), (5, 'social', '2026-03-05 10:00', 1),
 -- 6: two touches at the same instant, the second at the conversion time
 (6, 'social',  '2026-03-10 10:00', 1), (6, 'email', '2026-03-10 10:00', 1),
 (6, 'search',  '2026-03-10 12:00', 2),
 -- NULLs are ignored
 (NULL, 'email', '2026-03-10 10:00', 1), (7, NULL, '2026-03-10 10:00', 1);
INSERT INTO sales VALUES
 (1, '2026-03-05 11:00', 80), (1, '2026-03-06 12:00', 20),
 (2, '2026-03-12 10:00', 50),
 (4, '2026-03-12 10:00', 10),      -- no touch: not a path
 (5, '2026-03-28 10:00', 60),
 (6, '2026-03-10 12:00', 40);

SELECT customer, path, touch_times, conversion_time, converted, value
  FROM clientele.attribution_paths('touches', 'sales')
 ORDER BY customer, coalesce(conversion_time, touch_times[1]);
-- A 1-day session gap splits the journeys of customers 1 and 5 (gaps of 2
-- days or more) into unconverted paths; a 3-day lookback then leaves customer
-- 5's conversion without touches (not a path).  Customer 3's touches, exactly
-- one day apart, stay together.
SELECT customer, path, converted
  FROM clientele.attribution_paths('touches', 'sales', lookback => '3 days', session_gap => '1 day')
 ORDER BY customer, coalesce(conversion_time, touch_times[1]);

-- Every model per channel, with cost and ROI (value - cost) / cost.
SELECT model, channel, round(conversions::numeric, 4) AS conversions, round(value::numeric, 2) AS value,
       round(share::numeric, 4) AS share, cost, round(roi::numeric, 3) AS roi
  FROM clientele.attribution_report('touches', 'sales')
 WHERE model IN ('first_touch', 'linear', 'markov');
-- The wide form: one column per model, for a BI bar chart.
SELECT channel, cost, round(first_touch::numeric, 3) AS first_touch, round(last_touch::numeric, 3) AS last_touch,
       round(last_non_direct::numeric, 3) AS last_non_direct, round(linear::numeric, 3) AS linear,
       round(time_decay::numeric, 3) AS time_decay, round(position_based::numeric, 3) AS position_based,
       round(markov::numeric, 3) AS markov, round(shapley::numeric, 3) AS shapley
  FROM clientele.attribution_compare('touches', 'sales');
-- Each model credits all 5 converted paths and 250 of value.
SELECT model, round(sum(conversions)::numeric, 9) AS conversions, round(sum(value)::numeric, 6) AS value
  FROM clientele.attribution_report('touches', 'sales') GROUP BY model ORDER BY model;
-- Without a cost column there is no ROI.
CREATE TABLE touches_nocost AS SELECT customer, channel, ts FROM touches;
SELECT DISTINCT cost, roi FROM clientele.attribution_report('touches_nocost', 'sales');

-- A non-superuser can use the functions on tables it may read.
CREATE ROLE regress_attribution_user;
GRANT USAGE ON SCHEMA test_attribution_paths TO regress_attribution_user;
GRANT SELECT ON touches, sales TO regress_attribution_user;
SET ROLE regress_attribution_user;
SELECT count(*) AS paths FROM clientele.attribution_paths('touches', 'sales');
SELECT count(*) AS credits, round(sum(conversions)::numeric, 6) AS conversions
  FROM clientele.attribution_report('touches', 'sales') WHERE model = 'shapley';
-- ... and not on others (no privilege is gained).
\set VERBOSITY terse
SELECT count(*) FROM clientele.attribution_paths('touches_nocost', 'sales');
\set VERBOSITY default
RESET ROLE;

-- Errors.
SELECT * FROM clientele.attribution_paths('touches', 'sales', lookback => '-1 day');
SELECT * FROM clientele.attribution_paths('touches', 'no_such_table');
CREATE TABLE badtouch (customer int, chan text, ts timestamptz);
SELECT * FROM clientele.attribution_paths('badtouch', 'sales');

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_attribution_paths CASCADE;
DROP ROLE regress_attribution_user;
