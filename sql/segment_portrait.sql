-- Segment portraits: shares, lift and significance per attribute value.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;

-- ten customers, the segment is 1-4
CREATE TEMP TABLE people(id int, city text, age int, vip boolean, tags jsonb);
INSERT INTO people VALUES
  (1, 'Paris', 30, true, '["a"]'), (2, 'Paris', 30, true, NULL), (3, 'Paris', 40, false, NULL),
  (4, 'Lyon', 30, true, NULL), (5, 'Lyon', 40, false, NULL), (6, 'Paris', 50, false, NULL),
  (7, 'Lyon', 50, false, NULL), (8, 'Lyon', 40, false, NULL), (9, 'Lyon', NULL, false, NULL),
  (10, 'Lyon', 50, false, NULL);
CREATE TEMP TABLE pt AS
SELECT (p).* FROM (SELECT unnest(clientele.portrait(id <= 4, to_jsonb(pe) - 'id')) AS p FROM people pe) s;
SELECT attribute, value, segment_count AS k, population_count AS n, round(segment_share::numeric, 4) AS seg_share,
       round(population_share::numeric, 4) AS pop_share, round(lift::numeric, 4) AS lift,
       round(z::numeric, 4) AS z, round(p_value::numeric, 4) AS p_value
  FROM pt;
-- by hand, Paris: k = 3 of S = 4, n = 4 of N = 10: shares 0.75 and 0.4, lift
-- 1.875; p1 = 3/4, p2 = 1/6, pooled 0.4: z = (7/12) / sqrt(0.24 (1/4 + 1/6)) = 1.8447;
-- two-sided p-values from a normal table: P(|Z| > 1.8447) = 2 (1 - 0.96746) = 0.0651,
-- P(|Z| > 2.5355) = 2 (1 - 0.99439) = 0.0112; and z^2 is Pearson's chi-square of
-- the 2x2 table (computed here from the counts)
SELECT attribute, value,
       abs(z ^ 2 - (SELECT sum((o - e) ^ 2 / e) FROM (VALUES
             (segment_count::float8, 4 * population_count / 10.0),
             (population_count - segment_count, 6 * population_count / 10.0),
             (4 - segment_count, 4 * (10 - population_count) / 10.0),
             (6 - (population_count - segment_count), 6 * (10 - population_count) / 10.0)) t(o, e))) < 1e-12 AS z2_is_chi_square
  FROM pt WHERE z IS NOT NULL ORDER BY 1, 2;
-- NULL membership is skipped; NULL attributes count the customer only; empty input is NULL
SELECT attribute, value, segment_count, population_count, segment_share
  FROM unnest((SELECT clientele.portrait(s, a) FROM (VALUES (true, '{"c": "x"}'::jsonb), (NULL, '{"c": "y"}'), (false, NULL),
                                                      (false, '{"c": "x"}')) t(s, a)));
SELECT clientele.portrait(true, '{}') IS NULL AS empty_is_null FROM people WHERE false;
-- everyone in the segment: no test
SELECT attribute, value, lift, z FROM unnest((SELECT clientele.portrait(true, jsonb_build_object('city', city)) FROM people));
-- errors
SELECT clientele.portrait(true, '[1, 2]') FROM people;
SELECT clientele.portrait(i % 2 = 0, jsonb_build_object('id', i)) FROM generate_series(1, 100001) i;

-- the portrait of a demo segment: heavy buyers opt in to push more
SELECT attribute, value, round(lift::numeric, 2) AS lift, z > 5 AS significant
  FROM unnest((SELECT clientele.portrait(n >= 8, to_jsonb(c) - 'customer_id' - 'lat' - 'lon' - 'signup_at')
                 FROM clientele.demo_customers(5000) c
                 JOIN (SELECT customer_id, count(*) AS n FROM clientele.demo_purchases(5000) GROUP BY 1) p USING (customer_id)))
 LIMIT 3;
