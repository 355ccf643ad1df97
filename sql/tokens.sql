-- The tokenizer and the normal form.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;

-- every kind of token
SELECT * FROM clientele.tokens($$L'Oréal c'est TROP géniaaaal!!! 😍 #Déçue @nike $TSLA $5 3,5 10:30 https://x.com/a?b=1. don't :-) xD <3 aujourd'hui rip-off contact@shop.fr$$);

-- French elisions, apostrophe variants
SELECT token, normalized, kind FROM clientele.tokens('l’Oréal j‘adore qu`il jusqu''à lorsqu''on n''importe quoi s''il t''es m''a d''accord');
-- English contractions stay whole
SELECT token, normalized, kind FROM clientele.tokens('I don''t think it''s worth it, isn’t it?');

-- NFKC, case folding, accent folding (on by default, optional)
SELECT clientele.normal_form('Ｆｕｌｌ ﬁne Straße ŒUVRE cœur DÉÇUE naïve Ærø');
SELECT clientele.normal_form('Ｆｕｌｌ ﬁne Straße ŒUVRE cœur DÉÇUE naïve Ærø', false);
SELECT clientele.normal_form(U&'cafe\0301') AS combining,
       clientele.normal_form(U&'cafe\0301', false) = clientele.normal_form('café', false) AS composed;

-- elongation: runs of three or more letters are cut to two
SELECT token, normalized FROM clientele.tokens('géniaaaal sooooo goooood trooop NOOOON');

-- emoji sequences: skin tones and variation selectors dropped, ZWJ kept
SELECT token, normalized, kind FROM clientele.tokens('👍🏽 👨‍👩‍👧 🇫🇷 1️⃣ ❤️ ❤️‍🔥 😍😍');

-- emoticons, and what is not one
SELECT token, kind FROM clientele.tokens(':) :-( xD XD <3 ^^ :''( ;) :P :/ cool:) fixD 8-) :paris 10:30 http://a.b/c');

-- other scripts go through ICU
SELECT token, normalized, kind FROM clientele.tokens('ΚΑΛΗΜΕΡΑ Привет 東京タワー naïve İstanbul');

-- the Latin fast path agrees with ICU for every code point it covers
SELECT count(*) AS fast_path_disagreements
  FROM generate_series(160, 591) AS cp,
       LATERAL (VALUES (true), (false)) AS f(fold)
 WHERE position(' ' in clientele.normal_form(chr(cp) || 'ж', fold)) = 0
   AND clientele.normal_form(chr(cp) || 'ж', fold) <> clientele.normal_form(chr(cp), fold) || 'ж';

-- NULL, empty, white space only
SELECT * FROM clientele.tokens(NULL);
SELECT count(*) FROM clientele.tokens('');
SELECT count(*) FROM clientele.tokens(E' \t\n  ');
SELECT clientele.normal_form(''), clientele.normal_form(NULL) IS NULL AS null_in_null_out;

-- a million emoji, and 10 MB of text
SELECT count(*), count(DISTINCT normalized), min(kind), max(kind)
  FROM clientele.tokens(repeat('😀', 1000000));
SELECT length(clientele.normal_form(repeat('Déçue ', 1750000))) AS normal_form_length;

-- NFKC can expand a character 18 times (U+FDFA is 18 letters and spaces):
-- 1,000 of them make 18,000 characters; 35 million would make 630 million
-- UTF-16 code units, more than can be allocated: 54000, with the sizes
SELECT length(clientele.normal_form(repeat(U&'\FDFA', 1000))) AS expanded_length;
\set VERBOSITY default
SELECT length(clientele.normal_form(repeat(U&'\FDFA', 35000000)));

-- tokens() called once per row of a big set keeps memory flat: it returns
-- one row per call and frees its state after the last one
CREATE FUNCTION pg_temp.backend_memory() RETURNS bigint LANGUAGE sql VOLATILE
    AS 'SELECT sum(total_bytes)::bigint FROM pg_catalog.pg_backend_memory_contexts';
SELECT count(*) AS token_rows,
       count(mem) AS samples,
       max(mem) - min(mem) < 1000000 AS memory_flat
  FROM (SELECT clientele.tokens('so many words in message ' || g) AS t,
               CASE WHEN g % 10000 = 0 THEN pg_temp.backend_memory() END AS mem
          FROM generate_series(1, 100000) AS g) AS s;
-- value per call gives the same rows as before, in order
SELECT (clientele.tokens('Trooop BIEN :) #top')).*;
SELECT count(*) FROM (SELECT clientele.tokens(x) FROM (VALUES ('a b'), (''), ('c')) v(x)) s;

-- elongations are found on case-folded letters, so the normal form is
-- idempotent: normal_form(normal_form(x)) = normal_form(x)
SELECT x, clientele.normal_form(x) AS nf, clientele.normal_form(clientele.normal_form(x)) AS nf_nf
  FROM (VALUES ('looOOL'), ('looool'), ('OOo'), ('ooo'), ('SoOoO good'), ('GÉniAAal'), ('ÉÉé'), ('éÉe')) v(x);
SELECT fold, count(*) AS messages,
       count(*) FILTER (WHERE clientele.normal_form(nf, fold) <> nf) AS not_idempotent
  FROM (SELECT f.fold, clientele.normal_form(x, f.fold) AS nf
          FROM (SELECT body AS x FROM clientele.demo_messages(3000)
                UNION ALL
                -- mixed-case runs made on purpose: "sooo" -> "soOoOo"
                SELECT replace(replace(replace(body, 'o', 'oO'), 'e', 'eEé'), 'a', 'aaA')
                  FROM clientele.demo_messages(3000)) AS m,
               (VALUES (true), (false)) AS f(fold)) AS s
 GROUP BY fold ORDER BY fold;
-- a combining mark does not start a word, nor a segment after an apostrophe,
-- hyphen or dot (accent folding would drop it and leave "'nd", "e'" or "a-",
-- which read as two tokens): alone it is punctuation
SELECT x, clientele.normal_form(x) AS nf, clientele.normal_form(clientele.normal_form(x)) AS nf_nf,
       clientele.normal_form(x, false) AS nf_accents,
       clientele.normal_form(clientele.normal_form(x, false), false) AS nf_nf_accents
  FROM (VALUES (U&'\0301`ND'), (U&'\07F0`c''e'), (U&'e\0301t\00E9'), (U&'\0301'),
               (U&'e''\030D c'), (U&'a-\0301'), (U&'@a.\0301'), (U&'l''\0301x')) v(x);
SELECT t.* FROM clientele.tokens(U&'\0301`ND') AS t;
-- NFKC writes "l·" for "ŀ" (U+0140): the middle dot is dropped, as it would
-- read back as punctuation ("l·a" is three tokens)
SELECT x, clientele.normal_form(x) AS nf, clientele.normal_form(clientele.normal_form(x)) AS nf_nf,
       clientele.normal_form(x, false) AS nf_accents,
       clientele.normal_form(clientele.normal_form(x, false), false) AS nf_nf_accents
  FROM (VALUES ('ŀa'), ('Ŀa'), ('coŀlecció'), (U&'\0140\03B1'), ('col·lecció')) v(x);
-- and so is each token's normal form
SELECT count(*) AS tokens,
       count(*) FILTER (WHERE clientele.normal_form(t.normalized) <> t.normalized) AS not_idempotent
  FROM clientele.demo_messages(3000) AS m, clientele.tokens(m.body) AS t;
