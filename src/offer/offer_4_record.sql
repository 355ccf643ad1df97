-- Next-best-offer, part 4: recording contacts and outcomes.
--
-- Both functions take a transaction-level advisory lock on the customer
-- before they read anything, so two sessions recording for the same
-- customer are serialised and the second one sees the first one's contact:
-- no contact policy can be exceeded by a race.  A transaction holds at most
-- the locks of the customers it records for; record_contacts() takes them
-- in ascending customer order, so sessions never wait on each other in a
-- cycle.  Statistics rows are updated in (offer, segment) order.

-- Lock a customer for recording (advisory lock class 0x0FFE, key = customer).
CREATE FUNCTION clientele.offer_lock_customer(customer_id bigint) RETURNS void
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF current_setting('transaction_isolation') = 'repeatable read' THEN
        RAISE EXCEPTION 'contacts cannot be recorded in a REPEATABLE READ transaction'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'Its snapshot predates the customer lock, so it could miss a concurrent contact.',
                  HINT = 'Record contacts in READ COMMITTED or SERIALIZABLE transactions.';
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock(4094, pg_catalog.hashint8(customer_id));
END $$;

-- Record one contact, unless a policy forbids it now; returns the contact id or NULL.
CREATE FUNCTION clientele.record_contact(customer_id bigint, offer_id integer, channel text,
    at timestamptz DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cust clientele.offer_customer;
    verdict record;
    bins integer[];
    nbins integer;
    contact bigint;
BEGIN
    IF customer_id IS NULL OR offer_id IS NULL OR channel IS NULL THEN
        RAISE EXCEPTION 'customer_id, offer_id and channel must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (SELECT FROM clientele.offer o WHERE o.id = record_contact.offer_id) THEN
        RAISE EXCEPTION 'offer % does not exist', offer_id USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM clientele.offer_lock_customer(customer_id);
    SELECT * INTO cust FROM clientele.offer_customer c WHERE c.customer_id = record_contact.customer_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'customer % does not exist', customer_id USING ERRCODE = 'undefined_object';
    END IF;
    -- the clock read under the lock orders a customer's contacts as the lock does
    at := coalesce(at, clock_timestamp());
    IF at < (SELECT max(h.contacted_at) FROM clientele.contact_history h
              WHERE h.customer_id = record_contact.customer_id) THEN
        RAISE EXCEPTION 'contact at % precedes the customer''s latest contact', at
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Contacts of a customer are recorded in time order, so that a policy checked now holds for every window.',
                  HINT = 'Import past history with INSERT INTO clientele.contact_history.';
    END IF;
    SELECT e.stage, e.rejected_by INTO verdict
      FROM clientele.offer_evaluate(ARRAY[customer_id], channel, at, '{}', 0, false, ARRAY[offer_id]) e;
    IF verdict.stage IN ('eligibility', 'applicability') THEN
        RETURN NULL;
    END IF;
    nbins := clientele.feature_bin_count();
    IF nbins IS NOT NULL THEN
        bins := clientele.feature_bins(cust.attributes);
    END IF;
    INSERT INTO clientele.contact_history (customer_id, offer_id, channel, contacted_at, segment, bins)
    VALUES (customer_id, offer_id, channel, at, cust.segment, bins)
    RETURNING id INTO contact;
    INSERT INTO clientele.offer_stat AS s (offer_id, segment, contacts, nb_model)
    SELECT offer_id, g.segment, 1,
           CASE WHEN bins IS NOT NULL THEN clientele.nb_update(clientele.nb_model(cardinality(bins), nbins), bins, false) END
      FROM (SELECT DISTINCT unnest(ARRAY['', cust.segment]) AS segment) g
     ORDER BY g.segment
    ON CONFLICT ON CONSTRAINT offer_stat_pkey DO UPDATE
       SET contacts = s.contacts + 1,
           nb_model = CASE WHEN bins IS NULL THEN s.nb_model
                           ELSE clientele.nb_update(coalesce(s.nb_model, clientele.nb_model(cardinality(bins), nbins)),
                                                    bins, false) END;
    RETURN contact;
END $$;
COMMENT ON FUNCTION clientele.record_contact(bigint, integer, text, timestamptz) IS
'Record (at the given time, by default the clock read under the customer lock) that the offer was sent to the customer on the channel, and count it in the offer''s statistics; returns the contact id, or NULL (nothing recorded) when the offer is not eligible or a contact policy forbids the contact at that time';

-- Record several contacts, locking customers in ascending order.
CREATE FUNCTION clientele.record_contacts(customers bigint[], offers integer[], channel text,
    at timestamptz DEFAULT NULL)
RETURNS TABLE(customer_id bigint, offer_id integer, contact_id bigint)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF cardinality(customers) IS DISTINCT FROM cardinality(offers) THEN
        RAISE EXCEPTION 'customers and offers must be arrays of the same length'
            USING ERRCODE = 'array_subscript_error';
    END IF;
    PERFORM clientele.offer_lock_customer(c) FROM (SELECT DISTINCT unnest(customers) AS c ORDER BY 1) l;
    RETURN QUERY
    SELECT u.c, u.o, clientele.record_contact(u.c, u.o, channel, at)
      FROM unnest(customers, offers) WITH ORDINALITY u(c, o, i)
     ORDER BY u.o, u.c, u.i;
END $$;
COMMENT ON FUNCTION clientele.record_contacts(bigint[], integer[], text, timestamptz) IS
'Record contacts for pairs (customers[i], offers[i]) in one transaction, without deadlocks between concurrent callers';

-- Record an outcome of a contact; a response updates the statistics once.
CREATE FUNCTION clientele.record_outcome(contact_id bigint, outcome text, at timestamptz DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    h clientele.contact_history;
    outcome_id bigint;
    seg text;
BEGIN
    IF contact_id IS NULL OR outcome IS NULL THEN
        RAISE EXCEPTION 'contact_id and outcome must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    at := coalesce(at, clock_timestamp());
    IF outcome NOT IN ('opened', 'clicked', 'accepted', 'rejected', 'ignored') THEN
        RAISE EXCEPTION 'unknown outcome "%"', outcome USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Outcomes are opened, clicked, accepted, rejected and ignored.';
    END IF;
    SELECT * INTO h FROM clientele.contact_history c WHERE c.id = record_outcome.contact_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'contact % does not exist', contact_id USING ERRCODE = 'undefined_object';
    END IF;
    IF at < h.contacted_at THEN
        RAISE EXCEPTION 'outcome at % precedes the contact at %', at, h.contacted_at
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM clientele.offer_lock_customer(h.customer_id);
    INSERT INTO clientele.contact_outcome (contact_id, customer_id, offer_id, outcome, occurred_at)
    VALUES (h.id, h.customer_id, h.offer_id, outcome, at)
    RETURNING id INTO outcome_id;
    IF outcome = (SELECT response_outcome FROM clientele.offer_settings()) THEN
        UPDATE clientele.contact_history c SET responded = true
         WHERE c.id = h.id AND NOT c.responded;
        IF FOUND THEN
            -- one row at a time, overall first: the order record_contact() locks them in
            FOR seg IN SELECT DISTINCT unnest(ARRAY['', h.segment]) ORDER BY 1 LOOP
                UPDATE clientele.offer_stat s
                   SET responses = s.responses + 1,
                       nb_model = CASE WHEN h.bins IS NULL OR s.nb_model IS NULL
                                            OR s.nb_model[2] <> cardinality(h.bins) THEN s.nb_model
                                       ELSE clientele.nb_update(clientele.nb_update(s.nb_model, h.bins, false, -1),
                                                                h.bins, true) END
                 WHERE s.offer_id = h.offer_id AND s.segment = seg;
            END LOOP;
        END IF;
    END IF;
    RETURN outcome_id;
END $$;
COMMENT ON FUNCTION clientele.record_outcome(bigint, text, timestamptz) IS
'Record an outcome (opened, clicked, accepted, rejected, ignored) of a contact; the response outcome (offer_config, default accepted) counts once per contact in the offer''s statistics and moves the contact from the negative to the positive class of its naive Bayes model';
