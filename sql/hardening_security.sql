-- Security properties of every function of the extension, read from the
-- catalogue so that each new module is covered without editing this file:
-- no SECURITY DEFINER, SQL-level bodies pinned to a safe search_path, and
-- every function callable by a role with no privilege beyond the defaults.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;

CREATE TEMP VIEW ext_functions AS
SELECT p.oid, p.oid::regprocedure AS fn, p.prokind, p.prosecdef, p.proargtypes, p.proconfig, l.lanname, p.prorettype
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'clientele'
  JOIN pg_language l ON l.oid = p.prolang;

-- no SECURITY DEFINER anywhere (expect no rows)
SELECT fn FROM ext_functions WHERE prosecdef;
-- SQL and plpgsql functions set search_path = pg_catalog, pg_temp.  An
-- exception must be listed in search_path_exception with its reason; any
-- other function printed is a violation.
CREATE TEMP TABLE search_path_exception (fn regprocedure PRIMARY KEY, reason text NOT NULL);
-- (no exception at present: funnel_sql/report/run take the caller's search_path
-- as an argument, logistic_regression needs schema-qualified table names)
SELECT fn, proconfig AS violation FROM ext_functions
 WHERE lanname IN ('sql', 'plpgsql')
   AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (proconfig), false)
   AND fn NOT IN (SELECT fn FROM search_path_exception)
 ORDER BY fn::text;
SELECT fn AS exception, reason FROM search_path_exception ORDER BY fn::text;
-- the extension's schema and tables: nobody but the owner may create or
-- write; PUBLIC reads configuration, but not per-customer data (contact
-- history and outcomes, purchases, customer flags).  Violations only.
SELECT n.nspname, has_schema_privilege('public', n.oid, 'CREATE') AS public_may_create
  FROM pg_namespace n WHERE n.nspname = 'clientele';
CREATE TEMP VIEW ext_relations AS
SELECT c.oid::regclass AS relation, c.relkind,
       has_table_privilege('public', c.oid, 'SELECT') AS public_select,
       has_table_privilege('public', c.oid, 'INSERT,UPDATE,DELETE,TRUNCATE') AS public_write,
       c.relkind = 'S' AS is_sequence
  FROM pg_class c JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'clientele';
SELECT relation, relkind, public_select, public_write FROM ext_relations
 WHERE public_write OR (is_sequence AND public_select)
 ORDER BY relation::text;
-- not readable by PUBLIC (each must hold per-customer data)
SELECT relation FROM ext_relations WHERE NOT is_sequence AND NOT public_select ORDER BY relation::text;
SELECT count(*) FILTER (WHERE NOT is_sequence) AS tables, count(*) FILTER (WHERE is_sequence) AS sequences
  FROM ext_relations \gset
SELECT :tables > 15 AS many_tables_checked;

\set ECHO none
\i sql/hardening_samples.inc
\set ECHO all
-- Functions that are not called directly: triggers, and the support
-- functions of aggregates (called through their aggregate).
CREATE TEMP VIEW callable AS
SELECT f.* FROM ext_functions f
 WHERE f.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)
   AND NOT 'internal'::regtype = ANY (f.proargtypes::regtype[])   -- not callable from SQL
   AND NOT EXISTS (SELECT 1 FROM pg_aggregate a
                    WHERE f.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn));
GRANT SELECT ON callable, ext_functions TO PUBLIC;

CREATE ROLE regress_clientele_user;
-- Call every function (and aggregate) as a role with default privileges;
-- the SQLSTATE and message of each call.
CREATE FUNCTION pg_temp.call_every_function() RETURNS TABLE(fn regprocedure, outcome text)
LANGUAGE plpgsql AS $$
DECLARE
    f record;
    args text;
    missing text;
    state text;
    msg text;
BEGIN
    FOR f IN SELECT c.oid, c.fn, c.prokind FROM callable c ORDER BY c.fn::text LOOP
        fn := f.fn;
        SELECT string_agg(coalesce(pg_temp.sample_for(p.oid, t.ord::integer), 'NULL'), ', ' ORDER BY t.ord),
               string_agg(t.type::text, ', ') FILTER (WHERE pg_temp.sample_for(p.oid, t.ord::integer) IS NULL)
          INTO args, missing
          FROM pg_proc p
          CROSS JOIN LATERAL unnest(p.proargtypes::regtype[]) WITH ORDINALITY AS t(type, ord)
         WHERE p.oid = f.oid;
        IF missing IS NOT NULL THEN
            outcome := 'no sample argument for ' || missing || ': add one to sql/hardening_samples.inc';
        ELSE
            BEGIN
                IF f.prokind = 'a' THEN
                    -- the result is used (an unused aggregate of a subquery is not computed)
                    EXECUTE format('SELECT %s(%s) IS NULL FROM generate_series(1, 3)',
                                   f.fn::oid::regproc, args);
                ELSIF f.prokind = 'w' THEN
                    EXECUTE format('SELECT count(x) FROM (SELECT %s(%s) OVER (ORDER BY g) AS x FROM generate_series(1, 3) g) s',
                                   f.fn::oid::regproc, coalesce(args, ''));
                ELSE
                    EXECUTE format('SELECT count(*) FROM %s(%s)', f.fn::oid::regproc, coalesce(args, ''));
                END IF;
                outcome := 'ok';
            EXCEPTION WHEN OTHERS THEN
                GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
                outcome := state || ': ' || msg;
            END;
        END IF;
        RETURN NEXT;
    END LOOP;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.call_every_function() TO PUBLIC;

SET ROLE regress_clientele_user;
CREATE TEMP TABLE called AS SELECT * FROM pg_temp.call_every_function();
RESET ROLE;
-- Every function was called (expect true): a plain role may execute each.
SELECT (SELECT count(*) FROM called) = (SELECT count(*) FROM callable) AS every_function_called,
       (SELECT count(*) FROM called WHERE outcome LIKE '42501%') AS permission_denied;
-- Calls that did not succeed, with the reason (each must be a deliberate
-- refusal or a sample that is not meant to work, never a missing grant on
-- something a plain role needs: 42501 is listed with the table refused).
SELECT fn, outcome FROM called WHERE outcome <> 'ok' ORDER BY fn::text;

-- Writing configuration is the owner's business unless granted: with write
-- privileges on the lexicon tables (and the version sequence), a plain role
-- loads and uses its own lexicon.
GRANT INSERT, UPDATE, DELETE ON clientele.lexicon, clientele.lexicon_entry TO regress_clientele_user;
GRANT USAGE ON SEQUENCE clientele.lexicon_version_seq TO regress_clientele_user;
SET ROLE regress_clientele_user;
SELECT clientele.lexicon_load('regress_security', E'bidule\t3');
SELECT clientele.sentiment('un bidule', 'fr', 'regress_security') > 0 AS positive;
SELECT clientele.lexicon_load('regress_security', E'bidule\t-3', true);
SELECT clientele.sentiment('un bidule', 'fr', 'regress_security') < 0 AS negative_after_replace;
DELETE FROM clientele.lexicon WHERE name = 'regress_security';
RESET ROLE;
REVOKE ALL ON clientele.lexicon, clientele.lexicon_entry FROM regress_clientele_user;
REVOKE ALL ON SEQUENCE clientele.lexicon_version_seq FROM regress_clientele_user;

-- Row-level security on the configuration: a policy that hides a lexicon's
-- entries from a role is honoured by the scorer, which reads them as the
-- caller: that role scores with the built-in lexicon alone ('bidule' is not
-- in it: 0).  (The compiled-lexicon cache shared by roles of one backend is
-- tested in test/t/003_security.pl.)
SELECT clientele.lexicon_load('regress_hidden', E'bidule\t3');
ALTER TABLE clientele.lexicon_entry ENABLE ROW LEVEL SECURITY;
CREATE POLICY regress_hide ON clientele.lexicon_entry FOR SELECT
    USING (lexicon <> 'regress_hidden' OR current_user <> 'regress_clientele_user');
SET ROLE regress_clientele_user;
SELECT count(*) AS visible_entries FROM clientele.lexicon_entry WHERE lexicon = 'regress_hidden';
SELECT clientele.sentiment('un bidule', 'fr', 'regress_hidden') AS hidden_entries_unused;
RESET ROLE;
DROP POLICY regress_hide ON clientele.lexicon_entry;
ALTER TABLE clientele.lexicon_entry DISABLE ROW LEVEL SECURITY;
DELETE FROM clientele.lexicon WHERE name IN ('regress_hidden', 'regress_sample');
DROP TABLE called;

DROP FUNCTION pg_temp.call_every_function();
DROP ROLE regress_clientele_user;
