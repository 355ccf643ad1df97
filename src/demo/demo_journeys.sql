-- Demo journeys (touchpoints, conversions, their paths) and a product launch
-- with pre-launch buzz and the sales that follow it.

CREATE FUNCTION clientele.demo_paths(customers integer DEFAULT 100000,
    seed integer DEFAULT 42, channels integer DEFAULT 8)
RETURNS TABLE(customer bigint, path text[], touch_times timestamptz[],
    conversion_time timestamptz, converted boolean, value float8)
AS 'MODULE_PATHNAME', 'clientele_demo_paths'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 130000;
COMMENT ON FUNCTION clientele.demo_paths(integer, integer, integer) IS
'Deterministic customer journeys as conversion paths (1 to 10 touches, mean 4, over 1 to 12 channels)';

CREATE FUNCTION clientele.demo_touchpoints(customers integer DEFAULT 100000,
    seed integer DEFAULT 42, channels integer DEFAULT 8)
RETURNS TABLE(customer bigint, channel text, ts timestamptz, cost float8)
AS 'MODULE_PATHNAME', 'clientele_demo_touchpoints'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 520000;
COMMENT ON FUNCTION clientele.demo_touchpoints(integer, integer, integer) IS
'The touches of demo_paths() as a touchpoint table (customer, channel, ts, cost)';

CREATE FUNCTION clientele.demo_conversions(customers integer DEFAULT 100000,
    seed integer DEFAULT 42, channels integer DEFAULT 8)
RETURNS TABLE(customer bigint, ts timestamptz, value float8)
AS 'MODULE_PATHNAME', 'clientele_demo_conversions'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 40000;
COMMENT ON FUNCTION clientele.demo_conversions(integer, integer, integer) IS
'The conversions of demo_paths() as a conversion table (customer, ts, value)';

CREATE FUNCTION clientele.demo_launch_messages(days integer DEFAULT 120,
    launch_day integer DEFAULT 60, seed integer DEFAULT 42)
RETURNS TABLE(id bigint, created_at timestamptz, brand text, product text,
    lang text, body text, reach integer)
AS 'MODULE_PATHNAME', 'clientele_demo_launch_messages'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 25000;
COMMENT ON FUNCTION clientele.demo_launch_messages(integer, integer, integer) IS
'Social messages about three brands from 2026-01-01, one of which (Lumea) launches its Aurora serum on launch_day after a teaser campaign';

CREATE FUNCTION clientele.demo_launch_sales(days integer DEFAULT 120,
    launch_day integer DEFAULT 60, lag_days integer DEFAULT 14, seed integer DEFAULT 42)
RETURNS TABLE(day date, units integer, revenue float8)
AS 'MODULE_PATHNAME', 'clientele_demo_launch_sales'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 120;
COMMENT ON FUNCTION clientele.demo_launch_sales(integer, integer, integer, integer) IS
'Lumea''s daily sales: they follow the expected buzz of demo_launch_messages() lag_days later, plus noise';
