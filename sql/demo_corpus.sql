-- The deterministic demo corpus: clientele.demo_messages(n, seed, day).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;

-- determinism: the same seed gives the same rows, another seed other rows
SELECT (SELECT md5(string_agg(t::text, E'\n' ORDER BY id)) FROM clientele.demo_messages(2000, 7) t)
     = (SELECT md5(string_agg(t::text, E'\n' ORDER BY id)) FROM clientele.demo_messages(2000, 7) t) AS same_seed_same_rows,
       (SELECT md5(string_agg(t::text, E'\n' ORDER BY id)) FROM clientele.demo_messages(2000, 7) t)
    <> (SELECT md5(string_agg(t::text, E'\n' ORDER BY id)) FROM clientele.demo_messages(2000, 8) t) AS other_seed_other_rows;
-- a row does not depend on n: the first 500 rows of 2,000 are the 500 rows of 500
SELECT (SELECT md5(string_agg(t::text, E'\n' ORDER BY id)) FROM clientele.demo_messages(2000, 7) t WHERE id <= 500)
     = (SELECT md5(string_agg(t::text, E'\n' ORDER BY id)) FROM clientele.demo_messages(500, 7) t) AS prefix_stable;

-- the mix, on 20,000 rows
CREATE TEMP TABLE demo AS SELECT * FROM clientele.demo_messages(20000);
SELECT count(*) AS n,
       count(DISTINCT id) = 20000 AND min(id) = 1 AND max(id) = 20000 AS ids_1_to_n,
       avg((lang = 'fr')::int) BETWEEN 0.55 AND 0.65 AS french_share_ok,
       bool_and(lang IN ('fr', 'en')) AS langs_ok,
       count(DISTINCT kind) AS kinds,
       count(DISTINCT sector) AS sectors,
       count(DISTINCT brand) AS brands,
       count(DISTINCT channel) AS channels,
       count(DISTINCT intent) AS intents,
       bool_and(created_at >= '2026-03-15 00:00+00' AND created_at < '2026-03-16 00:00+00') AS within_day,
       bool_and(reach >= 0 AND likes >= 0 AND likes <= reach) AS audience_ok,
       bool_and(body <> '' AND author <> '') AS texts_ok
FROM demo;
SELECT array_agg(DISTINCT kind ORDER BY kind) AS kinds,
       array_agg(DISTINCT sector ORDER BY sector) FILTER (WHERE sector IS NOT NULL) AS sectors,
       array_agg(DISTINCT intent ORDER BY intent) AS intents,
       array_agg(DISTINCT channel ORDER BY channel) AS channels
FROM demo;
-- each kind near its planned share; chatter has no brand, the others a sector
SELECT kind,
       abs(count(*) / 20000.0 - CASE kind WHEN 'opinion' THEN 0.55 WHEN 'question' THEN 0.10
           WHEN 'news' THEN 0.05 WHEN 'spam' THEN 0.10 WHEN 'job' THEN 0.05 ELSE 0.15 END) < 0.02 AS share_ok,
       CASE WHEN kind = 'chatter' THEN bool_and(brand IS NULL AND sector IS NULL)
            WHEN kind = 'spam' THEN bool_and((brand IS NULL) = (sector IS NULL))
            ELSE bool_and(brand IS NOT NULL AND sector IS NOT NULL) END AS brand_ok
FROM demo GROUP BY kind ORDER BY kind;

-- planted near-duplicates: ~4%, always of an earlier, existing, original row
SELECT avg((dup_of IS NOT NULL)::int) BETWEEN 0.02 AND 0.06 AS dup_share_ok,
       bool_and(dup_of < id) FILTER (WHERE dup_of IS NOT NULL) AS dup_before,
       count(*) FILTER (WHERE dup_of IS NOT NULL AND NOT EXISTS (SELECT 1 FROM demo o WHERE o.id = d.dup_of)) AS dangling,
       count(*) FILTER (WHERE dup_of IS NOT NULL AND (SELECT o.dup_of FROM demo o WHERE o.id = d.dup_of) IS NOT NULL) AS dup_of_dup,
       count(*) FILTER (WHERE body LIKE 'RT @%') > 0 AS has_retweets
FROM demo d;
-- a duplicate keeps its original's language, brand, kind and intent
SELECT count(*) AS mismatches
FROM demo d JOIN demo o ON o.id = d.dup_of
WHERE (d.lang, coalesce(d.brand, ''), d.kind, d.intent) <> (o.lang, coalesce(o.brand, ''), o.kind, o.intent);

-- n = 0, errors, NULL arguments
SELECT count(*) FROM clientele.demo_messages(0);
SELECT count(*) FROM clientele.demo_messages(-1);
SELECT count(*) FROM clientele.demo_messages(200000000);
SELECT count(*) FROM clientele.demo_messages(NULL);
SELECT count(*) FROM clientele.demo_messages(10, NULL);
-- another day shifts the timestamps
SELECT count(*) = 100 AS all_on_that_day
FROM clientele.demo_messages(100, 42, '2024-02-29')
WHERE created_at >= '2024-02-29 00:00+00' AND created_at < '2024-03-01 00:00+00';

-- six sample rows (deterministic)
SELECT id, lang, kind, intent, brand, body FROM clientele.demo_messages(6, 2026);
