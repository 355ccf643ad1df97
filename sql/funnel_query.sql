-- Keyword queries: parsing, canonical form, the semantics of every construct.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;
-- the operator lives in the extension's schema
SET search_path = public, clientele;

-- canonical forms (and they parse back to themselves)
SELECT q, q::clientele.kwquery AS canonical,
       (q::clientele.kwquery)::text::clientele.kwquery::text = (q::clientele.kwquery)::text AS round_trip
  FROM (VALUES ('loreal OR nutella'), ('L''Oréal'), ('a b c'), ('a OR b c'), ('(a OR b) c'),
               ('NOT a b'), ('-spam promo'), ('-(a OR b) c'), ('"rouge à lèvres"'),
               ('nutel*'), ('n?tella'), ('a NEAR/3 b'), ('a NEAR/3f b'), ('a ONEAR/2 b'),
               ('"livraison rapide"~4'), ('#Nutella @Marque $TSLA 😍'), ('raw:L''Oréal'),
               ('raw:"L''Oréal Paris"'), ('lang:fr parfum'), ('nutella.com'), ('and or'),
               ('a NEAR/2 b NEAR/2 c'), ('(a NEAR/2 b) NEAR/5 c'), ('(a OR b) NEAR/3 (c OR d)'),
               ('GÉNIAAAAL'), ('"\"quoted\" back"'), ('"10:30"'), ('NOT NOT a')) AS t(q);

-- untyped literals resolve to kwquery, never to text @@ text
SELECT 'J''adore Nutella au petit déj' @~> 'loreal OR nutella' AS op,
       clientele.matches('J''adore Nutella', 'loreal OR nutella') AS fn;

-- the semantics table: one message, one query, the expected answer
CREATE TEMP TABLE semantics (message text, query text, expected boolean);
INSERT INTO semantics VALUES
  -- bare words: case, accents, elisions, apostrophes
  ('J''adore L''ORÉAL', 'loreal', true),
  ('J''adore L''ORÉAL', 'oreal', true),
  ('J''adore L''ORÉAL', 'l''oréal', true),
  ('J’adore l’Oréal', 'L''Oreal', true),
  ('j''aime ce rouge', 'aime', true),
  ('Loreal Paris', 'l''oreal', true),
  ('le réal madrid', 'loreal', false),
  ('Crème DÉÇUE', 'decue creme', true),
  ('cœur', 'coeur', true),
  ('aujourd''hui', 'aujourd''hui', true),
  ('I don''t like it', 'don''t', true),
  ('I don''t like it', 'dont', false),
  -- implicit AND, OR, NOT, -, precedence NOT > AND > OR
  ('nutella et pain', 'nutella pain', true),
  ('nutella seul', 'nutella pain', false),
  ('pain seul', 'nutella OR pain', true),
  ('rien', 'nutella OR pain', false),
  ('nutella promo', 'nutella -promo', false),
  ('nutella vrai', 'nutella NOT promo', true),
  ('c seul', 'a OR b c', false),
  ('a seul', 'a OR b c', true),
  ('b c', 'a OR b c', true),
  ('c seul', '(a OR b) c', false),
  ('a c', '(a OR b) c', true),
  ('b', 'NOT a b', true),
  ('a b', 'NOT a b', false),
  ('x', 'NOT (a OR b)', true),
  ('b', 'NOT (a OR b)', false),
  ('a b', 'a AND b OR c', true),
  ('c', 'a AND b OR c', true),
  ('a', 'a AND b OR c', false),
  -- phrases
  ('rouge à lèvres mat', '"rouge à lèvres"', true),
  ('rouge et lèvres à', '"rouge à lèvres"', false),
  ('lèvres à rouge', '"rouge à lèvres"', false),
  ('Rouge, à lèvres !', '"rouge à lèvres"', true),
  ('j''aime l''oréal paris', '"aime l''oréal paris"', true),
  ('no no no', '"no no"', true),
  ('no yes no', '"no no"', false),
  ('le pot de nutella', 'nutella.com', false),
  ('visit nutella.com now', 'nutella.com', true),
  -- wildcards
  ('Nutellaaaa forever', 'nutel*', true),
  ('nutritif', 'nutel*', false),
  ('notella', 'n?tella', true),
  ('ntella', 'n?tella', false),
  ('nuutella', 'n?tella', false),
  ('#nutellalover', 'nutella*', true),
  ('lipstick', '*stick', true),
  ('lip-stick', 'lip*stick', true),  -- a hyphenated word is one word
  ('lipgloss stick', 'lip*stick', false),
  ('lipSTICK', 'l*p*k', true),
  ('éclat', '?clat', true),
  ('le pot nutella vide', '"pot nut*"', true),
  -- NEAR
  ('livraison vraiment très rapide', 'livraison NEAR/3 rapide', true),
  ('livraison vraiment pas du tout rapide', 'livraison NEAR/3 rapide', false),
  ('rapide la livraison', 'livraison NEAR/3 rapide', true),
  ('rapide la livraison', 'livraison NEAR/3f rapide', false),
  ('rapide la livraison', 'livraison ONEAR/3 rapide', false),
  ('livraison rapide', 'livraison ONEAR/1 rapide', true),
  ('livraison, hyper rapide', 'livraison NEAR/1 rapide', false),
  ('livraison rapide', '"rapide livraison"~1', true),
  ('livraison un deux trois rapide', '"rapide livraison"~3', false),
  ('livraison un deux trois rapide', '"rapide livraison"~4', true),
  ('nutella', 'nutella NEAR/2 nutella', false),
  ('nutella et nutella', 'nutella NEAR/2 nutella', true),
  ('a x c', '(a OR b) NEAR/2 (c OR d)', true),
  ('b x x d', '(a OR b) NEAR/2 (c OR d)', false),
  ('a b c', 'a NEAR/1 b NEAR/1 c', true),
  ('a b x c', 'a NEAR/1 b NEAR/1 c', false),
  ('c x a b', '(a NEAR/1 b) NEAR/2 c', true),
  -- hashtags, mentions, cashtags, emoji
  ('Trop bon #Nutella', '#nutella', true),
  ('Trop bon #Nutella', 'nutella', true),
  ('Trop bon Nutella', '#nutella', false),
  ('merci @Nutella', '@nutella', true),
  ('merci @Nutella', 'nutella', false),
  ('buy $TSLA now', '$tsla', true),
  ('buy TSLA now', '$tsla', false),
  ('je l''adore 😍😍', '😍', true),
  ('super 👍🏽', '👍', true),
  ('super 👍', 'super 😍', false),
  ('génial :-)', '":-)"', true),
  -- elongation
  ('c''est géniaaaaal', 'génial', true),
  ('c''est géniaaaaal', 'géniaal', true),
  ('soooo good', '"so good"', true),
  -- raw: exact forms
  ('J''adore L''Oréal', 'raw:L''Oréal', true),
  ('J''adore l''oreal', 'raw:L''Oréal', false),
  ('J''adore L''Oréal', 'raw:Oréal', true),
  ('J''adore L''Oréal Paris', 'raw:"L''Oréal Paris"', true),
  ('J''adore L''Oréal paris', 'raw:"L''Oréal Paris"', false),
  ('APPLE pie', 'raw:APPLE', true),
  ('Apple pie', 'raw:APPLE', false),
  -- lang:
  ('Je trouve que ce parfum est vraiment très agréable', 'lang:fr parfum', true),
  ('I think this perfume is really very nice and I love it', 'lang:fr perfume', false),
  ('I think this perfume is really very nice and I love it', 'lang:en perfume', true),
  ('parfum', 'lang:fr parfum', false),
  ('I think this perfume is really nice', 'perfume -lang:fr', true);

SELECT message, query, expected,
       message @~> query::clientele.kwquery AS matcher,
       clientele.matches_reference(message, query::clientele.kwquery) AS reference
  FROM semantics
 WHERE (message @~> query::clientele.kwquery) IS DISTINCT FROM expected
    OR clientele.matches_reference(message, query::clientele.kwquery) IS DISTINCT FROM expected;
SELECT count(*) AS semantics_rows, count(*) FILTER (WHERE expected) AS expected_true FROM semantics;

-- the index plan agrees with the matcher on every row of the table
SELECT count(*) FILTER (WHERE clientele.kwquery_check(message, query) IS DISTINCT FROM expected) AS plan_check_failures
  FROM semantics;

-- to_kwquery with a default language
SELECT clientele.to_kwquery('parfum OR perfume', 'fr'), clientele.to_kwquery('parfum lang:en', 'fr'),
       clientele.to_kwquery('parfum', 'auto');

-- highlight and match_positions
SELECT clientele.highlight('J''adore L''Oréal Paris et le #Nutella 😍 !', 'loreal OR nutella OR 😍 OR "oreal paris"');
SELECT clientele.highlight('livraison vraiment rapide, pas de promo', 'livraison NEAR/3 rapide -promo', '[', ']');
SELECT * FROM clientele.match_positions('J''adore L''Oréal Paris et le #Nutella 😍 !', 'loreal OR nutel* OR "oréal paris"');


-- the index plan of a query: implied conditions on keys (= marks exact nodes)
SELECT q, clientele.kwquery_plan(q::clientele.kwquery) AS plan
  FROM (VALUES ('loreal OR nutella'), ('nutella -promo'), ('"rouge à lèvres"'), ('nutel* -"pot vide"'),
               ('a NEAR/3 b'), ('raw:APPLE'), ('lang:fr parfum'), ('NOT (a b)'), ('-nut*'), ('(a OR NOT b) c')) AS t(q);
