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

-- Every (customer, offer) pair through the stages: the shared decision path.
CREATE FUNCTION clientele.offer_evaluate(customers bigint[], channel text, at timestamptz,
    context jsonb DEFAULT '{}', seed bigint DEFAULT 0, explore boolean DEFAULT false, offers integer[] DEFAULT NULL)
RETURNS TABLE(customer_id bigint, offer_id integer, offer text, offer_group text, stage text,
    rejected_by text, policy text, priority float8, propensity float8, context_weight float8,
    value float8, lever float8, levers jsonb, reasons text[])
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
WITH cfg AS MATERIALIZED (SELECT * FROM clientele.offer_settings()),
cust AS MATERIALIZED (
    SELECT c.customer_id, c.segment, c.time_zone, c.opted_out,
           c.attributes || coalesce(context, '{}') AS facts,
           CASE WHEN EXISTS (SELECT FROM clientele.offer o WHERE o.model = 'naive_bayes')
                THEN clientele.feature_bins(c.attributes) END AS bins,
           cfg.control_share > 0 AND clientele.seeded_uniform(cfg.control_seed, c.customer_id, 0) < cfg.control_share
               AS in_control
      FROM (SELECT DISTINCT u.id FROM unnest(customers) u(id)) u
      JOIN clientele.offer_customer c ON c.customer_id = u.id
     CROSS JOIN cfg
),
o AS MATERIALIZED (SELECT * FROM clientele.offer o WHERE offers IS NULL OR o.id = ANY (offers)),
pol AS MATERIALIZED (
    SELECT * FROM clientele.contact_policy p WHERE p.active AND (p.channel IS NULL OR p.channel = offer_evaluate.channel)
),
since AS MATERIALIZED (
    SELECT at - coalesce(max(greatest(p."window", p.suppress_for + p."window", p.cooldown)), interval '0') AS t FROM pol p
),
hist AS MATERIALIZED (
    SELECT h.customer_id, h.offer_id, h.channel, h.contacted_at, ho.offer_group
      FROM cust c
      JOIN clientele.contact_history h ON h.customer_id = c.customer_id
           AND h.contacted_at > (SELECT t FROM since) AND h.contacted_at <= at
      JOIN clientele.offer ho ON ho.id = h.offer_id
),
outc AS MATERIALIZED (
    SELECT x.customer_id, x.offer_id, x.outcome, x.occurred_at, xo.offer_group
      FROM cust c
      JOIN clientele.contact_outcome x ON x.customer_id = c.customer_id
           AND x.occurred_at > (SELECT t FROM since) AND x.occurred_at <= at
      JOIN clientele.offer xo ON xo.id = x.offer_id
),
blocked AS (
    SELECT h.customer_id, p.id AS policy_id, p.name, 'CONTACT_CAP' AS code, p.offer_group, NULL::integer AS offer_id
      FROM hist h
      JOIN pol p ON p.kind = 'cap' AND h.contacted_at > at - p."window"
           AND (p.channel IS NULL OR h.channel = p.channel) AND (p.offer_group IS NULL OR h.offer_group = p.offer_group)
     GROUP BY h.customer_id, p.id, p.name, p.offer_group, p.max_count
    HAVING count(*) >= p.max_count
    UNION ALL
    SELECT c.customer_id, p.id, p.name, 'QUIET_HOURS', p.offer_group, NULL
      FROM cust c
      JOIN pol p ON p.kind = 'quiet_hours'
     CROSS JOIN LATERAL (SELECT (at AT TIME ZONE coalesce(p.time_zone, c.time_zone))::time AS t) lt
     WHERE CASE WHEN p.quiet_start < p.quiet_end THEN lt.t >= p.quiet_start AND lt.t < p.quiet_end
                ELSE lt.t >= p.quiet_start OR lt.t < p.quiet_end END
    UNION ALL
    SELECT x.customer_id, p.id, p.name, 'SUPPRESSED', p.offer_group,
           CASE WHEN p.offer_group IS NULL THEN x.offer_id END
      FROM outc x
      JOIN pol p ON p.kind = 'suppression' AND x.outcome = p.outcome AND x.occurred_at > at - p.suppress_for
           AND (p.offer_group IS NULL OR x.offer_group = p.offer_group)
     WHERE (SELECT count(*) FROM outc y
             WHERE y.customer_id = x.customer_id AND y.outcome = p.outcome
               AND y.occurred_at > x.occurred_at - p."window" AND y.occurred_at <= x.occurred_at
               AND CASE WHEN p.offer_group IS NULL THEN y.offer_id = x.offer_id
                        ELSE y.offer_group = p.offer_group END) >= p.max_count
    UNION ALL
    SELECT x.customer_id, p.id, p.name, 'COOLDOWN', p.offer_group,
           CASE WHEN p.offer_group IS NULL THEN x.offer_id END
      FROM outc x
      JOIN cfg ON x.outcome = cfg.response_outcome
      JOIN pol p ON p.kind = 'cooldown' AND x.occurred_at > at - p.cooldown
           AND (p.offer_group IS NULL OR x.offer_group = p.offer_group)
    UNION ALL
    SELECT pu.customer_id, p.id, p.name, 'COOLDOWN', NULL, o.id
      FROM cust c
      JOIN clientele.offer_purchase pu ON pu.customer_id = c.customer_id
      JOIN pol p ON p.kind = 'cooldown' AND pu.purchased_at > at - p.cooldown AND pu.purchased_at <= at
      JOIN o ON pu.product = ANY (o.products) AND (p.offer_group IS NULL OR o.offer_group = p.offer_group)
),
blocked_pair AS (
    SELECT DISTINCT ON (b.customer_id, o.id) b.customer_id, o.id AS offer_id, b.code, b.name
      FROM blocked b
      JOIN o ON (b.offer_id IS NULL OR b.offer_id = o.id) AND (b.offer_group IS NULL OR b.offer_group = o.offer_group)
     ORDER BY b.customer_id, o.id, b.policy_id
),
due AS (
    SELECT d.customer_id, array_agg(d.product) AS products
      FROM clientele.replenishment_due(at, NULL, (SELECT array_agg(c.customer_id) FROM cust c)) d
     WHERE EXISTS (SELECT FROM o WHERE o.replenishment_boost <> 1 AND o.products <> '{}')
     GROUP BY d.customer_id
),
near AS (
    SELECT n.offer_id, min(n.distance_m) AS distance_m
      FROM clientele.promotions_near((context ->> 'lat')::float8, (context ->> 'lon')::float8,
               (SELECT max(o.geofence_m) FROM o), at) n
     GROUP BY n.offer_id
),
pair AS (
    SELECT c.customer_id, c.in_control, c.bins, c.facts, c.segment, o.id AS offer_id, o.name, o.offer_group,
           o.value, o.lever AS business_lever, o.model, o.min_propensity,
           CASE WHEN o.products && d.products THEN o.replenishment_boost END AS replenishment,
           CASE WHEN nr.distance_m <= o.geofence_m THEN o.geofence_boost END AS geofence,
           coalesce((context -> 'weights' ->> o.name)::float8, (context -> 'weights' ->> o.offer_group)::float8, 1)
               AS context_weight,
           CASE WHEN NOT o.active THEN 'OFFER_INACTIVE'
                WHEN NOT o.valid @> at THEN 'OUTSIDE_VALIDITY'
                WHEN NOT (offer_evaluate.channel = ANY (o.channels)) THEN 'CHANNEL_NOT_OFFERED'
                WHEN o.eligibility IS NOT NULL AND NOT clientele.rule_matches(o.eligibility, c.facts) THEN 'RULE_NOT_MET'
           END AS not_eligible,
           CASE WHEN offer_evaluate.channel = ANY (c.opted_out) OR 'all' = ANY (c.opted_out) THEN 'OPTED_OUT' END
               AS opted_out
      FROM cust c
     CROSS JOIN o
      LEFT JOIN due d ON d.customer_id = c.customer_id
      LEFT JOIN near nr ON nr.offer_id = o.id
),
scored AS (
    SELECT pr.*, bp.code AS blocked_code, bp.name AS blocked_policy, m.coefficients IS NOT NULL AS has_logit,
           pr.model = 'naive_bayes' AND coalesce(ss.nb_model, sa.nb_model) IS NOT NULL AND pr.bins IS NOT NULL AS has_nb,
           ss.offer_id IS NOT NULL AS by_segment,
           CASE WHEN pr.in_control THEN clientele.seeded_uniform(seed, pr.customer_id, pr.offer_id)
                WHEN pr.model = 'naive_bayes' AND coalesce(ss.nb_model, sa.nb_model) IS NOT NULL AND pr.bins IS NOT NULL
                    THEN clientele.nb_propensity(coalesce(ss.nb_model, sa.nb_model), pr.bins)
                WHEN m.coefficients IS NOT NULL
                    THEN clientele.logit_predict(m.coefficients, ARRAY[1::float8] ||
                             ARRAY(SELECT coalesce((pr.facts ->> f)::float8, 0) FROM unnest(m.features) f))
                WHEN explore
                    THEN clientele.beta_sample(1 + coalesce(ss.responses, sa.responses, 0),
                             1 + coalesce(ss.contacts - ss.responses, sa.contacts - sa.responses, 0),
                             seed, pr.customer_id, pr.offer_id)
                ELSE (1 + coalesce(ss.responses, sa.responses, 0)) / (2 + coalesce(ss.contacts, sa.contacts, 0))
           END AS propensity,
           pr.business_lever * coalesce(pr.replenishment, 1) * coalesce(pr.geofence, 1) AS lever
      FROM pair pr
      LEFT JOIN blocked_pair bp ON bp.customer_id = pr.customer_id AND bp.offer_id = pr.offer_id
      LEFT JOIN clientele.offer_stat ss ON ss.offer_id = pr.offer_id AND ss.segment = pr.segment AND pr.segment <> ''
           AND ss.contacts > 0
      LEFT JOIN clientele.offer_stat sa ON sa.offer_id = pr.offer_id AND sa.segment = ''
      LEFT JOIN clientele.offer_model m ON m.offer_id = pr.offer_id AND pr.model = 'logistic'
),
staged AS (
    SELECT s.*, s.propensity * s.context_weight * s.value * s.lever AS priority,
           CASE WHEN s.not_eligible IS NOT NULL THEN 'eligibility'
                WHEN s.opted_out IS NOT NULL OR s.blocked_code IS NOT NULL THEN 'applicability'
                WHEN NOT s.in_control AND s.propensity < s.min_propensity THEN 'suitability'
                WHEN s.propensity * s.context_weight * s.value * s.lever <= 0 THEN 'suitability'
                ELSE 'arbitration' END AS stage
      FROM scored s
)
SELECT s.customer_id, s.offer_id, s.name, s.offer_group, s.stage,
       CASE s.stage WHEN 'eligibility' THEN s.not_eligible
                    WHEN 'applicability' THEN coalesce(s.opted_out, s.blocked_code)
                    WHEN 'suitability' THEN CASE WHEN NOT s.in_control AND s.propensity < s.min_propensity
                                                 THEN 'LOW_PROPENSITY' ELSE 'ZERO_PRIORITY' END END,
       CASE WHEN s.stage = 'applicability' AND s.opted_out IS NULL THEN s.blocked_policy END,
       s.priority, s.propensity, s.context_weight, s.value, s.lever,
       jsonb_strip_nulls(jsonb_build_object('business', s.business_lever, 'replenishment', s.replenishment,
                                            'geofence', s.geofence)),
       array_remove(ARRAY[
           CASE WHEN s.in_control THEN 'CONTROL_GROUP' END,
           CASE WHEN s.in_control THEN NULL
                WHEN s.has_nb THEN 'MODEL_NAIVE_BAYES'
                WHEN s.has_logit THEN 'MODEL_LOGISTIC'
                WHEN explore THEN 'THOMPSON_SAMPLE'
                ELSE 'POSTERIOR_MEAN' END,
           CASE WHEN s.by_segment AND NOT s.in_control AND NOT s.has_logit THEN 'SEGMENT_STATISTICS' END,
           CASE WHEN s.replenishment IS NOT NULL THEN 'REPLENISHMENT_DUE' END,
           CASE WHEN s.geofence IS NOT NULL THEN 'NEAR_PROMOTING_STORE' END,
           CASE WHEN s.context_weight <> 1 THEN 'CONTEXT_WEIGHT' END,
           CASE WHEN s.business_lever <> 1 THEN 'BUSINESS_LEVER' END], NULL)
  FROM staged s
$$;
COMMENT ON FUNCTION clientele.offer_evaluate(bigint[], text, timestamptz, jsonb, bigint, boolean, integer[]) IS
'The decision path: every (customer, offer) pair with the stage it reached (eligibility, applicability, suitability, arbitration), the reason and policy that stopped it, propensity, context weight, value, levers and priority';

-- The next best offers for one customer.
CREATE FUNCTION clientele.next_best_offers(customer_id bigint, k integer, channel text,
    at timestamptz DEFAULT now(), context jsonb DEFAULT '{}', include_rejected boolean DEFAULT false,
    seed bigint DEFAULT 0, explore boolean DEFAULT false)
RETURNS TABLE(rank integer, offer_id integer, offer text, stage text, rejected_by text, policy text,
    priority float8, propensity float8, context_weight float8, value float8, lever float8,
    levers jsonb, reasons text[])
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF customer_id IS NULL OR k IS NULL OR channel IS NULL OR at IS NULL THEN
        RAISE EXCEPTION 'customer_id, k, channel and at must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF k < 1 THEN
        RAISE EXCEPTION 'k must be at least 1, not %', k USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT FROM clientele.offer_customer c WHERE c.customer_id = next_best_offers.customer_id) THEN
        RAISE EXCEPTION 'customer % does not exist', customer_id USING ERRCODE = 'undefined_object',
            HINT = 'Decisions are made for customers of clientele.offer_customer.';
    END IF;
    RETURN QUERY
    SELECT CASE WHEN r.stage = 'arbitration' THEN r.pos END::integer,
           r.offer_id, r.offer,
           CASE WHEN r.stage <> 'arbitration' THEN r.stage WHEN r.pos <= k THEN 'selected' ELSE 'ranked_out' END,
           CASE WHEN r.stage = 'arbitration' AND r.pos > k THEN 'RANKED_OUT' ELSE r.rejected_by END,
           r.policy, r.priority, r.propensity, r.context_weight, r.value, r.lever, r.levers, r.reasons
      FROM (SELECT e.*, row_number() OVER (PARTITION BY e.stage = 'arbitration'
                                           ORDER BY e.priority DESC, e.offer_id) AS pos
              FROM clientele.offer_evaluate(ARRAY[customer_id], channel, at,
                       clientele.offer_check_context(context), seed, explore) e) r
     WHERE include_rejected OR (r.stage = 'arbitration' AND r.pos <= k)
     ORDER BY r.stage <> 'arbitration', r.pos, r.offer_id;
END $$;
COMMENT ON FUNCTION clientele.next_best_offers(bigint, integer, text, timestamptz, jsonb, boolean, bigint, boolean) IS
'The k best offers for a customer on a channel at a time, ranked by priority = propensity x context weight x value x lever, with reasons; include_rejected adds every other offer with the stage and policy that filtered it';

-- The next best offers for many customers in one statement.
CREATE FUNCTION clientele.next_best_offers_batch(customers bigint[], k integer, channel text,
    at timestamptz DEFAULT now(), context jsonb DEFAULT '{}', seed bigint DEFAULT 0, explore boolean DEFAULT false)
RETURNS TABLE(customer_id bigint, rank integer, offer_id integer, offer text, priority float8,
    propensity float8, value float8, lever float8, reasons text[])
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF k IS NULL OR channel IS NULL OR at IS NULL THEN
        RAISE EXCEPTION 'k, channel and at must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF k < 1 THEN
        RAISE EXCEPTION 'k must be at least 1, not %', k USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    SELECT r.customer_id, r.pos::integer, r.offer_id, r.offer, r.priority, r.propensity, r.value, r.lever, r.reasons
      FROM (SELECT e.*, row_number() OVER (PARTITION BY e.customer_id ORDER BY e.priority DESC, e.offer_id) AS pos
              FROM clientele.offer_evaluate(customers, channel, at, clientele.offer_check_context(context), seed, explore) e
             WHERE e.stage = 'arbitration') r
     WHERE r.pos <= k;
END $$;
COMMENT ON FUNCTION clientele.next_best_offers_batch(bigint[], integer, text, timestamptz, jsonb, bigint, boolean) IS
'The k best offers of every customer of an audience (customers of offer_customer only), set-based';
