-- The README demo, clustering and audiences: k-means on 100,000 demo customers,
-- the portraits of the clusters, then a campaign audience built in one expression.  Run by test/demo.sh after
-- test/demo.sql, in the same database.
\pset footer off
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET search_path = public, clientele;

\echo
\echo '=== Customers as features: 8 numbers per customer, standardised ==='
CREATE TABLE demo_clients AS SELECT * FROM clientele.demo_customers(100000);
CREATE TABLE demo_buys AS SELECT customer_id, purchased_at, category, amount FROM clientele.demo_purchases(100000);
CREATE TABLE client_features AS
SELECT c.customer_id,
       ARRAY[count(*) - 1, sum(p.amount), avg(p.amount),
             extract(epoch FROM '2026-03-15'::timestamptz - max(p.purchased_at)) / 86400,
             extract(epoch FROM '2026-03-15'::timestamptz - c.signup_at) / 86400,
             count(DISTINCT p.category),
             c.optin_email::int + c.optin_sms::int + c.optin_push::int + c.optin_post::int,
             left(c.age_band, 2)::int]::float8[] AS raw
  FROM demo_clients c JOIN demo_buys p USING (customer_id)
 GROUP BY c.customer_id, c.signup_at, c.optin_email, c.optin_sms, c.optin_push, c.optin_post, c.age_band;
CREATE TABLE client_scaling AS SELECT clientele.feature_stats(raw) AS s FROM client_features;
ALTER TABLE client_features ADD COLUMN f float8[], ADD COLUMN cluster int;
UPDATE client_features SET f = clientele.standardize(raw, (SELECT s FROM client_scaling));
VACUUM ANALYZE client_features;
SELECT name AS feature, round(m::numeric, 1) AS mean, round(sd::numeric, 1) AS stddev
  FROM client_scaling, unnest(ARRAY['repeat purchases', 'spend (EUR)', 'basket (EUR)', 'days since last purchase',
                                    'days since first purchase', 'categories bought', 'opt-ins', 'age (band start)'],
                              (s).mean, (s).stddev) AS u(name, m, sd);

\echo
\echo '=== How many clusters? k-means on a 1,000-customer sample for k = 2..8 ==='
CREATE TABLE client_sample AS SELECT clientele.kmeans_sample(f, 1000, 1) AS s FROM client_features;
SELECT k, round(inertia::numeric) AS inertia,
       round((inertia / lag(inertia) OVER (ORDER BY k))::numeric, 2) AS inertia_ratio,
       round(silhouette::numeric, 3) AS silhouette
  FROM client_sample, clientele.kmeans_choose_k(s, 2, 8, 1) ORDER BY k;

\echo
\echo '=== k-means, k = 5 (a marketing choice: the silhouette is flat above 3), on every customer, one parallel pass per iteration ==='
\timing on
CREATE TABLE client_model AS SELECT clientele.kmeans_table('client_features', 'f', 5, 50, 1e-3, 1) AS m;
\timing off
SELECT clientele.kmeans_iterations(m) AS iterations, round(clientele.kmeans_inertia(m)::numeric) AS inertia,
       round(clientele.kmeans_silhouette(m, (SELECT s FROM client_sample))::numeric, 3) AS silhouette
  FROM client_model;
\echo 'The clusters, centroids back in the original units:'
SELECT c.cluster, c.size, round(100.0 * c.size / sum(c.size) OVER (), 1) AS pct,
       round(u[1]::numeric, 1) AS repeats, round(u[2]::numeric) AS spend, round(u[3]::numeric) AS basket,
       round(u[4]::numeric) AS recency_days, round(u[5]::numeric) AS tenure_days,
       round(u[6]::numeric, 1) AS categories, round(u[7]::numeric, 1) AS optins, round(u[8]::numeric) AS age
  FROM client_model, clientele.kmeans_clusters(m) c,
       LATERAL clientele.unstandardize(c.centroid, (SELECT s FROM client_scaling)) u
 ORDER BY u[2] DESC;
UPDATE client_features SET cluster = clientele.kmeans_assign((SELECT m FROM client_model), f);
\echo 'Who is in them: language, country and preferred channel by cluster (%):'
SELECT f.cluster, round(100.0 * avg((c.lang = 'fr')::int), 1) AS pct_french,
       round(100.0 * avg((c.country = 'US')::int), 1) AS pct_us,
       mode() WITHIN GROUP (ORDER BY c.preferred_channel) AS usual_channel,
       mode() WITHIN GROUP (ORDER BY c.age_band) AS usual_age_band
  FROM client_features f JOIN demo_clients c USING (customer_id)
 GROUP BY f.cluster ORDER BY f.cluster;
\echo 'Portraits: the three most over-represented traits of each cluster (clientele.portrait, z test):'
SELECT k AS cluster, l.attribute, l.value, round(100 * l.segment_share::numeric, 1) AS pct_in_cluster,
       round(100 * l.population_share::numeric, 1) AS pct_overall, round(l.lift::numeric, 2) AS lift,
       round(l.z::numeric, 1) AS z
  FROM (SELECT k, clientele.portrait(t.cluster = k, t.traits) AS p
          FROM (SELECT f.cluster,
                       jsonb_build_object('age_band', c.age_band, 'gender', c.gender, 'country', c.country,
                                          'lang', c.lang, 'preferred_channel', c.preferred_channel,
                                          'optin_sms', c.optin_sms, 'optin_push', c.optin_push) AS traits
                  FROM client_features f JOIN demo_clients c USING (customer_id) OFFSET 0) t,
               generate_series(1, 5) k
         GROUP BY k) s,
       LATERAL unnest(p) WITH ORDINALITY AS l(attribute, value, segment_count, population_count, segment_share,
                                             population_share, lift, z, p_value, rank)
 WHERE l.rank <= 3
 ORDER BY k, l.rank;

\echo
\echo '=== Audiences: (champions & french) - contacted_last_7_days, in one expression ==='
CREATE TABLE client_rfm AS
SELECT customer_id, clientele.rfm_segment(r, f, m) AS segment
  FROM (SELECT customer_id,
               clientele.rfm_score() OVER (ORDER BY max(purchased_at)) AS r,
               clientele.rfm_score() OVER (ORDER BY count(*)) AS f,
               clientele.rfm_score() OVER (ORDER BY sum(amount)) AS m
          FROM demo_buys GROUP BY customer_id) s;
CREATE TABLE demo_contacts AS
SELECT DISTINCT customer_id FROM clientele.demo_events(100000)
 WHERE kind IN ('email_open', 'email_click', 'sms_click', 'push_open')
   AND occurred_at >= '2026-03-15'::timestamptz - interval '7 days';
CREATE TABLE client_audiences AS
SELECT 'champions' AS name, audience_agg(customer_id) AS members FROM client_rfm WHERE segment = 'Champions'
UNION ALL SELECT 'french', audience_agg(customer_id) FROM demo_clients WHERE lang = 'fr'
UNION ALL SELECT 'contacted_last_7_days', audience_agg(customer_id) FROM demo_contacts
UNION ALL SELECT 'cluster ' || cluster, audience_agg(customer_id) FROM client_features GROUP BY cluster;
SELECT name, cardinality(members) AS members, audience_storage_bytes(members) AS bytes,
       left(members::text, 60) AS text_form
  FROM client_audiences ORDER BY name;
\timing on
CREATE TABLE campaign AS
SELECT (champions & french) - contacted_last_7_days AS target
  FROM (SELECT (SELECT members FROM client_audiences WHERE name = 'champions') AS champions,
               (SELECT members FROM client_audiences WHERE name = 'french') AS french,
               (SELECT members FROM client_audiences WHERE name = 'contacted_last_7_days') AS contacted_last_7_days) a;
\timing off
SELECT cardinality(target) AS campaign_size,
       (SELECT count(*) FROM client_rfm r JOIN demo_clients c USING (customer_id)
         WHERE r.segment = 'Champions' AND c.lang = 'fr'
           AND NOT EXISTS (SELECT 1 FROM demo_contacts k WHERE k.customer_id = c.customer_id)) AS same_count_in_plain_sql
  FROM campaign;
\echo 'Where the campaign''s customers sit among the clusters (audience intersections):'
SELECT a.name AS cluster, cardinality(a.members & c.target) AS in_campaign,
       round(100.0 * cardinality(a.members & c.target) / cardinality(c.target), 1) AS pct_of_campaign
  FROM client_audiences a, campaign c WHERE a.name LIKE 'cluster %' ORDER BY a.name;
\echo 'The first members, back as rows:'
SELECT m.id AS customer_id, c.city, c.age_band, c.preferred_channel
  FROM campaign, audience_members(target) AS m(id) JOIN demo_clients c ON c.customer_id = m.id
 LIMIT 5;
RESET search_path;
