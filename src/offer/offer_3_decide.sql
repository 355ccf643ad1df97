-- Next-best-offer, part 3: replenishment, and the decision path.

-- The decision settings (the single offer_config row, or the defaults).
CREATE FUNCTION clientele.offer_settings()
RETURNS TABLE(control_share float8, control_seed bigint, response_outcome text, replenishment_horizon interval)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(max(c.control_share), 0), coalesce(max(c.control_seed), 0),
           coalesce(max(c.response_outcome), 'accepted'), coalesce(max(c.replenishment_horizon), '7 days')
      FROM clientele.offer_config c
$$;
COMMENT ON FUNCTION clientele.offer_settings() IS 'The decision settings in force (offer_config, or the defaults)';

-- Customers whose product is running out.
CREATE FUNCTION clientele.replenishment_due(at timestamptz DEFAULT now(), horizon interval DEFAULT NULL,
    customers bigint[] DEFAULT NULL)
RETURNS TABLE(customer_id bigint, product text, purchases bigint, last_purchase timestamptz,
    cycle interval, due_at timestamptz, overdue interval)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH s AS (
        SELECT p.customer_id, p.product, count(*) AS n, max(p.purchased_at) AS last, min(p.purchased_at) AS first
          FROM clientele.offer_purchase p
         WHERE (customers IS NULL OR p.customer_id = ANY (customers)) AND p.purchased_at <= at
         GROUP BY p.customer_id, p.product
    )
    SELECT s.customer_id, s.product, s.n, s.last, c.cyc, s.last + c.cyc, at - (s.last + c.cyc)
      FROM s
      LEFT JOIN clientele.product_cycle pc ON pc.product = s.product
     CROSS JOIN LATERAL (SELECT CASE WHEN s.n >= 2 THEN justify_hours((s.last - s.first) / (s.n - 1)::float8)
                                     ELSE pc.cycle END AS cyc) c
     WHERE c.cyc > interval '0'
       AND s.last + c.cyc <= at + coalesce(horizon, (SELECT replenishment_horizon FROM clientele.offer_settings()))
       AND at < s.last + 2 * c.cyc
$$;
COMMENT ON FUNCTION clientele.replenishment_due(timestamptz, interval, bigint[]) IS
'(customer, product) pairs due for repurchase: last purchase + cycle <= at + horizon, and less than one cycle overdue; the cycle is the customer''s mean interval between purchases of the product (two purchases or more), else product_cycle';

-- Learn typical product cycles: the median interval between consecutive purchases.
CREATE FUNCTION clientele.learn_product_cycles(min_intervals integer DEFAULT 5)
RETURNS SETOF clientele.product_cycle
LANGUAGE sql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO clientele.product_cycle (product, cycle)
    SELECT product, justify_hours(make_interval(secs => percentile_cont(0.5) WITHIN GROUP (ORDER BY gap)))
      FROM (SELECT product, extract(epoch FROM purchased_at - lag(purchased_at)
                       OVER (PARTITION BY customer_id, product ORDER BY purchased_at)) AS gap
              FROM clientele.offer_purchase) g
     WHERE gap > 0
     GROUP BY product HAVING count(*) >= min_intervals
    ON CONFLICT (product) DO UPDATE SET cycle = EXCLUDED.cycle
    RETURNING *
$$;
COMMENT ON FUNCTION clientele.learn_product_cycles(integer) IS
'Set each product''s typical cycle to the median interval between consecutive purchases of it by one customer (products with at least min_intervals intervals)';

-- Check a decision context: a JSON object whose weights are non-negative numbers.
CREATE FUNCTION clientele.offer_check_context(context jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    w record;
BEGIN
    IF context IS NULL THEN
        RETURN '{}';
    END IF;
    IF jsonb_typeof(context) <> 'object' THEN
        RAISE EXCEPTION 'decision context must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF context ? 'weights' THEN
        IF jsonb_typeof(context -> 'weights') <> 'object' THEN
            RAISE EXCEPTION 'context weights must be a JSON object of offer or group names to numbers'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        FOR w IN SELECT key, value FROM jsonb_each(context -> 'weights') LOOP
            IF jsonb_typeof(w.value) <> 'number' OR (w.value #>> '{}')::numeric < 0 THEN
                RAISE EXCEPTION 'context weight of "%" must be a non-negative number, not %', w.key, w.value
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
        END LOOP;
    END IF;
    IF (context ? 'lat') <> (context ? 'lon') OR (context ? 'lat' AND (jsonb_typeof(context -> 'lat') <> 'number'
        OR jsonb_typeof(context -> 'lon') <> 'number')) THEN
        RAISE EXCEPTION 'context location needs numbers "lat" and "lon"' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN context;
END $$;

-- The decision kernel (offer_rank.c): one customer's facts and policy verdicts against every offer.
CREATE FUNCTION clientele.offer_rank(customer_id bigint, segment text, facts jsonb, bins integer[],
    in_control boolean, opted_out boolean, blocked_offers integer[], blocked_codes text[], blocked_policies text[],
    due_products text[], near_offers integer[], channel text, at timestamptz, context jsonb, seed bigint,
    explore boolean, offers integer[], k integer)
RETURNS TABLE(offer_id integer, offer text, offer_group text, stage text, rejected_by text, policy text,
    priority float8, propensity float8, context_weight float8, value float8, lever float8, levers jsonb,
    reasons text[], rank integer)
AS 'MODULE_PATHNAME', 'clientele_offer_rank'
LANGUAGE C STABLE PARALLEL SAFE ROWS 50;
COMMENT ON FUNCTION clientele.offer_rank(bigint, text, jsonb, integer[], boolean, boolean, integer[], text[], text[], text[], integer[], text, timestamptz, jsonb, bigint, boolean, integer[], integer) IS
'The decision kernel behind offer_evaluate(): stages, propensity, levers, priority and rank of every offer (k NULL) or the k best, for one customer whose policy verdicts were computed in SQL';

-- Backends cache the offer catalogue; these triggers tell them when it changes.
CREATE FUNCTION clientele.offer_catalogue_changed() RETURNS trigger
AS 'MODULE_PATHNAME', 'clientele_offer_catalogue_changed'
LANGUAGE C;
COMMENT ON FUNCTION clientele.offer_catalogue_changed() IS
'Statement trigger of clientele.offer, clientele.offer_model and clientele.contact_policy: invalidates the cached catalogue and policies of the decision path in every backend';
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON clientele.offer
    FOR EACH STATEMENT EXECUTE FUNCTION clientele.offer_catalogue_changed();
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON clientele.offer_model
    FOR EACH STATEMENT EXECUTE FUNCTION clientele.offer_catalogue_changed();
-- the single-decision path caches the active contact policies, the settings
-- the naive Bayes features and the product cycles the same way
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON clientele.contact_policy
    FOR EACH STATEMENT EXECUTE FUNCTION clientele.offer_catalogue_changed();
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON clientele.offer_config
    FOR EACH STATEMENT EXECUTE FUNCTION clientele.offer_catalogue_changed();
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON clientele.offer_feature
    FOR EACH STATEMENT EXECUTE FUNCTION clientele.offer_catalogue_changed();
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON clientele.product_cycle
    FOR EACH STATEMENT EXECUTE FUNCTION clientele.offer_catalogue_changed();

-- Every (customer, offer) pair through the stages: the shared decision path.
CREATE FUNCTION clientele.offer_evaluate(customers bigint[], channel text, at timestamptz,
    context jsonb DEFAULT '{}', seed bigint DEFAULT 0, explore boolean DEFAULT false, offers integer[] DEFAULT NULL,
    k integer DEFAULT NULL)
RETURNS TABLE(customer_id bigint, offer_id integer, offer text, offer_group text, stage text,
    rejected_by text, policy text, priority float8, propensity float8, context_weight float8,
    value float8, lever float8, levers jsonb, reasons text[], rank integer)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
SET jit = off
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
-- One statement, planned once per session (a generic plan: the customers
-- vary, not the shape); the helper SQL functions are written inline here
-- because a SQL function called from a query is planned at every call.
-- A large audience gets a plan of its own, made knowing its size (this
-- set_config() is why the function is PARALLEL RESTRICTED).
IF cardinality(customers) > 64 THEN
    PERFORM pg_catalog.set_config('plan_cache_mode', 'force_custom_plan', true);
END IF;
RETURN QUERY
WITH cfg AS MATERIALIZED (
    SELECT coalesce(max(x.control_share), 0) AS control_share, coalesce(max(x.control_seed), 0) AS control_seed,
           coalesce(max(x.response_outcome), 'accepted') AS response_outcome,
           coalesce(max(x.replenishment_horizon), '7 days') AS replenishment_horizon
      FROM clientele.offer_config x
),
nb_features AS MATERIALIZED (
    SELECT f.position, f.name, f.edges FROM clientele.offer_feature f
     WHERE EXISTS (SELECT FROM clientele.offer o WHERE o.model = 'naive_bayes')
),
cust AS MATERIALIZED (
    SELECT c.customer_id, c.segment, c.time_zone,
           offer_evaluate.channel = ANY (c.opted_out) OR 'all' = ANY (c.opted_out) AS opted_out,
           c.attributes || coalesce(offer_evaluate.context, '{}') AS facts,
           (SELECT array_agg(CASE WHEN jsonb_typeof(c.attributes -> f.name) = 'number'
                                  THEN width_bucket((c.attributes ->> f.name)::float8, f.edges) END
                             ORDER BY f.position)
              FROM nb_features f) AS bins,
           cfg.control_share > 0 AND clientele.seeded_uniform(cfg.control_seed, c.customer_id, 0) < cfg.control_share
               AS in_control
      FROM clientele.offer_customer c
     CROSS JOIN cfg
     WHERE c.customer_id = ANY (offer_evaluate.customers)
),
o AS MATERIALIZED (
    SELECT o.id, o.offer_group, o.products, o.geofence_m FROM clientele.offer o
     WHERE offer_evaluate.offers IS NULL OR o.id = ANY (offer_evaluate.offers)
),
pol AS MATERIALIZED (
    SELECT * FROM clientele.contact_policy p
     WHERE p.active AND (p.channel IS NULL OR p.channel = offer_evaluate.channel)
),
since AS MATERIALIZED (
    SELECT offer_evaluate.at - coalesce(max(greatest(p."window", p.suppress_for + p."window", p.cooldown)),
                                        interval '0') AS t
      FROM pol p
),
hist AS MATERIALIZED (
    SELECT h.customer_id, h.offer_id, h.channel, h.contacted_at, ho.offer_group
      FROM cust c
      JOIN clientele.contact_history h ON h.customer_id = c.customer_id
           AND h.contacted_at > (SELECT t FROM since) AND h.contacted_at <= offer_evaluate.at
      JOIN clientele.offer ho ON ho.id = h.offer_id
     WHERE EXISTS (SELECT FROM pol WHERE pol.kind = 'cap')
),
outc AS MATERIALIZED (
    SELECT x.customer_id, x.offer_id, x.outcome, x.occurred_at, xo.offer_group
      FROM cust c
      JOIN clientele.contact_outcome x ON x.customer_id = c.customer_id
           AND x.occurred_at > (SELECT t FROM since) AND x.occurred_at <= offer_evaluate.at
      JOIN clientele.offer xo ON xo.id = x.offer_id
     WHERE EXISTS (SELECT FROM pol WHERE pol.kind IN ('suppression', 'cooldown'))
),
blocked AS (
    SELECT h.customer_id, p.id AS policy_id, p.name, 'CONTACT_CAP' AS code, p.offer_group, NULL::integer AS offer_id
      FROM hist h
      JOIN pol p ON p.kind = 'cap' AND h.contacted_at > offer_evaluate.at - p."window"
           AND (p.channel IS NULL OR h.channel = p.channel) AND (p.offer_group IS NULL OR h.offer_group = p.offer_group)
     GROUP BY h.customer_id, p.id, p.name, p.offer_group, p.max_count
    HAVING count(*) >= p.max_count
    UNION ALL
    SELECT c.customer_id, p.id, p.name, 'QUIET_HOURS', p.offer_group, NULL
      FROM cust c
      JOIN pol p ON p.kind = 'quiet_hours'
     CROSS JOIN LATERAL (SELECT (offer_evaluate.at AT TIME ZONE coalesce(p.time_zone, c.time_zone))::time AS t) lt
     WHERE CASE WHEN p.quiet_start < p.quiet_end THEN lt.t >= p.quiet_start AND lt.t < p.quiet_end
                ELSE lt.t >= p.quiet_start OR lt.t < p.quiet_end END
    UNION ALL
    SELECT x.customer_id, p.id, p.name, 'SUPPRESSED', p.offer_group,
           CASE WHEN p.offer_group IS NULL THEN x.offer_id END
      FROM outc x
      JOIN pol p ON p.kind = 'suppression' AND x.outcome = p.outcome
           AND x.occurred_at > offer_evaluate.at - p.suppress_for
           AND (p.offer_group IS NULL OR x.offer_group = p.offer_group)
     WHERE (SELECT count(*) FROM clientele.contact_outcome y JOIN clientele.offer yo ON yo.id = y.offer_id
             WHERE y.customer_id = x.customer_id AND y.outcome = p.outcome
               AND y.occurred_at > x.occurred_at - p."window" AND y.occurred_at <= x.occurred_at
               AND CASE WHEN p.offer_group IS NULL THEN y.offer_id = x.offer_id
                        ELSE yo.offer_group = p.offer_group END) >= p.max_count
    UNION ALL
    SELECT x.customer_id, p.id, p.name, 'COOLDOWN', p.offer_group,
           CASE WHEN p.offer_group IS NULL THEN x.offer_id END
      FROM outc x
      JOIN cfg ON x.outcome = cfg.response_outcome
      JOIN pol p ON p.kind = 'cooldown' AND x.occurred_at > offer_evaluate.at - p.cooldown
           AND (p.offer_group IS NULL OR x.offer_group = p.offer_group)
    UNION ALL
    SELECT pu.customer_id, p.id, p.name, 'COOLDOWN', NULL, op.id
      FROM cust c
      JOIN clientele.offer_purchase pu ON pu.customer_id = c.customer_id
           AND pu.purchased_at > (SELECT t FROM since) AND pu.purchased_at <= offer_evaluate.at
      JOIN pol p ON p.kind = 'cooldown' AND pu.purchased_at > offer_evaluate.at - p.cooldown
      JOIN (SELECT o.id, o.offer_group, unnest(o.products) AS product FROM o) op ON op.product = pu.product
           AND (p.offer_group IS NULL OR op.offer_group = p.offer_group)
),
blocked_pair AS (
    SELECT DISTINCT ON (b.customer_id, o.id) b.customer_id, o.id AS offer_id, b.code, b.name
      FROM blocked b
      JOIN o ON (b.offer_id IS NULL OR b.offer_id = o.id) AND (b.offer_group IS NULL OR b.offer_group = o.offer_group)
     ORDER BY b.customer_id, o.id, b.policy_id
),
blocked_arrays AS (
    SELECT bp.customer_id, array_agg(bp.offer_id) AS blocked_offers, array_agg(bp.code) AS blocked_codes,
           array_agg(bp.name) AS blocked_policies
      FROM blocked_pair bp GROUP BY bp.customer_id
),
bought AS (   -- replenishment_due(), inline
    SELECT p.customer_id, p.product, count(*) AS n, max(p.purchased_at) AS last, min(p.purchased_at) AS first
      FROM cust c
      JOIN clientele.offer_purchase p ON p.customer_id = c.customer_id AND p.purchased_at <= offer_evaluate.at
     WHERE EXISTS (SELECT FROM o WHERE o.products <> '{}')
     GROUP BY p.customer_id, p.product
),
due AS (
    SELECT s.customer_id, array_agg(s.product) AS due_products
      FROM bought s
      LEFT JOIN clientele.product_cycle pc ON pc.product = s.product
     CROSS JOIN LATERAL (SELECT CASE WHEN s.n >= 2 THEN justify_hours((s.last - s.first) / (s.n - 1)::float8)
                                     ELSE pc.cycle END AS cyc) y
     WHERE y.cyc > interval '0'
       AND s.last + y.cyc <= offer_evaluate.at + (SELECT replenishment_horizon FROM cfg)
       AND offer_evaluate.at < s.last + 2 * y.cyc
     GROUP BY s.customer_id
),
near AS (     -- promotions_near(), inline
    SELECT array_agg(DISTINCT o.id) AS near_offers
      FROM clientele.store_promotion sp
      JOIN o ON o.id = sp.offer_id AND o.geofence_m IS NOT NULL
      JOIN clientele.store st ON st.id = sp.store_id
     WHERE offer_evaluate.context ? 'lat' AND sp.valid @> offer_evaluate.at
       AND clientele.haversine_m((offer_evaluate.context ->> 'lat')::float8, (offer_evaluate.context ->> 'lon')::float8,
                                 st.lat, st.lon) <= o.geofence_m
)
SELECT c.customer_id, r.offer_id, r.offer, r.offer_group, r.stage, r.rejected_by, r.policy, r.priority, r.propensity,
       r.context_weight, r.value, r.lever, r.levers, r.reasons, r.rank
  FROM cust c
  LEFT JOIN blocked_arrays b ON b.customer_id = c.customer_id
  LEFT JOIN due d ON d.customer_id = c.customer_id
 CROSS JOIN near
 CROSS JOIN LATERAL clientele.offer_rank(c.customer_id, c.segment, c.facts, c.bins, c.in_control, c.opted_out,
           b.blocked_offers, b.blocked_codes, b.blocked_policies, d.due_products, near.near_offers,
           offer_evaluate.channel, offer_evaluate.at, coalesce(offer_evaluate.context, '{}'), offer_evaluate.seed,
           offer_evaluate.explore, offer_evaluate.offers, offer_evaluate.k) r;
END $$;
COMMENT ON FUNCTION clientele.offer_evaluate(bigint[], text, timestamptz, jsonb, bigint, boolean, integer[], integer) IS
'The decision path: every (customer, offer) pair (k NULL) or each customer''s k best offers, with the stage reached (eligibility, applicability, suitability, arbitration), the reason and policy that stopped it, propensity, context weight, value, levers, priority and rank';

-- The profile and policy verdicts of one customer, as offer_evaluate() computes them for a set.
CREATE FUNCTION clientele.offer_policy_inputs(customer_id bigint, channel text, at timestamptz,
    context jsonb DEFAULT '{}', OUT segment text, OUT facts jsonb, OUT bins integer[], OUT in_control boolean,
    OUT opted_out boolean, OUT blocked_offers integer[], OUT blocked_codes text[], OUT blocked_policies text[],
    OUT due_products text[], OUT near_offers integer[])
AS 'MODULE_PATHNAME', 'clientele_offer_policy_inputs'
LANGUAGE C STABLE PARALLEL RESTRICTED   -- reads per-customer tables, like offer_evaluate()
SET search_path = pg_catalog, pg_temp;  -- its SPI queries name operators unqualified
COMMENT ON FUNCTION clientele.offer_policy_inputs(bigint, text, timestamptz, jsonb) IS
'The single-decision path of offer_evaluate(): one customer''s profile, control group, opt-out, the offers each contact policy blocks (code and policy), due products and nearby promotions, from saved index-scan plans; the arguments of offer_rank()';

-- The next best offers for one customer, in one C call (offer_fast.c): the
-- same inputs as offer_policy_inputs() then the same kernel as the batch.
-- No SET clause: the function reads its tables by direct index scans (or,
-- when the caller's rights require it, through saved plans that it runs
-- under a fixed search_path itself).
CREATE FUNCTION clientele.next_best_offers(customer_id bigint, k integer, channel text,
    at timestamptz DEFAULT now(), context jsonb DEFAULT '{}', include_rejected boolean DEFAULT false,
    seed bigint DEFAULT 0, explore boolean DEFAULT false)
RETURNS TABLE(rank integer, offer_id integer, offer text, stage text, rejected_by text, policy text,
    priority float8, propensity float8, context_weight float8, value float8, lever float8,
    levers jsonb, reasons text[])
AS 'MODULE_PATHNAME', 'clientele_next_best_offers'
LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 10;   -- reads per-customer tables, like offer_evaluate()
COMMENT ON FUNCTION clientele.next_best_offers(bigint, integer, text, timestamptz, jsonb, boolean, bigint, boolean) IS
'The k best offers for a customer on a channel at a time, ranked by priority = propensity x context weight x value x lever, with reasons; include_rejected adds every other offer with the stage and policy that filtered it';

-- The next best offers for many customers in one statement.
CREATE FUNCTION clientele.next_best_offers_batch(customers bigint[], k integer, channel text,
    at timestamptz DEFAULT now(), context jsonb DEFAULT '{}', seed bigint DEFAULT 0, explore boolean DEFAULT false)
RETURNS TABLE(customer_id bigint, rank integer, offer_id integer, offer text, priority float8,
    propensity float8, value float8, lever float8, reasons text[])
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ctx jsonb := clientele.offer_check_context(context);
BEGIN
    IF k IS NULL OR channel IS NULL OR at IS NULL THEN
        RAISE EXCEPTION 'k, channel and at must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF k < 1 THEN
        RAISE EXCEPTION 'k must be at least 1, not %', k USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    SELECT e.customer_id, e.rank, e.offer_id, e.offer, e.priority, e.propensity, e.value, e.lever, e.reasons
      FROM clientele.offer_evaluate(customers, channel, at, ctx, seed, explore, NULL, k) e;
END $$;
COMMENT ON FUNCTION clientele.next_best_offers_batch(bigint[], integer, text, timestamptz, jsonb, bigint, boolean) IS
'The k best offers of every customer of an audience (customers of offer_customer only), set-based';
