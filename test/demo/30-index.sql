-- The keyword index: one index on the message text answers listening queries
-- (French and English, hashtags, emoji, phrases, wildcards, NEAR) without
-- reading the whole day.
\echo
\echo '=== The keyword index: CREATE INDEX ... USING kwindex (body) ==='
SET search_path = public, clientele;
\timing on
CREATE INDEX posts_body_kw ON posts USING kwindex (body);
\timing off
SELECT pg_size_pretty(pg_relation_size('posts_body_kw')) AS index_size,
       pg_size_pretty(pg_relation_size('posts')) AS table_size;
ANALYZE posts;

-- a selective query uses the index; a broad one reads the table
EXPLAIN (COSTS OFF) SELECT count(*) FROM posts WHERE body @~> '"biscuiterie morel" NEAR/5 #fail';
EXPLAIN (COSTS OFF) SELECT count(*) FROM posts WHERE body @~> 'NOT crunchoc';

\timing on
SELECT count(*) AS crunchoc_complaints FROM posts WHERE body @~> 'crunchoc (#fail OR #boycott OR 🤬 OR 😡) -concours';
SELECT id, left(body, 90) AS message FROM posts WHERE body @~> 'livraison NEAR/3 (lente OR retard*)' ORDER BY id LIMIT 5;
\timing off

-- new messages are found at once (insert buffer), VACUUM merges them into the index
INSERT INTO posts (id, body) VALUES (9000001, 'Les biscuits Crunchoc sont introuvables en magasin #fail');
SELECT id FROM posts WHERE body @~> 'crunchoc introuvable*';
VACUUM posts;
SELECT pages, keys, postings, pending_rows, heap_rows FROM clientele.kw_index_check('posts_body_kw');
DELETE FROM posts WHERE id = 9000001;
RESET search_path;
