-- The README demo: what clientele sees in one day of social messages.
-- Run by test/demo.sh in a throwaway cluster.
\pset footer off
\set ON_ERROR_STOP 1
CREATE EXTENSION IF NOT EXISTS clientele;

\echo
\echo '=== One day of social messages (the demo corpus: 250,000 messages, French and English) ==='
\timing on
CREATE TABLE posts AS SELECT * FROM clientele.demo_messages(250000);
\timing off
SELECT channel, count(*) AS messages, round(100.0 * avg((lang = 'fr')::int), 1) AS pct_french
  FROM posts GROUP BY channel ORDER BY messages DESC;
SELECT id, lang, channel, left(body, 100) AS sample FROM posts WHERE id IN (1, 2, 3, 5, 8, 13, 21) ORDER BY id;

\echo
\echo '=== How a message is read: tokens and normal forms ==='
SELECT * FROM clientele.tokens('L''Oréal c''est TROP géniaaaal!!! 😍👍🏽 #Déçue @marque :-)');
SELECT clientele.normal_form('L''Oréal c''est TROP géniaaaal!!! 😍👍🏽 #Déçue @marque :-)') AS normal_form;

\echo
\echo '=== The built-in lexicons (written by the project) ==='
SELECT l AS lexicon, kind, count(*) AS entries
  FROM unnest(ARRAY['en', 'fr', 'emoji']) AS l, clientele.builtin_lexicon(l)
 GROUP BY 1, 2 ORDER BY 1, 3 DESC;

\echo
\echo '=== Sentiment of every message (one core), then by sector, brand and language ==='
\timing on
CREATE TABLE scored AS
SELECT p.*, d.compound AS sentiment, d.label, d.language AS detected_lang
  FROM posts p, clientele.sentiment_detail(p.body) d;
\timing off
SELECT sector, detected_lang AS lang, (clientele.sentiment_summary(sentiment)).*
  FROM scored WHERE brand IS NOT NULL
 GROUP BY 1, 2 ORDER BY 1, 2;
SELECT brand, sector, (s).count AS messages, round((s).mean::numeric, 3) AS mean,
       round((s).positive::numeric, 3) AS positive, round((s).negative::numeric, 3) AS negative,
       round((s).net::numeric, 3) AS net_sentiment
  FROM (SELECT brand, sector, clientele.sentiment_summary(sentiment) AS s
          FROM scored WHERE brand IS NOT NULL GROUP BY brand, sector) x
 ORDER BY (s).net DESC;

\echo
\echo '=== The most negative and most positive opinions, with their evidence ==='
SELECT round(sentiment::numeric, 3) AS score, lang, left(body, 90) AS message,
       (SELECT string_agg((e->>'term') || ' ' || (e->>'adjusted') ||
                          coalesce(' ' || nullif((e->'rules')::text, '[]'), ''), ', ')
          FROM jsonb_array_elements((clientele.sentiment_detail(body)).evidence) e) AS evidence
  FROM (SELECT * FROM scored WHERE kind = 'opinion' ORDER BY sentiment ASC, id LIMIT 5) neg
UNION ALL
SELECT NULL, NULL, '...', NULL
UNION ALL
SELECT round(sentiment::numeric, 3), lang, left(body, 90),
       (SELECT string_agg((e->>'term') || ' ' || (e->>'adjusted') ||
                          coalesce(' ' || nullif((e->'rules')::text, '[]'), ''), ', ')
          FROM jsonb_array_elements((clientele.sentiment_detail(body)).evidence) e)
  FROM (SELECT * FROM scored WHERE kind = 'opinion' ORDER BY sentiment DESC, id LIMIT 5) pos;

\echo
\echo '=== Why: one message explained ==='
SELECT compound, label, language, jsonb_pretty(evidence) AS evidence
  FROM clientele.sentiment_detail('Le packaging est joli mais la texture est horrible, je ne la rachèterai pas 😡');

\echo
\echo '=== Language detection against the generator''s labels ==='
SELECT lang, count(*) AS messages,
       round(avg((detected_lang = lang)::int), 3) AS accuracy_where_decided,
       round(avg((detected_lang IS NOT NULL)::int), 3) AS share_decided
  FROM scored GROUP BY lang ORDER BY lang;

\echo
\echo '=== Teaching it the domain: brand names are not opinions ("Belle Nature", "Nuance Studio") ==='
SELECT clientele.lexicon_load('brands', string_agg(DISTINCT brand || E'\t0', E'\n')) AS brand_names FROM posts WHERE brand IS NOT NULL;
SELECT brand, round(avg(sentiment)::numeric, 3) AS mean_builtin,
       round(avg(clientele.sentiment(body, 'auto', 'brands'))::numeric, 3) AS mean_with_brand_names
  FROM scored WHERE brand IN ('Belle Nature', 'Nuance Studio', 'Pure Skin Lab', 'Kaito') GROUP BY brand ORDER BY brand;

\echo
\echo '=== A domain lexicon for cosmetics ==='
SELECT clientele.lexicon_load('cosmetics', E'gras\t-1.5\ncollant\t-1.8\nwaterproof\t1.5\ntient toute la journée\t2.5\nne tient pas\t-2.2');
SELECT m, round(clientele.sentiment(m)::numeric, 3) AS builtin, round(clientele.sentiment(m, 'auto', 'cosmetics')::numeric, 3) AS with_cosmetics
  FROM (VALUES ('mascara waterproof qui tient toute la journée'), ('fini gras et collant')) v(m);
