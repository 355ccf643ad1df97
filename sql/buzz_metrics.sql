-- Buzz metrics: net sentiment, robust baselines and spikes, the timeline,
-- lead/lag correlation.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;
CREATE SCHEMA test_buzz_metrics;
SET search_path = test_buzz_metrics, public;
SET timezone = 'UTC';

-- Net sentiment: 2 positive (>= 0.05), 1 negative, 1 neutral of 4 scores
-- (NULL skipped): (2 - 1) / 4.
SELECT clientele.net_sentiment(s) FROM unnest(ARRAY[0.5, -0.5, 0.0, 0.9, NULL]::float8[]) s;
SELECT clientele.net_sentiment(s) FROM unnest('{}'::float8[]) s;
SELECT clientele.net_sentiment(s) FROM unnest(ARRAY[1.5]::float8[]) s;

-- Robust baseline of {1,2,3,4,100}: median 3, |x - 3| = {2,1,0,1,97}, MAD 1,
-- mean deviation 101/5; z of 10 = 7 / 1.4826.
SELECT (clientele.robust_baseline(x)).* FROM unnest(ARRAY[1, 2, 3, 4, 100, NULL]::float8[]) x;
SELECT round(clientele.robust_zscore(10, b)::numeric, 6) AS z, round((7 / 1.4826)::numeric, 6) AS by_hand,
       clientele.anomaly_flag(clientele.robust_zscore(10, b)) AS flag,
       clientele.anomaly_flag(clientele.robust_zscore(-3, b)) AS low_flag,
       clientele.anomaly_flag(clientele.robust_zscore(4, b)) AS normal_flag
  FROM (SELECT clientele.robust_baseline(x) b FROM unnest(ARRAY[1, 2, 3, 4, 100]::float8[]) x) s;
-- More than half equal: MAD 0, so 1.2533 x mean deviation (0.8): z of 9 = 4 / 1.00264.
SELECT round(clientele.robust_zscore(9, b)::numeric, 6) AS z, round((4 / (1.2533 * 0.8))::numeric, 6) AS by_hand
  FROM (SELECT clientele.robust_baseline(x) b FROM unnest(ARRAY[5, 5, 5, 5, 9]::float8[]) x) s;
-- No spread, or fewer than 3 values: no z-score.
SELECT clientele.robust_zscore(9, (SELECT clientele.robust_baseline(x) FROM unnest(ARRAY[5, 5, 5]::float8[]) x)) AS flat,
       clientele.robust_zscore(9, (SELECT clientele.robust_baseline(x) FROM unnest(ARRAY[1, 2]::float8[]) x)) AS too_few,
       (SELECT clientele.robust_baseline(x) FROM unnest('{}'::float8[]) x) AS empty;

-- As a window function over a trailing window (the 4 buckets before).
CREATE TABLE daily (day int, v float8);
INSERT INTO daily VALUES (1, 10), (2, 12), (3, 11), (4, 13), (5, 12), (6, 40), (7, 12), (8, 2);
SELECT day, v, (b).median, (b).mad, round(clientele.robust_zscore(v, b)::numeric, 3) AS z,
       clientele.anomaly_flag(clientele.robust_zscore(v, b)) AS flag
  FROM (SELECT day, v, clientele.robust_baseline(v) OVER (ORDER BY day ROWS BETWEEN 4 PRECEDING AND 1 PRECEDING) b
          FROM daily) w ORDER BY day;

-- Parallel plans: the same baseline and net sentiment as serial.
CREATE TABLE many AS SELECT i, ((hashint4(i) % 1000) / 1000.0)::float8 AS s FROM generate_series(1, 50000) i;
ANALYZE many;
CREATE TABLE serial_res AS SELECT (clientele.robust_baseline(s)).*, clientele.net_sentiment(s) AS net FROM many;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT clientele.robust_baseline(s), clientele.net_sentiment(s) FROM many;
SELECT (SELECT row(median, mad, mean_deviation, n, net)::text FROM serial_res) =
       (SELECT row((b).median, (b).mad, (b).mean_deviation, (b).n, net)::text
          FROM (SELECT clientele.robust_baseline(s) b, clientele.net_sentiment(s) net FROM many) p) AS parallel_equals_serial;
RESET ALL;
SET search_path = test_buzz_metrics, public;
SET timezone = 'UTC';

-- The timeline: two brands over four days, day 3 silent for Alpha.
CREATE TABLE msgs (created_at timestamptz, brand text, body text, reach int, score float8);
INSERT INTO msgs VALUES
 ('2026-03-01 09:00', 'Alpha', 'I love it', 100, 0.6), ('2026-03-01 10:00', 'Alpha', 'awful', 50, -0.5),
 ('2026-03-01 11:00', 'Beta', 'great', 10, 0.7),
 ('2026-03-02 09:00', 'Alpha', 'great', 20, 0.8), ('2026-03-02 12:00', 'Beta', 'meh', 30, 0.0),
 ('2026-03-02 13:00', 'Beta', 'bad', 30, -0.6), ('2026-03-02 14:00', 'Beta', 'bad', 40, -0.6),
 ('2026-03-03 09:00', 'Beta', 'good', 5, 0.5),
 ('2026-03-04 09:00', 'Alpha', 'nice', 1, 0.4), ('2026-03-04 10:00', 'Beta', 'nice', 2, 0.4),
 (NULL, 'Alpha', 'no time', 1, 0.4), ('2026-03-04 10:00', NULL, 'no brand', 2, 0.4);
-- volume, reach, share of voice (Alpha day 1: 2 of 3), net (day 1 Alpha: (1-1)/2 = 0),
-- moving average over 2 buckets (NULL nets skipped), baseline = median of previous buckets (3 needed for z).
SELECT bucket_start::date AS day, brand, volume, reach, round(share_of_voice::numeric, 4) AS sov,
       round(net_sentiment::numeric, 4) AS net, round(net_sentiment_ma::numeric, 4) AS net_ma2,
       volume_baseline, round(volume_z::numeric, 3) AS volume_z, anomaly
  FROM clientele.buzz_timeline('msgs', moving_average_buckets => 2, baseline_buckets => 3, sentiment_column => 'score');
-- With clientele.sentiment() on the text, 12-hour buckets.
SELECT bucket_start, brand, volume, round(net_sentiment::numeric, 4) AS net
  FROM clientele.buzz_timeline('msgs', bucket => '12 hours') WHERE brand = 'Alpha';
SELECT * FROM clientele.buzz_timeline('msgs', bucket => '1 month');
SELECT * FROM clientele.buzz_timeline('msgs', text_column => 'message');

-- Lead/lag: following[t + 3] = 2 leading[t] + 1, so r = 1 at lag 3.
CREATE TABLE series AS
SELECT t, ((t * 7) % 11)::float8 AS x, CASE WHEN t > 3 THEN 2 * (((t - 3) * 7) % 11) + 1 END::float8 AS y
  FROM generate_series(1, 40) t;
SELECT (clientele.lead_lag(array_agg(x ORDER BY t), array_agg(y ORDER BY t), 0, 10)).* FROM series;
-- Each lag against corr() and a Fisher interval computed in SQL.
SELECT c.lag, round(c.correlation::numeric, 6) AS r, c.n,
       abs(c.correlation - (SELECT corr(a.x, b.y) FROM series a JOIN series b ON b.t = a.t + c.lag)) < 1e-12 AS r_matches_corr,
       abs(c.ci_low - tanh(atanh(c.correlation) - 1.959963985 / sqrt(c.n - 3))) < 1e-8
   AND abs(c.ci_high - tanh(atanh(c.correlation) + 1.959963985 / sqrt(c.n - 3))) < 1e-8 AS ci_matches
  FROM series s, LATERAL (SELECT * FROM clientele.lag_correlations(
          (SELECT array_agg(x ORDER BY t) FROM series), (SELECT array_agg(y ORDER BY t) FROM series), -2, 5)) c
 WHERE s.t = 1 ORDER BY c.lag;
-- 90% interval: q = 1.644854.
SELECT round(ci_low::numeric, 6) AS ci_low, round(tanh(atanh(correlation) - 1.644853627 / sqrt(n - 3))::numeric, 6) AS by_hand
  FROM clientele.lag_correlations((SELECT array_agg(x ORDER BY t) FROM series), (SELECT array_agg(y ORDER BY t) FROM series), 1, 1, 0.90);
-- Constant series and too few pairs give NULLs.
SELECT * FROM clientele.lag_correlations(ARRAY[1, 1, 1, 1, 1]::float8[], ARRAY[1, 2, 3, 4, 5]::float8[], 0, 0);
SELECT * FROM clientele.lag_correlations(ARRAY[1, 2, 3]::float8[], ARRAY[1, 2, 4]::float8[], 0, 2);
-- Errors.
SELECT * FROM clientele.lag_correlations(ARRAY[1, 2]::float8[], ARRAY[1, 2, 3]::float8[]);
SELECT * FROM clientele.lag_correlations(ARRAY[1, 2]::float8[], ARRAY[1, 2]::float8[], 5, 1);
-- bounds at the ends of the int range (their difference overflows 32 bits)
SELECT * FROM clientele.lag_correlations(ARRAY[1, 2]::float8[], ARRAY[1, 2]::float8[], -2147483648, 3);
SELECT * FROM clientele.lead_lag(ARRAY[1, 2]::float8[], ARRAY[1, 2]::float8[], 2147483640, 2147483647);
SELECT * FROM clientele.lag_correlations(ARRAY[1, 2]::float8[], ARRAY[1, 2]::float8[], 0, 1, 1.5);

-- The demo launch: sales follow the expected buzz lag_days later; the lag is found.
SELECT lag_days, (r).lag AS lag_found, round((r).correlation::numeric, 3) AS r,
       round((r).ci_low::numeric, 3) AS ci_low, round((r).ci_high::numeric, 3) AS ci_high
  FROM (VALUES (14), (7)) l(lag_days),
       LATERAL (SELECT clientele.lead_lag(array_agg(v.volume ORDER BY v.day), array_agg(s.units::float8 ORDER BY v.day), 0, 30) AS r
                  FROM (SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*)::float8 AS volume
                          FROM clientele.demo_launch_messages() WHERE brand = 'Lumea' GROUP BY 1) v
                  JOIN clientele.demo_launch_sales(lag_days => l.lag_days) s ON s.day = v.day) x;
SELECT count(*) AS messages, count(DISTINCT brand) AS brands, min(created_at)::date AS first_day
  FROM clientele.demo_launch_messages();
SELECT * FROM clientele.demo_launch_messages(10, 12);

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_buzz_metrics CASCADE;
