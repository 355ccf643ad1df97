-- Quality on the project's labelled messages (test/data), written before the
-- scorer was tuned: 3-class accuracy of at least 0.80 per language.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;

CREATE TEMP TABLE labelled (lang text, label text, category text, message text);
\copy labelled (label, category, message) FROM 'test/data/sentiment-en.tsv' WITH (FORMAT csv, DELIMITER E'\t', QUOTE E'\x01')
UPDATE labelled SET lang = 'en' WHERE lang IS NULL;
\copy labelled (label, category, message) FROM 'test/data/sentiment-fr.tsv' WITH (FORMAT csv, DELIMITER E'\t', QUOTE E'\x01')
UPDATE labelled SET lang = 'fr' WHERE lang IS NULL;

CREATE TEMP TABLE scored AS
SELECT lang, label, category, message,
       (clientele.sentiment_detail(message)).label AS predicted
  FROM labelled;

SELECT lang, count(*) AS messages,
       round(avg((predicted = label)::int), 3) AS accuracy,
       avg((predicted = label)::int) >= 0.80 AS at_least_080
  FROM scored GROUP BY lang ORDER BY lang;

-- the same with the language given instead of detected
SELECT lang, avg(((clientele.sentiment_detail(message, lang)).label = label)::int) >= 0.80 AS at_least_080
  FROM labelled GROUP BY lang ORDER BY lang;
