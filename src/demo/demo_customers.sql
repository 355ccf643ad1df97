-- Demo customers, purchases and engagement events drawn from a known
-- BG/NBD + Gamma-Gamma model (see docs/demo.md and docs/segmentation.md).

CREATE FUNCTION clientele.demo_model(OUT r float8, OUT alpha float8, OUT a float8, OUT b float8,
    OUT p float8, OUT q float8, OUT gamma float8)
AS 'MODULE_PATHNAME', 'clientele_demo_model'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.demo_model() IS
'The default model of the demo customers: BG/NBD r, alpha (weeks), a, b and Gamma-Gamma p, q, gamma (euros)';

CREATE FUNCTION clientele.demo_customers(n integer DEFAULT 100000, seed integer DEFAULT 42,
    end_date date DEFAULT '2026-03-15', model float8[] DEFAULT '{}')
RETURNS TABLE(customer_id bigint, signup_at timestamptz, age_band text, gender text,
    city text, country text, lang text, lat float8, lon float8, preferred_channel text,
    optin_email boolean, optin_sms boolean, optin_push boolean, optin_post boolean)
AS 'MODULE_PATHNAME', 'clientele_demo_customers'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100000;
COMMENT ON FUNCTION clientele.demo_customers(integer, integer, date, float8[]) IS
'n deterministic demo customers of a cosmetics retailer (France and a few US cities): age band, gender, home city and geolocation, language, preferred channel, opt-ins; signup_at is their first purchase';

CREATE FUNCTION clientele.demo_purchases(n integer DEFAULT 100000, seed integer DEFAULT 42,
    end_date date DEFAULT '2026-03-15', model float8[] DEFAULT '{}')
RETURNS TABLE(purchase_id bigint, customer_id bigint, purchased_at timestamptz,
    product_id integer, product text, category text, brand text, amount numeric,
    channel text)
AS 'MODULE_PATHNAME', 'clientele_demo_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 400000;
COMMENT ON FUNCTION clientele.demo_purchases(integer, integer, date, float8[]) IS
'The purchases of the demo customers over the 104 weeks before end_date, drawn from a BG/NBD buying process and a Gamma-Gamma spend model (clientele.demo_model() or the model array {r, alpha, a, b, p, q, gamma})';

CREATE FUNCTION clientele.demo_events(n integer DEFAULT 100000, seed integer DEFAULT 42,
    end_date date DEFAULT '2026-03-15', model float8[] DEFAULT '{}')
RETURNS TABLE(event_id bigint, customer_id bigint, occurred_at timestamptz, kind text,
    channel text, product_id integer)
AS 'MODULE_PATHNAME', 'clientele_demo_events'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 600000;
COMMENT ON FUNCTION clientele.demo_events(integer, integer, date, float8[]) IS
'Engagement events of the demo customers (email_open, email_click, sms_click, push_open, site_visit, product_view, cart_abandon, review, social_like, social_share), ten times rarer after a customer left';

CREATE FUNCTION clientele.demo_customer_truth(n integer DEFAULT 100000, seed integer DEFAULT 42,
    end_date date DEFAULT '2026-03-15', model float8[] DEFAULT '{}')
RETURNS TABLE(customer_id bigint, purchase_rate float8, dropout_prob float8,
    spend_rate float8, mean_spend float8, alive boolean, dropped_at timestamptz)
AS 'MODULE_PATHNAME', 'clientele_demo_customer_truth'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100000;
COMMENT ON FUNCTION clientele.demo_customer_truth(integer, integer, date, float8[]) IS
'The hidden values the demo purchases were drawn from: purchases per week while active (lambda), dropout probability after each repeat purchase (p), spend rate nu and mean spend p/nu, whether the customer is still active at end_date';

CREATE FUNCTION clientele.demo_products()
RETURNS TABLE(product_id integer, product text, category text, brand text, price numeric,
    consumable boolean, repurchase_days integer)
AS 'MODULE_PATHNAME', 'clientele_demo_products'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 24;
COMMENT ON FUNCTION clientele.demo_products() IS
'The catalogue of the demo purchases; consumables have a typical repurchase interval in days';

CREATE FUNCTION clientele.demo_stores()
RETURNS TABLE(store_id integer, name text, city text, country text, lat float8, lon float8)
AS 'MODULE_PATHNAME', 'clientele_demo_stores'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 21;
COMMENT ON FUNCTION clientele.demo_stores() IS
'The shops of the demo retailer, with their geolocation';
