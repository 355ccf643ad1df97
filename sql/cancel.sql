-- A long call stops promptly on statement_timeout.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;
CREATE TEMP TABLE big AS SELECT repeat('très bon mais pas terrible ', 4000000) AS body;
SET statement_timeout = '300ms';
SELECT clientele.sentiment(body) FROM big;
SELECT count(*) FROM big, clientele.tokens(body);
SELECT length(clientele.normal_form(body)) FROM big;
RESET statement_timeout;
