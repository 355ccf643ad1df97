-- Next-best-offer, part 5: real-time decisions from an events table.

-- Trigger function: decide the next best offer for the event's customer and publish it with NOTIFY.
CREATE FUNCTION clientele.offer_event_trigger() RETURNS trigger
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ev jsonb := jsonb_strip_nulls(to_jsonb(NEW));
    decision_channel text := coalesce(TG_ARGV[0], 'push');
    notify_channel text := coalesce(TG_ARGV[1], 'clientele_offer');
    customer bigint;
    event_at timestamptz;
    best record;
    payload jsonb;
BEGIN
    IF TG_OP <> 'INSERT' OR TG_LEVEL <> 'ROW' THEN
        RAISE EXCEPTION 'offer_event_trigger() must be an AFTER INSERT ... FOR EACH ROW trigger'
            USING ERRCODE = 'feature_not_supported';
    END IF;
    IF NOT ev ? 'customer_id' THEN
        RAISE EXCEPTION 'events table "%" needs a non-NULL column customer_id', TG_TABLE_NAME
            USING ERRCODE = 'undefined_column';
    END IF;
    customer := (ev ->> 'customer_id')::bigint;
    event_at := coalesce((ev ->> 'occurred_at')::timestamptz, now());
    IF ev ->> 'kind' = 'purchase' AND ev ? 'product' THEN
        INSERT INTO clientele.offer_purchase (customer_id, product, purchased_at)
        VALUES (customer, ev ->> 'product', event_at);
    END IF;
    IF NOT EXISTS (SELECT FROM clientele.offer_customer c WHERE c.customer_id = customer) THEN
        payload := jsonb_build_object('customer_id', customer, 'channel', decision_channel, 'at', event_at,
                                      'offer_id', NULL, 'reasons', jsonb_build_array('UNKNOWN_CUSTOMER'));
    ELSE
        SELECT * INTO best FROM clientele.next_best_offers(customer, 1, decision_channel, event_at, ev - 'weights');
        payload := jsonb_build_object('customer_id', customer, 'channel', decision_channel, 'at', event_at,
                                      'offer_id', best.offer_id, 'offer', best.offer, 'priority', best.priority,
                                      'propensity', best.propensity, 'value', best.value, 'lever', best.lever,
                                      'reasons', coalesce(to_jsonb(best.reasons), jsonb_build_array('NO_OFFER')));
    END IF;
    IF octet_length(payload::text) + octet_length(ev::text) < 7900 THEN
        payload := payload || jsonb_build_object('event', ev);
    END IF;
    PERFORM pg_catalog.pg_notify(notify_channel, payload::text);
    RETURN NULL;
END $$;
COMMENT ON FUNCTION clientele.offer_event_trigger() IS
'AFTER INSERT FOR EACH ROW trigger for an events table with a customer_id column (and optionally occurred_at, kind, product, lat, lon): records purchases, decides the next best offer on channel TG_ARGV[0] (default push) with the event as context, and publishes a JSON payload with NOTIFY on TG_ARGV[1] (default clientele_offer), delivered when the inserting transaction commits';
