-- Next-best-offer decisions: stages, reason codes, policies, levers, recording.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;
SET extra_float_digits = 0;
SET timezone = 'UTC';
-- start from empty decision tables, whatever an earlier test left there
TRUNCATE clientele.offer, clientele.offer_customer, clientele.contact_policy, clientele.offer_config,
    clientele.offer_feature, clientele.offer_stat, clientele.offer_model, clientele.contact_history,
    clientele.contact_outcome, clientele.offer_purchase, clientele.product_cycle, clientele.store,
    clientele.store_promotion RESTART IDENTITY CASCADE;

INSERT INTO clientele.offer (id, name, channels, value, cost, offer_group, products, eligibility, lever,
                             replenishment_boost, geofence_m, geofence_boost, min_propensity, valid) VALUES
 (1, 'lipstick', '{email,push}', 30, 5, 'makeup', '{lipstick}', '{"attr": "age", "op": ">=", "value": 18}',
  1, 1, 500, 3, 0, '(,)'),
 (2, 'moisturiser-refill', '{email,push,sms}', 25, 3, 'skincare', '{moisturiser}', NULL, 1, 2.5, NULL, 1, 0, '(,)'),
 (3, 'mascara', '{email}', 20, 2, 'makeup', '{mascara}',
  '{"any": [{"attr": "tier", "op": "=", "value": "gold"}, {"attr": "age", "op": "<", "value": 30}]}',
  1.2, 1, NULL, 1, 0, '(,)'),
 (4, 'perfume-vip', '{email,push}', 80, 20, 'fragrance', '{perfume}',
  '{"attr": "tier", "op": "in", "value": ["gold", "platinum"]}', 1, 1, NULL, 1, 0, '(,)'),
 (5, 'summer-sale', '{email}', 15, 0, 'sale', '{}', NULL, 1, 1, NULL, 1, 0, '[2026-06-01, 2026-09-01)'),
 (6, 'niche-serum', '{email}', 50, 5, 'skincare', '{serum}', NULL, 1, 1, NULL, 1, 0.6, '(,)');
INSERT INTO clientele.offer_customer (customer_id, segment, time_zone, opted_out, attributes) VALUES
 (101, 'young', 'Europe/Paris', '{}', '{"age": 25, "tier": "silver"}'),
 (102, 'senior', 'America/New_York', '{sms}', '{"age": 61, "tier": "gold"}'),
 (103, '', 'Asia/Tokyo', '{all}', '{"age": 40}'),
 (104, '', 'UTC', '{}', '{"age": 16}');
-- 101 bought moisturiser every 30 days: the next one is due on 2026-04-01
INSERT INTO clientele.offer_purchase VALUES (101, 'moisturiser', '2026-01-31'), (101, 'moisturiser', '2026-03-02');
INSERT INTO clientele.store VALUES (1, 'Opéra', 48.8708, 2.3317), (2, 'Lyon', 45.7640, 4.8357);
INSERT INTO clientele.store_promotion VALUES (1, 1, '[2026-03-01, 2026-04-01)');

\echo == every stage and reason, no history: priority = propensity x weight x value x lever
-- no statistics yet: propensity = posterior mean of Beta(1, 1) = 0.5;
-- moisturiser: 0.5 x 25 x 2.5 (replenishment due) = 31.25; mascara: 0.5 x 20 x 1.2 = 12
SELECT * FROM clientele.next_best_offers(101, 2, 'email', '2026-03-29 10:00', include_rejected => true);
SELECT rank, offer, priority, levers, reasons FROM clientele.next_best_offers(101, 3, 'email', '2026-03-29 10:00');
-- other customers: gold senior gets perfume; opted out of everything; under age
SELECT customer, offer, stage, rejected_by FROM unnest(ARRAY[102, 103, 104]) customer,
       LATERAL clientele.next_best_offers(customer, 1, 'email', '2026-03-29 10:00', include_rejected => true) n
 ORDER BY customer, offer;
SELECT offer, stage, rejected_by FROM clientele.next_best_offers(102, 1, 'sms', '2026-03-29 10:00', include_rejected => true);
-- validity: the summer sale only from June
SELECT offer, stage FROM clientele.next_best_offers(102, 10, 'email', '2026-07-01 10:00') WHERE offer = 'summer-sale';
-- inactive offers are reported as such
UPDATE clientele.offer SET active = false WHERE id = 4;
SELECT offer, stage, rejected_by FROM clientele.next_best_offers(102, 1, 'email', '2026-03-29 10:00', include_rejected => true)
 WHERE offer = 'perfume-vip';
UPDATE clientele.offer SET active = true WHERE id = 4;

\echo == context weights and geofence
-- 50 m from the Opéra store, which promotes the lipstick until April: lever 3, priority 45
SELECT rank, offer, priority, context_weight, lever, reasons
  FROM clientele.next_best_offers(101, 2, 'push', '2026-03-29 10:00', '{"lat": 48.8712, "lon": 2.3319}');
-- 2 km away: outside the 500 m geofence
SELECT rank, offer, priority FROM clientele.next_best_offers(101, 2, 'push', '2026-03-29 10:00', '{"lat": 48.89, "lon": 2.34}');
-- after the promotion ended
SELECT rank, offer, priority FROM clientele.next_best_offers(101, 2, 'push', '2026-04-02 10:00', '{"lat": 48.8712, "lon": 2.3319}');
-- weights by offer name or offer group
SELECT rank, offer, priority, context_weight, reasons
  FROM clientele.next_best_offers(101, 3, 'email', '2026-03-29 10:00', '{"weights": {"makeup": 3, "moisturiser-refill": 0.5}}');
SELECT count(*) FROM clientele.promotions_near(48.8712, 2.3319, 500, '2026-03-29');
SELECT store_id, name, round(distance_m) FROM clientele.stores_within(48.8712, 2.3319, 1000);

\echo == replenishment
SELECT customer_id, product, purchases, cycle, due_at, overdue FROM clientele.replenishment_due('2026-03-29', '7 days');
-- not yet within the horizon on 2026-03-20 (due 2026-04-01 > 2026-03-27); one cycle late it is dropped
SELECT count(*) FROM clientele.replenishment_due('2026-03-20', '7 days');
SELECT count(*) FROM clientele.replenishment_due('2026-05-02', '7 days');
-- a single purchase uses the product cycle
INSERT INTO clientele.offer_purchase VALUES (102, 'moisturiser', '2026-03-10');
INSERT INTO clientele.offer_purchase SELECT 900 + i, 'moisturiser', '2026-01-01'::timestamptz + j * interval '20 days'
  FROM generate_series(1, 3) i, generate_series(0, 2) j;
SELECT * FROM clientele.learn_product_cycles(5);
SELECT customer_id, product, cycle, due_at FROM clientele.replenishment_due('2026-03-29', '7 days', '{102}');

\echo == contact policies
INSERT INTO clientele.contact_policy (name, kind, channel, max_count, "window")
VALUES ('email-2-per-week', 'cap', 'email', 2, '7 days');
SELECT clientele.record_contact(101, 1, 'email', '2026-03-22 10:00') AS c1 \gset
SELECT clientele.record_contact(101, 3, 'email', '2026-03-26 10:00') AS c2 \gset
-- the window is (at - 7 days, at]: at 03-29 09:59:59 both emails are inside, capped
SELECT offer, stage, rejected_by, policy FROM clientele.next_best_offers(101, 1, 'email', '2026-03-29 09:59:59', include_rejected => true)
 WHERE offer = 'lipstick';
-- window edge: at 03-29 10:00 the email of 03-22 10:00 is exactly 7 days old, hence outside: not capped
SELECT offer, stage, rejected_by FROM clientele.next_best_offers(101, 1, 'email', '2026-03-29 10:00', include_rejected => true)
 WHERE offer = 'lipstick';
SELECT (SELECT count(*) FROM clientele.next_best_offers(101, 1, 'email', '2026-03-29 10:00')) AS decisions_at_edge;
-- the cap is per channel: push is free
SELECT rank, offer FROM clientele.next_best_offers(101, 1, 'push', '2026-03-29 09:00');
-- record_contact refuses what a policy forbids, and records nothing
SELECT clientele.record_contact(101, 2, 'email', '2026-03-28 10:00') IS NULL AS refused;
SELECT count(*) FROM clientele.contact_history WHERE customer_id = 101;

-- suppression: two rejections of makeup within 30 days suppress makeup for 60 days from the second
INSERT INTO clientele.contact_policy (name, kind, offer_group, max_count, "window", outcome, suppress_for)
VALUES ('makeup-rejections', 'suppression', 'makeup', 2, '30 days', 'rejected', '60 days');
SELECT clientele.record_outcome(:c1, 'rejected', '2026-03-22 12:00') > 0 AS recorded;
SELECT offer, stage, rejected_by FROM clientele.next_best_offers(101, 1, 'push', '2026-03-27 10:00', include_rejected => true)
 WHERE offer = 'lipstick';
SELECT clientele.record_outcome(:c2, 'rejected', '2026-03-26 12:00') > 0 AS recorded;
SELECT offer, stage, rejected_by, policy FROM clientele.next_best_offers(101, 1, 'push', '2026-03-27 10:00', include_rejected => true)
 WHERE offer = 'lipstick';
-- 60 days after the second rejection (2026-05-25 12:00) the suppression ends
SELECT offer, stage FROM clientele.next_best_offers(101, 1, 'push', '2026-05-25 11:59', include_rejected => true) WHERE offer = 'lipstick';
SELECT offer, stage FROM clientele.next_best_offers(101, 1, 'push', '2026-05-25 12:00', include_rejected => true) WHERE offer = 'lipstick';
-- rejections further apart than the window do not suppress
INSERT INTO clientele.offer_customer (customer_id, attributes) VALUES (105, '{"age": 30}');
SELECT clientele.record_contact(105, 1, 'push', '2026-01-01') AS c5 \gset
SELECT clientele.record_contact(105, 1, 'push', '2026-02-15') AS c6 \gset
SELECT clientele.record_outcome(:c5, 'rejected', '2026-01-02'), clientele.record_outcome(:c6, 'rejected', '2026-02-16');
SELECT offer, stage FROM clientele.next_best_offers(105, 1, 'push', '2026-02-20', include_rejected => true) WHERE offer = 'lipstick';

-- cooldown: after an acceptance or a purchase of skincare, no skincare for 14 days
INSERT INTO clientele.contact_policy (name, kind, offer_group, cooldown) VALUES ('skincare-cooldown', 'cooldown', 'skincare', '14 days');
SELECT offer, stage, rejected_by, policy FROM clientele.next_best_offers(101, 1, 'push', '2026-03-10 10:00', include_rejected => true)
 WHERE offer_id IN (2, 6) ORDER BY offer_id;
SELECT offer, stage FROM clientele.next_best_offers(101, 1, 'push', '2026-03-16 10:00', include_rejected => true) WHERE offer_id = 2;
SELECT clientele.record_contact(105, 2, 'push', '2026-03-01') AS c7 \gset
SELECT clientele.record_outcome(:c7, 'accepted', '2026-03-02') > 0 AS accepted;
SELECT offer, stage, rejected_by FROM clientele.next_best_offers(105, 1, 'push', '2026-03-15 23:59', include_rejected => true)
 WHERE offer_id IN (2, 6) ORDER BY offer_id;
SELECT offer, stage FROM clientele.next_best_offers(105, 1, 'push', '2026-03-16 00:00', include_rejected => true) WHERE offer_id = 2;

-- quiet hours in the customer's time zone (21:00 to 08:00, across midnight)
INSERT INTO clientele.contact_policy (name, kind, quiet_start, quiet_end) VALUES ('night', 'quiet_hours', '21:00', '08:00');
-- 2026-03-29 19:30 UTC is 21:30 in Paris (summer time began that night) but 15:30 in New York
SELECT c, n.offer, n.stage, n.rejected_by, n.policy
  FROM unnest(ARRAY[101, 102]) c, LATERAL clientele.next_best_offers(c, 1, 'push', '2026-03-29 19:30', include_rejected => true) n
 WHERE n.offer_id = 2;
-- a day earlier Paris was UTC+1: 19:30 UTC is 20:30, not quiet yet; 07:59:59 local is quiet, 08:00 is not
SELECT offer, stage FROM clientele.next_best_offers(101, 1, 'push', '2026-03-28 19:30', include_rejected => true) WHERE offer_id = 2;
SELECT offer, stage FROM clientele.next_best_offers(101, 1, 'push', '2026-03-28 06:59:59', include_rejected => true) WHERE offer_id = 2;
SELECT offer, stage FROM clientele.next_best_offers(101, 1, 'push', '2026-03-28 07:00', include_rejected => true) WHERE offer_id = 2;
-- a policy time zone overrides the customer's
UPDATE clientele.contact_policy SET time_zone = 'Asia/Tokyo' WHERE name = 'night';
SELECT offer, stage FROM clientele.next_best_offers(101, 1, 'push', '2026-03-28 13:00', include_rejected => true) WHERE offer_id = 2;
DELETE FROM clientele.contact_policy WHERE name = 'night';

\echo == suitability and models
-- niche-serum needs a propensity of 0.6: LOW_PROPENSITY with the prior 0.5
SELECT offer, stage, rejected_by, propensity FROM clientele.next_best_offers(102, 1, 'email', '2026-03-29 10:00', include_rejected => true)
 WHERE offer_id = 6;
-- statistics: overall and per segment; the segment's statistics win when it has contacts
INSERT INTO clientele.offer_stat (offer_id, segment, contacts, responses) VALUES (6, '', 98, 78), (6, 'senior', 8, 0)
ON CONFLICT (offer_id, segment) DO UPDATE SET contacts = EXCLUDED.contacts, responses = EXCLUDED.responses;
-- 102 (senior): (1 + 0) / (2 + 8) = 0.1; 104 (no segment): (1 + 78) / (2 + 98) = 0.79
SELECT c, n.stage, n.rejected_by, n.propensity, n.reasons FROM unnest(ARRAY[102, 104]) c,
       LATERAL clientele.next_best_offers(c, 1, 'email', '2026-04-20 10:00', include_rejected => true) n WHERE n.offer_id = 6;
-- Thompson sampling: reproducible with a seed, different with another
SELECT (SELECT array_agg(propensity ORDER BY offer_id) FROM clientele.next_best_offers(104, 5, 'email', '2026-04-20', seed => 1, explore => true, include_rejected => true)) =
       (SELECT array_agg(propensity ORDER BY offer_id) FROM clientele.next_best_offers(104, 5, 'email', '2026-04-20', seed => 1, explore => true, include_rejected => true)) AS reproducible,
       (SELECT array_agg(propensity ORDER BY offer_id) FROM clientele.next_best_offers(104, 5, 'email', '2026-04-20', seed => 1, explore => true, include_rejected => true)) <>
       (SELECT array_agg(propensity ORDER BY offer_id) FROM clientele.next_best_offers(104, 5, 'email', '2026-04-20', seed => 2, explore => true, include_rejected => true)) AS seed_matters;
-- the draw is beta_sample(1 + responses, 1 + failures, seed, customer, offer)
SELECT propensity = clientele.beta_sample(79, 21, 1, 104, 6) AS is_the_posterior_draw, reasons
  FROM clientele.next_best_offers(104, 5, 'email', '2026-04-20', seed => 1, explore => true, include_rejected => true) WHERE offer_id = 6;
-- logistic model on the age attribute: sigma(-2 + 0.05 age)
INSERT INTO clientele.offer_model (offer_id, features, coefficients) VALUES (4, '{age}', '{-2, 0.05}');
UPDATE clientele.offer SET model = 'logistic' WHERE id = 4;
SELECT propensity, abs(propensity - 1 / (1 + exp(2 - 0.05 * 61))) < 1e-12 AS is_sigma, reasons
  FROM clientele.next_best_offers(102, 3, 'email', '2026-04-20 10:00') WHERE offer_id = 4;
-- naive Bayes over binned age: edges {30, 50} give bins 0 (<30), 1 (30-49), 2 (>=50)
INSERT INTO clientele.offer_feature VALUES (1, 'age', '{30, 50}');
UPDATE clientele.offer SET model = 'naive_bayes' WHERE id = 3;
SELECT clientele.feature_bins('{"age": 25}') AS b25, clientele.feature_bins('{"age": 50}') AS b50,
       clientele.feature_bins('{"age": "old"}') AS not_a_number;
SELECT clientele.record_contact(102, 3, 'email', '2026-04-01 10:00') AS c8 \gset
SELECT clientele.record_outcome(:c8, 'accepted', '2026-04-01 11:00') > 0;
SELECT clientele.record_outcome(:c8, 'accepted', '2026-04-01 12:00') > 0 AS second_acceptance;
SELECT segment, contacts, responses, nb_model FROM clientele.offer_stat WHERE offer_id = 3 ORDER BY segment;
-- one positive example in bin 2: P(yes) = 2/3, P(bin 2 | yes) = 2/4, P(no) = 1/3, P(bin 2 | no) = 1/3,
-- so P(yes | bin 2) = (2/3 x 2/4) / (2/3 x 2/4 + 1/3 x 1/3) = 0.75
SELECT propensity, reasons FROM clientele.next_best_offers(102, 3, 'email', '2026-04-20 10:00') WHERE offer_id = 3;

\echo == control group
INSERT INTO clientele.offer_config (control_share, control_seed) VALUES (1, 9);
SELECT offer_id, propensity = clientele.seeded_uniform(3, 102, offer_id) AS random_propensity, reasons
  FROM clientele.next_best_offers(102, 2, 'email', '2026-04-20 10:00', seed => 3) ORDER BY offer_id;
UPDATE clientele.offer_config SET control_share = 0.3;
SELECT round(avg((clientele.seeded_uniform(9, c, 0) < 0.3)::int), 2) AS control_share_of_10000
  FROM generate_series(1, 10000) c;
DELETE FROM clientele.offer_config;

\echo == batch
SELECT * FROM clientele.next_best_offers_batch('{101, 102, 103, 104, 999}', 2, 'email', '2026-04-20 10:00') ORDER BY 1, 2;

\echo == simulation
SELECT scenario, audience, eligible, applicable, suitable, reached, no_offer_share, contacts,
       round(expected_responses::numeric, 4) AS responses, responses_low <= expected_responses AND expected_responses <= responses_high AS ci_brackets,
       round(expected_revenue::numeric, 3) AS revenue, pressure
  FROM clientele.simulate_campaign('{101, 102, 103, 104, 105}',
       '[{"name": "all offers, email", "channels": ["email"], "k": 1},
         {"name": "skincare, email + push", "channels": ["email", "push"], "k": 1, "offers": [2, 6]}]',
       '2026-04-20 10:00', seed => 5);
-- same seed, same intervals; the history is untouched
SELECT (SELECT array_agg(responses_low) FROM clientele.simulate_campaign('{101, 102, 104}', '{"channel": "email"}', '2026-04-20', 5)) =
       (SELECT array_agg(responses_low) FROM clientele.simulate_campaign('{101, 102, 104}', '{"channel": "email"}', '2026-04-20', 5)) AS reproducible;
SELECT count(*) AS contacts_recorded FROM clientele.contact_history;

\echo == bad input
SELECT * FROM clientele.next_best_offers(424242, 1, 'email');
SELECT * FROM clientele.next_best_offers(101, 0, 'email');
SELECT * FROM clientele.next_best_offers(101, 1, NULL);
SELECT * FROM clientele.next_best_offers(101, 1, 'email', now(), '[1]');
SELECT * FROM clientele.next_best_offers(101, 1, 'email', now(), '{"weights": {"makeup": -1}}');
SELECT * FROM clientele.next_best_offers(101, 1, 'email', now(), '{"lat": 48}');
SELECT clientele.record_contact(101, 77, 'email');
SELECT clientele.record_contact(424242, 1, 'email');
SELECT clientele.record_contact(105, 1, 'push', '2026-01-05');
SELECT clientele.record_outcome(424242, 'accepted');
SELECT clientele.record_outcome(:c1, 'loved');
SELECT clientele.record_outcome(:c1, 'opened', '2020-01-01');
INSERT INTO clientele.offer (id, name, channels, eligibility) VALUES (90, 'bad', '{email}', '{"attr": "age", "op": "~", "value": 1}');
INSERT INTO clientele.offer (id, name, channels, eligibility) VALUES (90, 'bad', '{email}', '{"all": [{"attr": "age"}]}');
INSERT INTO clientele.offer (id, name, channels, eligibility) VALUES (90, 'bad', '{email}', '[1, 2]');
INSERT INTO clientele.offer (id, name, channels, value) VALUES (90, 'bad', '{email}', -1);
INSERT INTO clientele.offer (id, name, channels, value) VALUES (90, 'bad', '{email}', 'NaN');
INSERT INTO clientele.offer (id, name, channels, lever) VALUES (90, 'bad', '{email}', 'Infinity');
INSERT INTO clientele.contact_policy (name, kind, channel) VALUES ('bad', 'cap', 'email');
INSERT INTO clientele.contact_policy (name, kind, quiet_start, quiet_end, time_zone) VALUES ('bad', 'quiet_hours', '22:00', '07:00', 'Mars/Olympus');
SELECT clientele.simulate_campaign('{101}', '[]');
SELECT clientele.simulate_campaign('{101}', '{"name": "x"}');
-- rules on data never raise: wrong types and missing facts are false
SELECT clientele.rule_matches('{"attr": "age", "op": ">", "value": 10}', '{"age": "old"}') AS wrong_type,
       clientele.rule_matches('{"not": {"attr": "age", "op": ">", "value": 10}}', '{}') AS missing_negated,
       clientele.rule_matches('{"attr": "tags", "op": "contains", "value": "vip"}', '{"tags": ["new", "vip"]}') AS contains,
       clientele.rule_matches('{"attr": "age", "op": "exists", "value": false}', '{}') AS absent,
       clientele.rule_matches('{"all": []}', '{}') AS empty_all, clientele.rule_matches('{"any": []}', '{}') AS empty_any;

\echo == several contacts in one call (customers locked in ascending order)
SELECT customer_id, offer_id, contact_id IS NOT NULL AS recorded
  FROM clientele.record_contacts('{105, 104, 104}', '{2, 2, 1}', 'push', '2026-06-01 10:00') ORDER BY 1, 2;
SELECT clientele.record_contacts('{105}', '{2, 1}', 'push');

\echo == a zero weight leaves an offer no priority
SELECT offer, stage, rejected_by, priority
  FROM clientele.next_best_offers(101, 1, 'push', '2026-06-02 10:00', '{"weights": {"lipstick": 0}}', include_rejected => true)
 WHERE offer = 'lipstick';
