-- Next best offers: the demo customers, 50 offers, contact policies,
-- replenishment, a geofence, a real-time trigger and a campaign simulation.
\pset footer off
\set ON_ERROR_STOP 1

\echo
\echo '=== Next best offer: 20,000 demo customers, 50 offers, 5 contact policies, 4 weeks of history ==='
SELECT * FROM clientele.demo_offers_load(20000);
SELECT name, kind, coalesce(channel, 'any') AS channel, coalesce(max_count || ' per ' || "window", cooldown::text,
       quiet_start || '-' || quiet_end) AS rule FROM clientele.contact_policy ORDER BY id;

\echo
\echo '--- Customer 2 (Nice, 25-34), email, Sunday 15 March 2026 10:00 UTC: the three best offers and why ---'
SELECT rank, offer, round(priority::numeric, 2) AS priority, round(propensity::numeric, 3) AS propensity,
       value, lever, reasons
  FROM clientele.next_best_offers(2, 3, 'email', '2026-03-15 10:00+00');

\echo '--- ... and what every stage filtered out (first ten) ---'
SELECT offer, stage, rejected_by, policy
  FROM clientele.next_best_offers(2, 3, 'email', '2026-03-15 10:00+00', include_rejected => true)
 WHERE stage NOT IN ('selected', 'ranked_out') LIMIT 10;

\echo
\echo '--- Replenishment: customers whose product runs out within a week (sample) ---'
SELECT customer_id, product, purchases, justify_hours(date_trunc('day', cycle)) AS cycle, due_at::date
  FROM clientele.replenishment_due('2026-03-15', '7 days') WHERE due_at >= '2026-03-15'
 ORDER BY customer_id, product LIMIT 5;

\echo
\echo '--- The lipstick story: a Paris customer walks past the Opéra shop (promoting makeup) on push at 15:00 ---'
SELECT c.customer_id, n.rank, n.offer, round(n.priority::numeric, 2) AS priority, n.levers, n.reasons
  FROM (SELECT customer_id FROM clientele.offer_customer
         WHERE attributes ->> 'city' = 'Paris' AND NOT 'push' = ANY (opted_out) ORDER BY customer_id LIMIT 1) c,
       LATERAL clientele.next_best_offers(c.customer_id, 2, 'push', '2026-03-15 15:00+01',
                                          '{"lat": 48.8712, "lon": 2.3319}') n;
\echo '--- the same customer at 22:30 local time: quiet hours ---'
SELECT c.customer_id, n.offer, n.stage, n.rejected_by, n.policy
  FROM (SELECT customer_id FROM clientele.offer_customer
         WHERE attributes ->> 'city' = 'Paris' AND NOT 'push' = ANY (opted_out) ORDER BY customer_id LIMIT 1) c,
       LATERAL clientele.next_best_offers(c.customer_id, 1, 'push', '2026-03-15 22:30+01', include_rejected => true) n
 LIMIT 3;

\echo
\echo '--- Real time: an app event decides and publishes with NOTIFY on commit ---'
CREATE TABLE app_events (id bigserial, customer_id bigint, kind text, product text, lat float8, lon float8,
                         occurred_at timestamptz DEFAULT '2026-03-15 15:00+01');
CREATE TRIGGER next_offer AFTER INSERT ON app_events FOR EACH ROW
    EXECUTE FUNCTION clientele.offer_event_trigger('push', 'offers');
LISTEN offers;
INSERT INTO app_events (customer_id, kind, lat, lon) VALUES (3, 'location', 48.8712, 2.3319);
UNLISTEN offers;

\echo
\echo '--- Record the contact (refused when a policy forbids it), then an outcome ---'
SELECT clientele.record_contact(2, (SELECT offer_id FROM clientele.next_best_offers(2, 1, 'email', '2026-03-15 10:00+00')),
                                'email', '2026-03-15 10:00+00') AS contact_id \gset
SELECT :contact_id AS contact_id, clientele.record_outcome(:contact_id, 'accepted', '2026-03-15 12:00+00') AS outcome_id;

\echo
\echo '--- Thompson sampling for customer 2 on email ten days later: each seed explores differently, reproducibly ---'
SELECT seed, string_agg(offer, ', ' ORDER BY rank) AS offers
  FROM unnest(ARRAY[1, 2, 3]) seed, LATERAL clientele.next_best_offers(2, 3, 'email', '2026-03-25 10:00+00',
                                                                      seed => seed, explore => true) n
 GROUP BY seed ORDER BY seed;

\echo
\echo '--- Campaign simulation before launch: two scenarios, nothing recorded ---'
\timing on
SELECT scenario, audience, eligible, applicable, suitable, reached, round(no_offer_share::numeric, 3) AS no_offer,
       round(expected_responses::numeric) AS responses,
       round(responses_low::numeric) || ' - ' || round(responses_high::numeric) AS responses_95,
       round(expected_revenue::numeric) AS net_revenue,
       round(revenue_low::numeric) || ' - ' || round(revenue_high::numeric) AS revenue_95, pressure
  FROM clientele.simulate_campaign(ARRAY(SELECT customer_id FROM clientele.offer_customer WHERE customer_id <= 5000),
       '[{"name": "spring skincare, email", "channels": ["email"], "offers": [1, 3, 5, 7, 9, 11]},
         {"name": "everything, email + sms", "channels": ["email", "sms"], "k": 1}]',
       '2026-03-15 10:00+00', seed => 42);
\timing off
