-- Demo decision data: the demo customers and purchases (demo_customers.sql)
-- as decision profiles, 50 offers on the 24 demo products, contact
-- policies, store promotions and four weeks of contact history with
-- outcomes and the statistics learned from them.  plpgsql, so that the
-- offer tables (created later in the install script) are resolved at run
-- time.

CREATE FUNCTION clientele.demo_offers_load(customers integer DEFAULT 100000, seed integer DEFAULT 42,
    end_date date DEFAULT '2026-03-15')
RETURNS TABLE(what text, "rows" bigint)
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t0 timestamptz := end_date::timestamptz;
    n bigint;
BEGIN
    IF customers < 1 THEN
        RAISE EXCEPTION 'customers must be positive' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- the demo replaces every decision table's content
    TRUNCATE clientele.contact_outcome, clientele.contact_history, clientele.offer_stat, clientele.offer_model,
             clientele.store_promotion, clientele.store, clientele.offer_purchase, clientele.product_cycle,
             clientele.offer_customer, clientele.contact_policy, clientele.offer_feature, clientele.offer_config,
             clientele.offer;

    INSERT INTO clientele.offer_purchase (customer_id, product, purchased_at)
    SELECT p.customer_id, p.product, p.purchased_at
      FROM clientele.demo_purchases(customers, seed, end_date) p
      JOIN clientele.demo_products() d ON d.product_id = p.product_id AND d.consumable;
    INSERT INTO clientele.product_cycle (product, cycle)
    SELECT d.product, make_interval(days => d.repurchase_days) FROM clientele.demo_products() d WHERE d.consumable;

    INSERT INTO clientele.offer_customer (customer_id, segment, time_zone, opted_out, lat, lon, attributes)
    SELECT c.customer_id, c.age_band,
           CASE c.country WHEN 'FR' THEN 'Europe/Paris' ELSE 'America/New_York' END,
           array_remove(ARRAY[CASE WHEN NOT c.optin_email THEN 'email' END, CASE WHEN NOT c.optin_sms THEN 'sms' END,
                              CASE WHEN NOT c.optin_push THEN 'push' END, CASE WHEN NOT c.optin_post THEN 'post' END], NULL),
           c.lat, c.lon,
           jsonb_build_object('age', CASE c.age_band WHEN '18-24' THEN 21 WHEN '25-34' THEN 30 WHEN '35-44' THEN 40
                                                     WHEN '45-54' THEN 50 WHEN '55-64' THEN 60 ELSE 70 END,
                              'age_band', c.age_band, 'gender', c.gender, 'city', c.city, 'country', c.country,
                              'lang', c.lang, 'preferred_channel', c.preferred_channel,
                              'purchases', coalesce(s.n, 0), 'spend', coalesce(s.spend, 0))
      FROM clientele.demo_customers(customers, seed, end_date) c
      LEFT JOIN (SELECT p.customer_id, count(*) AS n, round(sum(p.amount)) AS spend
                   FROM clientele.demo_purchases(customers, seed, end_date) p GROUP BY 1) s
             ON s.customer_id = c.customer_id;

    -- 50 offers: a discount and a loyalty gift per product, free shipping, a VIP evening
    INSERT INTO clientele.offer (id, name, channels, value, cost, offer_group, products, categories, eligibility,
                                 lever, model, min_propensity, replenishment_boost, geofence_m, geofence_boost)
    SELECT 2 * d.product_id - 1, d.product || ' -15%', '{email,push,sms}'::text[], d.price::float8, round(0.15 * d.price, 2)::float8,
           d.category, ARRAY[d.product], ARRAY[d.category],
           CASE WHEN d.category = 'fragrance' THEN '{"attr": "age", "op": ">=", "value": 25}'::jsonb END,
           1, CASE WHEN d.category = 'skincare' THEN 'naive_bayes' ELSE 'beta' END, 0,
           CASE WHEN d.consumable THEN 2 ELSE 1 END,
           CASE WHEN d.category = 'makeup' THEN 300 END, CASE WHEN d.category = 'makeup' THEN 2.5 ELSE 1 END
      FROM clientele.demo_products() d
    UNION ALL
    SELECT 2 * d.product_id, d.product || ' loyalty gift', '{email,post}', round(0.5 * d.price, 2)::float8, round(0.2 * d.price, 2)::float8,
           d.category, ARRAY[d.product], ARRAY[d.category],
           '{"attr": "purchases", "op": ">=", "value": 5}', 0.8, 'beta', 0.02, 1, NULL, 1
      FROM clientele.demo_products() d
    UNION ALL
    VALUES (49, 'free shipping', '{email,push}'::text[], 8::float8, 4::float8, 'service', '{}'::text[], '{}'::text[],
            NULL::jsonb, 1::float8, 'beta', 0::float8, 1::float8, NULL::float8, 1::float8),
           (50, 'VIP evening', '{email,sms}', 60, 20, 'events', '{}', '{}',
            '{"all": [{"attr": "spend", "op": ">=", "value": 300}, {"attr": "country", "op": "=", "value": "FR"}]}',
            1.2, 'beta', 0.05, 1, NULL, 1);

    INSERT INTO clientele.offer_feature VALUES (1, 'age', '{25, 35, 45, 55, 65}'), (2, 'purchases', '{2, 5, 10, 20}');
    INSERT INTO clientele.contact_policy (name, kind, channel, offer_group, max_count, "window", outcome,
                                          suppress_for, cooldown, quiet_start, quiet_end) VALUES
        ('email: 2 a week', 'cap', 'email', NULL, 2, '7 days', NULL, NULL, NULL, NULL, NULL),
        ('sms: 1 a week', 'cap', 'sms', NULL, 1, '7 days', NULL, NULL, NULL, NULL, NULL),
        ('push: quiet at night', 'quiet_hours', 'push', NULL, NULL, NULL, NULL, NULL, NULL, '21:00', '08:00'),
        ('2 rejections: 60 days off', 'suppression', NULL, NULL, 2, '30 days', 'rejected', '60 days', NULL, NULL, NULL),
        ('after a purchase: 14 days off', 'cooldown', NULL, NULL, NULL, NULL, NULL, NULL, '14 days', NULL, NULL);

    INSERT INTO clientele.store (id, name, lat, lon) SELECT s.store_id, s.name, s.lat, s.lon FROM clientele.demo_stores() s;
    -- the Paris shops promote makeup this month
    INSERT INTO clientele.store_promotion (store_id, offer_id, valid)
    SELECT s.id, o.id, tstzrange(t0 - interval '14 days', t0 + interval '16 days')
      FROM clientele.store s JOIN clientele.demo_stores() d ON d.store_id = s.id AND d.city = 'Paris'
      JOIN clientele.offer o ON o.offer_group = 'makeup' AND o.id % 2 = 1;

    -- four weeks of contacts: 40% of customers, one to three contacts each
    INSERT INTO clientele.contact_history (customer_id, offer_id, channel, contacted_at, segment, bins, responded)
    SELECT c.customer_id, o.id, o.channels[1], t0 - (28 * clientele.seeded_uniform(seed, c.customer_id, 10 + j)) * interval '1 day',
           c.segment,
           (SELECT array_agg(width_bucket((c.attributes ->> f.name)::float8, f.edges) ORDER BY f.position)
              FROM clientele.offer_feature f),
           clientele.seeded_uniform(seed, c.customer_id, 20 + j) <
               (0.02 + 0.02 * (o.id % 7)) * (1 + 0.5 * (c.attributes ->> 'purchases')::int / 10.0)
      FROM clientele.offer_customer c
     CROSS JOIN LATERAL generate_series(1, 1 + floor(3 * clientele.seeded_uniform(seed, c.customer_id, 2))::int) j
      JOIN clientele.offer o ON o.id = 1 + floor(50 * clientele.seeded_uniform(seed, c.customer_id, 30 + j))::int
     WHERE clientele.seeded_uniform(seed, c.customer_id, 1) < 0.4;
    INSERT INTO clientele.contact_outcome (contact_id, customer_id, offer_id, outcome, occurred_at)
    SELECT h.id, h.customer_id, h.offer_id,
           CASE WHEN h.responded THEN 'accepted'
                WHEN clientele.seeded_uniform(seed, h.id, 3) < 0.3 THEN 'rejected' ELSE 'opened' END,
           h.contacted_at + interval '2 hours'
      FROM clientele.contact_history h;
    INSERT INTO clientele.offer_stat (offer_id, segment, contacts, responses, nb_model)
    SELECT h.offer_id, coalesce(h.segment, ''), count(*), count(*) FILTER (WHERE h.responded),
           clientele.nb_train(h.bins, h.responded, 6)
      FROM clientele.contact_history h
     GROUP BY GROUPING SETS ((h.offer_id), (h.offer_id, h.segment));
    ANALYZE clientele.offer_customer, clientele.contact_history, clientele.contact_outcome, clientele.offer_purchase,
            clientele.offer_stat;

    FOR what, "rows" IN
        SELECT 'customers', count(*) FROM clientele.offer_customer
        UNION ALL SELECT 'purchases', count(*) FROM clientele.offer_purchase
        UNION ALL SELECT 'offers', count(*) FROM clientele.offer
        UNION ALL SELECT 'contact policies', count(*) FROM clientele.contact_policy
        UNION ALL SELECT 'stores', count(*) FROM clientele.store
        UNION ALL SELECT 'store promotions', count(*) FROM clientele.store_promotion
        UNION ALL SELECT 'contacts', count(*) FROM clientele.contact_history
        UNION ALL SELECT 'outcomes', count(*) FROM clientele.contact_outcome
    LOOP
        RETURN NEXT;
    END LOOP;
END $$;
COMMENT ON FUNCTION clientele.demo_offers_load(integer, integer, date) IS
'Replace the decision tables'' content with the demo: demo_customers() as profiles (segment = age band, opt-outs, home location, attributes), consumable demo_purchases(), 50 offers on demo_products(), five contact policies, demo_stores() with makeup promotions in Paris, four weeks of contacts and outcomes before end_date, and the statistics learned from them';
