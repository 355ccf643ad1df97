-- Parallel query and distributed aggregation, checked from the catalogue so
-- that every module's functions and aggregates are covered when they land:
--  1. declarations: aggregates have a combine function and are PARALLEL SAFE,
--     internal states are serializable; functions that are not parallel safe
--     are listed (each must be a deliberate choice);
--  2. every parallel-safe function is run per row under a forced parallel
--     plan and must give exactly the serial result;
--  3. every aggregate runs as Partial Aggregate in workers and equals the
--     serial result;
--  4. every aggregate state that is not internal round-trips through its text
--     form, and combining states parsed from text equals the serial result
--     (what Citus does with custom aggregates).
-- A module adds rows to parallel_argument when its functions take a
-- parameter that needs a particular value; everything else is automatic.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;

CREATE TEMP VIEW ext_functions AS
SELECT p.oid, p.oid::regprocedure AS fn, p.prokind, p.proparallel, p.provolatile, p.prorettype, p.proretset, p.proargtypes
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'clientele';

-- 1. Declarations (each query: expect no rows)
-- aggregates without a combine function, or not parallel safe
SELECT a.aggfnoid::regprocedure AS aggregate, a.aggcombinefn, f.proparallel
  FROM pg_aggregate a JOIN ext_functions f ON f.oid = a.aggfnoid
 WHERE a.aggcombinefn = 0 OR f.proparallel <> 's';
-- internal states without serialize/deserialize functions
SELECT a.aggfnoid::regprocedure AS aggregate
  FROM pg_aggregate a JOIN ext_functions f ON f.oid = a.aggfnoid
 WHERE a.aggtranstype = 'internal'::regtype AND (a.aggserialfn = 0 OR a.aggdeserialfn = 0);
-- support functions of aggregates that are not parallel safe
SELECT s.oid::regprocedure AS support_function
  FROM pg_aggregate a JOIN ext_functions f ON f.oid = a.aggfnoid
  JOIN pg_proc s ON s.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn)
 WHERE s.proparallel <> 's';
-- Functions that are not parallel safe must have a reason: they write
-- (VOLATILE), or read relations named by the caller (regclass, SQL text,
-- which may be temporary tables the workers cannot see).  An IMMUTABLE
-- function that is not parallel safe is a mislabel (expect no rows).
SELECT fn, proparallel, provolatile FROM ext_functions
 WHERE proparallel <> 's' AND provolatile = 'i' ORDER BY fn::text;
-- not parallel safe and not a writer: each must read caller-named relations
-- or the extension's per-customer tables (expect no rows)
SELECT f.fn, f.proparallel, f.provolatile FROM ext_functions f JOIN pg_proc p ON p.oid = f.oid
 WHERE f.proparallel <> 's' AND f.provolatile = 's'
   AND NOT p.proargtypes::regtype[] && ARRAY['regclass', 'text']::regtype[]
   AND p.proname NOT IN ('next_best_offers', 'next_best_offers_batch', 'offer_evaluate', 'offer_policy_inputs', 'simulate_campaign')
 ORDER BY fn::text;
SELECT count(*) FILTER (WHERE proparallel = 's') > 150 AS many_parallel_safe,
       count(*) FILTER (WHERE proparallel <> 's' AND provolatile = 'v') > 0 AS writers_are_unsafe
  FROM ext_functions;

-- The rows functions are called on: demo messages in both languages.
CREATE TABLE parallel_messages AS
SELECT id, lang, body FROM clientele.demo_messages(3000, 7);
ANALYZE parallel_messages;

-- The expression passed for each parameter, by parameter name and type ('' =
-- any name), over the columns id, lang and body of parallel_messages; a
-- parameter without a row here takes its constant from
-- sql/hardening_samples.inc (the most specific row of either table wins).
\set ECHO none
\i sql/hardening_samples.inc
\set ECHO all
CREATE TEMP TABLE parallel_argument (type regtype, parameter text DEFAULT '', expression text NOT NULL,
                                     PRIMARY KEY (type, parameter));
INSERT INTO parallel_argument VALUES
    ('text', '', 'body'),
    ('text', 'lang', 'lang'),
    ('text', 'lexicon', $$'regress_parallel'$$),
    ('text', 'data', $$'bidule' || chr(9) || '1'$$),
    ('boolean', '', '(id % 2 = 0)'),
    ('integer', '', '(id % 5 + 1)::integer'),
    ('bigint', '', 'id'),
    -- an aggregate's seed is taken from one of its rows: the same on every row
    ('bigint', 'seed', '7'),
    ('date', '', $$'2026-03-15'::date + (id % 3)::integer$$),
    -- exact binary fractions, so that sums do not depend on the order
    ('double precision', '', '((id % 17) - 8) / 8.0::float8'),
    ('double precision', 'value', '(id % 4) * 2.5::float8'),
    ('double precision', 'alpha', '(1 + id % 4)::float8'),
    ('double precision', 'beta', '(1 + id % 3)::float8'),
    ('double precision[]', 'features', 'ARRAY[(id % 7)::float8, (id % 3)::float8]'),
    ('double precision[]', 'x', 'ARRAY[1, (id % 5)::float8]'),
    ('double precision', 'y', '(id % 3 = 0)::integer::float8'),
    ('text[]', '', $$ARRAY[(ARRAY['email', 'search', 'direct', 'display'])[id % 4 + 1], (ARRAY['search', 'email', 'social'])[id % 3 + 1]]$$),
    -- touches 14 and 7 days (two half-lives) before the conversion: the
    -- time-decay weights are exact powers of 2
    ('timestamp with time zone', '', $$'2026-03-15 12:00+00'::timestamptz$$),
    ('timestamp with time zone[]', '', $$ARRAY['2026-03-01 12:00+00'::timestamptz, '2026-03-08 12:00+00']$$),
    ('integer[]', '', 'ARRAY[(id % 4)::integer, ((id + 1) % 4)::integer]'),
    ('jsonb', 'attributes', $$jsonb_build_object('lang', lang, 'even', id % 2 = 0)$$);
SELECT clientele.lexicon_load('regress_parallel', E'produit\t2\nvoiture\t-1');
-- The expression for parameter ord of a function: a per-row expression of
-- parallel_argument or a constant of sample_argument, the most specific.
CREATE FUNCTION pg_temp.parallel_expression(function_oid oid, ord integer) RETURNS text
LANGUAGE sql STABLE AS $$
SELECT x.expression FROM pg_proc p CROSS JOIN LATERAL (
    SELECT pa.expression, CASE WHEN pa.parameter <> '' THEN 3 ELSE 1 END AS rank FROM parallel_argument pa
     WHERE pa.type = p.proargtypes[ord - 1] AND pa.parameter IN ('', coalesce(p.proargnames[ord], ''))
    UNION ALL
    SELECT sa.expression, CASE WHEN sa.fn <> '' THEN 4 WHEN sa.parameter <> '' THEN 2 ELSE 0 END FROM sample_argument sa
     WHERE sa.type = p.proargtypes[ord - 1] AND sa.parameter IN ('', coalesce(p.proargnames[ord], ''))
       AND sa.fn IN ('', p.proname)) x
 WHERE p.oid = function_oid ORDER BY x.rank DESC LIMIT 1 $$;

-- Two texts are the same result when they are equal except for numbers
-- that differ by a relative 1e-9: floating-point sums of partial aggregates
-- depend on the order of the additions in the last bits.
CREATE FUNCTION pg_temp.same_numbers(a text, b text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
SELECT a IS NOT DISTINCT FROM b
    OR (regexp_replace(a, '-?[0-9][0-9.]*(e[-+]?[0-9]+)?', '#', 'g')
          = regexp_replace(b, '-?[0-9][0-9.]*(e[-+]?[0-9]+)?', '#', 'g')
        AND (SELECT bool_and(abs(x.v::float8 - y.v::float8) <= 1e-9 * greatest(abs(x.v::float8), abs(y.v::float8), 1e-300))
               FROM (SELECT m[1] AS v, row_number() OVER () AS i
                       FROM regexp_matches(a, '(-?[0-9][0-9.]*(e[-+]?[0-9]+)?)', 'g') m) x
               JOIN (SELECT m[1] AS v, row_number() OVER () AS i
                       FROM regexp_matches(b, '(-?[0-9][0-9.]*(e[-+]?[0-9]+)?)', 'g') m) y USING (i))) $$;

-- One query per function or aggregate: a digest of every result, in a
-- deterministic order.  The calls are in a subquery that is not flattened
-- (OFFSET 0), so that they are evaluated below the Gather node, by the
-- workers, and not by the leader's aggregate.  Functions that are not
-- per-message (no text parameter) run on the first 40 rows only.
CREATE TEMP TABLE parallel_case AS
SELECT f.fn, f.prokind,
       CASE
         WHEN f.prokind = 'a' THEN
           format('SELECT %s(%s)::text FROM parallel_messages', f.oid::regproc, a.args)
         WHEN f.proretset OR f.prorettype = 'record'::regtype THEN
           format('SELECT md5(string_agg(x, %L ORDER BY id, ord)) FROM (SELECT m.id, r.ordinality AS ord, r::text AS x '
                  'FROM parallel_messages m, LATERAL %s(%s) WITH ORDINALITY r %s OFFSET 0) s', '|', f.oid::regproc,
                  a.m_args, CASE WHEN NOT a.per_message THEN 'WHERE m.id <= 40' END)
         ELSE
           format('SELECT md5(string_agg(x, %L ORDER BY id)) FROM (SELECT m.id, %s(%s)::text AS x '
                  'FROM parallel_messages m %s OFFSET 0) s', '|', f.oid::regproc, a.m_args,
                  CASE WHEN NOT a.per_message THEN 'WHERE m.id <= 40' END)
       END AS query,
       a.missing
  FROM ext_functions f
  CROSS JOIN LATERAL (
    SELECT string_agg(x.expression, ', ' ORDER BY t.ord) AS args,
           -- a constant argument is wrapped in a CASE over the row, so that the
           -- planner cannot fold the call into a constant: the workers run it
           string_agg(CASE WHEN x.expression ~ '\m(id|lang|body)\M'
                           THEN regexp_replace(x.expression, '\m(id|lang|body)\M', 'm.\1', 'g')
                           ELSE format('(CASE WHEN m.id > 0 THEN %s END)', x.expression) END, ', ' ORDER BY t.ord) AS m_args,
           bool_or(t.type = 'text'::regtype AND x.expression = 'body') AS per_message,
           string_agg(t.type::text, ', ') FILTER (WHERE x.expression IS NULL) AS missing
      FROM pg_proc p
      CROSS JOIN LATERAL unnest(p.proargtypes::regtype[]) WITH ORDINALITY AS t(type, ord)
      CROSS JOIN LATERAL (SELECT pg_temp.parallel_expression(p.oid, t.ord::integer) AS expression) x
     WHERE p.oid = f.oid) a
 WHERE f.proparallel = 's' AND f.prorettype <> 'trigger'::regtype
   AND f.prokind <> 'w'                    -- window functions run above the Gather
   AND NOT 'internal'::regtype = ANY (f.proargtypes::regtype[])   -- not callable from SQL
   AND NOT EXISTS (SELECT 1 FROM pg_aggregate g
                    WHERE f.oid IN (g.aggtransfn, g.aggfinalfn, g.aggcombinefn, g.aggserialfn, g.aggdeserialfn));

-- Run each case serially, then under a forced parallel plan; report whether
-- the workers evaluate the call (and, for aggregates, run a partial
-- aggregate) and whether the digests are equal.
CREATE FUNCTION pg_temp.run_parallel_cases()
RETURNS TABLE(fn regprocedure, in_workers boolean, partial_aggregate boolean, same_result boolean, note text)
LANGUAGE plpgsql AS $$
DECLARE
    c record;
    serial_digest text;
    parallel_digest text;
    plan text;
    state text;
    message text;
BEGIN
    FOR c IN SELECT * FROM parallel_case ORDER BY parallel_case.fn::text LOOP
        fn := c.fn;
        note := NULL;
        IF c.missing IS NOT NULL THEN
            in_workers := NULL; partial_aggregate := NULL; same_result := NULL;
            note := 'no parallel_argument for ' || c.missing;
            RETURN NEXT;
            CONTINUE;
        END IF;
        BEGIN
        SET LOCAL max_parallel_workers_per_gather = 0;
        EXECUTE c.query INTO serial_digest;
        SET LOCAL max_parallel_workers_per_gather = 2;
        SET LOCAL parallel_setup_cost = 0;
        SET LOCAL parallel_tuple_cost = 0;
        SET LOCAL min_parallel_table_scan_size = 0;
        SET LOCAL parallel_leader_participation = off;   -- the workers do all the work
        plan := '';
        FOR parallel_digest IN EXECUTE 'EXPLAIN (COSTS OFF, VERBOSE) ' || c.query LOOP
            plan := plan || parallel_digest || E'\n';
        END LOOP;
        EXECUTE c.query INTO parallel_digest;
        RESET max_parallel_workers_per_gather;
        RESET parallel_setup_cost;
        RESET parallel_tuple_cost;
        RESET min_parallel_table_scan_size;
        RESET parallel_leader_participation;
        -- the call appears in a node below the Gather: the workers run it
        in_workers := plan ~ 'Parallel Seq Scan'
                      AND position(c.fn::oid::regproc::text || '(' IN substr(plan, position('Gather' IN plan))) > 0;
        partial_aggregate := CASE WHEN c.prokind = 'a' THEN plan ~ 'Partial Aggregate' END;
        same_result := CASE WHEN c.prokind = 'a' THEN pg_temp.same_numbers(serial_digest, parallel_digest)
                            ELSE serial_digest IS NOT DISTINCT FROM parallel_digest END;
        IF NOT same_result THEN
            note := left(serial_digest, 60) || ' <> ' || left(parallel_digest, 60);
        END IF;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
            in_workers := NULL; partial_aggregate := NULL; same_result := NULL;
            note := 'error ' || state || ': ' || message;
        END;
        RETURN NEXT;
    END LOOP;
END $$;
CREATE TEMP TABLE parallel_result AS SELECT * FROM pg_temp.run_parallel_cases();
-- Failures only: a call not evaluated by the workers, an aggregate not
-- partial, a result that differs, an error (expect no rows)
SELECT fn, in_workers, partial_aggregate, same_result, note FROM parallel_result
 WHERE note IS NOT NULL OR NOT in_workers OR NOT same_result OR partial_aggregate IS FALSE
 ORDER BY fn::text;
-- every parallel-safe function and aggregate was run
SELECT count(*) > 120 AS many_cases, count(*) FILTER (WHERE partial_aggregate) > 25 AS many_aggregates,
       count(*) = (SELECT count(*) FROM parallel_case) AS all_cases
  FROM parallel_result;

-- An example plan: sentiment is computed in the workers.
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF, VERBOSE)
SELECT clientele.sentiment_summary(clientele.sentiment(body)) FROM parallel_messages;
-- the summary of real scores: parallel equals serial (rounded: float sums
-- of scores depend on the order of the additions in the last bits)
CREATE TEMP TABLE summary_parallel AS
SELECT (s).count, round((s).mean::numeric, 10) AS mean, round((s).positive::numeric, 10) AS positive,
       round((s).negative::numeric, 10) AS negative, round((s).net::numeric, 10) AS net
  FROM (SELECT clientele.sentiment_summary(clientele.sentiment(body)) AS s FROM parallel_messages) q;
RESET max_parallel_workers_per_gather;
SELECT (s).count, round((s).mean::numeric, 10) AS mean, round((s).positive::numeric, 10) AS positive,
       round((s).negative::numeric, 10) AS negative, round((s).net::numeric, 10) AS net
  FROM (SELECT clientele.sentiment_summary(clientele.sentiment(body)) AS s FROM parallel_messages) q
EXCEPT SELECT * FROM summary_parallel;   -- expect no rows
SELECT count FROM summary_parallel;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

-- 4. States through text.  For every aggregate whose state is not internal,
-- an aggregate with the same transition function and no final function gives
-- the state itself; it is printed as text, parsed back, and combined: the
-- final result of combine(state(odd rows), state(even rows)) parsed from
-- text must equal the final result over all rows.
CREATE FUNCTION pg_temp.state_round_trips()
RETURNS TABLE(aggregate regprocedure, state_type regtype, text_round_trip boolean, combined_equals_serial boolean,
              note text)
LANGUAGE plpgsql AS $$
DECLARE
    a record;
    args text;
    final_call text;
    state_all text;
    state_odd text;
    state_even text;
    reparsed text;
    via_text text;
    serial text;
    state text;
    message text;
BEGIN
    FOR a IN
        SELECT g.*, p.oid AS agg_oid, p.oid::regprocedure AS agg,
               pg_get_function_identity_arguments(p.oid) AS argtypes
          FROM pg_aggregate g JOIN pg_proc p ON p.oid = g.aggfnoid JOIN ext_functions e ON e.oid = p.oid
         WHERE g.aggtranstype <> 'internal'::regtype
         ORDER BY p.oid::regprocedure::text
    LOOP
        aggregate := a.agg;
        state_type := a.aggtranstype::regtype;
        text_round_trip := NULL; combined_equals_serial := NULL; note := NULL;
        SELECT string_agg(pg_temp.parallel_expression(a.agg_oid, t.ord::integer), ', ' ORDER BY t.ord)
          INTO args
          FROM pg_proc p CROSS JOIN LATERAL unnest(p.proargtypes) WITH ORDINALITY t(type, ord)
         WHERE p.oid = a.agg_oid;
        BEGIN
            EXECUTE format('CREATE AGGREGATE pg_temp.state_of(%s) (SFUNC = %s, STYPE = %s%s)',
                           a.argtypes, a.aggtransfn::regproc, state_type,
                           CASE WHEN a.agginitval IS NOT NULL THEN ', INITCOND = ' || quote_literal(a.agginitval) END);
            EXECUTE format('SELECT pg_temp.state_of(%s)::text FROM parallel_messages', args) INTO state_all;
            EXECUTE format('SELECT pg_temp.state_of(%s)::text FROM parallel_messages WHERE id %% 2 = 1', args) INTO state_odd;
            EXECUTE format('SELECT pg_temp.state_of(%s)::text FROM parallel_messages WHERE id %% 2 = 0', args) INTO state_even;
            EXECUTE format('SELECT (%L::%s)::text', state_all, state_type) INTO reparsed;
            text_round_trip := reparsed = state_all;
            final_call := CASE WHEN a.aggfinalfn <> 0 THEN a.aggfinalfn::regproc::text ELSE '' END;
            -- the combine function runs as the transition of an aggregate over
            -- the parsed states, as on a Citus coordinator
            EXECUTE format('CREATE AGGREGATE pg_temp.combine_of(%s) (SFUNC = %s, STYPE = %s)',
                           state_type, a.aggcombinefn::regproc, state_type);
            EXECUTE format('SELECT %s(pg_temp.combine_of(s))::text FROM (VALUES (%L::%s), (%L::%s)) v(s)', final_call,
                           state_odd, state_type, state_even, state_type) INTO via_text;
            EXECUTE format('DROP AGGREGATE pg_temp.combine_of(%s)', state_type);
            EXECUTE format('SELECT %s(%s)::text FROM parallel_messages', a.agg::oid::regproc, args) INTO serial;
            combined_equals_serial := pg_temp.same_numbers(via_text, serial);
            IF NOT combined_equals_serial THEN
                note := left(via_text, 60) || ' <> ' || left(serial, 60);
            END IF;
            EXECUTE format('DROP AGGREGATE pg_temp.state_of(%s)', a.argtypes);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
            note := 'error ' || state || ': ' || message;
        END;
        RETURN NEXT;
    END LOOP;
END $$;
CREATE TEMP TABLE round_trip AS SELECT * FROM pg_temp.state_round_trips();
-- failures only (expect no rows), then how many states went through text
SELECT * FROM round_trip WHERE note IS NOT NULL OR NOT text_round_trip OR NOT combined_equals_serial
 ORDER BY aggregate::text;
SELECT count(*) > 20 AS many_states, count(DISTINCT state_type) >= 3 AS state_types FROM round_trip;

-- The values themselves, checked against PostgreSQL's own aggregates over
-- the same inputs: count, mean and the shares of the summary.
SELECT (s).count = c AS count_ok, (s).mean = m AS mean_ok,
       (s).positive = pos AS positive_ok, (s).negative = neg AS negative_ok
  FROM (SELECT clientele.sentiment_summary(((id % 17) - 8) / 8.0::float8) AS s, count(*) AS c,
               avg(((id % 17) - 8) / 8.0::float8) AS m,
               avg((((id % 17) - 8) / 8.0::float8 >= 0.05)::int) AS pos,
               avg((((id % 17) - 8) / 8.0::float8 <= -0.05)::int) AS neg
          FROM parallel_messages) q;

DROP FUNCTION pg_temp.run_parallel_cases();
DROP FUNCTION pg_temp.state_round_trips();
DELETE FROM clientele.lexicon WHERE name = 'regress_parallel';
DROP TABLE parallel_messages;
