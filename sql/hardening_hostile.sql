-- Hostile input against every function, in a UTF-8, a LATIN1 and a SQL_ASCII
-- database: NULLs, empty and huge texts, control and combining characters,
-- invalid byte sequences, NaN and infinities, negative and absurd sizes,
-- malformed lexicon data and aggregate states, unknown names.  The table of
-- inputs and cases is sql/hardening_hostile.inc (how to add rows: there).
-- Each call's SQLSTATE is printed; none may be XX000 and none may crash.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
DROP DATABASE IF EXISTS clientele_hostile_latin1;
CREATE DATABASE clientele_hostile_latin1 TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C';
DROP DATABASE IF EXISTS clientele_hostile_sqlascii;
CREATE DATABASE clientele_hostile_sqlascii TEMPLATE template0 ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C';
RESET client_min_messages;
-- hostile lexicon names create lexicons: remove every one created here at the end
CREATE TEMP TABLE lexicons_before AS SELECT name FROM clientele.lexicon;
-- the calls are rolled back, but sequences are not transactional: their
-- values are restored at the end, so that later tests see the same ids
CREATE TEMP TABLE sequences_before AS
SELECT format('%I.%I', schemaname, sequencename)::regclass AS seq, last_value, start_value
  FROM pg_sequences WHERE schemaname = 'clientele';
\set ECHO none
\i sql/hardening_hostile.inc
-- hostile names make PostgreSQL truncate identifiers (NOTICE): not shown
SET client_min_messages = warning;
SELECT pg_temp.build_hostile_calls(NULL) > 0 AS calls_built;
SET statement_timeout = '5s';
\o /dev/null
SELECT format('SELECT pg_temp.try_call(%s)', id) FROM hostile_call ORDER BY id
\gexec
\o
RESET statement_timeout;
RESET client_min_messages;
\set ECHO all
-- Per function: the number of generated calls and how many gave each
-- SQLSTATE ('ok' = success).  Every function of the extension is here.
SELECT fn, sum(n) AS calls, string_agg(outcome || '×' || n, ' ' ORDER BY outcome) AS outcomes
  FROM (SELECT fn, outcome, count(*) AS n FROM hostile_call GROUP BY fn, outcome) o
 GROUP BY fn ORDER BY fn::text;
-- functions of the extension that no call reached (expect no rows)
SELECT p.oid::regprocedure AS not_called
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'clientele'
 WHERE p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)
   AND p.oid NOT IN (SELECT fn FROM hostile_call WHERE outcome NOT LIKE 'no hostile%');
-- the calls that must be looked at: internal errors, hangs, harness mistakes
SELECT fn, parameter, label, outcome, message FROM hostile_call_problem ORDER BY id;
SELECT id, label, expected, got, got = expected AS as_expected FROM hostile_cases_result ORDER BY id;
-- the messages of the cases that failed as expected (each a clear error)
SELECT id, got, message FROM hostile_cases_result WHERE got <> '00000' ORDER BY id;
-- summary: no internal error, every case as expected
SELECT (SELECT count(*) FROM hostile_input) AS hostile_values,
       (SELECT count(*) FROM hostile_call) AS generated_calls,
       (SELECT count(*) FROM hostile_case) AS written_cases,
       (SELECT count(*) FROM hostile_call WHERE outcome ~ '^XX') +
       (SELECT count(*) FROM hostile_cases_result WHERE got ~ '^XX') AS internal_errors,
       (SELECT count(*) FROM hostile_call WHERE outcome = 'timeout') AS timeouts,
       (SELECT count(*) FROM hostile_cases_result WHERE got <> expected) AS unexpected \gset
SELECT :hostile_values AS hostile_values, :generated_calls > 3000 AS many_calls,
       :written_cases AS written_cases, :internal_errors AS internal_errors, :timeouts AS timeouts,
       :unexpected AS unexpected;
DELETE FROM clientele.lexicon WHERE name NOT IN (SELECT name FROM lexicons_before);
SELECT count(*) AS lexicons_left FROM clientele.lexicon WHERE name NOT IN (SELECT name FROM lexicons_before);
SELECT bool_and(CASE WHEN last_value IS NULL THEN setval(seq, start_value, false) = start_value
                     ELSE setval(seq, last_value, true) = last_value END) AS sequences_restored
  FROM sequences_before;

-- LATIN1: every byte is a character; conversion to UTF-8 and back
\c clientele_hostile_latin1
SET client_min_messages = warning;
CREATE EXTENSION clientele;
RESET client_min_messages;
\set ECHO none
\i sql/hardening_hostile.inc
\set ECHO all
INSERT INTO hostile_input VALUES
    ('text', 'latin1_high_bytes', $$convert_from('\xe9e8ffa0809fd7f7b5df'::bytea, 'LATIN1')$$),
    ('text', 'latin1_all_bytes', $$convert_from((SELECT string_agg(set_byte('\x00'::bytea, 0, b), ''::bytea)
                                                 FROM generate_series(1, 255) b), 'LATIN1')$$);
-- here only the parameters that take text are tried
SET client_min_messages = warning;
SELECT pg_temp.build_hostile_calls('{text,cstring,text[],name}') > 0 AS calls_built;
\set ECHO none
SET statement_timeout = '5s';
\o /dev/null
SELECT format('SELECT pg_temp.try_call(%s)', id) FROM hostile_call ORDER BY id
\gexec
\o
RESET statement_timeout;
RESET client_min_messages;
\set ECHO all
-- per hostile text value, the SQLSTATEs it got over all text parameters
SELECT label, string_agg(outcome || '×' || n, ' ' ORDER BY outcome) AS outcomes
  FROM (SELECT label, outcome, count(*) AS n FROM hostile_call
         WHERE parameter LIKE '% text' GROUP BY label, outcome) o
 GROUP BY label ORDER BY label;
SELECT fn, parameter, label, outcome, message FROM hostile_call_problem ORDER BY id;
-- cases that differ from UTF-8 (their U& literals cannot be written here)
SELECT id, label, expected, got FROM hostile_cases_result WHERE got <> expected ORDER BY id;
SELECT (SELECT count(*) FROM hostile_call WHERE outcome ~ '^XX') +
       (SELECT count(*) FROM hostile_cases_result WHERE got ~ '^XX') AS internal_errors;

-- SQL_ASCII: bytes are not checked, so text can hold invalid UTF-8
\c clientele_hostile_sqlascii
SET client_min_messages = warning;
CREATE EXTENSION clientele;
RESET client_min_messages;
\set ECHO none
\i sql/hardening_hostile.inc
\set ECHO all
INSERT INTO hostile_input VALUES
    ('text', 'invalid_utf8', $$convert_from('\xc328a0a1e228a1f0288cbcfffe'::bytea, 'SQL_ASCII')$$),
    ('text', 'overlong_utf8', $$convert_from('\xc0afe080aff08080afc1bf'::bytea, 'SQL_ASCII')$$),
    ('text', 'surrogates', $$convert_from('\xeda080edbfbff4908080'::bytea, 'SQL_ASCII')$$),
    ('text', 'truncated_utf8', $$convert_from('\x64c3a9c3'::bytea, 'SQL_ASCII')$$),
    ('text', 'invalid_flood', $$repeat(convert_from('\xffc3'::bytea, 'SQL_ASCII'), 100000)$$);
-- here only the parameters that take text are tried
SET client_min_messages = warning;
SELECT pg_temp.build_hostile_calls('{text,cstring,text[],name}') > 0 AS calls_built;
\set ECHO none
SET statement_timeout = '5s';
\o /dev/null
SELECT format('SELECT pg_temp.try_call(%s)', id) FROM hostile_call ORDER BY id
\gexec
\o
RESET statement_timeout;
RESET client_min_messages;
\set ECHO all
-- per hostile text value, the SQLSTATEs it got over all text parameters
SELECT label, string_agg(outcome || '×' || n, ' ' ORDER BY outcome) AS outcomes
  FROM (SELECT label, outcome, count(*) AS n FROM hostile_call
         WHERE parameter LIKE '% text' GROUP BY label, outcome) o
 GROUP BY label ORDER BY label;
SELECT fn, parameter, label, outcome, message FROM hostile_call_problem ORDER BY id;
-- cases that differ from UTF-8 (their U& literals cannot be written here)
SELECT id, label, expected, got FROM hostile_cases_result WHERE got <> expected ORDER BY id;
SELECT (SELECT count(*) FROM hostile_call WHERE outcome ~ '^XX') +
       (SELECT count(*) FROM hostile_cases_result WHERE got ~ '^XX') AS internal_errors;
-- invalid bytes are tokens of their own: the words around them still score,
-- and normal forms keep the bytes (shown as bytea: they are not UTF-8)
SELECT clientele.sentiment(convert_from('\xff'::bytea, 'SQL_ASCII') || ' great product '
                           || convert_from('\xc3'::bytea, 'SQL_ASCII'), 'en') > 0 AS positive,
       convert_to(clientele.normal_form(convert_from('\x41ff42'::bytea, 'SQL_ASCII')), 'SQL_ASCII') AS normal_form;

\c contrib_regression
SET client_min_messages = warning;
DROP DATABASE clientele_hostile_latin1;
DROP DATABASE clientele_hostile_sqlascii;
