-- Next-best-offer, part 6: campaign simulation before launch.

-- Simulate scenarios on an audience through the real decision path, recording nothing.
CREATE FUNCTION clientele.simulate_campaign(customers bigint[], scenarios jsonb, at timestamptz DEFAULT now(),
    seed bigint DEFAULT 0, draws integer DEFAULT 200, sample float8 DEFAULT 1)
RETURNS TABLE(scenario text, audience bigint, eligible bigint, applicable bigint, suitable bigint,
    reached bigint, no_offer_share float8, contacts bigint, expected_responses float8,
    responses_low float8, responses_high float8, expected_revenue float8, revenue_low float8,
    revenue_high float8, pressure jsonb)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    sc jsonb;
    aud bigint[];
    chs text[];
    k integer;
    offer_ids integer[];
    ctx jsonb;
    i integer := 0;
BEGIN
    IF jsonb_typeof(scenarios) = 'object' THEN
        scenarios := jsonb_build_array(scenarios);
    END IF;
    IF scenarios IS NULL OR jsonb_typeof(scenarios) <> 'array' OR jsonb_array_length(scenarios) = 0 THEN
        RAISE EXCEPTION 'scenarios must be a JSON object or a non-empty array of objects'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A scenario is {"name": "A", "channels": ["email"], "k": 1, "offers": [1, 2], "context": {}}.';
    END IF;
    IF draws IS NULL OR draws < 10 OR draws > 100000 OR NOT (sample > 0 AND sample <= 1) OR at IS NULL OR seed IS NULL THEN
        RAISE EXCEPTION 'draws must be in [10, 100000], sample in (0, 1], at and seed not NULL'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    aud := ARRAY(SELECT DISTINCT c FROM unnest(customers) c
                  WHERE c IS NOT NULL AND (sample >= 1 OR clientele.seeded_uniform(seed, c, -1) < sample));
    FOR sc IN SELECT * FROM jsonb_array_elements(scenarios) LOOP
        i := i + 1;
        IF jsonb_typeof(sc) <> 'object' THEN
            RAISE EXCEPTION 'scenario % is not a JSON object', i USING ERRCODE = 'invalid_parameter_value';
        END IF;
        scenario := coalesce(sc ->> 'name', 'scenario ' || i);
        chs := CASE WHEN sc ? 'channels' THEN ARRAY(SELECT jsonb_array_elements_text(sc -> 'channels'))
                    WHEN sc ? 'channel' THEN ARRAY[sc ->> 'channel'] END;
        IF chs IS NULL OR cardinality(chs) = 0 THEN
            RAISE EXCEPTION 'scenario "%" names no channel', scenario USING ERRCODE = 'invalid_parameter_value';
        END IF;
        k := coalesce((sc ->> 'k')::integer, 1);
        IF k < 1 THEN
            RAISE EXCEPTION 'scenario "%": k must be at least 1', scenario USING ERRCODE = 'invalid_parameter_value';
        END IF;
        offer_ids := CASE WHEN sc ? 'offers' THEN ARRAY(SELECT jsonb_array_elements_text(sc -> 'offers')::integer) END;
        ctx := clientele.offer_check_context(sc -> 'context');

        WITH ev AS MATERIALIZED (
            SELECT ch.channel, e.*
              FROM unnest(chs) ch(channel),
                   LATERAL clientele.offer_evaluate(aud, ch.channel, at, ctx, seed,
                                                    coalesce((sc ->> 'explore')::boolean, false), offer_ids) e
        ),
        sel AS MATERIALIZED (
            SELECT ev.* FROM ev WHERE ev.stage = 'arbitration' AND ev.rank <= k
        ),
        per_offer AS (
            SELECT s.offer_id, sum(s.propensity) AS p, o.value - o.cost AS margin,
                   1 + coalesce(st.responses, 0) AS a, 1 + coalesce(st.contacts - st.responses, 0) AS b
              FROM sel s JOIN clientele.offer o ON o.id = s.offer_id
              LEFT JOIN clientele.offer_stat st ON st.offer_id = s.offer_id AND st.segment = ''
             GROUP BY s.offer_id, o.value, o.cost, st.responses, st.contacts
        ),
        sim AS (
            SELECT d, sum(po.p * clientele.beta_sample(po.a, po.b, seed, d, po.offer_id) / (po.a / (po.a + po.b))) AS resp,
                   sum(po.p * clientele.beta_sample(po.a, po.b, seed, d, po.offer_id) / (po.a / (po.a + po.b))
                       * po.margin) AS rev
              FROM generate_series(1, draws) d CROSS JOIN per_offer po
             GROUP BY d
        )
        SELECT cardinality(aud),
               (SELECT count(DISTINCT ev.customer_id) FROM ev WHERE ev.stage <> 'eligibility'),
               (SELECT count(DISTINCT ev.customer_id) FROM ev WHERE ev.stage NOT IN ('eligibility', 'applicability')),
               (SELECT count(DISTINCT ev.customer_id) FROM ev WHERE ev.stage = 'arbitration'),
               (SELECT count(DISTINCT sel.customer_id) FROM sel),
               CASE WHEN cardinality(aud) > 0
                    THEN 1 - (SELECT count(DISTINCT sel.customer_id) FROM sel)::float8 / cardinality(aud) END,
               (SELECT count(*) FROM sel),
               coalesce((SELECT sum(po.p) FROM per_offer po), 0),
               coalesce((SELECT percentile_cont(0.025) WITHIN GROUP (ORDER BY sim.resp) FROM sim), 0),
               coalesce((SELECT percentile_cont(0.975) WITHIN GROUP (ORDER BY sim.resp) FROM sim), 0),
               coalesce((SELECT sum(po.p * po.margin) FROM per_offer po), 0),
               coalesce((SELECT percentile_cont(0.025) WITHIN GROUP (ORDER BY sim.rev) FROM sim), 0),
               coalesce((SELECT percentile_cont(0.975) WITHIN GROUP (ORDER BY sim.rev) FROM sim), 0),
               (SELECT jsonb_object_agg(c.channel, jsonb_build_object(
                           'contacts', (SELECT count(*) FROM sel WHERE sel.channel = c.channel),
                           'per_reached_customer', round(((SELECT count(*) FROM sel WHERE sel.channel = c.channel)::numeric
                               / nullif((SELECT count(DISTINCT sel.customer_id) FROM sel WHERE sel.channel = c.channel), 0)), 3)))
                  FROM unnest(chs) c(channel))
          INTO audience, eligible, applicable, suitable, reached, no_offer_share, contacts,
               expected_responses, responses_low, responses_high, expected_revenue, revenue_low, revenue_high, pressure;
        RETURN NEXT;
    END LOOP;
END $$;
COMMENT ON FUNCTION clientele.simulate_campaign(bigint[], jsonb, timestamptz, bigint, integer, float8) IS
'Run scenarios ({"name", "channels" or "channel", "k", "offers", "context", "explore"}) through the decision path on an audience (or a seeded sample of it) without recording: customers left after each stage, customers reached and share with no offer, contacts, expected responses and net revenue with 95% intervals from seeded posterior draws of the offers'' response rates, contacts per channel';
