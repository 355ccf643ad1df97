-- The single-decision path (next_best_offers in one C call, and its pieces
-- offer_policy_inputs + offer_rank) against the set-based path
-- (offer_evaluate) on demo customers: every offer of every case, compared
-- column by column, at many times including the exact edges of every
-- policy window, on every channel, in several session time zones; then the
-- same through the SPI road that row-level security sends it on.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;
SET extra_float_digits = 0;
SET timezone = 'UTC';

-- the demo keys some draws by contact id: start the sequences afresh, whatever ran before
SELECT setval('clientele.contact_history_id_seq', 1, false), setval('clientele.contact_outcome_id_seq', 1, false);
SELECT * FROM clientele.demo_offers_load(600, 7, '2026-03-15');
-- more policies, so every kind and scope is exercised: group scopes, a
-- calendar window, quiet hours in a policy zone with a 45-minute offset and
-- in the customer's zone without wrapping, an inactive policy
INSERT INTO clientele.contact_policy (name, kind, channel, offer_group, max_count, "window", outcome,
                                      suppress_for, cooldown, quiet_start, quiet_end, time_zone, active) VALUES
    ('makeup: 1 a month', 'cap', NULL, 'makeup', 1, '1 month', NULL, NULL, NULL, NULL, NULL, NULL, true),
    ('skincare clicks: 10 days off', 'suppression', NULL, 'skincare', 1, '3 days', 'clicked', '10 days', NULL, NULL, NULL, NULL, true),
    ('opened: 3 days off the offer', 'suppression', 'email', NULL, 1, '1 day', 'opened', '3 days', NULL, NULL, NULL, NULL, true),
    ('fragrance after acceptance', 'cooldown', 'email', 'fragrance', NULL, NULL, NULL, NULL, '21 days', NULL, NULL, NULL, true),
    ('sms lunch in Kathmandu', 'quiet_hours', 'sms', NULL, NULL, NULL, NULL, NULL, NULL, '12:00', '13:30', 'Asia/Kathmandu', true),
    ('email office hours', 'quiet_hours', 'email', 'skincare', NULL, NULL, NULL, NULL, NULL, '09:00', '09:30', NULL, true),
    ('sms: never (inactive)', 'cap', 'sms', NULL, 1, '1 year', NULL, NULL, NULL, NULL, NULL, NULL, false);
INSERT INTO clientele.offer_config (control_share, control_seed) VALUES (0.1, 3);

-- the cases: customers x channels x times; times are fixed hours around two
-- summer-time changes, and the instants where a contact, an outcome or a
-- purchase leaves a policy window (exactly at the edge, one second before
-- and after)
CREATE TEMP TABLE cases AS
WITH t AS (
    SELECT '2026-03-15 10:00+00'::timestamptz + make_interval(hours => h * 7) AS at
      FROM generate_series(-24, 6) h
    UNION SELECT '2026-03-29 00:59:59+00' UNION SELECT '2026-03-29 01:00:00+00'
),
edges AS (
    SELECT h.customer_id, h.contacted_at + w.w + s.s AS at
      FROM (SELECT * FROM clientele.contact_history ORDER BY id LIMIT 80) h,
           (VALUES (interval '7 days'), (interval '1 month')) w(w), (VALUES (interval '-1 s'), ('0'), ('1 s')) s(s)
    UNION ALL
    SELECT x.customer_id, x.occurred_at + w.w + s.s
      FROM (SELECT * FROM clientele.contact_outcome ORDER BY id LIMIT 80) x,
           (VALUES (interval '60 days'), ('14 days'), ('21 days'), ('10 days'), ('3 days')) w(w),
           (VALUES (interval '-1 s'), ('0'), ('1 s')) s(s)
    UNION ALL
    SELECT p.customer_id, p.purchased_at + interval '14 days' + s.s
      FROM (SELECT * FROM clientele.offer_purchase ORDER BY customer_id, product, purchased_at LIMIT 60) p,
           (VALUES (interval '-1 s'), ('0'), ('1 s')) s(s)
)
SELECT row_number() OVER (ORDER BY customer_id, channel, at, ctx::text) AS case_id, *
  FROM (SELECT c.customer_id, ch.channel, t.at, '{}'::jsonb AS ctx
          FROM (SELECT customer_id FROM clientele.offer_customer ORDER BY customer_id LIMIT 16) c,
               (VALUES ('email'), ('sms'), ('push')) ch(channel), t
        UNION ALL
        SELECT e.customer_id, ch.channel, e.at, '{}' FROM edges e, (VALUES ('email'), ('sms')) ch(channel)
        UNION ALL   -- contexts: a location in Paris (geofences) and weights
        SELECT c.customer_id, 'push', '2026-03-15 10:00+00',
               '{"lat": 48.8708, "lon": 2.3317, "weights": {"makeup": 2.5}}'
          FROM (SELECT customer_id FROM clientele.offer_customer ORDER BY customer_id LIMIT 40) c) x;
SELECT count(*) AS cases, count(DISTINCT customer_id) AS customers FROM cases;

-- one comparison under the session's time zone
CREATE FUNCTION pg_temp.compare(modulus int) RETURNS TABLE(pairs bigint, differing bigint, pieces_differing bigint,
    cap bigint, quiet bigint, suppressed bigint, cooldown bigint, opted_out bigint, selected bigint)
LANGUAGE sql AS $$
    WITH slow AS (
        SELECT c.case_id, e.offer_id, e.stage, e.rejected_by, e.policy, e.priority, e.propensity,
               e.context_weight, e.value, e.lever, e.levers, e.reasons, e.rank
          FROM cases c, LATERAL clientele.offer_evaluate(ARRAY[c.customer_id], c.channel, c.at, c.ctx) e
         WHERE c.case_id % modulus = 0
    ), fast AS (   -- next_best_offers() with every offer: ranked ones are 'selected'
        SELECT c.case_id, n.offer_id, CASE WHEN n.stage = 'selected' THEN 'arbitration' ELSE n.stage END,
               n.rejected_by, n.policy, n.priority, n.propensity,
               n.context_weight, n.value, n.lever, n.levers, n.reasons, n.rank
          FROM cases c,
               LATERAL clientele.next_best_offers(c.customer_id, 1000, c.channel, c.at, c.ctx,
                                                  include_rejected => true) n
         WHERE c.case_id % modulus = 0
    ), pieces AS (   -- and its pieces, as SQL can call them
        SELECT c.case_id, r.offer_id, r.stage, r.rejected_by, r.policy, r.priority, r.propensity,
               r.context_weight, r.value, r.lever, r.levers, r.reasons, r.rank
          FROM cases c,
               LATERAL clientele.offer_policy_inputs(c.customer_id, c.channel, c.at, c.ctx) p,
               LATERAL clientele.offer_rank(c.customer_id, p.segment, p.facts, p.bins, p.in_control, p.opted_out,
                   p.blocked_offers, p.blocked_codes, p.blocked_policies, p.due_products, p.near_offers,
                   c.channel, c.at, c.ctx, 0, false, NULL, NULL) r
         WHERE c.case_id % modulus = 0
    )
    SELECT count(*),
           count(*) FILTER (WHERE s IS DISTINCT FROM f OR s.case_id IS NULL OR f.case_id IS NULL),
           count(*) FILTER (WHERE s IS DISTINCT FROM p OR p.case_id IS NULL),
           count(*) FILTER (WHERE s.rejected_by = 'CONTACT_CAP'),
           count(*) FILTER (WHERE s.rejected_by = 'QUIET_HOURS'),
           count(*) FILTER (WHERE s.rejected_by = 'SUPPRESSED'),
           count(*) FILTER (WHERE s.rejected_by = 'COOLDOWN'),
           count(*) FILTER (WHERE s.rejected_by = 'OPTED_OUT'),
           count(*) FILTER (WHERE s.stage = 'arbitration')
      FROM slow s FULL JOIN fast f ON f.case_id = s.case_id AND f.offer_id = s.offer_id
      LEFT JOIN pieces p ON p.case_id = s.case_id AND p.offer_id = s.offer_id
$$;

\echo == every (case, offer): same stage, reason, policy, propensity, priority, levers and rank
SELECT * FROM pg_temp.compare(2);
-- calendar windows ('1 month', days across a summer-time change) follow the session zone
SET timezone = 'America/New_York';
SELECT * FROM pg_temp.compare(6);
SET timezone = 'Asia/Kathmandu';
SELECT * FROM pg_temp.compare(6);
SET timezone = 'UTC';

\echo == the window edges are exercised: a contact exactly one window old no longer counts
-- contacts of the demo's email cap (2 a week) at their edge: blocked one second
-- before, free at the edge, decided by the fast path exactly as by the set path
SELECT s.s AS shift,
       count(*) FILTER (WHERE EXISTS (SELECT FROM clientele.next_best_offers(h.customer_id, 1, 'email',
                            h.contacted_at + interval '7 days' + s.s, include_rejected => true) n
                                       WHERE n.rejected_by = 'CONTACT_CAP')) AS capped_fast,
       count(*) FILTER (WHERE EXISTS (SELECT FROM clientele.offer_evaluate(ARRAY[h.customer_id], 'email',
                            h.contacted_at + interval '7 days' + s.s) e WHERE e.rejected_by = 'CONTACT_CAP'))
           AS capped_set
  FROM (SELECT * FROM clientele.contact_history WHERE channel = 'email' ORDER BY id LIMIT 100) h,
       (VALUES (interval '-1 s'), ('0'), ('1 s')) s(s)
 GROUP BY s.s ORDER BY s.s;

\echo == next_best_offers (the fast path) equals the set-based top 3
SELECT count(*) AS decisions,
       count(*) FILTER (WHERE a IS DISTINCT FROM b) AS differing
  FROM (SELECT c.case_id, array_agg(n.offer_id ORDER BY n.rank) AS a
          FROM cases c, LATERAL clientele.next_best_offers(c.customer_id, 3, c.channel, c.at, c.ctx) n
         WHERE c.case_id % 10 = 0 GROUP BY c.case_id) x
  FULL JOIN (SELECT c.case_id, array_agg(e.offer_id ORDER BY e.rank) AS b
               FROM cases c, LATERAL clientele.offer_evaluate(ARRAY[c.customer_id], c.channel, c.at, c.ctx,
                                                              0, false, NULL, 3) e
              WHERE c.case_id % 10 = 0 GROUP BY c.case_id) y USING (case_id);

\echo == a policy change reaches the cached policies of the fast path at once
UPDATE clientele.contact_policy SET active = false WHERE name = 'email: 2 a week';
SELECT * FROM pg_temp.compare(6);
UPDATE clientele.contact_policy SET "window" = '8 days', active = true WHERE name = 'email: 2 a week';
SELECT * FROM pg_temp.compare(6);

\echo == a change of the settings, features or product cycles reaches the cached copies at once
UPDATE clientele.offer_config SET control_share = 0.3, control_seed = 11;
SELECT * FROM pg_temp.compare(6);
UPDATE clientele.product_cycle SET cycle = cycle * 2;
SELECT * FROM pg_temp.compare(6);
UPDATE clientele.offer_feature SET edges = edges[2:] WHERE position = 1;
SELECT * FROM pg_temp.compare(6);
-- and inside a transaction that is rolled back, then after it
BEGIN;
UPDATE clientele.offer SET active = NOT active WHERE id % 3 = 0;
SELECT * FROM pg_temp.compare(12);
ROLLBACK;
SELECT * FROM pg_temp.compare(12);

\echo == the SPI road: row-level security in force, or no SELECT privilege, for a role
CREATE ROLE regress_offer_app;
GRANT USAGE ON SCHEMA clientele TO regress_offer_app;
GRANT SELECT ON clientele.offer_customer, clientele.contact_history, clientele.contact_outcome,
      clientele.offer_purchase TO regress_offer_app;
GRANT SELECT ON cases TO regress_offer_app;
-- the role sees every contact but the email ones, and only rejections among outcomes
ALTER TABLE clientele.contact_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE clientele.contact_outcome ENABLE ROW LEVEL SECURITY;
CREATE POLICY app_contacts ON clientele.contact_history TO regress_offer_app USING (channel <> 'email');
CREATE POLICY app_outcomes ON clientele.contact_outcome TO regress_offer_app USING (outcome = 'rejected');
SET ROLE regress_offer_app;
SELECT * FROM pg_temp.compare(6);
RESET ROLE;
-- the superuser (row security does not apply) sees more caps than the role did
SELECT * FROM pg_temp.compare(6);
DROP POLICY app_contacts ON clientele.contact_history;
DROP POLICY app_outcomes ON clientele.contact_outcome;
ALTER TABLE clientele.contact_history DISABLE ROW LEVEL SECURITY;
ALTER TABLE clientele.contact_outcome DISABLE ROW LEVEL SECURITY;
REVOKE SELECT ON clientele.contact_history FROM regress_offer_app;
SET ROLE regress_offer_app;
\set VERBOSITY terse
SELECT count(*) FROM clientele.next_best_offers(1, 3, 'email', '2026-03-15');
SELECT count(*) FROM clientele.offer_evaluate(ARRAY[1::bigint], 'email', '2026-03-15');
\set VERBOSITY default
RESET ROLE;
-- an unqualified name early in search_path does not capture the decision's own reads
CREATE SCHEMA regress_offer_shadow;
CREATE FUNCTION regress_offer_shadow.max(float8) RETURNS float8 LANGUAGE sql AS 'SELECT 0.99::float8';
SET search_path = regress_offer_shadow, pg_catalog, public;
UPDATE clientele.offer_config SET control_share = 0.3;
SELECT c AS customer_id,
       (SELECT count(*) FILTER (WHERE 'CONTROL_GROUP' = ANY (reasons))
          FROM clientele.next_best_offers(c, 50, 'email', '2026-03-15', include_rejected => true)) AS control_fast,
       (SELECT count(*) FILTER (WHERE 'CONTROL_GROUP' = ANY (reasons))
          FROM clientele.offer_evaluate(ARRAY[c], 'email', '2026-03-15')) AS control_set
  FROM generate_series(1::bigint, 6) c;
RESET search_path;
DROP SCHEMA regress_offer_shadow CASCADE;
REVOKE ALL ON clientele.offer_customer, clientele.contact_outcome, clientele.offer_purchase FROM regress_offer_app;
REVOKE ALL ON SCHEMA clientele FROM regress_offer_app;
REVOKE ALL ON cases FROM regress_offer_app;
DROP ROLE regress_offer_app;

\echo == errors
SELECT * FROM clientele.offer_policy_inputs(424242, 'email', '2026-03-15');
SELECT * FROM clientele.offer_policy_inputs(NULL, 'email', '2026-03-15');
SELECT * FROM clientele.next_best_offers(424242, 3, 'email', '2026-03-15');
SELECT * FROM clientele.next_best_offers(1, 3, 'email', '2026-03-15', seed => NULL);
UPDATE clientele.offer_customer SET opted_out = '{NULL}' WHERE customer_id = 1;
SELECT * FROM clientele.next_best_offers(1, 3, 'email', '2026-03-15');
\set VERBOSITY terse
SELECT count(*) FROM clientele.offer_evaluate(ARRAY[1::bigint], 'email', '2026-03-15');
\set VERBOSITY default

\echo == the history indexes the single path scans
SELECT indexrelid::regclass::text AS index, pg_get_indexdef(indexrelid) ~ '\(customer_id' AS leads_with_customer
  FROM pg_index WHERE indrelid IN ('clientele.contact_history'::regclass, 'clientele.contact_outcome'::regclass,
                                   'clientele.offer_purchase'::regclass, 'clientele.offer_customer'::regclass)
 ORDER BY 1;
