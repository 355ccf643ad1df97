-- Themes under row-level security: in one backend, a role never gets a
-- theme set compiled from rows only another role may read.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;

INSERT INTO clientele.theme_set (name) VALUES ('guarded');
INSERT INTO clientele.theme (theme_set, name, query, priority) VALUES
  ('guarded', 'a refund', 'refund*', 2),
  ('guarded', 'a delivery', 'delivery', 1),
  ('guarded', 'b refund', 'refund*', 2),
  ('guarded', 'b price', 'price', 1);
-- the superuser compiles the whole set first: this is what a leak would hand out
SELECT clientele.themes('refund for the delivery, what a price', 'guarded') AS superuser_sees_all;

CREATE ROLE clientele_theme_a;
CREATE ROLE clientele_theme_b;
CREATE ROLE clientele_theme_tenant;
ALTER TABLE clientele.theme ENABLE ROW LEVEL SECURITY;
CREATE POLICY theme_a ON clientele.theme FOR SELECT TO clientele_theme_a
    USING (name LIKE 'a %');
CREATE POLICY theme_b ON clientele.theme FOR SELECT TO clientele_theme_b
    USING (name LIKE 'b %');
-- a pooled application: one role, the tenant in a setting
CREATE POLICY theme_tenant ON clientele.theme FOR SELECT TO clientele_theme_tenant
    USING (name LIKE current_setting('clientele_test.tenant') || ' %');

SELECT clientele.themes('refund for the delivery, what a price', 'guarded') AS superuser_still_sees_all;
SET ROLE clientele_theme_a;
SELECT clientele.themes('refund for the delivery, what a price', 'guarded') AS a_sees_a;
SET ROLE clientele_theme_b;
SELECT clientele.themes('refund for the delivery, what a price', 'guarded') AS b_sees_b;
SET ROLE clientele_theme_a;
SELECT clientele.themes('refund for the delivery, what a price', 'guarded') AS a_sees_a_again;
-- every row of one statement gets the same (own) set
SELECT m, clientele.themes(m, 'guarded') AS a_themes
  FROM (VALUES ('a refund please'), ('late delivery'), ('the price!')) AS t(m);

-- a change committed in between is seen by the next statement of each role
RESET ROLE;
INSERT INTO clientele.theme (theme_set, name, query, priority) VALUES
  ('guarded', 'a price', 'price', 0),
  ('guarded', 'b delivery', 'delivery', 0);
SET ROLE clientele_theme_a;
SELECT clientele.themes('refund for the delivery, what a price', 'guarded') AS a_after_insert;
SET ROLE clientele_theme_b;
SELECT clientele.themes('refund for the delivery, what a price', 'guarded') AS b_after_insert;
RESET ROLE;
DELETE FROM clientele.theme WHERE theme_set = 'guarded' AND name = 'a refund';
SET ROLE clientele_theme_a;
SELECT clientele.themes('refund for the delivery, what a price', 'guarded') AS a_after_delete;
SET ROLE clientele_theme_b;
SELECT clientele.themes('refund for the delivery, what a price', 'guarded') AS b_after_delete;

-- one role, a policy that reads a setting: nothing is shared between statements
SET ROLE clientele_theme_tenant;
SET clientele_test.tenant = 'a';
SELECT clientele.themes('refund for the delivery, what a price', 'guarded') AS tenant_a;
SET clientele_test.tenant = 'b';
SELECT clientele.themes('refund for the delivery, what a price', 'guarded') AS tenant_b;
SET clientele_test.tenant = 'a';
SELECT clientele.themes('refund for the delivery, what a price', 'guarded') AS tenant_a_again;
RESET clientele_test.tenant;

-- row_security = off: a role the policies filter gets the error a direct
-- query gives (42501), not the set the superuser compiled
SET ROLE clientele_theme_a;
SET row_security = off;
SELECT clientele.themes('refund', 'guarded');
SELECT count(*) FROM clientele.theme WHERE theme_set = 'guarded';
RESET row_security;
RESET ROLE;
SET row_security = off;
SELECT clientele.themes('refund for the delivery, what a price', 'guarded') AS superuser_row_security_off;
RESET row_security;

-- without RLS, a role compiles the whole set again under its own key
DROP POLICY theme_a ON clientele.theme;
DROP POLICY theme_b ON clientele.theme;
DROP POLICY theme_tenant ON clientele.theme;
ALTER TABLE clientele.theme DISABLE ROW LEVEL SECURITY;
SET ROLE clientele_theme_b;
SELECT clientele.themes('refund for the delivery, what a price', 'guarded') AS b_without_rls;
RESET ROLE;

-- PL/pgSQL keeps a simple expression's state for the whole transaction: a
-- write between two evaluations of the same expression is still seen
DO $$
DECLARE
    found text[];
BEGIN
    FOR round IN 1..3 LOOP
        found := clientele.themes('zzz', 'guarded');
        RAISE NOTICE 'round %: %', round, found;
        INSERT INTO clientele.theme (theme_set, name, query) VALUES ('guarded', 'z' || round, 'zzz');
    END LOOP;
END
$$;

-- the cache holds 32 objects: one statement cycling through 40 sets twice
-- evicts entries it used earlier, and still matches every row right
INSERT INTO clientele.theme_set (name) SELECT 'cycle ' || i FROM generate_series(1, 40) i;
INSERT INTO clientele.theme (theme_set, name, query)
SELECT 'cycle ' || i, 'word' || i, ('word' || i)::clientele.kwquery FROM generate_series(1, 40) i;
SELECT count(*) AS calls,
       count(*) FILTER (WHERE clientele.themes('word' || (k % 40 + 1), 'cycle ' || (k % 40 + 1))
                        = ARRAY['word' || (k % 40 + 1)]) AS right_theme,
       count(*) FILTER (WHERE clientele.themes('word' || (k % 40 + 1), 'cycle ' || ((k + 1) % 40 + 1))
                        = '{}') AS no_other_theme
  FROM generate_series(0, 79) k;

DELETE FROM clientele.theme_set WHERE name = 'guarded' OR name LIKE 'cycle %';
DROP ROLE clientele_theme_a;
DROP ROLE clientele_theme_b;
DROP ROLE clientele_theme_tenant;
