-- The demo journeys: deterministic, consistent across their three shapes,
-- and with a ground truth the data-driven models can find.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;
CREATE SCHEMA test_attribution_demo;
SET search_path = test_attribution_demo, public;
SET timezone = 'UTC';
SELECT count(*) AS paths, round(avg(cardinality(path)), 2) AS mean_touches,
       min(cardinality(path)) AS min_touches, max(cardinality(path)) AS max_touches,
       round(avg(converted::int), 3) AS conversion_rate,
       count(DISTINCT ch) AS channels
  FROM clientele.demo_paths(5000), LATERAL (SELECT path[1] AS ch) f;
SELECT customer, path, touch_times[1], conversion_time, converted, value
  FROM clientele.demo_paths(3) ORDER BY customer, touch_times[1];
SELECT DISTINCT channel FROM clientele.demo_touchpoints(2000, 42, 12) ORDER BY 1;
SELECT channel, min(cost), max(cost) FROM clientele.demo_touchpoints(2000) GROUP BY 1 ORDER BY 1;
-- Same seed, same rows; another seed, other rows.
SELECT (SELECT array_agg(p ORDER BY customer, touch_times) FROM clientele.demo_paths(300) p)::text =
       (SELECT array_agg(p ORDER BY customer, touch_times) FROM clientele.demo_paths(300) p)::text AS deterministic,
       (SELECT array_agg(p ORDER BY customer, touch_times) FROM clientele.demo_paths(300) p)::text <>
       (SELECT array_agg(p ORDER BY customer, touch_times) FROM clientele.demo_paths(300, 7) p)::text AS seed_matters;
-- attribution_paths() rebuilds demo_paths() from the touchpoint and conversion tables.
CREATE TABLE tp AS SELECT * FROM clientele.demo_touchpoints(3000);
CREATE TABLE cv AS SELECT * FROM clientele.demo_conversions(3000);
SELECT (SELECT count(*) FROM tp) AS touches, (SELECT count(*) FROM cv) AS conversions,
       (SELECT count(*) FROM (SELECT customer::text, path, touch_times, conversion_time, converted, value
                                FROM clientele.demo_paths(3000)
                              EXCEPT ALL SELECT * FROM clientele.attribution_paths('tp', 'cv')) d) AS only_in_demo,
       (SELECT count(*) FROM (SELECT * FROM clientele.attribution_paths('tp', 'cv')
                              EXCEPT ALL SELECT customer::text, path, touch_times, conversion_time, converted, value
                                FROM clientele.demo_paths(3000)) d) AS only_rebuilt;
-- Ground truth: email has the largest conversion lift and display the
-- smallest; Shapley values rank them so on 20,000 customers.
SELECT c.channel, round(c.share::numeric, 3) AS shapley_share
  FROM unnest((SELECT clientele.attribution_shapley(path, converted, value) FROM clientele.demo_paths(20000))) c
 ORDER BY c.share DESC;
-- Errors.
SELECT * FROM clientele.demo_paths(10, 42, 13);
SELECT * FROM clientele.demo_paths(-1);

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_attribution_demo CASCADE;
