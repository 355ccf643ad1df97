-- Sentiment rules, one example per rule and language, with their evidence.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;

CREATE FUNCTION pg_temp.explain(m text, l text DEFAULT 'auto')
RETURNS TABLE (label text, lang text, evidence text)
LANGUAGE sql AS $$
  SELECT d.label, d.language,
         (SELECT string_agg(e->>'term' || CASE WHEN jsonb_array_length(e->'rules') > 0
                                               THEN '[' || (SELECT string_agg(r, ',') FROM jsonb_array_elements_text(e->'rules') r) || ']'
                                               ELSE '' END, ' ')
            FROM jsonb_array_elements(d.evidence) e)
    FROM clientele.sentiment_detail(m, l) d
$$;

SELECT m, e.* FROM (VALUES
  -- plain valences
  ('Ce rouge à lèvres est magnifique'),
  ('This mascara is horrible'),
  -- negation, French ne ... pas around the verb, spoken pas, jamais, sans
  ('Je n''aime pas du tout cette crème'),
  ('je n''en veux plus jamais'),
  ('je ne l''aime pas'),
  ('c''est pas bon'),
  ('jamais déçue par cette marque'),
  ('livré sans problème'),
  ('I don''t like this foundation'),
  ('not good at all'),
  ('never disappointed'),
  -- negated boosters
  ('ce n''est pas très bon'),
  ('not very good'),
  -- boosters and dampeners
  ('vraiment très bon'),
  ('un peu décevant'),
  ('extremely good'),
  ('kind of disappointing'),
  -- contrast and concession
  ('Le packaging est joli mais la texture est horrible'),
  ('Great colour but it feels sticky'),
  ('Although it is pricey, I love it'),
  ('même si c''est cher, je l''adore'),
  -- capitals, elongation, exclamation
  ('the service was HORRIBLE today'),
  ('trooop bien!!!'),
  ('sooo good'),
  -- emoji and emoticons
  ('😍😍😍'),
  ('🤮'),
  ('livraison reçue :('),
  ('merci <3'),
  -- idioms and phrases
  ('pas mal du tout'),
  ('pas terrible'),
  ('c''est une tuerie'),
  ('au top'),
  ('bof'),
  ('not bad'),
  ('a waste of money'),
  ('works like a charm'),
  -- hashtags
  ('nouvelle palette #déçue'),
  ('new palette #love'),
  -- neutral
  ('La boutique ouvre à 10h'),
  ('Does it come in other colours?')
) AS v(m), LATERAL pg_temp.explain(m) e;

-- the score is in [-1, 1], detail's compound equals sentiment(), shares sum to 1
SELECT bool_and(s BETWEEN -1 AND 1) AS in_range,
       bool_and(s = (clientele.sentiment_detail(m)).compound) AS detail_agrees,
       bool_and(abs((d).positive + (d).negative + (d).neutral - 1) < 1e-9 OR m = '') AS shares_sum_to_one
  FROM (SELECT m, clientele.sentiment(m) AS s, clientele.sentiment_detail(m) AS d
          FROM (VALUES ('good'), ('bad'), ('pas mal'), ('meh'), (''), ('😡😡😡 WORST DAY EVER!!!!!!')) AS v(m)) x;

-- the language argument
SELECT clientele.sentiment('super', 'fr') > 0 AS fr_super,
       clientele.sentiment('pain', 'fr') = 0 AS fr_pain_is_bread,
       clientele.sentiment('FR', 'FR') IS NOT NULL AS lang_case_insensitive,
       clientele.sentiment('good', 'auto') = clientele.sentiment('good') AS auto;
SELECT (clientele.sentiment_detail('good', 'en')).language, (clientele.sentiment_detail('bon', 'fr')).language,
       (clientele.sentiment_detail('😍')).language IS NULL AS undecided_is_null;

-- NULL, empty, white space
SELECT clientele.sentiment(NULL), clientele.sentiment('x', NULL), clientele.sentiment_detail(NULL);
SELECT clientele.sentiment(''), clientele.sentiment(E'  \t\n'), (clientele.sentiment_detail('')).label;

-- huge inputs: 100 MB, a million emoji, long evidence is truncated
SELECT round(clientele.sentiment(repeat('bon ', 25000000))::numeric, 3) AS hundred_mb;
SELECT round(clientele.sentiment(repeat('😡', 1000000))::numeric, 3) AS million_emoji;
SELECT jsonb_array_length(evidence) AS items, evidence->-1 AS last
  FROM clientele.sentiment_detail(repeat('good ', 20000));

-- bad language values
SELECT clientele.sentiment('bon', 'de');
SELECT clientele.sentiment('bon', '');
SELECT clientele.sentiment_detail('bon', 'français');

-- the built-in lexicons
SELECT kind, count(*) >= 5000 AS at_least_5000 FROM clientele.builtin_lexicon('en') WHERE kind = 'valence' GROUP BY kind;
SELECT kind, count(*) >= 5000 AS at_least_5000 FROM clientele.builtin_lexicon('fr') WHERE kind = 'valence' GROUP BY kind;
SELECT count(*) >= 300 AS at_least_300_emoji FROM clientele.builtin_lexicon('emoji') WHERE term !~ '^[ -~]+$';
SELECT bool_and(valence BETWEEN -4 AND 4) AS valences_in_range FROM clientele.builtin_lexicon('fr') WHERE kind = 'valence';
SELECT * FROM clientele.builtin_lexicon('fr') WHERE term IN ('déçu', 'déçue', 'déçus', 'déçues') ORDER BY term;
SELECT * FROM clientele.builtin_lexicon('xx');

-- runs of "!" and "?" of any length: the marks count up to their bound, so
-- a run of 64 or more (longer than any lexicon key) scores as a run of 4
SELECT n, round(clientele.sentiment('so great' || repeat('!', n) || ' bad')::numeric, 3) AS s
  FROM (VALUES (1), (4), (63), (64), (70), (1000)) AS v(n);
SELECT count(DISTINCT clientele.sentiment('so great' || repeat('!', n) || ' bad')) AS scores_4_to_300,
       count(DISTINCT clientele.sentiment('so great' || repeat('!?', n) || ' bad')) AS mixed_scores,
       count(DISTINCT clientele.sentiment('so great' || repeat('!', n) || '? bad')) AS question_last,
       count(DISTINCT (clientele.sentiment_detail('so great' || repeat('.', n) || ' bad')).compound) AS dots
  FROM generate_series(4, 300) AS n;
SELECT (clientele.sentiment_detail('so great' || repeat('!', 200) || '? bad')).compound
     = (clientele.sentiment_detail('so great!!!!? bad')).compound AS long_run_keeps_its_question;
