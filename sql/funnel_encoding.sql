-- Keyword queries in a LATIN1 database: queries and messages are converted.
SET client_min_messages = warning;
DROP DATABASE IF EXISTS clientele_funnel_latin1;
CREATE DATABASE clientele_funnel_latin1 TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C';
RESET client_min_messages;
\c clientele_funnel_latin1
SET client_encoding = 'UTF8';
SET client_min_messages = warning;
CREATE EXTENSION clientele;
RESET client_min_messages;
SET search_path = public, clientele;
SELECT pg_catalog.getdatabaseencoding();
SELECT 'Déçue par L''Oréal, c''est TROP chèr' @~> 'loreal decue' AS folded,
       'Déçue par L''Oréal' @~> 'raw:"L''Oréal"' AS raw_form,
       'L''ORÉAL' @~> 'raw:"L''Oréal"' AS raw_other_case;
SELECT 'Crème brûlée -"été chaud" L''Oréal'::clientele.kwquery AS canonical,
       clientele.highlight('Une crème brûlée à L''Oréal', 'crème OR loreal') AS highlighted;
SELECT * FROM clientele.match_positions('Une crème brûlée à L''Oréal', 'brûl* OR loreal');
SELECT 'x' @~> 'crème NEAR/ brûlée';
SELECT clientele.simhash('Crème brûlée') = clientele.simhash('CREME BRULEE !') AS same_fingerprint;
\c contrib_regression
DROP DATABASE clientele_funnel_latin1;
