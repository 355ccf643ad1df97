-- Attribution across touchpoints, and buzz as a leading indicator.
\pset footer off
\set ON_ERROR_STOP 1
SET timezone = 'UTC';

\echo
\echo '=== Customer journeys: touchpoints and conversions of 20,000 customers over 8 channels ==='
CREATE TABLE journey_touches AS SELECT * FROM clientele.demo_touchpoints(20000);
CREATE TABLE journey_conversions AS SELECT * FROM clientele.demo_conversions(20000);
SELECT (SELECT count(*) FROM journey_touches) AS touches, (SELECT count(*) FROM journey_conversions) AS conversions,
       (SELECT round(sum(value)) FROM journey_conversions) AS revenue, (SELECT round(sum(cost)) FROM journey_touches) AS spend;
\echo 'Paths (lookback 30 days, a journey ends after 7 quiet days):'
\timing on
CREATE TABLE journey_paths AS SELECT * FROM clientele.attribution_paths('journey_touches', 'journey_conversions');
\timing off
SELECT customer, array_to_string(path, ' > ') AS path, converted, value
  FROM journey_paths WHERE customer::int IN (2, 3, 5, 8) ORDER BY customer::int, touch_times[1];

\echo
\echo '=== Conversions credited to each channel by every model (one call) ==='
\timing on
SELECT channel, round(first_touch) AS first, round(last_touch) AS last, round(last_non_direct) AS last_non_direct,
       round(linear) AS linear, round(time_decay) AS time_decay, round(position_based) AS "40/20/40",
       round(markov) AS markov, round(shapley) AS shapley
  FROM clientele.attribution_compare('journey_touches', 'journey_conversions') ORDER BY shapley DESC;
\timing off
\echo 'The generator''s truth: conversion lift email > paid_search > affiliate > organic_search > video > social > direct > display.'

\echo
\echo '=== ROI per channel: last touch versus Shapley ((value credited - cost) / cost) ==='
SELECT channel, round(cost) AS cost,
       round(max(value) FILTER (WHERE model = 'last_touch')) AS value_last_touch,
       round(max(roi) FILTER (WHERE model = 'last_touch')::numeric, 1) AS roi_last_touch,
       round(max(value) FILTER (WHERE model = 'shapley')) AS value_shapley,
       round(max(roi) FILTER (WHERE model = 'shapley')::numeric, 1) AS roi_shapley
  FROM clientele.attribution_report('journey_touches', 'journey_conversions')
 WHERE cost > 0 GROUP BY channel, cost ORDER BY roi_shapley DESC;

\echo
\echo '=== A product launch: Lumea''s Aurora serum, launched on 2026-03-02 after a teaser campaign ==='
CREATE TABLE launch_posts AS
SELECT m.*, clientele.sentiment(m.body) AS sentiment FROM clientele.demo_launch_messages() m;
CREATE TABLE launch_sales AS SELECT * FROM clientele.demo_launch_sales();
CREATE TABLE launch_buzz AS
SELECT * FROM clientele.buzz_timeline('launch_posts', sentiment_column => 'sentiment');
\echo 'The buzz curve, by week (share of voice and net sentiment of Lumea among three brands):'
SELECT to_char(bucket_start, 'YYYY-MM-DD') AS week, volume, round(share_of_voice::numeric, 2) AS sov,
       round(net_sentiment::numeric, 2) AS net, rpad(repeat('█', (volume / 40)::int), 40) AS buzz
  FROM clientele.buzz_timeline('launch_posts', bucket => '7 days', sentiment_column => 'sentiment',
                               baseline_buckets => 4, origin => '2026-01-01')
 WHERE brand = 'Lumea' ORDER BY bucket_start;
\echo 'The first days flagged against a trailing 28-day robust baseline (the viral teaser of 2026-02-10, then the ramp):'
SELECT to_char(bucket_start, 'YYYY-MM-DD') AS day, volume, volume_baseline AS baseline_median,
       round(volume_z::numeric, 1) AS robust_z, anomaly
  FROM launch_buzz WHERE brand = 'Lumea' AND anomaly IS NOT NULL ORDER BY bucket_start LIMIT 6;

\echo
\echo '=== Does the buzz lead the sales? Correlation of daily buzz volume with sales L days later ==='
CREATE TABLE launch_series AS
SELECT array_agg(b.volume::float8 ORDER BY b.bucket_start) AS buzz, array_agg(s.units::float8 ORDER BY b.bucket_start) AS sales
  FROM launch_buzz b JOIN launch_sales s ON s.day = b.bucket_start::date WHERE b.brand = 'Lumea';
SELECT lag, round(correlation::numeric, 3) AS r, rpad(repeat('█', greatest(0, (correlation * 40)::int)), 40) AS chart
  FROM launch_series, clientele.lag_correlations(buzz, sales, 0, 28) WHERE lag % 2 = 0 ORDER BY lag;
SELECT lag AS best_lag_days, round(correlation::numeric, 3) AS r, round(ci_low::numeric, 3) AS ci95_low,
       round(ci_high::numeric, 3) AS ci95_high, n AS days
  FROM launch_series, clientele.lead_lag(buzz, sales, 0, 28);
\echo 'The generator made sales follow the buzz 14 days later.'
