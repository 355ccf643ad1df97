-- Security properties of every function of the extension, read from the
-- catalogue so that each new module is covered without editing this file:
-- no SECURITY DEFINER, SQL-level bodies pinned to a safe search_path, and
-- every function callable by a role with no privilege beyond the defaults.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;

CREATE TEMP VIEW ext_functions AS
SELECT p.oid, p.oid::regprocedure AS fn, p.prokind, p.prosecdef, p.proconfig, l.lanname, p.prorettype
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'clientele'
  JOIN pg_language l ON l.oid = p.prolang;

-- no SECURITY DEFINER anywhere (expect no rows)
SELECT fn FROM ext_functions WHERE prosecdef;
-- SQL and plpgsql functions set search_path = pg_catalog, pg_temp (expect no rows)
SELECT fn, proconfig FROM ext_functions
 WHERE lanname IN ('sql', 'plpgsql')
   AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (proconfig), false);
-- the extension's schema and tables: nobody but the owner may create or write
SELECT n.nspname, has_schema_privilege('public', n.oid, 'CREATE') AS public_may_create
  FROM pg_namespace n WHERE n.nspname = 'clientele';
SELECT c.oid::regclass AS relation, c.relkind,
       has_table_privilege('public', c.oid, 'SELECT') AS public_select,
       has_table_privilege('public', c.oid, 'INSERT,UPDATE,DELETE,TRUNCATE') AS public_write
  FROM pg_class c JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'clientele'
 ORDER BY 1::text;

-- A sample argument per type, or per parameter name and type, for calling
-- every function.  A module that adds a function taking a new type (or a
-- parameter that needs a particular value) adds a row here; the loop below
-- says when one is missing.
CREATE TEMP TABLE sample_argument (type regtype, parameter text DEFAULT '', value text NOT NULL,
                                   PRIMARY KEY (type, parameter));
INSERT INTO sample_argument VALUES
    ('text', '', 'Très bon produit, I love it :)'),
    ('text', 'lang', 'fr'),
    ('text', 'lexicon', 'regress_sample'),
    ('text', 'data', E'bidule\t1'),
    ('boolean', '', 'true'),
    ('integer', '', '20'),
    ('bigint', '', '20'),
    ('date', '', '2026-03-15'),
    ('double precision', '', '0.5'),
    ('double precision[]', '', '{0,0,0,0,0}'),
    ('jsonb', '', '{}');
SELECT clientele.lexicon_load('regress_sample', E'bidule\t1');
-- Functions that are not called directly: triggers, and the support
-- functions of aggregates (called through their aggregate).
CREATE TEMP VIEW callable AS
SELECT f.* FROM ext_functions f
 WHERE f.prorettype <> 'trigger'::regtype
   AND NOT EXISTS (SELECT 1 FROM pg_aggregate a
                    WHERE f.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn));
GRANT SELECT ON sample_argument, callable, ext_functions TO PUBLIC;

CREATE ROLE regress_clientele_user;
-- Call every function (and aggregate) as a role with default privileges;
-- print the SQLSTATE of each call that fails.
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
        SELECT string_agg(format('%s::%s', quote_literal(s.value), t.type), ', ' ORDER BY t.ord),
               string_agg(t.type::text, ', ') FILTER (WHERE s.value IS NULL)
          INTO args, missing
          FROM pg_proc p
          CROSS JOIN LATERAL unnest(p.proargtypes::regtype[]) WITH ORDINALITY AS t(type, ord)
          LEFT JOIN LATERAL (SELECT a.value FROM sample_argument a
                              WHERE a.type = t.type AND a.parameter IN ('', coalesce(p.proargnames[t.ord], ''))
                              ORDER BY a.parameter DESC LIMIT 1) s ON true
         WHERE p.oid = f.oid;
        IF missing IS NOT NULL THEN
            outcome := 'no sample argument for ' || missing || ': add one to sample_argument';
        ELSE
            BEGIN
                IF f.prokind = 'a' THEN
                    EXECUTE format('SELECT count(*) FROM (SELECT %s(%s) FROM generate_series(1, 3)) s',
                                   f.fn::oid::regproc, args);
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
SELECT * FROM pg_temp.call_every_function();
RESET ROLE;

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

DROP FUNCTION pg_temp.call_every_function();
DROP ROLE regress_clientele_user;
