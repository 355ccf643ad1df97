-- Next-best-offer, part 1: the domain model (tables of the extension).
-- Every table is registered with pg_extension_config_dump, so pg_dump keeps
-- its rows.  Configuration is readable by every role; writing it, and
-- reading or writing contact history, is granted by the administrator to
-- the application role (see docs/offers.md, "Privileges").

-- Validation helpers used by CHECK constraints.
CREATE FUNCTION clientele.rule_check(rule jsonb) RETURNS boolean
AS 'MODULE_PATHNAME', 'clientele_rule_check'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.rule_check(jsonb) IS
'True when the eligibility rule is well formed; otherwise an error (22023) naming the malformed node';

CREATE FUNCTION clientele.rule_matches(rule jsonb, facts jsonb) RETURNS boolean
AS 'MODULE_PATHNAME', 'clientele_rule_matches'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.rule_matches(jsonb, jsonb) IS
'Whether the facts (a JSON object) satisfy the eligibility rule';

-- Whether a number is finite (NaN compares greater than every number in PostgreSQL).
CREATE FUNCTION clientele.is_finite(x float8) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN x > '-Infinity'::float8 AND x < 'Infinity'::float8;
COMMENT ON FUNCTION clientele.is_finite(float8) IS 'Whether x is neither NaN nor infinite';

-- Offers: what can be proposed, on which channels, for how much.
CREATE TABLE clientele.offer (
    id integer PRIMARY KEY,
    name text NOT NULL UNIQUE,
    channels text[] NOT NULL CHECK (cardinality(channels) > 0 AND array_position(channels, NULL) IS NULL),
    value float8 NOT NULL DEFAULT 0 CHECK (clientele.is_finite(value) AND value >= 0),
    cost float8 NOT NULL DEFAULT 0 CHECK (clientele.is_finite(cost) AND cost >= 0),
    valid tstzrange NOT NULL DEFAULT '(,)',
    eligibility jsonb CHECK (clientele.rule_check(eligibility)),
    offer_group text NOT NULL DEFAULT 'default',
    products text[] NOT NULL DEFAULT '{}',
    categories text[] NOT NULL DEFAULT '{}',
    lever float8 NOT NULL DEFAULT 1 CHECK (clientele.is_finite(lever) AND lever >= 0),
    model text NOT NULL DEFAULT 'beta' CHECK (model IN ('beta', 'naive_bayes', 'logistic')),
    min_propensity float8 NOT NULL DEFAULT 0 CHECK (min_propensity >= 0 AND min_propensity <= 1),
    replenishment_boost float8 NOT NULL DEFAULT 1
        CHECK (clientele.is_finite(replenishment_boost) AND replenishment_boost >= 0),
    geofence_m float8 CHECK (clientele.is_finite(geofence_m) AND geofence_m > 0),
    geofence_boost float8 NOT NULL DEFAULT 1 CHECK (clientele.is_finite(geofence_boost) AND geofence_boost >= 0),
    active boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE clientele.offer IS
'Offers: channels, business value and cost, validity, eligibility rule (jsonb), offer group, product and category links, business lever, propensity model, suitability threshold, replenishment and geofence boosts';

-- Customers as the decision engine sees them.
CREATE TABLE clientele.offer_customer (
    customer_id bigint PRIMARY KEY,
    segment text NOT NULL DEFAULT '',
    time_zone text NOT NULL DEFAULT 'UTC',
    opted_out text[] NOT NULL DEFAULT '{}',
    lat float8 CHECK (lat >= -90 AND lat <= 90),
    lon float8 CHECK (lon >= -180 AND lon <= 180),
    attributes jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object')
);
COMMENT ON TABLE clientele.offer_customer IS
'Decision profile of each customer: segment, time zone (for quiet hours), channels opted out of (''all'' for every channel), home location, attributes (facts for eligibility rules and model features)';

-- Contact policies.
CREATE TABLE clientele.contact_policy (
    id serial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    kind text NOT NULL CHECK (kind IN ('cap', 'suppression', 'cooldown', 'quiet_hours')),
    channel text,
    offer_group text,
    max_count integer CHECK (max_count > 0),
    "window" interval CHECK ("window" > '0'),
    outcome text,
    suppress_for interval CHECK (suppress_for > '0'),
    cooldown interval CHECK (cooldown > '0'),
    quiet_start time,
    quiet_end time,
    time_zone text,
    active boolean NOT NULL DEFAULT true,
    CHECK (kind <> 'cap' OR (max_count IS NOT NULL AND "window" IS NOT NULL)),
    CHECK (kind <> 'suppression' OR (max_count IS NOT NULL AND "window" IS NOT NULL
                                     AND outcome IS NOT NULL AND suppress_for IS NOT NULL)),
    CHECK (kind <> 'cooldown' OR cooldown IS NOT NULL),
    CHECK (kind <> 'quiet_hours' OR (quiet_start IS NOT NULL AND quiet_end IS NOT NULL AND quiet_start <> quiet_end)),
    CHECK (outcome IS NULL OR outcome IN ('opened', 'clicked', 'accepted', 'rejected', 'ignored'))
);
COMMENT ON TABLE clientele.contact_policy IS
'Contact policies per channel and offer group (NULL: all): cap (at most max_count contacts per window), suppression (after max_count outcomes of a type within window, for suppress_for), cooldown (after an acceptance or a purchase), quiet_hours (local time in the policy''s or the customer''s time zone)';

-- Reject an unknown time zone in a policy or a customer profile.
CREATE FUNCTION clientele.offer_check_time_zone() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.time_zone IS NOT NULL THEN
        PERFORM now() AT TIME ZONE NEW.time_zone;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER check_time_zone BEFORE INSERT OR UPDATE OF time_zone ON clientele.contact_policy
    FOR EACH ROW EXECUTE FUNCTION clientele.offer_check_time_zone();
CREATE TRIGGER check_time_zone BEFORE INSERT OR UPDATE OF time_zone ON clientele.offer_customer
    FOR EACH ROW EXECUTE FUNCTION clientele.offer_check_time_zone();

-- Global settings (one row).
CREATE TABLE clientele.offer_config (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    control_share float8 NOT NULL DEFAULT 0 CHECK (control_share >= 0 AND control_share <= 1),
    control_seed bigint NOT NULL DEFAULT 0,
    response_outcome text NOT NULL DEFAULT 'accepted'
        CHECK (response_outcome IN ('opened', 'clicked', 'accepted')),
    replenishment_horizon interval NOT NULL DEFAULT '7 days'
);
COMMENT ON TABLE clientele.offer_config IS
'Decision settings (at most one row; defaults when empty): random control group share and its seed, the outcome that counts as a response, the replenishment horizon';

-- Binned features of the naive Bayes models.
CREATE TABLE clientele.offer_feature (
    position integer PRIMARY KEY CHECK (position > 0),
    name text NOT NULL UNIQUE,
    edges float8[] NOT NULL CHECK (cardinality(edges) > 0 AND array_position(edges, NULL) IS NULL)
);
COMMENT ON TABLE clientele.offer_feature IS
'Customer attributes used by naive Bayes models, each cut into bins by ascending edges (bin = width_bucket(value, edges))';

-- Learned statistics per offer, overall (segment '') and per segment.
CREATE TABLE clientele.offer_stat (
    offer_id integer NOT NULL REFERENCES clientele.offer ON DELETE CASCADE,
    segment text NOT NULL DEFAULT '',
    contacts float8 NOT NULL DEFAULT 0 CHECK (contacts >= 0),
    responses float8 NOT NULL DEFAULT 0 CHECK (responses >= 0 AND responses <= contacts),
    nb_model float8[],
    PRIMARY KEY (offer_id, segment)
);
-- single decisions read the statistics of a segment ('' and the customer's) by this index
CREATE INDEX offer_stat_segment_idx ON clientele.offer_stat (segment);
COMMENT ON TABLE clientele.offer_stat IS
'Learned statistics per offer and segment ('''' = every customer): contacts, responses (the Beta posterior is Beta(1 + responses, 1 + contacts - responses)) and the naive Bayes model';

-- Logistic regression models per offer.
CREATE TABLE clientele.offer_model (
    offer_id integer PRIMARY KEY REFERENCES clientele.offer ON DELETE CASCADE,
    features text[] NOT NULL,
    coefficients float8[] NOT NULL,
    std_errors float8[],
    trained_at timestamptz NOT NULL DEFAULT now(),
    CHECK (cardinality(coefficients) = cardinality(features) + 1)
);
COMMENT ON TABLE clientele.offer_model IS
'Logistic regression per offer: coefficients[1] is the intercept, coefficients[i + 1] multiplies the numeric attribute features[i]';

-- Contact history and outcomes.
CREATE TABLE clientele.contact_history (
    id bigserial PRIMARY KEY,
    customer_id bigint NOT NULL,
    offer_id integer NOT NULL REFERENCES clientele.offer ON DELETE CASCADE,
    channel text NOT NULL,
    contacted_at timestamptz NOT NULL,
    segment text NOT NULL DEFAULT '',
    bins integer[],
    responded boolean NOT NULL DEFAULT false
);
CREATE INDEX ON clientele.contact_history (customer_id, contacted_at);
COMMENT ON TABLE clientele.contact_history IS
'Every contact made (outcome ''sent''), with the customer''s segment and feature bins at that time';

CREATE TABLE clientele.contact_outcome (
    id bigserial PRIMARY KEY,
    contact_id bigint NOT NULL REFERENCES clientele.contact_history ON DELETE CASCADE,
    customer_id bigint NOT NULL,
    offer_id integer NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('opened', 'clicked', 'accepted', 'rejected', 'ignored')),
    occurred_at timestamptz NOT NULL
);
CREATE INDEX ON clientele.contact_outcome (customer_id, occurred_at);
COMMENT ON TABLE clientele.contact_outcome IS 'Outcomes of contacts: opened, clicked, accepted, rejected, ignored';

-- Purchases (replenishment and cooldowns) and typical product cycles.
CREATE TABLE clientele.offer_purchase (
    customer_id bigint NOT NULL,
    product text NOT NULL,
    purchased_at timestamptz NOT NULL
);
CREATE INDEX ON clientele.offer_purchase (customer_id, product, purchased_at);
COMMENT ON TABLE clientele.offer_purchase IS 'Purchases seen by the decision engine (replenishment, cooldowns)';

CREATE TABLE clientele.product_cycle (
    product text PRIMARY KEY,
    cycle interval NOT NULL CHECK (cycle > '0')
);
COMMENT ON TABLE clientele.product_cycle IS
'Typical repurchase interval per product, used for customers with a single purchase (learn_product_cycles() fills it)';

-- Stores and their promotions (geofences).
CREATE TABLE clientele.store (
    id integer PRIMARY KEY,
    name text NOT NULL,
    lat float8 NOT NULL CHECK (lat >= -90 AND lat <= 90),
    lon float8 NOT NULL CHECK (lon >= -180 AND lon <= 180)
);
CREATE TABLE clientele.store_promotion (
    store_id integer NOT NULL REFERENCES clientele.store ON DELETE CASCADE,
    offer_id integer NOT NULL REFERENCES clientele.offer ON DELETE CASCADE,
    valid tstzrange NOT NULL DEFAULT '(,)',
    PRIMARY KEY (store_id, offer_id)
);
COMMENT ON TABLE clientele.store IS 'Stores (WGS84 decimal degrees)';
COMMENT ON TABLE clientele.store_promotion IS 'Offers promoted in a store during a period (geofence boosts)';

SELECT pg_catalog.pg_extension_config_dump('clientele.offer', '');
SELECT pg_catalog.pg_extension_config_dump('clientele.offer_customer', '');
SELECT pg_catalog.pg_extension_config_dump('clientele.contact_policy', '');
SELECT pg_catalog.pg_extension_config_dump('clientele.contact_policy_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('clientele.offer_config', '');
SELECT pg_catalog.pg_extension_config_dump('clientele.offer_feature', '');
SELECT pg_catalog.pg_extension_config_dump('clientele.offer_stat', '');
SELECT pg_catalog.pg_extension_config_dump('clientele.offer_model', '');
SELECT pg_catalog.pg_extension_config_dump('clientele.contact_history', '');
SELECT pg_catalog.pg_extension_config_dump('clientele.contact_history_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('clientele.contact_outcome', '');
SELECT pg_catalog.pg_extension_config_dump('clientele.contact_outcome_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('clientele.offer_purchase', '');
SELECT pg_catalog.pg_extension_config_dump('clientele.product_cycle', '');
SELECT pg_catalog.pg_extension_config_dump('clientele.store', '');
SELECT pg_catalog.pg_extension_config_dump('clientele.store_promotion', '');

GRANT SELECT ON clientele.offer, clientele.contact_policy, clientele.offer_config, clientele.offer_feature,
    clientele.offer_stat, clientele.offer_model, clientele.product_cycle, clientele.store,
    clientele.store_promotion TO PUBLIC;
