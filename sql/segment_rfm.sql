-- RFM: quantile scores as a window function, and named segments from the
-- versioned rule table.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;

-- distinct values: the same groups as ntile(5) (10 rows: two per score)
SELECT v, clientele.rfm_score() OVER (ORDER BY v) AS score, ntile(5) OVER (ORDER BY v) AS ntile
  FROM generate_series(1, 10) v ORDER BY v;
-- ties share the lower score: rank - 1 of each value over n = 10 gives
-- 1 + floor(5 (rank - 1) / 10): values 1,1,1,1 (rank 1) -> 1, 2 (rank 5) -> 3,
-- 3,3 (rank 6) -> 3, 4 (rank 8) -> 4, 5,5 (rank 9) -> 5
SELECT v, clientele.rfm_score() OVER (ORDER BY v) AS score, clientele.rfm_score(3) OVER (ORDER BY v) AS tercile
  FROM unnest(ARRAY[1, 1, 1, 1, 2, 3, 3, 4, 5, 5]) v ORDER BY v;
-- partitions are scored separately; NULL buckets give NULL
SELECT g, v, clientele.rfm_score(2) OVER (PARTITION BY g ORDER BY v) AS half,
       clientele.rfm_score(NULL) OVER (ORDER BY v) AS no_buckets
  FROM (VALUES ('a', 1), ('a', 2), ('b', 5), ('b', 6), ('b', 7), ('b', 8)) t(g, v) ORDER BY g, v;
SELECT clientele.rfm_score(0) OVER (ORDER BY v) FROM generate_series(1, 3) v;

-- one statement over purchases: scores 1-5, recency ascending by last purchase
CREATE TEMP TABLE rfm AS
SELECT customer_id, max(purchased_at) AS last, count(*) AS n, sum(amount) AS spent,
       clientele.rfm_score() OVER (ORDER BY max(purchased_at)) AS r,
       clientele.rfm_score() OVER (ORDER BY count(*)) AS f,
       clientele.rfm_score() OVER (ORDER BY sum(amount)) AS m
  FROM clientele.demo_purchases(5000) GROUP BY customer_id;
-- recency: 1,000 customers per score (timestamps are distinct), the most recent get 5
SELECT r, count(*), min(last) > (SELECT max(last) FROM rfm x WHERE x.r = rfm.r - 1) AS after_lower_scores
  FROM rfm GROUP BY r ORDER BY r;
-- frequency: the 40% with one or two purchases share score 1 (a rank below
-- 2,000 of 5,000); equal counts never get different scores
SELECT f, count(*), min(n), max(n) FROM rfm GROUP BY f ORDER BY f;
SELECT count(*) AS split_ties FROM (SELECT n FROM rfm GROUP BY n HAVING count(DISTINCT f) > 1) s;

-- the built-in rule set: every one of the 125 score triples gets a segment
SELECT clientele.rfm_segment(r, f, m) AS segment, count(*) AS triples
  FROM generate_series(1, 5) r, generate_series(1, 5) f, generate_series(1, 5) m
 GROUP BY 1 ORDER BY 2 DESC, 1;
-- spot checks by hand (first matching rule wins: 5,5,5 is Champions though
-- Loyal Customers would match too; 1,5,5 Can't Lose Them before At Risk)
SELECT r, f, m, clientele.rfm_segment(r, f, m)
  FROM (VALUES (5, 5, 5), (1, 5, 5), (2, 4, 4), (3, 4, 4), (5, 1, 3), (4, 1, 2), (4, 2, 2),
               (3, 3, 3), (3, 1, 1), (1, 1, 1), (2, 1, 1), (3, 4, 1), (0, 0, 0)) t(r, f, m);
SELECT clientele.rfm_segment(NULL, 1, 1) IS NULL AS null_in_null_out;
SELECT clientele.rfm_segment(1, 1, 1, 'nope');

-- the rules are configuration kept by pg_dump, except the built-in version
SELECT c.relname, e.extcondition
  FROM pg_extension x, unnest(x.extconfig, x.extcondition) AS e(oid, extcondition)
  JOIN pg_class c ON c.oid = e.oid
 WHERE x.extname = 'clientele' AND c.relname = 'rfm_rule';
-- the built-in version is read-only
UPDATE clientele.rfm_rule SET segment = 'Stars' WHERE rule_set = 'default' AND priority = 10;
DELETE FROM clientele.rfm_rule WHERE rule_set = 'default' AND version = 1;
INSERT INTO clientele.rfm_rule (rule_set, version, priority, segment) VALUES ('default', 1, 5, 'Everyone');
-- a new version copies the latest one and becomes the one used
SELECT clientele.rfm_rule_set_new_version('default') AS new_version;
UPDATE clientele.rfm_rule SET segment = 'Stars' WHERE rule_set = 'default' AND version = 2 AND priority = 10;
SELECT clientele.rfm_segment(5, 5, 5) AS latest_version, clientele.rfm_segment(5, 5, 5, 'default') AS same;
-- a rule set of one's own, from a copy, edited
SELECT clientele.rfm_rule_set_new_version('beauty', 'default') AS beauty_version;
DELETE FROM clientele.rfm_rule WHERE rule_set = 'beauty' AND priority > 20;
INSERT INTO clientele.rfm_rule (rule_set, version, priority, segment, m_min) VALUES ('beauty', 1, 30, 'Big spenders', 5);
SELECT r, f, m, clientele.rfm_segment(r, f, m, 'beauty')
  FROM (VALUES (5, 5, 5), (1, 4, 4), (3, 3, 5), (3, 3, 3)) t(r, f, m);
-- the rule table's checks
INSERT INTO clientele.rfm_rule (rule_set, version, priority, segment, r_min, r_max) VALUES ('beauty', 1, 40, 'Bad', 4, 2);
SELECT clientele.rfm_rule_set_new_version('missing');
-- a user without privileges scores and segments
CREATE ROLE regress_segment_analyst;
SET ROLE regress_segment_analyst;
SELECT clientele.rfm_segment(5, 5, 5, 'beauty') AS as_analyst,
       (SELECT max(s) FROM (SELECT clientele.rfm_score() OVER (ORDER BY v) AS s FROM generate_series(1, 10) v) x) AS top;
UPDATE clientele.rfm_rule SET segment = 'x' WHERE rule_set = 'beauty';
RESET ROLE;
DROP ROLE regress_segment_analyst;
DELETE FROM clientele.rfm_rule WHERE rule_set = 'beauty' OR version > 1;
