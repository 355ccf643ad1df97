-- Near-duplicates: simhash, hamming, bands, and the grouping recipe measured
-- on the demo corpus's planted duplicates.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;

-- case, accents, punctuation and elongations do not change the fingerprint
SELECT clientele.simhash('Le NOUVEAU rouge à lèvres est génial !!!') =
       clientele.simhash('le nouveau rouge a levres est géniaaaal') AS same;
-- a retweet or one changed word is a few bits away; another message about 32
SELECT clientele.hamming(clientele.simhash(a), clientele.simhash(b)) AS bits, a, b
  FROM (VALUES ('Livraison super rapide et produit conforme, je recommande vivement cette boutique',
                'RT @julie: Livraison super rapide et produit conforme, je recommande vivement cette boutique'),
               ('Livraison super rapide et produit conforme, je recommande vivement cette boutique',
                'Livraison super rapide et produit conforme, je recommande vivement cette boutique 😍'),
               ('Livraison super rapide et produit conforme, je recommande vivement cette boutique',
                'The engine makes a strange noise since the last service, very disappointed')) AS t(a, b);
-- hamming: by hand
SELECT clientele.hamming(0, 0) AS zero, clientele.hamming(0, -1) AS all_64,
       clientele.hamming(5, 6) AS two, clientele.hamming(x'8000000000000000'::bigint, 0) AS sign_bit;
-- bands: max_distance + 1 slices (four of 16 bits by default)
SELECT clientele.simhash_bands(x'0004000300020001'::bigint) AS bands,
       clientele.simhash_bands(-1, 1) AS two_bands;
SELECT clientele.simhash(''), clientele.simhash('un'), clientele.simhash(NULL) IS NULL AS null_in;

\set k 7
-- the recipe: near-duplicates of 5,000 demo messages in one statement
CREATE TEMP TABLE sample AS
SELECT id, body, dup_of, clientele.simhash(body) AS fp FROM clientele.demo_messages(5000, 42);
CREATE TEMP TABLE found AS
WITH bands AS (SELECT id, fp, unnest(clientele.simhash_bands(fp, :k)) AS band FROM sample)
SELECT a.id, min(b.id) AS original
  FROM bands a JOIN bands b ON a.band = b.band AND b.id < a.id
 WHERE clientele.hamming(a.fp, b.fp) <= :k
 GROUP BY a.id;
-- planted groups: a duplicate and its original share a root
CREATE TEMP TABLE planted AS SELECT id, coalesce(dup_of, id) AS root FROM sample;
-- A found pair is right when the generator planted it, or when the two
-- messages share at least 70% of their words (Jaccard similarity of their
-- sets of normal forms, without punctuation, mentions, URLs and numbers):
-- the generator also writes near-identical chatter and spam by chance.
CREATE TEMP TABLE words AS
SELECT id, array_agg(DISTINCT normalized) AS w
  FROM sample, clientele.tokens(body)
 WHERE kind NOT IN ('punct', 'mention', 'url', 'email', 'number') GROUP BY id;
CREATE FUNCTION pg_temp.jaccard(a text[], b text[]) RETURNS float8 LANGUAGE sql AS
$$ SELECT (SELECT count(*) FROM (SELECT unnest(a) INTERSECT SELECT unnest(b)) i)::float8
        / greatest((SELECT count(*) FROM (SELECT unnest(a) UNION SELECT unnest(b)) u), 1) $$;
CREATE TEMP TABLE judged AS
SELECT f.id, f.original, pa.root = pb.root AS planted,
       pg_temp.jaccard(wa.w, wb.w) >= 0.7 AS close_words
  FROM found f JOIN planted pa ON pa.id = f.id JOIN planted pb ON pb.id = f.original
  LEFT JOIN words wa ON wa.id = f.id LEFT JOIN words wb ON wb.id = f.original;
SELECT (SELECT count(*) FROM sample WHERE dup_of IS NOT NULL) AS planted_duplicates,
       count(*) AS found_duplicates,
       count(*) FILTER (WHERE planted) AS found_planted,
       count(*) FILTER (WHERE NOT planted AND close_words) AS found_close_unplanted,
       round(count(*) FILTER (WHERE planted OR close_words) / count(*)::numeric, 3) AS precision,
       round((SELECT count(*) FROM sample WHERE dup_of IS NOT NULL AND id IN (SELECT id FROM found))
             / (SELECT count(*) FROM sample WHERE dup_of IS NOT NULL)::numeric, 3) AS recall_of_planted
  FROM judged;
-- the pairs found that are neither planted nor the same words
SELECT f.id, f.original, clientele.hamming(a.fp, b.fp) AS bits, left(a.body, 60) AS message, left(b.body, 60) AS original_message
  FROM found f JOIN sample a ON a.id = f.id JOIN sample b ON b.id = f.original
 WHERE (f.id, f.original) IN (SELECT id, original FROM judged WHERE NOT planted AND NOT close_words)
 ORDER BY f.id LIMIT 10;
-- what the misses look like: the planted variation changed too much
SELECT s.id, s.dup_of, clientele.hamming(s.fp, o.fp) AS bits, left(o.body, 60) AS original, left(s.body, 60) AS duplicate
  FROM sample s JOIN sample o ON o.id = s.dup_of
 WHERE s.id NOT IN (SELECT id FROM found)
 ORDER BY s.id LIMIT 5;
