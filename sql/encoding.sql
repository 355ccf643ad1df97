-- Databases whose encoding is not UTF-8: text is converted, not assumed.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;
SET client_min_messages = warning;
DROP DATABASE IF EXISTS clientele_latin1;
CREATE DATABASE clientele_latin1 TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C';
DROP DATABASE IF EXISTS clientele_sqlascii;
CREATE DATABASE clientele_sqlascii TEMPLATE template0 ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C';
RESET client_min_messages;
\c clientele_latin1
SET client_encoding = 'UTF8';
CREATE EXTENSION clientele;
SELECT pg_catalog.getdatabaseencoding();
SELECT token, normalized, kind FROM clientele.tokens('Déçue par L''Oréal, c''est TROP chèr ! :(');
SELECT clientele.normal_form('ÉTÉ déçue', false), clientele.detect_language('Je suis très déçue');
SELECT label, jsonb_path_query_array(evidence, '$[*].term') AS terms, jsonb_path_query_array(evidence, '$[*].rules') AS rules
  FROM clientele.sentiment_detail('Je suis très déçue');
SELECT clientele.sentiment('Ça me plaît beaucoup') > 0 AS positive;
-- the demo corpus and the emoji lexicon drop what LATIN1 cannot represent
SELECT count(*) AS messages, bool_and(body IS NOT NULL) AS bodies FROM clientele.demo_messages(2000);
SELECT count(*) > 0 AS some_emoticons, bool_and(term ~ '^[ -~]+$') AS only_ascii FROM clientele.builtin_lexicon('emoji');
\c clientele_sqlascii
CREATE EXTENSION clientele;
SELECT pg_catalog.getdatabaseencoding();
SELECT clientele.normal_form('déçue') AS utf8_bytes_pass_through, clientele.sentiment('déçue') < 0 AS negative;
-- bytes that are not UTF-8 are not a crash
SELECT clientele.normal_form(convert_from('\x6dc3a9fffe206f6b'::bytea, 'SQL_ASCII')) IS NOT NULL AS survives_invalid_bytes;
-- invalid bytes are read as U+FFFD (EF BF BD), and written so in normal
-- forms: the output is always valid UTF-8; the original form is the input's bytes
SELECT encode(convert_to(clientele.normal_form(convert_from('\x6dc3a9fffe206f6b'::bytea, 'SQL_ASCII')), 'SQL_ASCII'), 'hex') AS normal_form_hex;
SELECT position, encode(convert_to(token, 'SQL_ASCII'), 'hex') AS token_hex,
       encode(convert_to(normalized, 'SQL_ASCII'), 'hex') AS normalized_hex, kind
  FROM clientele.tokens(convert_from('\x636166e92068747470733a2f2f782e66722fe9c3a9ff21'::bytea, 'SQL_ASCII'));
SELECT length(convert_from(convert_to(clientele.normal_form(convert_from(
           '\xc328a0a1e228a1f0288cbcfffec0afeda080f4908080'::bytea, 'SQL_ASCII')), 'SQL_ASCII'), 'UTF8')) > 0 AS valid_utf8;
\c contrib_regression
DROP DATABASE clientele_latin1;
DROP DATABASE clientele_sqlascii;
