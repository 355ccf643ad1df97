-- Segmentation: RFM segments, lifetime value, portraits (docs/segmentation.md).
\pset footer off
\set ON_ERROR_STOP 1

\echo
\echo '=== 100,000 customers of a cosmetics retailer, two years of purchases (drawn from a known BG/NBD model) ==='
\timing on
CREATE TABLE customers AS SELECT * FROM clientele.demo_customers(100000);
CREATE TABLE purchases AS SELECT * FROM clientele.demo_purchases(100000);
\timing off
SELECT count(*) AS purchases, count(DISTINCT customer_id) AS customers, round(avg(amount), 2) AS avg_basket,
       min(purchased_at)::date AS first_day, max(purchased_at)::date AS last_day
  FROM purchases;

\echo
\echo '=== RFM in one statement: quintile scores (window function) and named segments (editable rules) ==='
\timing on
CREATE TABLE rfm AS
SELECT customer_id,
       clientele.rfm_score() OVER (ORDER BY max(purchased_at)) AS r,
       clientele.rfm_score() OVER (ORDER BY count(*)) AS f,
       clientele.rfm_score() OVER (ORDER BY sum(amount)) AS m,
       count(*) AS orders, sum(amount) AS spent, max(purchased_at) AS last_order
  FROM purchases GROUP BY customer_id;
\timing off
SELECT clientele.rfm_segment(r, f, m) AS segment, count(*) AS customers,
       round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct,
       round(avg(orders), 1) AS avg_orders, round(avg(spent), 0) AS avg_spent,
       round(avg(extract(epoch FROM '2026-03-15 00:00+00' - last_order) / 86400)) AS days_since_last
  FROM rfm GROUP BY 1 ORDER BY avg(spent) DESC;

\echo
\echo '=== Lifetime value: BG/NBD and Gamma-Gamma fitted in C (true model: r 0.75, alpha 6, a 0.8, b 4; p 6, q 4, gamma 18) ==='
CREATE TABLE summary AS
SELECT customer_id, (count(*) - 1)::float8 AS x,
       extract(epoch FROM max(purchased_at) - min(purchased_at)) / 604800 AS t_x,
       extract(epoch FROM '2026-03-15 00:00+00' - min(purchased_at)) / 604800 AS t_cal,
       count(*)::float8 AS n, avg(amount)::float8 AS m
  FROM purchases GROUP BY customer_id;
\timing on
CREATE TABLE models AS
SELECT (SELECT clientele.bgnbd_fit(x, t_x, t_cal) FROM summary) AS bg,
       (SELECT clientele.gammagamma_fit(n, m) FROM summary) AS gg;
\timing off
SELECT 'BG/NBD' AS model, round((bg).r::numeric, 3) AS "r or p", round((bg).alpha::numeric, 3) AS "alpha or q",
       round((bg).a::numeric, 3) AS "a or gamma", round((bg).b::numeric, 3) AS b, round((bg).loglik::numeric) AS loglik,
       (bg).iterations, (bg).converged FROM models
UNION ALL
SELECT 'Gamma-Gamma', round((gg).p::numeric, 3), round((gg).q::numeric, 3), round((gg).gamma::numeric, 3), NULL,
       round((gg).loglik::numeric), (gg).iterations, (gg).converged FROM models;

\echo
\echo '=== Customer value deciles: 12-month CLV (1% monthly discount), P(alive), expected purchases ==='
\timing on
CREATE TABLE ltv AS
SELECT s.customer_id, clientele.p_alive(bg, x, t_x, t_cal) AS p_alive,
       clientele.expected_purchases(bg, 52, x, t_x, t_cal) AS next_year,
       clientele.clv(bg, gg, x, t_x, t_cal, m, 12, 0.01) AS clv
  FROM summary s, models;
\timing off
SELECT decile, count(*) AS customers, round(min(clv)::numeric, 2) AS min_clv, round(avg(clv)::numeric, 2) AS avg_clv,
       round(avg(p_alive)::numeric, 3) AS avg_p_alive, round(avg(next_year)::numeric, 2) AS purchases_next_52_weeks,
       round(100 * sum(clv) / sum(sum(clv)) OVER ()) AS pct_of_value,
       round(avg(t.alive::int), 3) AS truly_alive
  FROM (SELECT *, ntile(10) OVER (ORDER BY clv DESC) AS decile FROM ltv) l
  JOIN clientele.demo_customer_truth(100000) t USING (customer_id)
 GROUP BY decile ORDER BY decile;

\echo
\echo '=== Portrait of the At Risk segment against all customers (most over-represented first) ==='
SELECT attribute, value, segment_count, round(100 * segment_share::numeric, 1) AS pct_segment,
       round(100 * population_share::numeric, 1) AS pct_all, round(lift::numeric, 2) AS lift, round(z::numeric, 1) AS z
  FROM unnest((SELECT clientele.portrait(clientele.rfm_segment(r, f, m) = 'At Risk',
                                         to_jsonb(c) - 'customer_id' - 'lat' - 'lon' - 'signup_at')
                 FROM rfm JOIN customers c USING (customer_id)))
 WHERE abs(z) > 3 ORDER BY z DESC LIMIT 12;
