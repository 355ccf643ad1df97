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
SELECT p.oid, p.oid::regprocedure AS fn, p.prokind, p.proparallel, p.provolatile, p.prorettype, p.proretset
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
-- Functions that are not parallel safe: only those that write (expect the
-- lexicon loader and its trigger, which modify tables)
SELECT fn, proparallel, provolatile FROM ext_functions WHERE proparallel <> 's' ORDER BY fn::text;

-- The rows functions are called on: demo messages in both languages.
CREATE TABLE parallel_messages AS
SELECT id, lang, body FROM clientele.demo_messages(3000, 7);
ANALYZE parallel_messages;

-- The expression passed for each parameter, by parameter name and type ('' =
-- any name), over the columns id, lang and body of parallel_messages.
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
    ('date', '', $$'2026-03-15'::date + (id % 3)::integer$$),
    -- exact binary fractions, so that sums do not depend on the order
    ('double precision', '', '((id % 17) - 8) / 8.0::float8');
SELECT clientele.lexicon_load('regress_parallel', E'produit\t2\nvoiture\t-1');

-- One query per function or aggregate: a digest of every result, in a
-- deterministic order.  The calls are in a subquery that is not flattened
-- (OFFSET 0), so that they are evaluated below the Gather node, by the
-- workers, and not by the leader's aggregate.  Functions that are not
-- per-message (no text parameter) run on the first 40 rows only.
CREATE TEMP TABLE parallel_case AS
SELECT f.fn, f.prokind,
       CASE
         WHEN f.prokind = 'a' THEN
           format('SELECT md5(%s(%s)::text) FROM parallel_messages', f.oid::regproc, a.args)
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
           string_agg(regexp_replace(x.expression, '\m(id|lang|body)\M', 'm.\1', 'g'), ', ' ORDER BY t.ord) AS m_args,
           bool_or(t.type = 'text'::regtype AND x.expression = 'body') AS per_message,
           string_agg(t.type::text, ', ') FILTER (WHERE x.expression IS NULL) AS missing
      FROM pg_proc p
      CROSS JOIN LATERAL unnest(p.proargtypes::regtype[]) WITH ORDINALITY AS t(type, ord)
      LEFT JOIN LATERAL (SELECT pa.expression FROM parallel_argument pa
                          WHERE pa.type = t.type AND pa.parameter IN ('', coalesce(p.proargnames[t.ord], ''))
                          ORDER BY pa.parameter DESC LIMIT 1) x ON true
     WHERE p.oid = f.oid) a
 WHERE f.proparallel = 's' AND f.prorettype <> 'trigger'::regtype
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
BEGIN
    FOR c IN SELECT * FROM parallel_case ORDER BY parallel_case.fn::text LOOP
        fn := c.fn;
        IF c.missing IS NOT NULL THEN
            in_workers := NULL; partial_aggregate := NULL; same_result := NULL;
            note := 'no parallel_argument for ' || c.missing;
            RETURN NEXT;
            CONTINUE;
        END IF;
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
        same_result := serial_digest IS NOT DISTINCT FROM parallel_digest AND serial_digest IS NOT NULL;
        note := NULL;
        RETURN NEXT;
    END LOOP;
END $$;
SELECT * FROM pg_temp.run_parallel_cases();

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
RETURNS TABLE(aggregate regprocedure, state_type regtype, text_round_trip boolean, combined_equals_serial boolean)
LANGUAGE plpgsql AS $$
DECLARE
    a record;
    arg text;
    final_call text;
    state_all text;
    state_odd text;
    state_even text;
    reparsed text;
    via_text text;
    serial text;
BEGIN
    FOR a IN
        SELECT g.*, p.oid::regprocedure AS agg, p.proargtypes[0]::regtype AS argtype
          FROM pg_aggregate g JOIN pg_proc p ON p.oid = g.aggfnoid JOIN ext_functions e ON e.oid = p.oid
         WHERE g.aggtranstype <> 'internal'::regtype AND p.pronargs = 1
         ORDER BY p.oid::regprocedure::text
    LOOP
        aggregate := a.agg;
        state_type := a.aggtranstype::regtype;
        SELECT pa.expression INTO arg FROM parallel_argument pa WHERE pa.type = a.argtype AND pa.parameter = '';
        EXECUTE format('CREATE AGGREGATE pg_temp.state_of(%s) (SFUNC = %s, STYPE = %s%s)',
                       a.argtype, a.aggtransfn::regproc, state_type,
                       CASE WHEN a.agginitval IS NOT NULL THEN ', INITCOND = ' || quote_literal(a.agginitval) END);
        EXECUTE format('SELECT pg_temp.state_of(%s)::text FROM parallel_messages', arg) INTO state_all;
        EXECUTE format('SELECT pg_temp.state_of(%s)::text FROM parallel_messages WHERE id %% 2 = 1', arg) INTO state_odd;
        EXECUTE format('SELECT pg_temp.state_of(%s)::text FROM parallel_messages WHERE id %% 2 = 0', arg) INTO state_even;
        EXECUTE format('SELECT (%L::%s)::text', state_all, state_type) INTO reparsed;
        text_round_trip := reparsed = state_all;
        final_call := CASE WHEN a.aggfinalfn <> 0 THEN a.aggfinalfn::regproc::text ELSE '' END;
        EXECUTE format('SELECT %s(%s(%L::%s, %L::%s))::text', final_call, a.aggcombinefn::regproc,
                       state_odd, state_type, state_even, state_type) INTO via_text;
        EXECUTE format('SELECT %s(%s)::text FROM parallel_messages', a.agg::oid::regproc, arg) INTO serial;
        combined_equals_serial := via_text = serial;
        EXECUTE format('DROP AGGREGATE pg_temp.state_of(%s)', a.argtype);
        RETURN NEXT;
    END LOOP;
END $$;
SELECT * FROM pg_temp.state_round_trips();

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
