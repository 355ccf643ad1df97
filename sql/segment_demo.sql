-- Demo customers, purchases and events: determinism, shapes, and the model
-- they were drawn from (the means of lambda, p and the spend).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;

SELECT * FROM clientele.demo_model();

-- determinism and prefix stability
SELECT (SELECT md5(string_agg(t::text, ',' ORDER BY purchase_id)) FROM clientele.demo_purchases(500, 7) t)
     = (SELECT md5(string_agg(t::text, ',' ORDER BY purchase_id)) FROM clientele.demo_purchases(500, 7) t) AS same_seed_same_rows,
       (SELECT md5(string_agg(t::text, ',' ORDER BY purchase_id)) FROM clientele.demo_purchases(500, 7) t)
    <> (SELECT md5(string_agg(t::text, ',' ORDER BY purchase_id)) FROM clientele.demo_purchases(500, 8) t) AS other_seed_other_rows,
       (SELECT md5(string_agg(t::text, ',' ORDER BY customer_id)) FROM clientele.demo_customers(2000, 7) t WHERE customer_id <= 300)
     = (SELECT md5(string_agg(t::text, ',' ORDER BY customer_id)) FROM clientele.demo_customers(300, 7) t) AS customers_prefix_stable,
       (SELECT md5(string_agg(t::text, ',' ORDER BY event_id)) FROM clientele.demo_events(2000, 7) t WHERE customer_id <= 300)
     = (SELECT md5(string_agg(t::text, ',' ORDER BY event_id)) FROM clientele.demo_events(300, 7) t) AS events_prefix_stable;

CREATE TEMP TABLE c AS SELECT * FROM clientele.demo_customers(20000);
CREATE TEMP TABLE pu AS SELECT * FROM clientele.demo_purchases(20000);
CREATE TEMP TABLE ev AS SELECT * FROM clientele.demo_events(20000);
CREATE TEMP TABLE tr AS SELECT * FROM clientele.demo_customer_truth(20000);

SELECT count(*) AS customers, count(DISTINCT customer_id) = 20000 AS ids_unique,
       min(customer_id) = 1 AND max(customer_id) = 20000 AS ids_1_to_n,
       bool_and(signup_at >= '2026-03-15 00:00+00'::timestamptz - interval '104 weeks'
                AND signup_at < '2026-03-15 00:00+00'::timestamptz - interval '26 weeks') AS signup_in_first_78_weeks,
       avg((country = 'US')::int) BETWEEN 0.15 AND 0.22 AS us_share_ok,
       bool_and(CASE country WHEN 'FR' THEN lat BETWEEN 42 AND 52 AND lon BETWEEN -5 AND 9
                             ELSE lat BETWEEN 24 AND 45 AND lon BETWEEN -124 AND -70 END) AS homes_in_country,
       avg((lang = 'fr')::int) FILTER (WHERE country = 'FR') > 0.9 AS french_speak_french,
       count(DISTINCT age_band) AS age_bands, count(DISTINCT city) AS cities,
       bool_and(CASE preferred_channel WHEN 'email' THEN optin_email WHEN 'sms' THEN optin_sms
                WHEN 'push' THEN optin_push WHEN 'post' THEN optin_post END
                OR NOT (optin_email OR optin_sms OR optin_push OR optin_post)) AS preferred_is_opted_in
  FROM c;

-- every customer's first purchase is their signup; purchases in the window
SELECT bool_and(p.first = c.signup_at) AS first_purchase_is_signup,
       count(*) = 20000 AS every_customer_bought
  FROM c JOIN (SELECT customer_id, min(purchased_at) AS first FROM pu GROUP BY 1) p USING (customer_id);
SELECT bool_and(purchased_at < '2026-03-15 00:00+00') AS before_end, bool_and(amount > 0) AS positive_amounts,
       count(DISTINCT product_id) AS products, count(DISTINCT purchase_id) = count(*) AS ids_unique
  FROM pu;

-- the hidden values follow the documented distributions (20,000 draws:
-- standard errors 0.0011, 0.0011 and 0.2; the bounds are 4 of them):
-- E[lambda] = r/alpha = 0.125, E[p] = a/(a+b) = 1/6, E[p/nu] = p*gamma/(q-1) = 36
SELECT abs(avg(purchase_rate) - 0.125) < 0.0045 AS mean_lambda_ok,
       abs(avg(dropout_prob) - 1.0/6) < 0.0045 AS mean_dropout_ok,
       abs(avg(mean_spend) - 36) < 0.8 AS mean_spend_ok,
       abs(variance(purchase_rate) - 0.75/36) < 0.0015 AS var_lambda_ok,
       bool_and(alive = (dropped_at IS NULL)) AS alive_iff_not_dropped
  FROM tr;
-- dropped customers bought nothing after they left, and left at a purchase
SELECT bool_and(last = dropped_at) AS dropout_at_last_purchase
  FROM tr JOIN (SELECT customer_id, max(purchased_at) AS last FROM pu GROUP BY 1) p USING (customer_id)
 WHERE NOT alive;
-- the spend of a customer averages p/nu (1,000 customers with 5+ purchases)
SELECT corr(m, mean_spend) > 0.8 AS spend_follows_truth
  FROM tr JOIN (SELECT customer_id, avg(amount)::float8 AS m FROM pu GROUP BY 1 HAVING count(*) >= 5) p USING (customer_id);

-- events respect opt-ins
SELECT bool_and(NOT (kind LIKE 'email%' AND NOT optin_email)) AS email_only_opted_in,
       bool_and(NOT (kind = 'push_open' AND NOT optin_push)) AS push_only_opted_in,
       bool_and((product_id IS NOT NULL) = (kind IN ('product_view', 'cart_abandon', 'review'))) AS product_events_name_a_product,
       count(DISTINCT kind) AS kinds
  FROM ev JOIN c USING (customer_id);

-- after dropping out, a customer's events come ten times more slowly
WITH d AS (SELECT customer_id, signup_at, dropped_at FROM tr JOIN c USING (customer_id) WHERE NOT alive)
SELECT round(((SELECT count(*) FROM ev JOIN d USING (customer_id) WHERE occurred_at >= dropped_at)
         / (SELECT sum(extract(epoch FROM '2026-03-15 00:00+00' - dropped_at)) FROM d))
       / ((SELECT count(*) FROM ev JOIN d USING (customer_id) WHERE occurred_at < dropped_at)
         / (SELECT sum(extract(epoch FROM dropped_at - signup_at)) FROM d)), 1) AS rate_after_over_before;

-- catalogue and shops
SELECT count(*) AS products, count(*) FILTER (WHERE consumable) AS consumables,
       bool_and(consumable = (repurchase_days IS NOT NULL)) AS interval_iff_consumable
  FROM clientele.demo_products();
SELECT product, repurchase_days FROM clientele.demo_products() WHERE product IN ('moisturiser', 'lipstick', 'shampoo') ORDER BY 1;
SELECT country, count(*) FROM clientele.demo_stores() GROUP BY 1 ORDER BY 1;

-- another model
SELECT abs(avg(purchase_rate) - 0.5) < 0.05 AS other_model_lambda, abs(avg(mean_spend) - 10) < 1 AS other_model_spend
  FROM clientele.demo_customer_truth(5000, 1, '2026-03-15', '{2, 4, 1, 3, 5, 3, 4}');

-- errors
SELECT count(*) FROM clientele.demo_customers(-1);
SELECT count(*) FROM clientele.demo_purchases(10, 1, 'infinity');
SELECT count(*) FROM clientele.demo_purchases(10, 1, '2026-03-15', '{1, 2, 3}');
SELECT count(*) FROM clientele.demo_purchases(10, 1, '2026-03-15', '{1, 2, 3, 4, 5, 6, -7}');
SELECT count(*) FROM clientele.demo_purchases(10, 1, '2026-03-15', '{1, 2, 3, 4, 5, 6, NULL}');
SELECT count(*) FROM clientele.demo_purchases(10, 1, '2026-03-15', '{{1, 2, 3, 4, 5, 6, 7}}');
SELECT count(*) FROM clientele.demo_purchases(NULL);
