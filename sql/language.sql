-- Language detection.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;

SELECT m, clientele.detect_language(m)
  FROM (VALUES ('Je ne recommande pas ce produit'),
               ('I love this lipstick so much'),
               ('livraison rapide, merci !'),
               ('worst customer service ever'),
               ('c''est top'),
               ('it''s a must have'),
               ('Top'),
               ('ok'),
               ('😍😍😍'),
               ('12345 #promo @shop'),
               (''),
               (NULL)) AS v(m);

-- accuracy on the labelled messages (language known from the file)
CREATE TEMP TABLE labelled (lang text, label text, category text, message text);
\copy labelled (label, category, message) FROM 'test/data/sentiment-en.tsv' WITH (FORMAT csv, DELIMITER E'\t', QUOTE E'\x01')
UPDATE labelled SET lang = 'en' WHERE lang IS NULL;
\copy labelled (label, category, message) FROM 'test/data/sentiment-fr.tsv' WITH (FORMAT csv, DELIMITER E'\t', QUOTE E'\x01')
UPDATE labelled SET lang = 'fr' WHERE lang IS NULL;

SELECT lang, count(*) AS messages,
       round(avg((clientele.detect_language(message) = lang)::int), 2) AS accuracy_where_decided,
       round(avg((clientele.detect_language(message) IS NOT NULL)::int), 2) AS decided,
       avg((clientele.detect_language(message) = lang)::int) >= 0.95 AS accurate_enough
  FROM labelled GROUP BY lang ORDER BY lang;
