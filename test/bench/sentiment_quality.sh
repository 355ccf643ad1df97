#!/usr/bin/env bash
# Quality figures: Pearson correlation of clientele.sentiment() with the
# human ratings of the development set (../shared/data/sentiment-dev, not
# copied into the repository), 3-class accuracy on the project's labelled
# messages, and language detection accuracy on labelled messages and on the
# demo corpus.  Run by run.sh inside a throwaway cluster.
set -euo pipefail
DEV=${CLIENTELE_SHARED:-../shared}/data/sentiment-dev
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION IF NOT EXISTS clientele;
SET client_min_messages = warning;
DROP TABLE IF EXISTS dev;
CREATE TABLE dev (file text, id text, rating float8, message text);
SQL
for f in amazonReviewSnippets_GroundTruth movieReviewSnippets_GroundTruth; do
	if [ -r "$DEV/$f.txt" ]; then
		psql -X -q -v ON_ERROR_STOP=1 -c "\\copy dev (id, rating, message) FROM '$DEV/$f.txt' WITH (FORMAT csv, DELIMITER E'\\t', QUOTE E'\\x01')" \
			-c "UPDATE dev SET file = '$f' WHERE file IS NULL"
	else
		echo "development set $DEV/$f.txt not found: skipped"
	fi
done
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
\echo Pearson correlation with the human mean rating (development set, English)
SELECT file, count(*) AS snippets,
       round(corr(clientele.sentiment(message, 'en'), rating)::numeric, 3) AS pearson_lang_en,
       round(corr(clientele.sentiment(message), rating)::numeric, 3) AS pearson_detected
  FROM dev GROUP BY file ORDER BY file;

CREATE TEMP TABLE labelled (lang text, label text, category text, message text);
\copy labelled (label, category, message) FROM 'test/data/sentiment-en.tsv' WITH (FORMAT csv, DELIMITER E'\t', QUOTE E'\x01')
UPDATE labelled SET lang = 'en' WHERE lang IS NULL;
\copy labelled (label, category, message) FROM 'test/data/sentiment-fr.tsv' WITH (FORMAT csv, DELIMITER E'\t', QUOTE E'\x01')
UPDATE labelled SET lang = 'fr' WHERE lang IS NULL;
\echo '3-class accuracy on the labelled messages of test/data'
SELECT lang, count(*) AS messages,
       round(avg(((clientele.sentiment_detail(message)).label = label)::int), 3) AS accuracy
  FROM labelled GROUP BY lang ORDER BY lang;
\echo accuracy per category
SELECT lang, category, count(*) AS n,
       round(avg(((clientele.sentiment_detail(message)).label = label)::int), 2) AS accuracy
  FROM labelled GROUP BY lang, category ORDER BY lang, accuracy;
\echo language detection on the labelled messages
SELECT lang, round(avg((clientele.detect_language(message) = lang)::int), 3) AS accuracy_where_decided,
       round(avg((clientele.detect_language(message) IS NOT NULL)::int), 3) AS share_decided,
       round(avg((coalesce(clientele.detect_language(message), '') = lang)::int), 3) AS accuracy_overall
  FROM labelled GROUP BY lang ORDER BY lang;
\echo language detection and sentiment on 100,000 demo messages (labels from the generator)
CREATE TEMP TABLE demo AS SELECT * FROM clientele.demo_messages(100000, 11);
SELECT lang, round(avg((clientele.detect_language(body) = lang)::int), 3) AS accuracy_where_decided,
       round(avg((clientele.detect_language(body) IS NOT NULL)::int), 3) AS share_decided
  FROM demo GROUP BY lang ORDER BY lang;
SELECT lang, round(avg(((clientele.sentiment_detail(body)).label = intent)::int), 3) AS sentiment_accuracy_vs_intent
  FROM demo GROUP BY lang ORDER BY lang;
SQL
